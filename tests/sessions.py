"""A Python script run in a session of its own, for the tests that signal or kill its whole group.

:class:`Session` starts ``python -W default script`` with its own process group (``pgid`` is its
pid), reads its stdout and stderr into buffers with :meth:`Session.pump`, and on leaving the
``with`` block kills what is left of the group and unlinks the semaphores it leaked
(:func:`matrix.runner.end_group`). POSIX only.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import time
from typing import TYPE_CHECKING

from matrix import runner

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType


class Session:
    def __init__(self, script: Path, env: dict[str, str]) -> None:
        self.born = time.time()  # semaphores created since then are this script's
        self.proc = subprocess.Popen(
            [sys.executable, "-W", "default", str(script)],
            cwd=script.parent,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        self.pgid = self.proc.pid
        self.out_fd, self.err_fd = self.proc.stdout.fileno(), self.proc.stderr.fileno()
        self.bufs = {self.out_fd: bytearray(), self.err_fd: bytearray()}
        self._sel = selectors.DefaultSelector()
        for fd in self.bufs:
            self._sel.register(fd, selectors.EVENT_READ)

    @property
    def open(self) -> bool:
        """Whether stdout or stderr is still open (some process of the group may still write)."""
        return bool(self._sel.get_map())

    def pump(self, timeout: float) -> bool:
        """Read what the pipes have into ``bufs``; False once both are closed."""
        for key, _ in self._sel.select(timeout=timeout):
            chunk = os.read(key.fd, 65536)
            if chunk:
                self.bufs[key.fd] += chunk
            else:
                self._sel.unregister(key.fd)
        return self.open

    @property
    def stdout(self) -> str:
        return self.bufs[self.out_fd].decode(errors="replace")

    @property
    def stderr(self) -> str:
        return self.bufs[self.err_fd].decode(errors="replace")

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._sel.close()
        runner.end_group(self.pgid, since=self.born)  # nothing of the group outlives it, nor its semaphores
        self.proc.wait()
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        self.proc.stdout.close()
        self.proc.stderr.close()
