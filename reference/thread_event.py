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

**Copy** :class:`ThreadedSender`: ``Event.wait(interval)`` instead of ``sleep`` (prompt stop), a
bounded ``join``, and ``get`` with a timeout that notices a dead sender.

.. _thread-event: ../matrix/README.md#thread-event
.. seealso:: https://docs.python.org/3/glossary.html#term-global-interpreter-lock,
   https://docs.python.org/3/howto/free-threading-python.html
"""

from __future__ import annotations

import queue
import threading
import time
from queue import Queue
from threading import Event, Thread

from reference.queue_function import POLL_INTERVAL


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
    """Vetted: a sender thread started on ``with`` and always stopped and joined on exit.

    Errors: ``TimeoutError`` (nothing sent for ``timeout`` s, or the thread does not stop), and
    ``RuntimeError`` when the thread has ended, caused by (``from``) what it raised.
    """

    def __init__(self, interval: float = 0.5, *, timeout: float = 10.0) -> None:
        self.interval = interval
        self.timeout = timeout  # longest wait for one item or for the thread to stop
        self.items: queue.Queue[int] = queue.Queue()  # sender -> receiver
        self.stop = threading.Event()  # receiver -> sender: "stop sending"
        self.error: BaseException | None = None  # what the sender raised, for the receiver
        self.thread = threading.Thread(target=self._guarded_send, name="sender", daemon=True)

    def _guarded_send(self) -> None:
        try:
            self._send()
        except BaseException as error:  # handed to the receiver instead of printed to stderr
            self.error = error

    def _send(self) -> None:
        x = 0
        while not self.stop.is_set():
            self.items.put(x)
            x += 1
            self.stop.wait(self.interval)  # wakes at once when stop is set

    def __enter__(self) -> ThreadedSender:
        self.thread.start()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.stop.set()
        self.thread.join(self.timeout)
        if self.thread.is_alive() and exc is None:  # never replace the block's own exception
            raise TimeoutError(f"sender thread did not stop within {self.timeout} s")

    def receive(self) -> int:
        """The next item; raises instead of blocking forever if the sender thread ended or is silent."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                return self.items.get(timeout=POLL_INTERVAL)
            except queue.Empty:
                if not self.thread.is_alive():
                    what = f"raised {self.error!r}" if self.error else "returned"
                    raise RuntimeError(f"sender thread ended ({what}) before sending more") from self.error
                if time.monotonic() > deadline:
                    raise TimeoutError(f"sender sent nothing for {self.timeout} s") from None

    def run(self, received: int = 10) -> list[int]:
        """Print and return the next ``received`` items."""
        items = []
        for _ in range(received):
            x = self.receive()
            print(x)
            items.append(x)
            time.sleep(self.interval)
        return items


def vetted(received: int = 10, interval: float = 0.5) -> list[int]:
    """The notes' ``a = A(); a.run()``, vetted."""
    with ThreadedSender(interval) as sender:
        return sender.run(received)


if __name__ == "__main__":
    a = A()
    a.run()
