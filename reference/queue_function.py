"""A ``Queue`` sender process stopped with ``terminate()`` — matrix row `queue-function`_.

The notes run ``sender`` in a child process that puts ``0, 1, 2, ...`` on a ``Queue`` every
0.5 s forever, print the first 10 items in the parent, then ``p.terminate()`` the sender::

    parent (receiver)                       child (sender)
    q = Queue(); p.start()   ─────────────▶ while True: q.put(x)  ── feeder thread ──┐
    for _ in range(10): q.get() ◀───────────────────── pipe ◀────────────────────────┘
    p.terminate()            ── SIGTERM ──▶ (dies wherever it is, maybe inside put())

It works under every start method with a ``__main__`` guard (``sender`` is module-level, so it
pickles). ``terminate()`` is the risk: the docs warn that a process killed while using a queue
may leave it corrupted and its lock held, and nothing is joined (a zombie remains until the next
``active_children()``). Without a guard, ``spawn``/``forkserver`` children re-run the script,
fail to bootstrap, and the parent blocks on ``q.get()`` forever.

**Copy** :func:`vetted`: the sender polls a stop pipe (not an ``Event``: setting one hangs when
a waiter was killed), ends the stream with a sentinel (``None``), the receiver drains up to it (a
child with buffered items cannot exit — docs, "Joining processes that use queues") and joins
with a timeout; a dead sender raises ``ChildProcessError`` instead of hanging ``get()``, and
Ctrl-C stops the sender cleanly and surfaces as ``KeyboardInterrupt``.

.. _queue-function: ../matrix/README.md#queue-function
.. seealso:: https://docs.python.org/3/library/multiprocessing.html#programming-guidelines
"""

from __future__ import annotations

import contextlib
import queue
import signal
import time
from multiprocessing import Process, Queue
from typing import TYPE_CHECKING, Protocol

from reference.start_method import context_for

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess
    from multiprocessing.queues import Queue as MPQueue

#: How often a blocked receiver checks that the sender is still alive, in seconds.
POLL_INTERVAL = 0.05


def sender(q: MPQueue[int], interval: float = 0.5) -> None:  # pragma: no cover - see below
    """The notes' sender: runs until killed.

    Coverage cannot see this body: it runs only in a child that ``terminate()`` kills, and
    coverage's SIGTERM hook deadlocks forked Pool workers (see pyproject.toml). The tests prove it
    ran: the receiver gets ``0..9`` in order.
    """
    x = 0
    while True:
        q.put(x)
        x += 1
        time.sleep(interval)


def exact(received: int = 10, interval: float = 0.5) -> list[int]:
    """The notes, verbatim: print ``received`` items, then terminate the sender. Returns the items."""
    q: MPQueue[int] = Queue()
    p = Process(target=sender, args=(q, interval))

    p.start()

    items = []
    for _ in range(received):
        x = q.get()
        print(x)
        items.append(x)
        time.sleep(interval)

    p.terminate()  # terminate sender (don't use join since it runs endlessly)
    return items


class StopRequests(Protocol):
    """The sender's end of the stop pipe (a ``multiprocessing.connection.Connection``)."""

    def poll(self, timeout: float | None = ...) -> bool: ...


class StopSignal(Protocol):
    """The receiver's end of the stop pipe."""

    def send_bytes(self, buf: bytes, offset: int = ..., size: int | None = ...) -> None: ...


def stoppable_sender(q: MPQueue[int | None], stop: StopRequests, interval: float = 0.5) -> None:
    """Vetted sender: puts ``0, 1, ...`` until a stop request arrives, then the ``None`` sentinel.

    The stop request travels over a pipe, not an ``Event``: setting a ``multiprocessing.Event``
    blocks forever when a process waiting on it was killed (its ``Condition`` waits for the dead
    sleeper to wake), and a pipe has no lock a killed process could leave held.
    """
    # Ctrl-C reaches every process of the terminal's group: the receiver decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    x = 0
    while not stop.poll():
        q.put(x)
        x += 1
        stop.poll(interval)  # sleeps like time.sleep, but wakes as soon as a stop request arrives
    q.put(None)


def receive(q: MPQueue[int | None], process: BaseProcess, timeout: float) -> int | None:
    """``q.get()`` that raises instead of blocking forever when ``process`` died or stalled."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return q.get(timeout=POLL_INTERVAL)
        except queue.Empty:
            if not process.is_alive():
                try:  # it may have exited right after its last put: take what it flushed
                    return q.get(timeout=POLL_INTERVAL)
                except queue.Empty:
                    raise ChildProcessError(
                        f"{process.name} exited with code {process.exitcode} before sending"
                    ) from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"{process.name} sent nothing for {timeout} s") from None


def stop_and_join(q: MPQueue[int | None], stop: StopSignal, process: BaseProcess, timeout: float) -> None:
    """Ask the sender to stop, drain the queue up to its sentinel, join; never hang."""
    stop.send_bytes(b"stop")  # never blocks: one small message fits in the pipe's buffer
    try:
        while receive(q, process, timeout) is not None:
            pass  # draining lets the sender's feeder thread flush, so the sender can exit
        process.join(timeout)
    finally:
        if process.is_alive():  # it ignored the stop: the last resort, with the docs' caveat
            process.terminate()
            process.join()
        q.close()
        q.join_thread()
    if process.exitcode != 0:
        raise ChildProcessError(f"{process.name} exited with code {process.exitcode}")


def shut_down_after_error(
    q: MPQueue[int | None], stop: StopSignal, process: BaseProcess, timeout: float
) -> None:
    """Clean up after the receiver failed (or Ctrl-C): the first error is the one to report."""
    with contextlib.suppress(Exception):
        stop_and_join(q, stop, process, timeout)


def vetted(
    received: int = 10,
    interval: float = 0.5,
    *,
    start_method: str | None = None,
    timeout: float = 10.0,
) -> list[int]:
    """Print and return the first ``received`` items from a sender process, then stop it cleanly."""
    ctx = context_for(start_method)
    q: MPQueue[int | None] = ctx.Queue()  # sender -> receiver; None ends the stream
    stop_requests, stop = ctx.Pipe(duplex=False)  # receiver -> sender: "stop sending"
    process = ctx.Process(target=stoppable_sender, args=(q, stop_requests, interval), name="sender")
    process.start()
    items: list[int] = []
    try:
        while len(items) < received:
            x = receive(q, process, timeout)
            if x is None:
                raise ChildProcessError("sender stopped before sending enough items")
            print(x)
            items.append(x)
            time.sleep(interval)
    except BaseException:
        shut_down_after_error(q, stop, process, timeout=1.0)
        raise
    stop_and_join(q, stop, process, timeout)
    return items


if __name__ == "__main__":
    exact()
