"""A class-based ``Queue`` sender whose target is a closure — matrix row `queue-class`_.

The notes' "classy way" defines ``sender`` *inside* ``__init__`` (a closure over ``self``) and
passes it as the ``Process`` target::

    class A:
        def __init__(self):
            self.q = Queue()
            def sender(): ...          # closure: not importable by name
            self.p = Process(target=sender)
            self.p.start()

Under ``fork`` the child inherits the closure in memory, so it works. Under ``spawn`` and
``forkserver`` — the default on macOS, Windows and Linux from 3.14 — ``p.start()`` must pickle the
target, and a local function cannot be pickled: measured: ``AttributeError: Can't pickle local
object 'A.__init__.<locals>.sender'`` (3.8-3.12.1), ``AttributeError: Can't get local object ...``
(3.13.0, 3.13.18), ``_pickle.PicklingError: Can't pickle local object`` (3.14.10, 3.15.2); the
3.12 releases after 3.12.1 were not measured. The matrix has the exact message per version. It
also ``terminate()``\\ s a process that uses a queue (see `queue-function`_).

**Copy** :class:`Receiver`: the same class shape with a module-level target (it pickles under
every start method), a stop pipe + sentinel instead of ``terminate()``, and a ``with`` block
that always stops and joins the sender without masking the block's own exception.

.. _queue-class: ../matrix/README.md#queue-class
.. _queue-function: ../matrix/README.md#queue-function
.. seealso:: https://docs.python.org/3/library/pickle.html#what-can-be-pickled-and-unpickled
"""

from __future__ import annotations

import time
from multiprocessing import Process, Queue
from typing import TYPE_CHECKING

from reference.queue_function import receive, shut_down_after_error, stop_and_join, stoppable_sender
from reference.start_method import context_for

if TYPE_CHECKING:
    from multiprocessing.queues import Queue as MPQueue


class A:
    """The notes, verbatim (``interval`` and ``received`` are parameters; defaults as in the notes)."""

    def __init__(self, interval: float = 0.5) -> None:
        self.q: MPQueue[int] = Queue()

        # sender (background)
        def sender() -> None:  # pragma: no cover - runs only in a terminated child (queue_function.sender)
            x = 0
            while True:
                self.q.put(x)
                x += 1
                time.sleep(interval)

        self.p = Process(target=sender)

        self.p.start()
        self.interval = interval

    def run(self, received: int = 10) -> list[int]:
        """Print and return ``received`` items, then terminate the sender."""
        items = []
        # reciever (foreground)
        for _ in range(received):
            x = self.q.get()
            print(x)
            items.append(x)
            time.sleep(self.interval)

        self.p.terminate()
        return items


class Receiver:
    """Vetted: receives from a sender process that is started on ``with`` and stopped cleanly."""

    def __init__(
        self, interval: float = 0.5, *, start_method: str | None = None, timeout: float = 10.0
    ) -> None:
        ctx = context_for(start_method)
        self.interval = interval
        self.timeout = timeout  # longest wait for one item or for the sender to stop
        self.queue: MPQueue[int | None] = ctx.Queue()  # sender -> receiver; None ends the stream
        # receiver -> sender: "stop sending" (a pipe: no lock a killed process could leave held)
        self.stop_requests, self.stop = ctx.Pipe(duplex=False)
        # A module-level target pickles under every start method; a closure does not.
        self.process = ctx.Process(
            target=stoppable_sender, args=(self.queue, self.stop_requests, interval), name="sender"
        )

    def __enter__(self) -> Receiver:
        self.process.start()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc is None:
            stop_and_join(self.queue, self.stop, self.process, self.timeout)
        else:  # the block failed (or Ctrl-C): clean up, and let its exception through unmasked
            shut_down_after_error(self.queue, self.stop, self.process, timeout=1.0)

    def run(self, received: int = 10) -> list[int]:
        """Print and return the next ``received`` items."""
        items: list[int] = []
        while len(items) < received:
            x = receive(self.queue, self.process, self.timeout)
            if x is None:
                raise ChildProcessError("sender stopped before sending enough items")
            print(x)
            items.append(x)
            time.sleep(self.interval)
        return items


def vetted(received: int = 10, interval: float = 0.5, *, start_method: str | None = None) -> list[int]:
    """The notes' ``a = A(); a.run()``, vetted."""
    with Receiver(interval, start_method=start_method) as receiver:
        return receiver.run(received)


if __name__ == "__main__":
    a = A()
    a.run()
