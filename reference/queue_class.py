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
(3.13.0, 3.13.18), ``_pickle.PicklingError: Can't pickle local object`` (3.14.10, 3.15.2); no
3.12 release after 3.12.1 was measured. The matrix has the exact message per version. It
also ``terminate()``\\ s a process that uses a queue (see `queue-function`_).

**Copy** :class:`Receiver`: the same class shape with a module-level target (``send``, shared
with `queue-function`_: it pickles under every start method), the sender's own ``Pipe`` instead of
a ``Queue`` (a dead sender is an end of file, even mid-item) and a ``with`` block that always stops
and joins the sender. Errors as in `queue-function`_: ``TimeoutError`` after ``timeout`` s of
silence; ``ChildProcessError`` naming the exit code, from the ``EOFError``/``OSError`` that showed
the death (or from ``__exit__`` for a sender that exited non-zero or was killed after the timeout);
``__exit__`` never replaces the block's own exception.

.. _queue-class: ../matrix/README.md#queue-class
.. _queue-function: ../matrix/README.md#queue-function
.. seealso:: https://docs.python.org/3/library/pickle.html#what-can-be-pickled-and-unpickled
"""

from __future__ import annotations

import multiprocessing
import time
from multiprocessing import Process, Queue
from multiprocessing.context import DefaultContext
from typing import TYPE_CHECKING, cast

from reference.queue_function import send

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
    """A sender process, stopped and joined by ``with``; TimeoutError if silent, ChildProcessError if dead."""

    def __init__(self, interval: float = 0.5, start_method: str | None = None, timeout: float = 10.0) -> None:
        ctx = cast(DefaultContext, multiprocessing.get_context(start_method))  # typeshed: for .Process
        self.timeout = timeout  # the longest wait for an item, or for the sender to stop
        self.conn, sender_end = ctx.Pipe()  # not a Queue: we would hold its write end, so no EOF
        self.process = ctx.Process(target=send, args=(sender_end, interval, self.conn), name="sender")
        self.process.start()
        sender_end.close()  # the sender's is the last copy now: its death is an EOF here, even mid-item

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.conn.close()  # the sender's poll() or send() sees it and returns at once
        self.process.join(self.timeout)
        self.process.kill()  # the last resort if it is stuck (in user code?); a no-op once it has exited
        self.process.join()
        if self.process.exitcode and exc is None:  # never replace the block's own exception
            raise ChildProcessError(f"sender exited with code {self.process.exitcode}")

    def receive(self) -> int:
        if not self.conn.poll(self.timeout):
            raise TimeoutError(f"sender sent nothing for {self.timeout} s")
        try:
            return cast(int, self.conn.recv())
        except (EOFError, OSError) as error:  # end of file, maybe mid-item: the sender died
            self.process.join(self.timeout)
            raise ChildProcessError(f"sender exited with code {self.process.exitcode} mid-stream") from error


def vetted(received: int = 10, interval: float = 0.5, *, start_method: str | None = None) -> list[int]:
    """The notes' ``a = A(); a.run()``, vetted (without the receiver's sleep: the sender paces)."""
    items = []
    with Receiver(interval, start_method=start_method) as receiver:
        for _ in range(received):
            items.append(receiver.receive())
            print(items[-1])
    return items


if __name__ == "__main__":
    a = A()
    a.run()
