"""What a killed matrix run leaves behind, marked so that the next run can find it and remove it.

A run marks what it creates:

* its scratch directories (``mp-matrix-*``, one per interpreter) hold :data:`OWNER_FILE`: the
  runner's pid, its start time (``/proc``'s start ticks where there is one: a reused pid is no
  owner) and the wall time it started;
* every case process carries ``MP_MATRIX_RUN=<scratch directory name>`` in its environment (its
  children inherit it), so a case group that outlived its runner is found by that mark.

On start, :func:`sweep` looks for scratch directories whose owner is dead (SIGKILL, a crash, a
power cut): it kills the process groups carrying their mark, unlinks the ``sem.mp-*`` files those
processes mapped and the ones created since that run started that no live process maps (a killed
case's resource tracker died with it, so nothing else would), and removes the directory. Nothing
of a live run, or of any other program, is touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Dict, Iterable, List, Set, Tuple

from matrix import supervise
from matrix.supervise import groups, procfs

OWNER_FILE = ".mp-matrix-owner"
ENV_MARK = "MP_MATRIX_RUN"
PREFIX = "mp-matrix-"


def mark(workdir: Path) -> None:
    """Record this process as the owner of ``workdir``."""
    owner = {"pid": os.getpid(), "ticks": procfs.start_ticks(os.getpid()), "started": time.time()}
    (workdir / OWNER_FILE).write_text(json.dumps(owner), encoding="utf-8")


def case_env(env: Dict[str, str], workdir: Path) -> Dict[str, str]:
    """``env`` with the mark of ``workdir``'s run (a case and its children inherit it)."""
    return {**env, ENV_MARK: workdir.name}


def _alive(owner: Dict[str, object]) -> bool:
    pid = owner.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    if sys.platform == "win32":  # no signal 0 there: never judge a run dead
        return True
    else:  # the body: skipped by type checkers for win32
        ticks = owner.get("ticks")  # the same pid, not a new process that reused it
        return groups.exists(pid) and (ticks is None or procfs.start_ticks(pid) in (None, ticks))


def abandoned(bases: Iterable[Path]) -> List[Path]:
    """Scratch directories under ``bases`` whose owning run is dead."""
    out: List[Path] = []
    for base in dict.fromkeys(bases):
        try:
            dirs = sorted(p for p in base.iterdir() if p.name.startswith(PREFIX) and p.is_dir())
        except OSError:
            continue
        for d in dirs:
            try:
                owner = json.loads((d / OWNER_FILE).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # not marked: not ours to judge
            if isinstance(owner, dict) and not _alive(owner):
                out.append(d)
    return out


def marked_groups(names: Set[str]) -> Dict[int, List[int]]:
    """Process group -> pids of the live processes carrying one of the marks ``names`` (Linux)."""
    if sys.platform == "win32":  # no /proc, no process groups
        return {}
    else:  # the body: skipped by type checkers for win32
        groups: Dict[int, List[int]] = {}
        if not supervise.HAVE_PROC or not names:
            return groups
        for pid in procfs.pids_with_environ({f"{ENV_MARK}={n}".encode() for n in names}):
            try:
                pgid = os.getpgid(pid)
            except (OSError, ProcessLookupError):
                continue
            groups.setdefault(pgid, []).append(pid)
        return groups


def sweep(bases: Iterable[Path], *, shm: Path = Path(supervise.SHM)) -> List[str]:
    """Remove what dead runs left under ``bases``; one note per kind of thing removed.

    ``shm`` is where the semaphore files are (a test passes a private directory: orphans in the
    shared ``/dev/shm`` cannot be told apart by run, so a concurrent run's sweep takes any of them).
    """
    dead = abandoned(bases)
    if not dead:
        return []
    notes = [
        f"removed {len(dead)} scratch dir(s) of an earlier run that was killed: {', '.join(map(str, dead))}"
    ]
    if sys.platform != "win32":
        started = min(_started(d) for d in dead)
        groups = marked_groups({d.name for d in dead})
        if groups:
            sems = supervise.open_semaphores([pid for pids in groups.values() for pid in pids])
            killed = [name for pgid in groups for name in supervise.reap_group(pgid)]
            notes.append(f"killed {len(killed)} process(es) of its cases: {', '.join(sorted(killed))}")
            notes += supervise.remove_semaphores(shm, sems, str(shm))
        orphans = supervise.still_orphaned(supervise.orphaned_semaphores(shm, since=started))
        gone = supervise.unlink_semaphores(orphans)
        if gone:
            notes.append(f"removed {len(gone)} orphaned {shm}/sem.mp-* file(s) created since it started")
    for d in dead:
        shutil.rmtree(str(d), ignore_errors=True)
    return notes


def _started(workdir: Path) -> float:
    with contextlib.suppress(OSError, ValueError, TypeError):
        return float(json.loads((workdir / OWNER_FILE).read_text(encoding="utf-8"))["started"])
    return time.time()


def shm_semaphores(root: Path | None = None) -> List[Path]:
    """``sem.mp-*`` files in ``/dev/shm`` (of a chroot ``root`` when given)."""
    shm = (root / "dev" / "shm") if root is not None else Path(supervise.SHM)
    try:
        return sorted(p for p in shm.iterdir() if p.name.startswith("sem.mp"))
    except OSError:
        return []


def unclaimed_semaphores(before: Dict[Path | None, List[Path]]) -> Tuple[List[str], List[str]]:
    """``sem.mp-*`` files that appeared during the run and still exist: (removed, left).

    Leaks of the cases themselves are attributed (by inode) and removed by the runner when it ends
    a case. A few escape that: a process of a case's respawn loop that exits between the runner's
    scan and its kill leaves its semaphores to the resource tracker, which the kill ends too. Here,
    once every case has ended: a new file that no live process maps, still there after a grace
    period (a tracker may be unlinking it), is an orphan nobody can use, and is removed; one that
    some process maps may belong to another program on this machine, and is only reported.
    """
    new = [sem for root, old in before.items() for sem in shm_semaphores(root) if sem not in old]
    removed = {str(p) for p in supervise.unlink_semaphores(supervise.still_orphaned(new))}
    left = [str(sem) for sem in new if sem.exists() and str(sem) not in removed]
    return sorted(removed), left
