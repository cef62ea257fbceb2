"""Failure-mode and claim rows of the matrix: how multiprocessing breaks, measured by real runs.

Each row is a :class:`FailureMode` with stable id (the matrix anchor), citations, variants and the
remedy. :func:`failure_script` returns the source of one standalone case script, run like the
pattern cases (``matrix/cases.py``) as ``python -W default case.py`` by a fresh interpreter, with
``reference/`` importable from the working directory. A case runs in well under 1 s when it
finishes; a stuck one is caught by the runner's 3 s deadline (``hang``).

The scripts themselves (Python 3.6+) are templates in :mod:`matrix.failure_scripts`.

Rows:

* ``killed-worker``: a worker dies by SIGKILL in the middle of a map. ``pool``: ``Pool.map`` waits
  forever for the lost task (hang; python/cpython gh-66587). ``vetted``: ``pool_return.vetted``
  (``reference/_pool_watch.py``) raises ``ChildProcessError``. ``executor``:
  ``ProcessPoolExecutor`` raises ``BrokenProcessPool``.
* ``pool-with-async``: ``apply_async`` results still outstanding when ``with Pool()`` exits
  (``__exit__`` is ``terminate()``): ``exact`` raises ``multiprocessing.TimeoutError`` from
  ``get(timeout=0.5)`` with "results lost"; ``vetted`` collects inside the block, then
  ``close()``/``join()``.
* ``terminate-mid-put``: ``terminate()`` a sender while its feeder thread writes a 1 MiB item:
  ``exact`` reports (``RuntimeError``) whether the queue's write lock is still held by the dead
  process and whether ``get(timeout=...)`` blocks on a torn message; ``vetted`` stops the sender
  as ``reference/queue_function.py`` does (a stop pipe, a sentinel, drain, join) and checks the
  items arrived intact.
* ``join-before-drain``: ``join()`` a child that put a 1 MiB item before taking it: the child
  cannot exit until the pipe is drained (hang); ``vetted``: ``get()`` then ``join()``.
* ``fork-with-threads``: a thread is running when a process is forked: 3.12+ emits
  ``DeprecationWarning: This process (pid=N) is multi-threaded, use of fork() may lead to
  deadlocks in the child.`` (fork and default only).
* ``unpicklable``: a lambda, a closure, an instance of a local class, an open file as ``Process``
  target/argument: fine under fork (nothing is pickled), a pickling error under spawn/forkserver.
* ``missing-guard``: ``Process``/``Pool`` started at module level without the ``__main__`` guard:
  spawn/forkserver children re-run the module and fail with "... before the current process has
  finished its bootstrapping phase" (``pool``: a respawn loop).
* ``gil-speedup`` (claim): CPU-bound pure-Python work, serial vs 2 threads vs 2 processes; prints
  one ``MATRIX-MEASURE {json}`` line (see :data:`MEASURE_PREFIX`) and exits 0; each figure
  is the best of 5 interleaved rounds (a shared machine's noise only ever slows a run down, and a
  change of load hits all three alike).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Dict, List, Tuple

from matrix import failure_scripts

START_METHODS: Tuple[str, ...] = ("default", "fork", "forkserver", "spawn")

#: A claim script prints exactly one line starting with this, then a JSON object.
MEASURE_PREFIX = "MATRIX-MEASURE "

_MP_DOCS = "https://docs.python.org/3/library/multiprocessing.html"


@dataclass(frozen=True)
class FailureMode:
    id: str  # stable: the matrix anchor
    title: str
    citations: Tuple[str, ...]  # URLs
    variants: Tuple[str, ...]
    remedy: str  # the reference/ module (and name) whose vetted form avoids it, or the stdlib alternative
    start_methods: Tuple[str, ...] = START_METHODS  # where the row applies
    claim: bool = False  # a measurement (MATRIX-MEASURE line), not a failure


FAILURE_MODES: Dict[str, FailureMode] = {
    m.id: m
    for m in (
        FailureMode(
            "killed-worker",
            "A worker killed (SIGKILL) in the middle of a map",
            (
                "https://github.com/python/cpython/issues/66587",
                "https://docs.python.org/3/library/concurrent.futures.html"
                "#concurrent.futures.process.BrokenProcessPool",
            ),
            ("pool", "vetted", "executor"),
            "reference/pool_return.py:vetted",
        ),
        FailureMode(
            "pool-with-async",
            "apply_async results outstanding when `with Pool()` exits",
            (
                "https://github.com/python/cpython/issues/126743",
                _MP_DOCS + "#multiprocessing.pool.Pool",
            ),
            ("exact", "vetted"),
            "reference/pool_with.py:vetted",
        ),
        FailureMode(
            "terminate-mid-put",
            "terminate() of a process in the middle of Queue.put()",
            (
                _MP_DOCS + "#multiprocessing.Process.terminate",
                _MP_DOCS + "#pipes-and-queues",
            ),
            ("exact", "vetted"),
            "reference/queue_function.py:vetted",
        ),
        FailureMode(
            "join-before-drain",
            "join() a process before taking what it put on a Queue",
            (_MP_DOCS + "#programming-guidelines",),
            ("exact", "vetted"),
            "reference/queue_function.py:stop_and_join",
        ),
        FailureMode(
            "fork-with-threads",
            "fork() while another thread runs",
            (
                "https://github.com/python/cpython/issues/100228",
                "https://docs.python.org/3/library/os.html#os.fork",
            ),
            ("exact",),
            "reference/start_method.py:context_for",
            start_methods=("default", "fork"),
        ),
        FailureMode(
            "unpicklable",
            "An unpicklable Process target or argument",
            (
                _MP_DOCS + "#the-spawn-and-forkserver-start-methods",
                "https://docs.python.org/3/library/pickle.html#what-can-be-pickled-and-unpickled",
            ),
            ("lambda", "closure", "local-class", "open-file"),
            "reference/queue_class.py:Receiver",
        ),
        FailureMode(
            "missing-guard",
            "No `if __name__ == '__main__':` guard",
            (_MP_DOCS + "#the-spawn-and-forkserver-start-methods",),
            ("process", "pool"),
            "reference/pool_close_join.py:vetted",
        ),
        FailureMode(
            "gil-speedup",
            "CPU-bound pure Python: 2 threads vs 2 processes vs serial",
            (
                "https://docs.python.org/3/glossary.html#term-global-interpreter-lock",
                "https://docs.python.org/3/howto/free-threading-python.html",
            ),
            ("measure",),
            "reference/pool_return.py:vetted",
            claim=True,
        ),
    )
}


def applies(mode: str, variant: str, start_method: str) -> bool:
    """Whether the cell exists (``fork-with-threads`` is for fork and default only)."""
    row = FAILURE_MODES.get(mode)
    return row is not None and variant in row.variants and start_method in row.start_methods


def all_failure_cells() -> List[Tuple[str, str, str]]:
    """Every (mode, variant, start method) cell, in table order."""
    return [
        (m.id, v, s)
        for m in FAILURE_MODES.values()
        for v in m.variants
        for s in START_METHODS
        if applies(m.id, v, s)
    ]


def parse_measure(stdout: str) -> Dict[str, object] | None:
    """The JSON object of a claim script's ``MATRIX-MEASURE`` line, or None."""
    for line in stdout.splitlines():
        if line.startswith(MEASURE_PREFIX):
            data = json.loads(line[len(MEASURE_PREFIX) :])
            if isinstance(data, dict):
                return {str(k): v for k, v in data.items()}
    return None


def failure_script(mode: str, variant: str, start_method: str) -> str:
    """The source of one failure-mode (or claim) case script."""
    if start_method not in START_METHODS:
        raise ValueError(f"unknown start method {start_method!r}: one of {', '.join(START_METHODS)}")
    if not applies(mode, variant, start_method):
        raise ValueError(f"no case {mode}/{variant}/{start_method}")
    method = None if start_method == "default" else start_method
    head = f"# matrix failure mode: {mode} / {variant} / start method {start_method}\n"
    return head + failure_scripts.template(mode, variant).format(method=repr(method))
