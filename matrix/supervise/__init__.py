"""Run one script in a process group of its own and end it, leaving nothing behind (stdlib only).

::

    Session(argv, cwd)            start: POSIX a new session (pgid = pid), Windows a new process group
      .read() / .pump()           stdout, stderr as they come: one selector (POSIX), threads (Windows)
      .end(exited_at)             helpers get EXIT_GRACE, then the rest is frozen, scanned and killed
      with Session(...):          ... or on leaving the block: end_group(), semaphores and orphans too
          |
          +-- groups       who is in the group: procfs (/proc, Linux) or ps (macOS, BSD), chosen once;
          |                SIGSTOP / SIGKILL with os.killpg until none is left
          +-- taskkill     Windows: taskkill /T /F ends the tree
          +-- semaphores   sem.mp-* files the killed group mapped, or that no process maps (Linux)

Used by :func:`matrix.runner.run_script` (which classifies what the script printed) and by the
tests that signal or kill a whole group.
"""

from __future__ import annotations

from matrix.supervise.groups import EXIT_GRACE, group_alive, group_members, open_semaphores, reap_group
from matrix.supervise.procfs import HAVE_PROC, SHM
from matrix.supervise.semaphores import (
    orphaned_semaphores,
    remove_semaphores,
    still_orphaned,
    unlink_semaphores,
)
from matrix.supervise.session import ON_WINDOWS, Session, end_group, popen_options

__all__ = [
    "EXIT_GRACE",
    "HAVE_PROC",
    "ON_WINDOWS",
    "SHM",
    "Session",
    "end_group",
    "group_alive",
    "group_members",
    "open_semaphores",
    "orphaned_semaphores",
    "popen_options",
    "reap_group",
    "remove_semaphores",
    "still_orphaned",
    "unlink_semaphores",
]
