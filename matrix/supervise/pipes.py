"""Reading a case's stdout and stderr as the data comes, without blocking on either.

POSIX: both pipes non-blocking in one selector. Windows (``select()`` takes sockets only): one
daemon thread per pipe.
"""

from __future__ import annotations

import contextlib
import os
import queue
import selectors
import sys
import threading
import time
from typing import IO, Dict, List, Tuple


class Pipes:
    """A case's stdout and stderr, read as the data comes, into ``bufs["out"]`` / ``bufs["err"]``."""

    def __init__(self) -> None:
        self.bufs: Dict[str, bytearray] = {"out": bytearray(), "err": bytearray()}

    def open(self) -> bool:  # pragma: no cover (overridden)
        """Whether a stream has not reached EOF yet (a process still holds it)."""
        raise NotImplementedError

    def read(self, timeout: float) -> List[str]:  # pragma: no cover (overridden)
        """Wait up to ``timeout`` s for data; return the names of the streams that got some."""
        raise NotImplementedError

    def drain(self, wait: float) -> None:  # pragma: no cover (overridden)
        """Collect what is still buffered (every writer is dead by now): at most ``wait`` s."""
        raise NotImplementedError

    def close(self) -> bool:
        """Release the reader; return whether the pipes may be closed now."""
        return True


def set_nonblocking(fd: int) -> None:
    if sys.platform == "win32":  # pipes cannot be non-blocking before 3.12, nor selected
        raise OSError("select() on pipes needs POSIX")
    else:  # the body: skipped by type checkers for win32
        os.set_blocking(fd, False)


class SelectorPipes(Pipes):
    """POSIX: both pipes non-blocking in one selector."""

    def __init__(self, out: IO[bytes], err: IO[bytes]) -> None:
        super().__init__()
        self._names = {out.fileno(): "out", err.fileno(): "err"}
        self._sel = selectors.DefaultSelector()
        for fd in self._names:
            set_nonblocking(fd)
            self._sel.register(fd, selectors.EVENT_READ)

    def open(self) -> bool:
        return bool(self._sel.get_map())

    def read(self, timeout: float) -> List[str]:
        got: List[str] = []
        for key, _ in self._sel.select(timeout=timeout):
            fd = key.fd
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                self._sel.unregister(fd)
                continue
            self.bufs[self._names[fd]] += chunk
            got.append(self._names[fd])
        return got

    def drain(self, wait: float) -> None:  # non-blocking reads: nothing to wait for
        for key in list(self._sel.get_map().values()):
            while True:
                try:
                    chunk = os.read(key.fd, 65536)
                except (BlockingIOError, OSError):
                    break
                if not chunk:
                    break
                self.bufs[self._names[key.fd]] += chunk

    def close(self) -> bool:
        self._sel.close()
        return True


class ThreadPipes(Pipes):
    """Windows (``select()`` takes sockets only): one daemon thread per pipe, blocking reads."""

    def __init__(self, out: IO[bytes], err: IO[bytes]) -> None:
        super().__init__()
        self._queue: queue.Queue[Tuple[str, bytes]] = queue.Queue()
        self._open = {"out", "err"}
        self._threads = [
            threading.Thread(target=self._pump, args=(name, stream), daemon=True)
            for name, stream in (("out", out), ("err", err))
        ]
        for t in self._threads:
            t.start()

    def _pump(self, name: str, stream: IO[bytes]) -> None:
        fd = stream.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            self._queue.put((name, chunk))
            if not chunk:
                with contextlib.suppress(OSError):
                    stream.close()  # here: the pipe may outlive the session (see close())
                return

    def open(self) -> bool:
        return bool(self._open)

    def read(self, timeout: float) -> List[str]:
        got: List[str] = []
        try:
            item = self._queue.get(timeout=timeout) if timeout > 0 else self._queue.get_nowait()
        except queue.Empty:
            return got
        while True:
            name, chunk = item
            if chunk:
                self.bufs[name] += chunk
                got.append(name)
            else:
                self._open.discard(name)
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return got

    def drain(self, wait: float) -> None:
        end = time.monotonic() + wait
        for t in self._threads:
            t.join(timeout=max(0.0, end - time.monotonic()))
        self.read(0)

    def close(self) -> bool:
        # Closing a pipe that a thread is blocked reading can block too (Windows): such a pipe
        # (a process the runner could not see still holds its other end) is closed by its thread.
        return not any(t.is_alive() for t in self._threads)
