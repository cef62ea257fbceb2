"""One script in a process group of its own: started, its pipes read, and ended with all it started.

POSIX: the script leads a new session, so its process group id is its pid and ``os.killpg`` reaches
everything it starts. Windows has no sessions nor ``select()`` on pipes: the script gets
``CREATE_NEW_PROCESS_GROUP``, its pipes are read by threads, and ``taskkill /T /F`` ends its tree.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Dict, List, Mapping, Sequence, Set, Tuple

from matrix.supervise.groups import EXIT_GRACE, freeze_and_reap, reap_group, signal_group
from matrix.supervise.pipes import Pipes, SelectorPipes, ThreadPipes
from matrix.supervise.procfs import SHM
from matrix.supervise.semaphores import (
    orphaned_semaphores,
    remove_semaphores,
    still_orphaned,
    unlink_semaphores,
)
from matrix.supervise.taskkill import kill_tree

#: Not ``sys.platform == "win32"`` at each use: a variable keeps both paths type-checked everywhere.
ON_WINDOWS: bool = sys.platform == "win32"


def popen_options() -> Dict[str, Any]:
    """How a case is set apart: POSIX, a new session (``os.killpg`` ends all it started); Windows,
    a new process group (Ctrl-C in the runner's console does not reach it; ``kill_tree`` ends it)."""
    if ON_WINDOWS:
        return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0x200)}
    return {"start_new_session": True}


class Session:
    """``argv`` run in a process group of its own, its stdout and stderr read into :attr:`bufs`.

    As a context manager, leaving it kills what is left of the group and unlinks the semaphores
    it had mapped and the orphaned ones created since it started (:func:`end_group`). The matrix
    runner instead calls :meth:`end` (and words the cleanup itself) and then :meth:`close`.
    """

    def __init__(self, argv: Sequence[str], cwd: str | Path, *, env: Mapping[str, str] | None = None) -> None:
        self.born = time.time()  # semaphores created since then may be this group's
        self.proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            **popen_options(),
        )
        self.pgid = self.proc.pid
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        out, err = self.proc.stdout, self.proc.stderr
        self.pipes: Pipes = ThreadPipes(out, err) if ON_WINDOWS else SelectorPipes(out, err)
        #: Windows, after :meth:`end`: a process the main one started still held the pipes.
        self.held_open = False

    @property
    def bufs(self) -> Dict[str, bytearray]:
        """What was read so far: ``"out"`` and ``"err"``."""
        return self.pipes.bufs

    @property
    def stdout(self) -> str:
        return self.pipes.bufs["out"].decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        return self.pipes.bufs["err"].decode("utf-8", "replace")

    @property
    def open(self) -> bool:
        """Whether stdout or stderr is still open (some process of the group may still write)."""
        return self.pipes.open()

    def read(self, timeout: float) -> List[str]:
        """Wait up to ``timeout`` s for data; return the names of the streams that got some."""
        return self.pipes.read(timeout)

    def pump(self, timeout: float) -> bool:
        """Read what the pipes have into :attr:`bufs`; False once both are closed."""
        self.pipes.read(timeout)
        return self.pipes.open()

    def end(self, exited_at: float | None) -> Tuple[List[str], Set[Tuple[str, int]]]:
        """Kill what is left, wait for the main process, collect what the pipes still hold.

        ``exited_at`` (a ``time.monotonic()``): when the main process exited; its helpers get
        :data:`EXIT_GRACE` from then to leave by themselves. Returns the names of the processes
        killed and the POSIX semaphores they had mapped (for :func:`remove_semaphores`).
        """
        sems: Set[Tuple[str, int]] = set()
        if ON_WINDOWS:
            # No process groups: a tree kill while the main process lives (it started the rest);
            # after it exited, a process still holding its pipes cannot be found by its parent.
            self.held_open = exited_at is not None and self.pipes.open()
            killed = kill_tree(self.proc.pid) if self.proc.poll() is None else []
        else:
            killed, sems = freeze_and_reap(self.pgid, exited_at)
        if self.proc.poll() is None:
            self.proc.wait()
        self.pipes.drain(0.0 if self.held_open else EXIT_GRACE)  # the writers are dead by now
        return killed, sems

    def close(self) -> None:
        """Release the pipes; kill everything at once if the main process still runs (interrupted)."""
        may_close = self.pipes.close()
        if self.proc.poll() is None:  # e.g. KeyboardInterrupt while waiting
            end_now(self.proc)
            self.proc.wait()
        if may_close:
            assert self.proc.stdout is not None
            assert self.proc.stderr is not None
            self.proc.stdout.close()
            self.proc.stderr.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if not ON_WINDOWS:  # nothing of the group outlives it, nor its semaphores
                end_group(self.pgid, since=self.born)
        finally:
            self.close()


def end_now(proc: subprocess.Popen[bytes]) -> None:
    """Kill everything the case started, at once (an interrupted runner)."""
    if ON_WINDOWS:
        kill_tree(proc.pid)
    else:
        signal_group(proc.pid, stop=False)
        reap_group(proc.pid)


def end_group(pgid: int, *, since: float | None = None, shm: Path = Path(SHM)) -> List[str]:
    """POSIX: kill what is left of group ``pgid`` and unlink the POSIX semaphores it had mapped,
    and with ``since`` (a ``time.time()``) the orphaned ones created since then.

    For callers that start a process group themselves (the tests): a group killed with SIGKILL
    takes its resource tracker along, so nothing else would unlink its ``sem.mp-*`` files.
    Returns notes of what was done, worded as the matrix runner's cleanup notes.
    """
    killed, sems = freeze_and_reap(pgid, None)
    notes = [f"killed {len(killed)} process(es): {', '.join(sorted(killed))}"] if killed else []
    notes += remove_semaphores(shm, sems)
    if since is not None:  # what a member that exited before the scan left to the killed tracker
        orphans = orphaned_semaphores(shm, since=since)
        if orphans:
            gone = unlink_semaphores(still_orphaned(orphans))
            notes.append(f"removed {len(gone)} orphaned POSIX semaphore(s) {shm}/sem.mp-*")
    return notes
