"""Linux: a process group's members and the POSIX semaphores processes map, read from ``/proc``."""

from __future__ import annotations

from pathlib import Path
from typing import List, Sequence, Set, Tuple

#: Whether this machine has ``/proc`` (Linux); macOS and BSD ask ps(1) instead (:mod:`.ps`).
HAVE_PROC: bool = Path("/proc/self").is_dir()
#: Where glibc keeps POSIX semaphores (``sem.<name>``); inside a chroot lane, the root's own.
SHM = "/dev/shm"  # noqa: S108 (not a temp file: the semaphores' fixed location)


def live_pids() -> List[int]:
    """Every process id ``/proc`` lists now (an unreadable ``/proc`` raises: nothing is unmapped)."""
    return [int(d.name) for d in Path("/proc").iterdir() if d.name.isdigit()]


def group_members(pgid: int) -> List[Tuple[int, str, str]]:
    """(pid, comm, state) of every process whose process group is ``pgid`` (zombies excluded)."""
    out: List[Tuple[int, str, str]] = []
    try:
        entries = [p.name for p in Path("/proc").iterdir()]
    except OSError:
        return out
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            data = Path(f"/proc/{entry}/stat").read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        lp, rp = data.find("("), data.rfind(")")
        fields = data[rp + 2 :].split()
        if len(fields) < 3:
            continue
        state, pgrp = fields[0], fields[2]
        if pgrp == str(pgid) and state not in ("Z", "X"):
            out.append((int(entry), data[lp + 1 : rp], state))
    return out


def open_semaphores(pids: Sequence[int]) -> Set[Tuple[str, int]]:
    """(device "maj:min", inode) of the POSIX semaphores mapped by ``pids``.

    glibc creates a semaphore under a temporary name, maps it, then links it to ``sem.mp-...``:
    the mapping shows the temporary name as deleted, so files are matched by inode, not by name.
    """
    sems: Set[Tuple[str, int]] = set()
    for pid in pids:
        try:
            with Path(f"/proc/{pid}/maps").open(encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    if SHM + "/sem." in line:
                        parts = line.split(None, 5)
                        if len(parts) >= 5 and parts[4].isdigit():
                            sems.add((parts[3], int(parts[4])))
        except OSError:
            continue
    return sems


def start_ticks(pid: int) -> str | None:
    """When ``pid`` started, in clock ticks since boot (a reused pid has other ticks); None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]  # field 22 (starttime), after "pid (comm)"


def pids_with_environ(wanted: Set[bytes]) -> List[int]:
    """The live processes whose environment holds one of ``wanted`` (``b"NAME=value"`` entries)."""
    pids: List[int] = []
    for pid in live_pids():
        try:
            env = set(Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"))
        except OSError:
            continue
        if env & wanted:
            pids.append(pid)
    return pids
