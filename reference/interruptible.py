"""A process pool's map that Ctrl-C stops cleanly — matrix row `ctrl-c`_.

A terminal's Ctrl-C sends SIGINT to the whole foreground process group: the parent *and* every
worker. ``Pool.map`` then prints a ``KeyboardInterrupt`` traceback per worker beside the parent's
(bpo-8296 and its successors); ``ProcessPoolExecutor.map`` ends the running tasks but runs the
ones already queued to completion before the ``KeyboardInterrupt`` (gh-125886): with long tasks,
Ctrl-C seems to do nothing (measured per version and start method in `ctrl-c`_).

**Copy** :func:`vetted`: ``[work(x) for x in inputs]`` on a ``ProcessPoolExecutor`` (a dead worker
raises ``BrokenProcessPool`` instead of hanging, as ``pool_return.vetted``) whose workers ignore
SIGINT: their initializer ignores it, and they start with it blocked (POSIX, as ``multiprocessing``
starts its resource tracker), so none prints a traceback, not even one still starting. In the
parent, SIGINT only sets a flag while :func:`vetted` runs; the parent polls it (every 0.1 s),
terminates the workers and raises ``KeyboardInterrupt`` once, however many SIGINTs came. The same
ending follows what ``work`` raised or a dead worker. Only the main thread with Python's default
SIGINT handler installs the flag (signals run there; a program's own handler is kept).

Limit (measured): under ``forkserver``, a Ctrl-C in the ~0.1 s while the program's forkserver
starts (once per program) kills it, and it prints its own traceback; :func:`vetted` still raises
one ``KeyboardInterrupt`` and leaves nothing behind (the forkserver is not started with SIGINT
blocked: every later child of it would inherit the block). On Windows Ctrl-C is a console event
for every process of the console, not a signal to a group: the initializer makes the workers
ignore it (expected, not measured). :func:`interrupt` is ``Process.interrupt()`` (3.14) for older
versions (matrix row `process-interrupt`_).

Measured (`ctrl-c`_): one ``KeyboardInterrupt``, no traceback, no worker left on CPython 3.8-3.15
and PyPy 3.11 under every start method, PyPy 3.9 under ``fork`` (its executor fails under
``forkserver``/``spawn``, pypy#4922); hostile tests (SIGINT early, at random, twice; a worker
killed; ``work`` raising): 3.11, 3.14 and PyPy 3.11 runs passed, see tests/reference/test_interruptible.py.

.. _ctrl-c: ../matrix/README.md#ctrl-c
.. _process-interrupt: ../matrix/README.md#process-interrupt
.. seealso:: https://docs.python.org/3/library/signal.html#note-on-signal-handlers-and-exceptions
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from contextlib import contextmanager
from multiprocessing.process import BaseProcess
from typing import Callable, Iterable, Iterator, List, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def ignore_sigint() -> None:
    """The workers' initializer: Ctrl-C is for the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_chunk(work: Callable[[T], R], chunk: List[T]) -> List[R]:
    return [work(x) for x in chunk]


@contextmanager
def sigint_sets_flag() -> Iterator[threading.Event]:
    """Inside, SIGINT sets the event instead of raising (main thread and default handler only)."""
    flag = threading.Event()
    ours = threading.current_thread() is threading.main_thread()  # signals run there only
    ours = ours and signal.getsignal(signal.SIGINT) is signal.default_int_handler  # not the program's
    if ours:
        signal.signal(signal.SIGINT, lambda signum, frame: flag.set())
    try:
        yield flag
    finally:
        if ours:
            signal.signal(signal.SIGINT, signal.default_int_handler)


def vetted(
    work: Callable[[T], R], inputs: Iterable[T], processes: int = 8, *, start_method: str | None = None
) -> list[R]:
    """``[work(x) for x in inputs]`` in ``processes`` workers, in input order; ``work`` is module-level.

    Ctrl-C (once or more) raises ``KeyboardInterrupt`` once, after ending the workers; so do what
    ``work`` raised and ``BrokenProcessPool`` (a worker died).
    """
    items = list(inputs)
    size = max(1, -(-len(items) // (2 * processes)))  # two chunks per worker, as pool_return
    context = multiprocessing.get_context(start_method)
    executor = ProcessPoolExecutor(processes, mp_context=context, initializer=ignore_sigint)
    with sigint_sets_flag() as interrupted:
        try:
            if sys.platform != "win32":  # the workers start with SIGINT blocked
                if context.get_start_method() == "forkserver":  # not the forkserver (its children
                    from multiprocessing import forkserver  # would all keep SIGINT blocked)

                    forkserver.ensure_running()
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                futures = [
                    executor.submit(run_chunk, work, items[i : i + size]) for i in range(0, len(items), size)
                ]
            finally:
                if sys.platform != "win32":  # a SIGINT held back sets the flag now
                    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
            pending = set(futures)
            while pending and not interrupted.is_set():
                done, pending = wait(pending, timeout=0.1, return_when=FIRST_EXCEPTION)
                for future in done:
                    future.result()  # raises what work raised, or BrokenProcessPool
            if not interrupted.is_set():
                executor.shutdown(wait=True)
            if interrupted.is_set():
                raise KeyboardInterrupt
        except BaseException as error:
            for worker in list((executor._processes or {}).values()):  # 3.14+: terminate_workers()
                worker.terminate()
            executor.shutdown(wait=True)  # the workers are gone: returns at once
            if interrupted.is_set() and not isinstance(error, KeyboardInterrupt):
                raise KeyboardInterrupt from error  # what Ctrl-C broke meanwhile (a starting forkserver)
            raise
    return [r for future in futures for r in future.result()]


def interrupt(process: BaseProcess) -> None:
    """``process.interrupt()`` (3.14+) on every version: SIGINT to that one child (POSIX only).

    The child raises ``KeyboardInterrupt`` where it is (its ``finally`` blocks run); uncaught, it
    prints a traceback and exits with code 1. Python acts on a signal between bytecodes: one that
    lands just as a blocking call starts (``time.sleep(60)``) is acted on when that call returns
    (measured: 1 in 1,500 SIGINTs under load); a child that must stop promptly waits in short
    steps. Windows has no SIGINT for one process (3.14's ``interrupt()`` is undefined there): stop
    such a child with an ``Event`` it checks.
    """
    if sys.platform == "win32":
        raise NotImplementedError(
            "no SIGINT for one process on Windows: stop the child with an Event it checks"
        )
    elif sys.version_info >= (3, 14):
        process.interrupt()
    elif process.pid is not None and process.exitcode is None:
        os.kill(process.pid, signal.SIGINT)
