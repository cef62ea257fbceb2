"""macOS and BSD (no ``/proc``): a process group's members, from ps(1)."""

from __future__ import annotations

import subprocess
from typing import List, Sequence, Set, Tuple

PS_COMMAND = ("ps", "-A", "-o", "pid=,pgid=,stat=,comm=")


def group_members(pgid: int) -> List[Tuple[int, str, str]]:
    """(pid, comm, state) of every process whose process group is ``pgid`` (zombies excluded)."""
    try:
        proc = subprocess.run(
            list(PS_COMMAND), capture_output=True, text=True, errors="replace", timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return parse_ps(proc.stdout, pgid)


def parse_ps(text: str, pgid: int) -> List[Tuple[int, str, str]]:
    """The members of group ``pgid`` in the output of :data:`PS_COMMAND` (zombies excluded)."""
    out: List[Tuple[int, str, str]] = []
    for line in text.splitlines():
        fields = line.split(None, 3)
        if len(fields) < 3 or not fields[0].isdigit() or fields[1] != str(pgid):
            continue
        state = fields[2][:1]
        comm = fields[3].strip() if len(fields) > 3 else "?"
        if state not in ("Z", "X"):
            out.append((int(fields[0]), comm.rsplit("/", 1)[-1] or comm, state))
    return out


def open_semaphores(pids: Sequence[int]) -> Set[Tuple[str, int]]:
    """None to find: macOS keeps named semaphores in the kernel, not in files."""
    return set()
