"""Find every Python 3 interpreter on this machine and probe its platform facts.

Sources, in order (the first one found wins a duplicate):

1. pyenv versions: ``$PYENV_ROOT`` (else ``~/.pyenv``) ``/versions/*/bin/python3*`` / ``pypy3*``
   (shims are skipped; Python 2 is ignored);
2. ``PATH``: ``python3``, ``python3.X``, ``pypy3``, ``pypy3.X`` (pyenv shim dirs skipped);
3. lanes from ``matrix.lanes.discover_lanes()`` when that module imports (chroot roots, PyPy).

Duplicates are dropped by resolved path, then by (implementation, full version, build). An
interpreter that does not start or cannot be probed is kept with ``Facts.error`` set.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from matrix import supervise
from matrix.model import IMPLEMENTATIONS, Facts, OsInfo, portable
from matrix.probe import PROBE_SOURCE
from matrix.supervise.taskkill import kill_tree

_NAME = re.compile(r"^(python3(\.\d+)?|pypy3(\.\d+)?)$")
#: Windows installs name every interpreter ``python.exe``: there the running one is a candidate too
#: (``py -3.13 -m matrix run`` measures 3.13); elsewhere PATH and pyenv names are enough.
WINDOWS_NAMES: bool = sys.platform == "win32"
PROBE_TIMEOUT = 30.0
#: The oldest language version measured (multiprocessing's start methods as probed exist since 3.4;
#: the committed matrix starts at 3.6).
MIN_VERSION = (3, 6)
#: How labels name an OS other than Linux (``sys.platform`` -> name), as the expected columns do.
OS_NAMES = {"darwin": "macOS", "win32": "Windows", "cygwin": "Cygwin"}


@dataclass(frozen=True)
class Interpreter:
    """One interpreter: ``argv`` runs it (a chroot lane's argv ends with the inner path)."""

    argv: Tuple[str, ...]
    location: str  # "pyenv", "/usr/bin", "lane sid-python3.14"
    root: Path | None = None  # chroot dir of a lane, None on the host
    lane: Any = None  # the matrix.lanes.Lane, if any
    facts: Facts | None = None

    @property
    def name(self) -> str:
        return self.facts.name if self.facts else self.argv[-1]

    @property
    def executable(self) -> str:
        return self.argv[-1]

    def host_path(self, inner: str) -> Path:
        if self.root is None:
            return Path(inner)
        return self.root / inner.lstrip("/")

    def inner_path(self, host: Path) -> str:
        if self.root is None:
            return str(host)
        return "/" + host.absolute().relative_to(self.root.absolute()).as_posix()

    def env(self) -> Dict[str, str]:
        env = dict(os.environ)
        if self.lane is not None:
            try:
                from matrix import lanes

                lane_env = getattr(lanes, "lane_env", None)
                if lane_env is not None:
                    env = dict(lane_env(self.lane))
            except Exception:  # noqa: S110 (the lanes module is optional: host environment then)
                pass
        for key in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONWARNINGS", "PYTHONDONTWRITEBYTECODE"):
            env.pop(key, None)
        env["PYTHONIOENCODING"] = "utf-8"
        return env

    def command(self, cwd_inner: str, args: Sequence[str]) -> List[str]:
        """The argv running ``python ARGS`` with cwd ``cwd_inner`` (chroot resets cwd to /)."""
        if self.root is None:
            return list(self.argv) + list(args)
        shell = ["/bin/sh", "-c", 'cd "$1" && shift && exec "$@"', "sh", cwd_inner]
        return [*self.argv[:-1], *shell, self.argv[-1], *args]

    def scratch_dir(self) -> Path:
        """A host dir that the interpreter sees too."""
        if self.lane is not None:
            try:
                from matrix.lanes import lane_scratch_dir

                return Path(lane_scratch_dir(self.lane))
            except Exception:  # noqa: S110 (the lanes module is optional: fall back below)
                pass
        if self.root is not None:
            path = self.root / "tmp" / "mp-matrix"
            path.mkdir(parents=True, exist_ok=True)
            return path
        return Path(tempfile.gettempdir())


# ---------------------------------------------------------------------------
# Candidates
# ---------------------------------------------------------------------------


def pyenv_root() -> Path:
    explicit = os.environ.get("PYENV_ROOT", "")
    return Path(explicit) if explicit else Path.home() / ".pyenv"


def _is_shim(path: Path) -> bool:
    return "shims" in path.parts


def _executables(directory: Path) -> List[Path]:
    try:
        paths = sorted(directory.iterdir())
    except OSError:
        return []
    return [p for p in paths if _NAME.match(p.name) and p.is_file() and os.access(str(p), os.X_OK)]


def pyenv_candidates() -> List[Path]:
    versions = pyenv_root() / "versions"
    out: List[Path] = []
    try:
        dirs = sorted((p.name for p in versions.iterdir()), key=_version_key)
    except OSError:
        return out
    for d in dirs:
        if d.startswith("2."):
            continue
        out.extend(_executables(versions / d / "bin"))
    return out


def path_candidates() -> List[Path]:
    out: List[Path] = []
    for d in os.environ.get("PATH", "").split(os.pathsep):
        if d and not _is_shim(Path(d)):
            out.extend(_executables(Path(d)))
    return out


def _version_key(name: str) -> Tuple[int, ...]:
    return tuple(int(x) if x.isdigit() else 0 for x in re.split(r"[.\-]", name))


def location_of(path: Path) -> str:
    root = pyenv_root()
    try:
        path.relative_to(root)
        return "pyenv"
    except ValueError:
        return str(path.parent)


def host_candidates() -> List[Interpreter]:
    """Host interpreters, deduplicated by resolved path (not probed)."""
    seen: Dict[str, Interpreter] = {}
    extra = [Path(sys.executable)] if WINDOWS_NAMES and sys.executable else []
    for path in pyenv_candidates() + path_candidates() + extra:
        if _is_shim(path):
            continue
        real = os.path.realpath(str(path))
        if real not in seen:
            seen[real] = Interpreter((str(path),), location_of(path))
    return list(seen.values())


def lane_candidates() -> List[Interpreter]:
    try:
        from matrix.lanes import discover_lanes
    except Exception:
        return []
    try:
        lanes = discover_lanes()
    except Exception as exc:
        print(f"warning: matrix.lanes.discover_lanes() failed: {exc}", file=sys.stderr)
        return []
    out = []
    for lane in lanes:
        root = getattr(lane, "root", None)
        argv = tuple(str(a) for a in lane.argv)
        where = str(Path(argv[-1]).parent) if root is None else f"lane {lane.name}"
        out.append(Interpreter(argv, where, Path(root) if root is not None else None, lane))
    return out


def host_interpreters() -> List[Path]:
    """Real Python 3 executables on the host (for ``tox --discover``), resolved, no duplicates."""
    return [Path(os.path.realpath(i.argv[0])) for i in host_candidates()]


# ---------------------------------------------------------------------------
# Probing and naming
# ---------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-").lower() or "x"


def build_slug(build: str) -> str:
    return hashlib.sha1(build.encode("utf-8")).hexdigest()[:8]  # noqa: S324 (a file-name slug, not security)


def _error_facts(interp: Interpreter, error: str) -> Facts:
    exe = interp.executable
    return Facts(
        name=f"unknown-{_slug(Path(exe).name)}@{_slug(interp.location)}",
        label=f"{Path(exe).name} ({interp.location})",
        location=interp.location,
        executable=portable(exe),
        os=OsInfo(sys.platform, os.uname().release if hasattr(os, "uname") else ""),
        implementation="unknown",
        version="0.0.0",
        implementation_version="0.0.0",
        build=f"not probed: {exe}",
        gil=None,
        default_start_method=None,
        start_methods=[],
        error=error,
    )


def facts_from_probe(interp: Interpreter, data: Dict[str, Any]) -> Facts:
    impl = str(data["implementation"])
    version = str(data["version"])
    pretty = {"cpython": "CPython", "pypy": "PyPy"}.get(impl, impl)
    free = "t" if data.get("gil") is False else ""
    label = f"{pretty} {version}"
    if impl == "pypy":
        label = f"PyPy {data['implementation_version']} ({version})"
    if data.get("gil") is False:
        label += "t"
    platform = str(data["platform"])
    if not platform.startswith("linux"):  # columns of other OSes say which: "macOS CPython 3.13.1"
        label = f"{OS_NAMES.get(platform, platform)} {label}"
    return Facts(
        name=f"{impl}-{version}{free}@{_slug(interp.location.replace('lane ', ''))}",
        label=label,
        location=interp.location,
        executable=portable(str(data.get("executable") or interp.executable)),
        os=OsInfo(str(data["platform"]), str(data["release"])),
        implementation=impl,
        version=version,
        implementation_version=str(data["implementation_version"]),
        build=str(data["build"]),
        gil=data.get("gil") if isinstance(data.get("gil"), bool) else None,
        default_start_method=data.get("default_start_method"),
        start_methods=[str(m) for m in data.get("start_methods", [])],
        error=None,
    )


def run_probe(cmd: Sequence[str], env: Dict[str, str], timeout: float) -> Tuple[int, str, str]:
    """(exit code, stdout, stderr) of the probe, run in its own process group; on ``timeout``
    the whole group is killed (a fake interpreter's children too) and ``TimeoutError`` raised."""
    proc = subprocess.Popen(
        list(cmd),
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **supervise.popen_options(),
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        if sys.platform == "win32":
            kill_tree(proc.pid)
        else:
            supervise.reap_group(proc.pid)
        proc.kill()
        proc.communicate()
        raise
    if sys.platform != "win32":
        supervise.reap_group(proc.pid)  # what the probe left running (a script that forked)
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def probe(interp: Interpreter, timeout: float = PROBE_TIMEOUT) -> Interpreter:
    """Run the probe with ``interp``; return it with ``facts`` set (``facts.error`` on failure)."""
    cmd = interp.command("/", ["-c", PROBE_SOURCE])
    try:
        returncode, stdout, stderr = run_probe(cmd, interp.env(), timeout)
    except subprocess.TimeoutExpired:
        return replace(interp, facts=_error_facts(interp, f"no answer within {timeout:g} s (killed)"))
    except OSError as exc:
        return replace(interp, facts=_error_facts(interp, f"cannot start: {exc.strerror or exc}"))
    lines = [ln for ln in stdout.splitlines() if ln.startswith("{")]
    if returncode != 0 or not lines:
        tail = (stderr.strip().splitlines() or ["no output"])[-1][:200]
        return replace(interp, facts=_error_facts(interp, f"probe exited {returncode}: {tail}"))
    try:
        data = json.loads(lines[-1])
        if "error" in data and "version" not in data:
            raise ValueError(data["error"])
        facts = facts_from_probe(interp, data)
        if "error" in data:
            facts = replace(facts, error=f"probe: {data['error']}")
    except (ValueError, KeyError, TypeError) as exc:
        return replace(interp, facts=_error_facts(interp, f"probe output unusable: {exc}"))
    if facts.implementation not in IMPLEMENTATIONS or _version_key(facts.version)[:2] < MIN_VERSION:
        minimum = ".".join(map(str, MIN_VERSION))
        problem = f"{facts.implementation} {facts.version} is not supported: the matrix measures "
        problem += f"{' and '.join(IMPLEMENTATIONS)} {minimum} or later"
        return replace(interp, facts=_error_facts(interp, problem))
    return replace(interp, facts=facts)


def dedupe(interps: Sequence[Interpreter]) -> List[Interpreter]:
    """Drop duplicates by (OS, implementation, version, build); make labels unique."""
    out: List[Interpreter] = []
    keys = set()
    for i in interps:
        f = i.facts
        assert f is not None
        key = (
            (f.os.platform, f.implementation, f.version, f.build) if f.error is None else ("?", i.executable)
        )
        if key in keys:
            continue
        keys.add(key)
        out.append(i)
    counts: Dict[str, int] = {}
    for i in out:
        assert i.facts is not None
        counts[i.facts.label] = counts.get(i.facts.label, 0) + 1
    fixed = []
    for i in out:
        assert i.facts is not None
        if counts[i.facts.label] > 1:
            fixed.append(replace(i, facts=replace(i.facts, label=f"{i.facts.label} ({i.location})")))
        else:
            fixed.append(i)
    return fixed


def candidates(include_lanes: bool = True) -> List[Interpreter]:
    found = host_candidates()
    if include_lanes:
        seen = {os.path.realpath(i.argv[0]) for i in found}
        for lane in lane_candidates():
            if lane.root is None and os.path.realpath(lane.argv[-1]) in seen:
                continue
            found.append(lane)
    return found


def discover(include_lanes: bool = True, jobs: int | None = None) -> List[Interpreter]:
    """Every interpreter found, probed (in parallel) and deduplicated, in a stable order."""
    cands = candidates(include_lanes)
    with ThreadPoolExecutor(max_workers=jobs or max(2, os.cpu_count() or 2)) as pool:
        probed = list(pool.map(probe, cands))
    probed = [
        p
        for p in probed
        if p.facts is None or p.facts.error is not None or not p.facts.version.startswith("2.")
    ]
    return sort_interpreters(dedupe(probed))


def sort_interpreters(interps: Sequence[Interpreter]) -> List[Interpreter]:
    def key(i: Interpreter) -> Tuple[Any, ...]:
        f = i.facts
        assert f is not None
        return (f.implementation != "cpython", f.implementation, _version_key(f.version), f.label)

    return sorted(interps, key=key)


def results_filename(facts: Facts) -> str:
    """``linux-cpython-3.12.1-<build hash>.json``: one file per OS x impl x version x build."""
    if facts.error is not None:
        return f"{_slug(facts.os.platform)}-unknown-{build_slug(facts.executable + facts.location)}.json"
    version = facts.version + ("t" if facts.gil is False else "")
    impl = facts.implementation
    if impl == "pypy":
        impl = f"pypy{facts.implementation_version}"
    return f"{_slug(facts.os.platform)}-{_slug(impl)}-{version}-{build_slug(facts.build)}.json"
