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

**Copy** :func:`vetted`: the sender writes to its own ``Pipe``, not a ``Queue``: the parent closes
its copy of the sender's end after ``start()`` (and the sender closes its inherited copy of the
parent's end), so a dead sender is an end of file at the parent at once, even in the middle of an
item (measured: a sender SIGKILLed after 1 MB of a 50 MB item; ``Queue.get(timeout=...)`` there
blocks in ``connection._recv`` forever, since every process holds a ``Queue``'s write end). The
parent stops the sender by closing its end (the sender's ``poll()`` or ``send()`` sees it at once,
no ``terminate()``), joins with a timeout and kills only a sender stuck past it. Ctrl-C ends the
sender quietly and surfaces in the parent as ``KeyboardInterrupt``.

Errors, as in every vetted form: ``TimeoutError`` when nothing arrives for ``timeout`` s;
``ChildProcessError`` naming the exit code (and the items received) when the sender died, from
(``__cause__``) the ``EOFError``/``OSError`` that showed it; a stop never replaces the block's own
exception. Bounds: a dead sender is seen at once; a *live* sender stopped (SIGSTOP) in the middle of
an item holds ``recv()`` until it resumes; under ``fork``, a process another thread forks while the
sender starts inherits the sender's end and delays the end of file until it exits.

The ``Queue`` helpers at the end (``stoppable_sender``, ``receive``, ``stop_and_join``) are not the
vetted form: the matrix's ``terminate-mid-put``/``join-before-drain`` scripts measure them.

.. _queue-function: ../matrix/README.md#queue-function
.. seealso:: https://docs.python.org/3/library/multiprocessing.html#programming-guidelines
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import queue
import signal
import time
from multiprocessing import Process, Queue
from multiprocessing.connection import Connection
from multiprocessing.context import DefaultContext
from typing import TYPE_CHECKING, Protocol, cast

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


def send(conn: Connection[int, object], interval: float, receiver_end: Connection[object, object]) -> None:
    receiver_end.close()  # a fork child inherits it: the receiver closing its copy must reach us
    with contextlib.suppress(OSError, KeyboardInterrupt):  # the receiver closed its end mid-send; Ctrl-C
        for x in itertools.count():
            conn.send(x)
            if conn.poll(interval):  # sleeps like time.sleep; the receiver closing its end wakes it
                return


def vetted(
    received: int = 10, interval: float = 0.5, *, start_method: str | None = None, timeout: float = 10.0
) -> list[int]:
    """Print and return the first ``received`` items from a sender process, then stop it; never hangs."""
    ctx = cast(DefaultContext, multiprocessing.get_context(start_method))  # typeshed: for .Process
    conn, sender_end = ctx.Pipe()  # not a Queue: this process holds a Queue's write end, so no EOF
    process = ctx.Process(target=send, args=(sender_end, interval, conn), name="sender")
    process.start()
    sender_end.close()  # the sender's is the last copy now: its death is an EOF here, even mid-item
    items: list[int] = []
    try:
        while len(items) < received:
            if not conn.poll(timeout):
                raise TimeoutError(f"sender sent nothing for {timeout} s")
            try:
                items.append(conn.recv())
            except (EOFError, OSError) as error:  # end of file, maybe mid-item: the sender died
                process.join(timeout)
                raise ChildProcessError(
                    f"sender exited with code {process.exitcode} after {len(items)} items"
                ) from error
            print(items[-1])
    finally:
        conn.close()  # the sender's poll() or send() sees it and returns at once
        process.join(timeout)
        process.kill()  # the last resort if it is stuck (in user code?); a no-op once it has exited
        process.join()
    if process.exitcode:
        raise ChildProcessError(f"sender exited with code {process.exitcode}")
    return items


# Queue helpers, not the vetted form: matrix/failure_scripts/notes.py's terminate-mid-put/vetted script and
# the join-before-drain row measure a Queue stopped without terminate() with them.


class StopRequests(Protocol):
    """The sender's end of the stop pipe (a ``multiprocessing.connection.Connection``)."""

    def poll(self, timeout: float | None = ...) -> bool: ...


class StopSignal(Protocol):
    """The receiver's end of the stop pipe."""

    def send_bytes(self, buf: bytes, offset: int = ..., size: int | None = ...) -> None: ...


def stoppable_sender(q: MPQueue[int | None], stop: StopRequests, interval: float = 0.5) -> None:
    """Puts ``0, 1, ...`` on ``q`` until a stop request arrives, then the ``None`` sentinel."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    x = 0
    while not stop.poll():
        q.put(x)
        x += 1
        stop.poll(interval)
    q.put(None)


def receive(q: MPQueue[int | None], process: BaseProcess, timeout: float) -> int | None:
    """``q.get()`` that raises instead of blocking forever when ``process`` died or stalled.

    Bounded only until an item starts arriving: a sender killed while writing a large item leaves
    ``get()`` blocked in the middle of it (the parent holds the Queue's write end, so no EOF comes).
    """
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
                        f"{process.name} exited with code {process.exitcode} with nothing more sent"
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


if __name__ == "__main__":
    exact()
