"""A threaded ``queue.Queue`` sender stopped by an ``Event`` — matrix row `thread-event`_.

The notes' sender thread loops until ``exit_event`` is set; the main thread receives 10 items,
sets the event and joins the thread. Threads share memory, so nothing is pickled and the start
method does not matter: this works on every platform and interpreter.

What the notes say about the GIL is off: the GIL lets only one *thread* at a time execute Python
bytecode in one interpreter (not "one python process"); it is released during blocking I/O and
``time.sleep``, so this I/O-paced pattern is fine with it; CPU-bound threads do not speed up on a
GIL build. Free-threaded builds (3.13t experimental, 3.14t supported: PEP 703, PEP 779) run
threads in parallel. The exact form reacts to the event only after its ``time.sleep`` ends, so
stopping takes up to one interval, and a crash in the sender leaves ``q.get()`` blocked forever.

**Copy** :class:`ThreadedSender`: ``Event.wait(interval)`` instead of ``sleep`` (a prompt stop), a
bounded ``join`` on leaving the ``with`` block, and the sender's exception handed over the queue.
Errors, as in every vetted form: ``TimeoutError`` when nothing arrives for ``timeout`` s or the
thread does not stop within it; ``RuntimeError`` naming what the sender raised, from (``__cause__``)
that exception (a thread has no exit code: the process forms' ``ChildProcessError`` does not fit);
``__exit__`` never replaces the block's own exception.

.. _thread-event: ../matrix/README.md#thread-event
.. seealso:: https://docs.python.org/3/glossary.html#term-global-interpreter-lock,
   https://docs.python.org/3/howto/free-threading-python.html
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from queue import Queue
from threading import Event, Thread


class A:
    """The notes, verbatim (``interval`` and ``received`` are parameters; defaults as in the notes)."""

    def __init__(self, interval: float = 0.5) -> None:
        self.q: Queue[int] = Queue()
        self.exit_event = Event()

        # sender (background)
        def sender() -> None:
            x = 0
            while True:
                # threading does not have a terminate() or kill(), so we manually handle the exit
                if self.exit_event.is_set():
                    break
                self.q.put(x)
                x += 1
                time.sleep(interval)

        self.p = Thread(target=sender)

        self.p.start()
        self.interval = interval

    def run(self, received: int = 10) -> list[int]:
        """Print and return ``received`` items, then stop and join the sender."""
        items = []
        # reciever (foreground)
        for _ in range(received):
            x = self.q.get()
            print(x)
            items.append(x)
            time.sleep(self.interval)

        # set exit event
        self.exit_event.set()
        self.p.join()
        return items


class ThreadedSender:
    """A sender thread, stopped and joined by ``with``; TimeoutError if silent, RuntimeError if it raised."""

    def __init__(self, interval: float = 0.5, *, timeout: float = 10.0) -> None:
        self.interval, self.timeout = interval, timeout  # timeout: the longest wait for an item or a stop
        self.items: queue.Queue[int | BaseException] = queue.Queue()  # an exception: the sender died
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._send, name="sender", daemon=True)

    def _send(self) -> None:
        try:
            for x in itertools.count():
                self.items.put(x)
                if self.stop.wait(self.interval):  # unlike time.sleep, returns at once when stop is set
                    return
        except BaseException as error:  # handed to the receiver instead of printed to stderr
            self.items.put(error)

    def __enter__(self) -> ThreadedSender:
        self.thread.start()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.stop.set()
        self.thread.join(self.timeout)
        if self.thread.is_alive() and exc is None:  # never replace the block's own exception
            raise TimeoutError(f"sender thread did not stop within {self.timeout} s")

    def receive(self) -> int:
        try:
            x = self.items.get(timeout=self.timeout)
        except queue.Empty:
            raise TimeoutError(f"sender sent nothing for {self.timeout} s") from None
        if isinstance(x, BaseException):
            raise RuntimeError(f"sender thread raised {x!r}") from x
        return x


def vetted(received: int = 10, interval: float = 0.5) -> list[int]:
    """The notes' ``a = A(); a.run()``, vetted (without the receiver's sleep: the sender paces)."""
    items = []
    with ThreadedSender(interval) as sender:
        for _ in range(received):
            items.append(sender.receive())
            print(items[-1])
    return items


if __name__ == "__main__":
    a = A()
    a.run()
