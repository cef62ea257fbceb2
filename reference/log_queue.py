"""Logging from worker processes — matrix row `worker-logging`_.

What people write: ``logging.basicConfig(level=logging.INFO)`` in the parent, then
``logging.getLogger(__name__).info(...)`` in a ``Pool`` worker or a ``Process`` target. Under
``fork`` the worker is a copy of the parent, handlers included, and its records appear. Under
``spawn`` (macOS, Windows) and ``forkserver`` (Linux from 3.14) it starts with no handler and the
root logger at ``WARNING``: its ``info()`` records vanish without an error (a ``WARNING`` reaches
stderr through ``logging.lastResort``, unformatted, never the parent's handlers or files).

**Copy** :func:`worker_logs` and :func:`send_logs_to`, the docs' cookbook recipe ("Logging to a
single file from multiple processes"): in the parent, ``with worker_logs(ctx) as logargs:`` yields
``(queue, level)`` and runs a ``QueueListener`` that hands each record arriving on the queue to the
root logger's handlers (as they are at entry, each with its own level); in each worker,
``send_logs_to(*logargs)`` (a ``Pool``/executor ``initializer``, or the first line of a ``Process``
target) replaces the root's handlers (under ``fork``: the copies, which would write each record
twice) with a ``QueueHandler``. Works under every start method, since the queue is passed to the
workers, not inherited.

The queue is a manager's (``ctx.Manager().Queue()``, as the cookbook's executor variant has it), not
a ``multiprocessing.Queue``: each worker sends each record over its own connection and the call
returns once the record is in the manager's process, so a worker killed (or ``terminate()``-d) loses
nothing it logged before, and cannot block the others. With a ``multiprocessing.Queue`` every
worker's feeder thread takes one shared write lock: a worker SIGKILLed while logging left it held
in 33 of 54 runs here (3.11, every start method), and the other worker could then neither send
nor exit. The cost: one more process, and a round trip per record in the worker's ``info()``
(0.2-0.5 ms measured here on 3.8 and 3.11 under load, against microseconds for a ``multiprocessing.Queue``).

Bounds: the listener reads with a 0.05 s timeout and is stopped by an event, not a sentinel put on
the queue; it hands on every record already sent, then the manager shuts down (its own bound:
1 s, then ``terminate()``). If a handler blocks, the block's end raises ``TimeoutError`` after
``timeout`` s (never instead of the block's own exception) and the (daemon) listener thread stays.

Under ``fork`` the workers are forked while the listener's thread runs: 3.12+ warn
(``DeprecationWarning``, "multi-threaded, use of fork()"); logging re-creates its handlers' locks in
the child since 3.7 (bpo-6721, matrix variant ``thread-fork``), so a child forked while the
listener writes does not deadlock.

Measured (matrix row `worker-logging`_, variant ``vetted``): every record arrives under fork,
forkserver and spawn on CPython 3.8-3.15 and PyPy 3.9/3.11 (Linux); macOS/Windows: expected, not
measured.

.. _worker-logging: ../matrix/README.md#worker-logging
.. seealso:: https://docs.python.org/3/howto/logging-cookbook.html#logging-to-a-single-file-from-multiple-processes
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import threading
from logging.handlers import QueueHandler, QueueListener
from typing import TYPE_CHECKING, Iterator, Sequence, Tuple

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

#: What :func:`worker_logs` yields and :func:`send_logs_to` takes: the queue and the level.
LogArgs = Tuple["queue.Queue[logging.LogRecord]", int]


def send_logs_to(q: queue.Queue[logging.LogRecord], level: int) -> None:
    """In a worker: send every record of ``level`` and above to the parent's :func:`worker_logs`."""
    root = logging.getLogger()
    for handler in root.handlers[:]:  # fork copied the parent's: each record would be written twice
        root.removeHandler(handler)
    root.addHandler(QueueHandler(q))
    root.setLevel(level)


class _Listener(QueueListener):
    """A ``QueueListener`` stopped by an event, not by a sentinel put on the queue."""

    def __init__(self, q: queue.Queue[logging.LogRecord], handlers: Sequence[logging.Handler]) -> None:
        # the listener's own queue stays unused (dequeue reads q): a SimpleQueue, since QueueListener
        # calls task_done() after each record on a queue that has one (a round trip to the manager)
        super().__init__(queue.SimpleQueue(), *handlers, respect_handler_level=True)
        self.q, self.stopping = q, threading.Event()

    def dequeue(self, block: bool) -> logging.LogRecord:
        while True:
            try:
                return self.q.get(True, 0.05)
            except queue.Empty:
                if self.stopping.is_set():
                    raise  # all that was sent is handled: QueueListener's loop ends on Empty
            except (EOFError, OSError):  # the manager is gone (killed, or shut down after a timeout)
                raise queue.Empty from None

    def enqueue_sentinel(self) -> None:
        self.stopping.set()


@contextlib.contextmanager
def worker_logs(context: BaseContext | None = None, timeout: float = 10.0) -> Iterator[LogArgs]:
    """Yield ``(queue, level)`` for :func:`send_logs_to`; until the block ends, the root logger's
    handlers write what workers send. ``TimeoutError`` if they are still at it ``timeout`` s after
    the block (a handler that blocks), never instead of the block's own exception."""
    root = logging.getLogger()
    with (context or multiprocessing.get_context()).Manager() as manager:
        listener = _Listener(manager.Queue(), root.handlers)
        listener.start()
        thread = listener._thread  # stop() would join it without a bound (undocumented, 3.2-3.15)
        try:
            yield listener.q, root.getEffectiveLevel()
        finally:
            listener.enqueue_sentinel()
            if thread is not None:
                thread.join(timeout)
    if thread is not None and thread.is_alive():
        raise TimeoutError(f"worker logs: the listener still reads after {timeout} s")


def work(x: int) -> int:
    """A worker that logs: its records reach the parent's handlers under every start method."""
    logging.getLogger(__name__).info("worker %d squares %d", os.getpid(), x)
    return x * x
