"""Mounts a chroot lane needs (proc, sys, dev, a private /dev/shm), the per-run repo bind,
and deleting a tree without ever reaching through a mount.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from pathlib import Path
from typing import Iterator

from matrix.lanes.model import INNER_REPO, REPO_ROOT, LaneError
from matrix.lanes.system import last_line, locked, require_root, run


def _unescape_mount(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def parse_mountinfo(text: str) -> list[str]:
    """Mount points, in mount order, from ``/proc/self/mountinfo`` text."""
    points = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 5:
            points.append(_unescape_mount(fields[4]))
    return points


def mount_points() -> list[str]:
    try:
        return parse_mountinfo(Path("/proc/self/mountinfo").read_text(encoding="utf-8"))
    except OSError:
        return []


def mounts_under(root: Path) -> list[str]:
    """Mount points at or below ``root``, most recently mounted last."""
    base = os.path.realpath(str(root)).rstrip("/")
    return [p for p in mount_points() if p == base or p.startswith(base + "/")]


def unmount_all(root: Path) -> None:
    """Unmount everything at or below ``root`` (top of the stack first)."""
    for _ in range(100):
        points = mounts_under(root)
        if not points:
            return
        # The deepest, most recent mount first: it may be stacked on the others.
        target = max(reversed(points), key=lambda p: p.count("/"))
        proc = run(["umount", target])
        if proc.returncode != 0:
            lazy = run(["umount", "-l", target])
            if lazy.returncode != 0:
                raise LaneError(f"cannot unmount {target}: {last_line(proc.stderr)}")
    if mounts_under(root):
        raise LaneError(f"mounts are left under {root}: {', '.join(mounts_under(root))}")


def _mount_table(root: Path) -> list[tuple[Path, list[str]]]:
    return [
        (root / "proc", ["mount", "-t", "proc", "proc"]),
        (root / "sys", ["mount", "--bind", "/sys"]),
        (root / "dev", ["mount", "--bind", "/dev"]),
        # Our own tmpfs: POSIX semaphores need /dev/shm, and a private one
        # keeps the lane's shared memory apart from the host's.
        (root / "dev" / "shm", ["mount", "-t", "tmpfs", "-o", "mode=1777,nosuid,nodev", "mp-matrix-shm"]),
        (root / "dev" / "pts", ["mount", "--bind", "/dev/pts"]),
    ]


def umount(point: str) -> bool:
    return run(["umount", point]).returncode == 0 or run(["umount", "-l", point]).returncode == 0


def ensure_mounted(root: Path) -> None:
    """Make the mounts a chroot lane needs: proc, sys, dev, dev/shm, dev/pts (idempotent).

    They stay until :func:`remove`.  On failure the mounts made by this call
    are undone and LaneError raised.
    """
    require_root(f"mounting into {root}")
    # Serialised, so that parallel callers do not stack duplicate mounts.
    with locked(root.parent / ".mount.lock"):
        present = set(mount_points())
        made: list[str] = []
        try:
            for target, cmd in _mount_table(root):
                if os.path.realpath(str(target)) in present:
                    continue
                if target.is_symlink():
                    raise LaneError(f"refusing to mount on symlink {target}")
                if target.name == "pts" and not Path("/dev/pts").is_dir():
                    continue
                target.mkdir(parents=True, exist_ok=True)
                proc = run([*cmd, str(target)])
                if proc.returncode != 0:
                    raise LaneError(f"{' '.join(cmd)} {target} failed: {last_line(proc.stderr)}")
                made.append(str(target))
        except BaseException:
            for point in reversed(made):
                umount(point)
            raise


@contextlib.contextmanager
def repo_bind(root: Path) -> Iterator[str]:
    """Bind-mount the repo read-write into ``root`` for one run; yields its inner path.

    Why a bind and not a copy: it is instant and always shows the current work
    tree.  Why per run (``/mnt/repo-<pid>``, unmounted on exit) and not one
    lasting mount: parallel runs (tox -p, several clones) never share or pull
    one away from each other, a stale clone is never seen, and a root left
    lying around never holds the repo (an ``rm -rf`` of the cache cannot reach
    it).  A crashed run's leftover is unmounted by the next run with that pid
    and by :func:`remove`.
    """
    inner = f"{INNER_REPO}-{os.getpid()}"
    target = root / inner.lstrip("/")
    with locked(root.parent / ".mount.lock"):
        while os.path.realpath(str(target)) in mount_points():
            if not umount(str(target)):
                raise LaneError(f"cannot unmount stale repo bind {target}")
        if target.is_symlink():
            raise LaneError(f"refusing to mount on symlink {target}")
        target.mkdir(parents=True, exist_ok=True)
        proc = run(["mount", "--bind", str(REPO_ROOT), str(target)])
        if proc.returncode != 0:
            raise LaneError(f"mount --bind {REPO_ROOT} {target} failed: {last_line(proc.stderr)}")
    try:
        yield inner
    finally:
        if umount(str(target)):
            with contextlib.suppress(OSError):
                target.rmdir()


def safe_rmtree(path: Path) -> None:
    """``rm -rf path``, but never through a mount (e.g. a bind of /dev or the repo)."""
    if not os.path.lexists(str(path)):
        return
    left = mounts_under(path)
    if left:
        raise LaneError(f"refusing to delete {path}: still mounted: {', '.join(left)}")
    if path.is_symlink() or not path.is_dir():
        path.unlink()
        return
    shutil.rmtree(str(path))
