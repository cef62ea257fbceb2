"""POSIX process groups: who is in one (``/proc`` or ps, chosen once), whether any is alive, and
ending all of it.

A case runs as the leader of a new session, so its process group id is its pid and everything it
starts (pool workers, the resource tracker, the forkserver) shares it: ``os.killpg`` reaches all.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from typing import List, Protocol, Sequence, Set, Tuple

from matrix.supervise import procfs, ps


class Listing(Protocol):
    """What a platform tells about processes: :mod:`.procfs` (Linux) or :mod:`.ps` (macOS, BSD)."""

    def group_members(self, pgid: int) -> List[Tuple[int, str, str]]: ...

    def open_semaphores(self, pids: Sequence[int]) -> Set[Tuple[str, int]]: ...


#: This machine's listing, chosen once: ``/proc`` where it exists, else ps(1).
NATIVE: Listing = procfs if procfs.HAVE_PROC else ps
#: How long helpers (resource tracker, forkserver) may outlive the main process, and its pipes
#: stay open, before they count as left behind.
EXIT_GRACE = 1.0


def group_members(pgid: int) -> List[Tuple[int, str, str]]:
    """(pid, comm, state) of every process whose process group is ``pgid`` (zombies excluded).

    Linux: ``/proc/*/stat``; elsewhere (macOS, BSD: no ``/proc``) ``ps -A -o pid=,pgid=,stat=,comm=``.
    """
    return NATIVE.group_members(pgid)


def open_semaphores(pids: Sequence[int]) -> Set[Tuple[str, int]]:
    """(device "maj:min", inode) of the POSIX semaphores mapped by ``pids`` (empty without /proc)."""
    return NATIVE.open_semaphores(pids)


def exists(pid: int, *, group: bool = False) -> bool:
    """Whether process (or group) ``pid`` exists, zombies included: signal 0, one cheap syscall.

    POSIX only: on Windows ``os.kill(pid, 0)`` would send CTRL_C_EVENT.
    """
    if sys.platform == "win32":
        raise OSError("signal 0 is POSIX only (Windows: kill_tree)")
    else:  # the body: skipped by type checkers for win32
        try:
            (os.killpg if group else os.kill)(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # it exists, owned by someone else
            return True
        return True


def group_alive(pgid: int) -> bool:
    """Whether any process (zombies included) is in group ``pgid``."""
    return exists(pgid, group=True)


def reap_group(pgid: int, timeout: float = 2.0) -> List[str]:
    """SIGKILL every process of group ``pgid`` until none is left; return the names killed.

    Survivors are looked for with :func:`group_members` (zombies do not count: they are dead).
    """
    if sys.platform == "win32":  # POSIX only: process groups
        raise OSError("process groups are POSIX only (Windows: kill_tree)")
    else:  # the body: skipped by type checkers for win32
        killed: List[str] = []
        if not group_alive(pgid):
            return killed
        seen: Set[int] = set()
        deadline = time.monotonic() + timeout
        while True:
            members = group_members(pgid)
            if not members:
                return killed
            for pid, comm, _ in members:
                if pid not in seen:
                    seen.add(pid)
                    killed.append(comm)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
            if time.monotonic() > deadline:
                raise RuntimeError(f"processes of group {pgid} survive SIGKILL: {members}")
            time.sleep(0.01)


def signal_group(pgid: int, stop: bool) -> None:
    """SIGSTOP (``stop``) or SIGKILL the whole group ``pgid`` (POSIX)."""
    if sys.platform == "win32":  # POSIX only: process groups
        raise OSError("process groups are POSIX only (Windows: kill_tree)")
    else:  # the body: skipped by type checkers for win32
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGSTOP if stop else signal.SIGKILL)


def freeze_and_reap(pgid: int, exited_at: float | None) -> Tuple[List[str], Set[Tuple[str, int]]]:
    """Let the helpers exit, freeze what is left, note its semaphores, kill it all.

    Returns the names of the processes killed and the semaphores they had mapped.
    """
    if exited_at is not None:
        # helpers (resource tracker, forkserver) exit by themselves once the main process is
        # gone; give them the grace period before killing them (the tracker unlinks semaphores)
        while group_alive(pgid) and time.monotonic() - exited_at < EXIT_GRACE:
            time.sleep(0.005)
    members = group_members(pgid) if group_alive(pgid) else []
    if members:
        # Freeze the group first, so that nothing creates a semaphore between the scan of
        # what it has mapped and the kill.
        signal_group(pgid, stop=True)
        members = group_members(pgid)
    sems = open_semaphores([pid for pid, _, _ in members])
    return reap_group(pgid), sems
