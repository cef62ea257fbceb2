"""POSIX semaphores a killed process group leaves in ``/dev/shm`` (Linux), and removing them.

multiprocessing unlinks its semaphores when they are finalized, or its resource tracker does when
the program exits; a group killed with SIGKILL takes its tracker along, so nothing else would
unlink its ``sem.mp-*`` files. Windows has no such files; macOS keeps them in the kernel.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path
from typing import Collection, List, Sequence, Set, Tuple

from matrix.supervise import procfs
from matrix.supervise.procfs import SHM

#: Seconds an unmapped new semaphore must outlive before it counts as orphaned (a resource tracker
#: unlinks what it tracks within milliseconds of its program's exit).
ORPHAN_GRACE = 1.0


def orphaned_semaphores(shm: Path = Path(SHM), *, since: float = 0.0) -> List[Path]:
    """``sem.mp-*`` files in ``shm`` created at or after ``since`` that no live process maps (Linux).

    One that outlives every process that mapped it was leaked (its program was killed along with
    its tracker). Empty without ``/proc``.
    """
    if sys.platform == "win32":  # no POSIX semaphore files on Windows
        return []
    else:  # the body: skipped by type checkers for win32
        if not procfs.HAVE_PROC:
            return []
        mapped = procfs.open_semaphores(procfs.live_pids())
        out: List[Path] = []
        for path in sorted(shm.glob("sem.mp*")):
            try:
                st = path.stat()
            except OSError:  # unlinked meanwhile
                continue
            key = (f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}", st.st_ino)
            if st.st_ctime >= since and key not in mapped:
                out.append(path)
        return out


def still_orphaned(candidates: Collection[Path]) -> List[Path]:
    """Those of ``candidates`` (``sem.mp-*`` paths) that no live process maps once
    :data:`ORPHAN_GRACE` has passed: a resource tracker may be unlinking them right now."""
    wanted = set(candidates)
    if not wanted:
        return []
    time.sleep(ORPHAN_GRACE)
    return [p for shm in sorted({c.parent for c in wanted}) for p in orphaned_semaphores(shm) if p in wanted]


def unlink_semaphores(paths: Sequence[Path]) -> List[Path]:
    """Unlink ``paths``; return those this call removed."""
    removed: List[Path] = []
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def remove_semaphores(shm: Path, owned: Set[Tuple[str, int]], label: str = SHM) -> List[str]:
    """Unlink ``sem.mp-*`` files in ``shm`` whose (device, inode) is in ``owned``."""
    if sys.platform == "win32":  # no POSIX semaphore files on Windows
        return []
    else:  # the body: skipped by type checkers for win32
        removed: List[str] = []
        count = 0
        if not owned:
            return removed
        try:
            entries = sorted(shm.iterdir())
        except OSError:
            return removed
        for path in entries:
            if not path.name.startswith("sem.mp"):
                continue
            try:
                st = path.stat()
            except OSError:
                continue
            key = (f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}", st.st_ino)
            if key in owned:
                try:
                    path.unlink()
                except FileNotFoundError:  # its resource tracker unlinked it since the scan: not leaked
                    continue
                except OSError as exc:
                    removed.append(f"could not remove leaked semaphore {path.name}: {exc}")
                    continue
                count += 1
        if count:
            removed.append(f"removed {count} leaked POSIX semaphore(s) {label}/sem.mp-*")
        return removed
