"""How the notes' exact forms fail, per interpreter version and start method — measured, not guessed.

Every entry was observed on a real interpreter (see ``matrix/results/``); the tests turn each into
``xfail(strict=True, raises=...)`` plus a message check, so a behaviour change in a new release
fails the suite instead of passing silently.
"""

from __future__ import annotations

import contextlib
import pickle
import re
import sys
import warnings
from typing import Iterator, NamedTuple

import pytest


class ExpectedFailure(NamedTuple):
    raises: type[BaseException]
    message: str  # a regular expression the exception's str() must match
    why: str


def closure_target(effective_method: str) -> ExpectedFailure | None:
    """The notes' class-based sender passes a closure as ``Process`` target (``queue-class``)."""
    if effective_method == "fork":
        return None  # the child inherits the closure in memory: nothing is pickled
    why = f"{effective_method} pickles the Process target; a local function cannot be pickled"
    local = re.escape("A.__init__.<locals>.sender")
    if sys.implementation.name == "pypy":
        return ExpectedFailure(pickle.PicklingError, f"Can't pickle .*{local}", why)
    version = tuple(sys.version_info[:3])  # a plain tuple: mypy must not prune branches per target
    if version >= (3, 14):
        # 3.14 raises PicklingError from the C pickler, with a note naming the object.
        return ExpectedFailure(pickle.PicklingError, f"Can't pickle local object .*{local}", why)
    if version >= (3, 12, 2):
        # Measured on 3.13.0 (pyenv) and the sid 3.13.x: "Can't get local object" — the C pickler's
        # lookup error, reworded in the 3.12/3.13 maintenance branches.
        return ExpectedFailure(AttributeError, f"Can't get local object '{local}'", why)
    return ExpectedFailure(AttributeError, f"Can't pickle local object '{local}'", why)


def fork_beside_threads_warns(effective_method: str) -> bool:
    """CPython 3.12+ warns (``DeprecationWarning``, gh-100228) when ``fork()`` runs while the process
    has other threads. Measured: under ``-W error`` 3.12.1-3.14.10 drop it silently and
    3.15.2 raises it from ``os.fork()``; ``pytest.warns`` records it on all of them. PyPy 3.9 and
    3.11 do not warn. The hostile tests start threads on purpose (a killer, two callers, a bystander).
    """
    version = tuple(sys.version_info[:2])  # a plain tuple: mypy must not prune branches per target
    return effective_method == "fork" and sys.implementation.name == "cpython" and version >= (3, 12)


@contextlib.contextmanager
def threads_beside_fork(effective_method: str) -> Iterator[None]:
    """Around code that forks while the test's own threads run: expect the warning where it is given,
    instead of letting ``filterwarnings = error`` turn it into an error. A context manager in the
    test body, not a fixture: pytest's own warning capture wraps the test call inside fixtures."""
    if not fork_beside_threads_warns(effective_method):
        yield
        return
    with pytest.warns(DeprecationWarning, match=r"multi-threaded, use of fork\(\) may lead to deadlocks"):
        yield


@contextlib.contextmanager
def threads_maybe_beside_fork() -> Iterator[None]:
    """Around code that forks while a thread of the test's may or may not still run (one that ends
    as soon as a child exits): the warning is allowed, not expected (``pytest.warns`` failed with
    "DID NOT WARN" in 5 of 6 runs on 3.15.2, where the thread had ended before the second fork)."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", r".*multi-threaded, use of fork\(\) may lead to deadlocks", DeprecationWarning
        )
        yield


#: What ``ProcessPoolExecutor`` says when a worker dies: futures pending then get "A process in the
#: process pool was terminated abruptly ...", a ``submit`` after it "A child process terminated
#: abruptly, the process pool is not usable anymore" (concurrent/futures/process.py,
#: ``terminate_broken``). Which one the caller sees is a race: a worker that dies while the caller
#: is still submitting (seen under load, 3.11 spawn, 2026-12-04) gives the second.
BROKEN_POOL_MESSAGE = (
    r"BrokenProcessPool: A (process in the process pool was|child process) terminated abruptly"
)


def fork_beside_a_thread_may_hang(effective_method: str, *, second_pool_caller: bool = False) -> str | None:
    """A vetted map under ``fork`` while another thread of the caller runs (a second caller, or a
    bystander starting processes): the executor forks its workers beside that thread, which the docs
    call unsafe (a lock held by the other thread stays held in the child). Measured on PyPy 7.3.11
    (3.9): two callers hung once in 39 runs with both cores busy (none in 15 idle); the bystander
    test hung once in a CI-like run (2026-12-04, in the executor's shutdown). On CPython only a
    ``second_pool_caller`` hung: two threads in one vetted Pool form (3.14, once in 5 loaded CI-like
    runs), each executor forking beside the other's threads; the forms' header says "under fork, one
    calling thread at a time", so that case skips fork on every implementation (the other methods
    test it). The reason to skip where it can hang, else None.
    """
    if effective_method == "fork" and second_pool_caller:
        return "under fork, one calling thread at a time (forking beside a thread can deadlock)"
    if effective_method == "fork" and sys.implementation.name == "pypy":
        return "fork beside another thread can deadlock a PyPy worker (2 hangs seen, under load)"
    return None


def executor_without_dynamic_spawn(effective_method: str) -> ExpectedFailure | None:
    """Debian's PyPy 7.3.11 (Python 3.9) ships a ``concurrent.futures.process`` whose ``submit``
    calls ``_adjust_process_count`` under a non-fork context, a method it renamed to
    ``_adjust_process_count_cpython``: every ``ProcessPoolExecutor`` use fails at once under
    forkserver and spawn (measured; PyPy 8.0.1 is fine). The vetted Pool forms say so in their header.
    """
    from concurrent.futures import ProcessPoolExecutor

    if effective_method == "fork" or hasattr(ProcessPoolExecutor, "_adjust_process_count"):
        return None
    return ExpectedFailure(
        AttributeError,
        "'ProcessPoolExecutor' object has no attribute '_adjust_process_count'",
        "PyPy 7.3.11's executor calls a method it renamed (forkserver/spawn only)",
    )
