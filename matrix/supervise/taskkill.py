"""Windows (no process groups to signal): end a process and every process it started."""

from __future__ import annotations

import re
import subprocess
from typing import List


def kill_tree_command(pid: int) -> List[str]:
    """End ``pid`` and every process it started, at once (Windows has no process groups to kill)."""
    return ["taskkill", "/T", "/F", "/PID", str(pid)]


_TASKKILL_PID = re.compile(r"\bPID (\d+)")


def parse_taskkill(output: str) -> List[str]:
    """``pid N`` for each process taskkill reports as ended (the first PID of each SUCCESS line)."""
    killed: List[str] = []
    for line in output.splitlines():
        m = _TASKKILL_PID.search(line)
        if m and line.lstrip().upper().startswith("SUCCESS"):
            killed.append(f"pid {m.group(1)}")
    return killed


def kill_tree(pid: int) -> List[str]:
    """``taskkill /T /F`` the process tree of ``pid``; return ``pid N`` for each process ended."""
    try:
        proc = subprocess.run(
            kill_tree_command(pid), capture_output=True, text=True, errors="replace", timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return parse_taskkill(proc.stdout)
