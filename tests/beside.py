"""What the hostile tests run beside the form under test, in threads of the test's own process: a
second caller at once, a killer that SIGKILLs a child at a chosen moment. Each forks beside a
thread, so each runs inside :func:`expected.threads_beside_fork`; the callers skip first where that
can hang (:func:`skip_where_fork_beside_a_thread_may_hang`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import random
import signal
import sys
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Dict, List, Sequence, TypeVar

import pytest
from expected import fork_beside_a_thread_may_hang, threads_beside_fork

K = TypeVar("K")
T = TypeVar("T")


def skip_where_fork_beside_a_thread_may_hang(
    effective_method: str, *, second_pool_caller: bool = False
) -> None:
    """Skip the test where forking beside another thread can deadlock a worker (measured: PyPy; a
    second caller of a vetted Pool form: every implementation)."""
    hazard = fork_beside_a_thread_may_hang(effective_method, second_pool_caller=second_pool_caller)
    if hazard:
        pytest.skip(hazard)


def at_once(
    effective_method: str, call: Callable[[K], object], args: Sequence[K], bound: float
) -> Dict[K, object]:
    """``call(arg)`` for each of ``args``, each in a thread of its own, all at once; each waited for
    up to ``bound`` seconds. Per arg, what the call returned or raised (no key: still running)."""
    results: Dict[K, object] = {}

    def run(arg: K) -> None:
        try:
            results[arg] = call(arg)
        except BaseException as error:  # reported by the caller's assertion, in the test's thread
            results[arg] = error

    threads = [threading.Thread(target=run, args=(arg,)) for arg in args]
    with threads_beside_fork(effective_method):
        for t in threads:
            t.start()
        for t in threads:
            t.join(bound)
    return results


def kill_later(delay: float, choose: Callable[[List[int]], List[int]]) -> threading.Thread:
    """A started thread that, after ``delay`` seconds, SIGKILLs the children of this process that
    ``choose`` picks from their pids. The caller joins it."""
    # Windows has no SIGKILL (the tests that call this are POSIX only); TerminateProcess is its kill.
    if sys.platform == "win32":
        hard_kill = signal.SIGTERM
    else:
        hard_kill = signal.SIGKILL

    def kill() -> None:
        time.sleep(delay)
        pids = [c.pid for c in multiprocessing.active_children() if c.pid is not None]
        for pid in choose(pids):
            with contextlib.suppress(ProcessLookupError):  # exited meanwhile
                os.kill(pid, hard_kill)

    thread = threading.Thread(target=kill, name="killer")
    thread.start()
    return thread


def killed_at_random(
    effective_method: str, seed: int, earliest: float, latest: float, call: Callable[[], T]
) -> T | None:
    """``call()`` while one child, picked at random, is SIGKILLed at a random moment between
    ``earliest`` and ``latest`` seconds (both drawn from ``seed``): what the call returned (it
    finished first) or None (the kill broke it: ``BrokenProcessPool``), never a hang."""
    rng = random.Random(seed)
    with threads_beside_fork(effective_method):
        killer = kill_later(rng.uniform(earliest, latest), lambda pids: rng.sample(pids, min(1, len(pids))))
        try:
            return call()
        except BrokenProcessPool:
            return None  # the kill came during the call; finishing first is right too
        finally:
            killer.join()
