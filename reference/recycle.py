"""Recycling workers: each worker process replaced after ``max_tasks`` tasks — matrix row `max-tasks`_.

What people write, and how it fails (measured on 14 interpreters x 4 start methods, `max-tasks`_ and
`killed-worker`_): ``Pool(maxtasksperchild=N)`` recycles on every version, but a worker that dies
mid-task (SIGKILL, the OOM killer, a crash in C code: the reasons to recycle) makes ``map`` wait
forever (python/cpython gh-66587). ``ProcessPoolExecutor(max_tasks_per_child=N)`` raises
``BrokenProcessPool`` instead, but is new in 3.11 (not in PyPy 3.9), refuses an explicit ``fork``
context (``ValueError``, gh-90622) and, with more tasks queued than workers, hangs on 3.11.2-3.13.0
and PyPy 3.11: an exited worker is never replaced (gh-115634; fixed in 3.13.18, 3.14.10, 3.15.2,
not in 3.11 or 3.12, which get no more bug fixes). No version switch picks a safe executor there.

**Copy** :func:`vetted`: it starts the worker processes itself, one ``Pipe`` each, sends a worker
one task at a time and lets it exit after ``max_tasks`` (then starts another while tasks remain).
The parent waits on the pipes only (``multiprocessing.connection.wait``): a worker that dies ends
its pipe (the parent closed its copy of the worker's end), so its task fails with
``BrokenProcessPool`` at once, no hang; the other workers are then killed and joined. A worker with
tasks left is told to stop by a ``None`` on its pipe, not by closing it: under ``fork`` later workers
inherit copies of the parent's ends, so a close alone does not reach it. It starts no thread, so
under ``fork`` nothing of its own is forked mid-lock. Python 3.8+, every start method (``None``: the
interpreter's default); results in input order; raises what ``work`` raised (an exception that
cannot be pickled back kills its worker: ``BrokenProcessPool``). Every wait is bounded by the work
itself: a worker that has not exited 5 s after its last task (a non-daemon thread of ``work`` still
running) is killed. Cost: one process start per ``max_tasks`` tasks, as with
``Pool(maxtasksperchild=N)``, and one pipe round trip per task (no chunks).

Measured: the row's ``vetted`` variant (three tasks on two workers, one each, then a worker killed
mid-task) on CPython 3.8-3.15 and PyPy 3.9/3.11 under every start method;
tests/reference/test_recycle.py (faults and repeats, see its docstring).

.. _max-tasks: ../matrix/README.md#max-tasks
.. _killed-worker: ../matrix/README.md#killed-worker
"""

from __future__ import annotations

import contextlib
import multiprocessing
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection, wait
from multiprocessing.context import DefaultContext
from multiprocessing.process import BaseProcess
from multiprocessing.reduction import ForkingPickler
from typing import Any, Callable, Dict, Iterable, Tuple, TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")


def _worker(conn: Connection[Any, Any], work: Callable[[Any], Any], max_tasks: int) -> None:
    for _ in range(max_tasks):  # then exit: the parent starts another worker if tasks remain
        task = conn.recv()  # (index, item), or None: no more tasks
        if task is None:
            return
        index, item = task
        try:
            conn.send((index, True, work(item)))
        except Exception as exc:  # re-raised in the parent
            conn.send((index, False, exc))


def _send(conn: Any, worker: BaseProcess, task: object) -> None:  # noqa: ANN401 (a Pipe end)
    try:
        conn.send(task)
    except (BrokenPipeError, ConnectionResetError):  # killed since its last result
        raise BrokenProcessPool(f"a worker died (pid {worker.pid})") from None


def _retire(conn: Any, process: BaseProcess, grace: float) -> None:  # noqa: ANN401 (a Pipe end)
    with contextlib.suppress(OSError):  # it has exited: its end is closed
        conn.send(None)  # not conn.close() alone: under fork, later workers hold copies of our end
    conn.close()
    process.join(grace)
    process.kill()  # a no-op once it has exited
    process.join()


def vetted(
    work: Callable[[T], R],
    inputs: Iterable[T],
    processes: int = 2,
    max_tasks: int = 1,
    *,
    start_method: str | None = None,
) -> list[R]:
    """``[work(x) for x in inputs]`` in ``processes`` workers, each replaced after ``max_tasks`` tasks.

    Raises what ``work`` raised, or ``BrokenProcessPool`` when a worker dies (``Pool`` would hang).
    """
    ForkingPickler.dumps(work)  # fail fast: a lambda or local function cannot reach the workers
    context = cast(DefaultContext, multiprocessing.get_context(start_method))  # typeshed: for .Process
    todo = list(enumerate(inputs))[::-1]  # popped from the end: input order
    results: Dict[int, R] = {}
    slots: Dict[Any, Tuple[BaseProcess, int]] = {}  # a worker's pipe end -> (the worker, tasks sent)
    try:
        while todo or slots:
            while todo and len(slots) < processes:
                ours, theirs = context.Pipe()
                started = context.Process(target=_worker, args=(theirs, work, max_tasks))
                started.start()
                theirs.close()  # the worker holds the only other end: its death ends the pipe
                slots[ours] = (started, 1)
                _send(ours, started, todo.pop())
            ready = wait(list(slots))  # a result, or the end of a dead worker's pipe; no thread
            for conn in [c for c in slots if c in ready]:
                worker, sent = slots[conn]
                try:
                    index, ok, value = conn.recv()
                except (EOFError, ConnectionResetError):  # a Pipe is a socketpair on POSIX: reset if killed
                    raise BrokenProcessPool(f"a worker died (pid {worker.pid})") from None
                if not ok:
                    raise value
                results[index] = value
                if sent < max_tasks and todo:
                    slots[conn] = (worker, sent + 1)
                    _send(conn, worker, todo.pop())
                else:
                    del slots[conn]
                    _retire(conn, worker, 5.0)  # it exits now (5 s: a non-daemon thread of work)
    finally:
        for conn, (worker, _) in slots.items():
            _retire(conn, worker, 0.0)  # a failure: the others are killed
    return [results[i] for i in range(len(results))]


def square(x: int) -> int:
    return x * x


if __name__ == "__main__":
    print(vetted(square, range(8), 2, 1, start_method=None))
