"""Which lanes are installed and complete, and the version each interpreter reports."""

from __future__ import annotations

import os
from pathlib import Path

from matrix.lanes.model import (
    HOST_PYPY,
    HOST_PYPY_LANE,
    MARKER_NAME,
    SID_INTERPRETERS,
    Lane,
    LaneError,
    lane_env,
    read_marker,
    root_state,
    sid_lane_name,
    sid_root,
)
from matrix.lanes.mounts import ensure_mounted
from matrix.lanes.system import last_line, run, warn

_VERSION_CODE = (
    "import platform, sys\n"
    "impl = platform.python_implementation()\n"
    "v = platform.python_version()\n"
    "if impl == 'PyPy':\n"
    "    p = sys.pypy_version_info\n"
    "    print('PyPy %d.%d.%d (Python %s)' % (p.major, p.minor, p.micro, v))\n"
    "else:\n"
    "    print(impl + ' ' + v)\n"
)


def lane_version(lane: Lane, timeout: float = 60.0) -> str:
    """E.g. ``"CPython 3.14.0"`` or ``"PyPy 7.3.11 (Python 3.9.16)"``."""
    proc = run([*list(lane.argv), "-c", _VERSION_CODE], env=lane_env(lane), timeout=timeout)
    if proc.returncode != 0:
        raise LaneError(f"{lane.name}: interpreter does not run: {last_line(proc.stderr)}")
    return proc.stdout.strip()


def host_pypy_lane() -> Lane | None:
    if Path(HOST_PYPY).is_file() and os.access(HOST_PYPY, os.X_OK):
        return Lane(HOST_PYPY_LANE, (HOST_PYPY,), None)
    return None


def _sid_lanes(root: Path) -> list[Lane]:
    info = read_marker(root)
    listed = info.get("interpreters")
    names = [str(n) for n in listed] if isinstance(listed, list) else list(SID_INTERPRETERS)
    lanes = []
    for interp in names:
        inner = f"/usr/bin/{interp}"
        if os.path.lexists(str(root / inner.lstrip("/"))):
            lanes.append(Lane(sid_lane_name(interp), ("chroot", str(root), inner), root))
    return lanes


def discover_lanes() -> list[Lane]:
    """Installed, complete lanes; chroot lanes get their mounts ensured.

    Chroot lanes whose mounts cannot be made (e.g. not root) are skipped with a
    warning on stderr; a half-made root is ignored with a warning.
    """
    lanes: list[Lane] = []
    host = host_pypy_lane()
    if host is not None:
        lanes.append(host)
    root = sid_root()
    state = root_state(root)
    if state == "partial":
        warn(f"ignoring half-made root {root} (no {MARKER_NAME}); run python -m matrix.lanes install")
    elif state == "complete":
        try:
            ensure_mounted(root)
        except LaneError as exc:
            warn(f"skipping sid lanes: {exc}")
        else:
            lanes.extend(_sid_lanes(root))
    return lanes


def find_lane(name: str) -> Lane | None:
    for lane in discover_lanes():
        if lane.name == name:
            return lane
    return None
