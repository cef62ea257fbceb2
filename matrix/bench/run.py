"""The orchestrator: a bench venv per interpreter, the suite run in each, one results file.

Stdlib only (host ``python3``). Interpreters come from :mod:`matrix.interpreters` (chroot lanes via
:mod:`matrix.lanes`); every interpreter gets a venv with the pinned harness and peers
(:data:`matrix.bench.PINS`) in ``<cache>/bench-venvs/`` (inside the root for a chroot lane, at
``/opt/mp-matrix/bench-venvs/``); a peer that does not install is recorded as
``"not installed: <reason>"`` and its benchmarks are left out. The interpreters run one after
another (never in parallel: the machine has 2 cores), and the results file is rewritten after each.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple

from matrix.bench import PINS, TOOL_VERSION
from matrix.bench.results import RESULTS_DIR, SCHEMA_VERSION, results_path, validate
from matrix.bench.venvs import Progress, ensure_bench_venv, say
from matrix.interpreters import Interpreter, discover, probe, pyenv_root
from matrix.model import portable, to_json

REPO_ROOT = Path(__file__).resolve().parents[2]
SUITE_TIMEOUT = 3 * 3600.0


@dataclass(frozen=True)
class Settings:
    """pyperf's knobs (passed explicitly: pyperf's own ``--fast`` would raise ``--processes``)."""

    processes: int
    values: int
    warmups: int
    min_time: float
    timeout: int  # seconds, per benchmark worker

    def argv(self) -> List[str]:
        return [
            "--processes",
            str(self.processes),
            "--values",
            str(self.values),
            "--warmups",
            str(self.warmups),
            "--min-time",
            str(self.min_time),
            "--timeout",
            str(self.timeout),
        ]


FULL = Settings(processes=2, values=2, warmups=1, min_time=0.05, timeout=180)
QUICK = Settings(processes=1, values=2, warmups=1, min_time=0.02, timeout=120)


def utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def loadavg() -> list[float] | None:
    getloadavg: Callable[[], Tuple[float, float, float]] | None = getattr(os, "getloadavg", None)
    if getloadavg is None:  # Windows
        return None
    try:
        return [round(x, 2) for x in getloadavg()]
    except OSError:
        return None


# ---------------------------------------------------------------------------
# Interpreters
# ---------------------------------------------------------------------------


def running_interpreter() -> Interpreter:
    """The interpreter running this code, probed (quick mode's default)."""
    exe = os.path.realpath(sys.executable)
    try:
        Path(exe).relative_to(pyenv_root())
        location = "pyenv"
    except ValueError:
        location = str(Path(exe).parent)
    return probe(Interpreter((exe,), location))


def _minor(i: Interpreter) -> Tuple[str, str]:
    assert i.facts is not None
    return (i.facts.implementation, ".".join(i.facts.version.split(".")[:2]))


def usable(found: Sequence[Interpreter]) -> List[Interpreter]:
    """The interpreters the suite can run on: probed fine, CPython or PyPy, 3.8+."""
    return [
        i
        for i in found
        if i.facts is not None
        and i.facts.error is None
        and i.facts.implementation in ("cpython", "pypy")
        and tuple(int(x) for x in i.facts.version.split(".")[:2]) >= (3, 8)
    ]


def default_interpreters(found: Sequence[Interpreter]) -> List[Interpreter]:
    """Every usable interpreter found, less a PATH CPython whose minor version pyenv has too."""
    ok = usable(found)
    pyenv_minors = {_minor(i) for i in ok if i.location == "pyenv"}
    return [
        i
        for i in ok
        if i.location == "pyenv"
        or i.lane is not None
        or i.root is not None
        or (i.facts is not None and i.facts.implementation != "cpython")
        or _minor(i) not in pyenv_minors
    ]


def matches(interp: Interpreter, name: str) -> bool:
    """``--interpreter NAME``: the facts name or label, a lane name, an executable, or part of the name."""
    f = interp.facts
    assert f is not None
    lane_name = getattr(interp.lane, "name", None)
    exact = {f.name, f.label, interp.executable, os.path.realpath(interp.argv[-1]), lane_name}
    return name in exact or name in f.name


def choose(names: Sequence[str], quick: bool) -> List[Interpreter]:
    if not names:
        return [running_interpreter()] if quick else default_interpreters(discover(include_lanes=True))
    found = usable(discover(include_lanes=True))
    chosen: List[Interpreter] = []
    for name in names:
        hits = [i for i in found if matches(i, name)]
        if not hits:
            known = ", ".join(i.facts.name for i in found if i.facts is not None)
            raise SystemExit(f"no interpreter matches {name!r}; found: {known}")
        chosen += [i for i in hits if i not in chosen]
    return chosen


# ---------------------------------------------------------------------------
# Running the suite
# ---------------------------------------------------------------------------


_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning)(: .*)?$")
_FAILED = re.compile(r"^(\S+/\S+): FAILED: ")


#: What the suite imports: copied once per run, so that edits made to the work tree while a run
#: goes on (other people work here too) cannot mix two versions of the code into one run.
SNAPSHOT_PATHS: Tuple[str, ...] = ("reference", "matrix/__init__.py", "matrix/bench")


def take_snapshot(dest: Path) -> None:
    """Copy :data:`SNAPSHOT_PATHS` of the work tree to ``dest`` (no caches, results or charts)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "results", "*.svg")
    for rel in SNAPSHOT_PATHS:
        src, dst = REPO_ROOT / rel, dest / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(str(src), str(dst), ignore=ignore)
        else:
            shutil.copy2(str(src), str(dst))


def source_provenance() -> Dict[str, Any]:
    """The commit the run measured, and whether the snapshot differed from it."""

    def git(*args: str) -> str:
        try:
            proc = subprocess.run(
                ["git", *args], cwd=str(REPO_ROOT), capture_output=True, text=True, timeout=30, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        return proc.stdout.strip() if proc.returncode == 0 else ""

    return {
        "commit": git("rev-parse", "HEAD") or None,
        # Only what the snapshot copies counts: results files and charts are not code.
        "dirty": bool(
            git(
                "status",
                "--porcelain",
                "--",
                *SNAPSHOT_PATHS,
                ":(exclude)matrix/bench/results",
                ":(exclude)*.svg",
            )
        ),
    }


@contextlib.contextmanager
def _source_view(interp: Interpreter, snapshot: Path | None) -> Iterator[str]:
    """Yields the dir to run the suite from, as the interpreter sees it.

    The run's snapshot (copied into a chroot lane's scratch dir for the run), else the work tree
    (bound into a chroot lane for the run).
    """
    if snapshot is not None and interp.root is None:
        yield str(snapshot)
    elif snapshot is not None:
        inside = interp.scratch_dir() / f"bench-src-{os.getpid()}"
        shutil.rmtree(str(inside), ignore_errors=True)
        shutil.copytree(str(snapshot), str(inside))
        try:
            yield interp.inner_path(inside)
        finally:
            shutil.rmtree(str(inside), ignore_errors=True)
    elif interp.root is None:
        yield str(REPO_ROOT)
    else:
        from matrix.lanes import repo_bind

        with repo_bind(interp.root) as inner:
            yield inner


def suite_argv(settings: Settings, methods: Sequence[str], only: Sequence[str], summary: str) -> List[str]:
    return [
        "-m",
        "matrix.bench.suite",
        "--quiet",
        *settings.argv(),
        "--bench-methods",
        ",".join(methods),
        "--bench-only",
        ",".join(only),
        "--bench-summary",
        summary,
    ]


@dataclass(frozen=True)
class Plan:
    """What one bench run measures, and how: shared by every interpreter's run."""

    settings: Settings
    methods: Sequence[str]  # empty: every start method the interpreter offers
    only: Sequence[str]  # benchmark name globs; empty: all
    snapshot: Path | None = None  # the source to run (a copy taken at the start), else the checkout
    progress: Progress = say


def run_suite(interp: Interpreter, python: str, plan: Plan) -> Dict[str, Any]:
    """Run the suite with ``python`` (the bench venv's) from ``plan.snapshot``; returns its summary."""
    progress = plan.progress
    label = interp.facts.label if interp.facts else interp.executable
    failures: Dict[str, str] = {}
    scratch = interp.scratch_dir()
    fd, host_summary = tempfile.mkstemp(prefix="bench-", suffix=".json", dir=str(scratch))
    os.close(fd)
    try:
        inner_summary = interp.inner_path(Path(host_summary))
        with _source_view(interp, plan.snapshot) as repo:
            venv = replace(interp, argv=(*interp.argv[:-1], python))
            cmd = venv.command(repo, suite_argv(plan.settings, plan.methods, plan.only, inner_summary))
            env = interp.env()
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            proc = subprocess.Popen(
                cmd,
                cwd=str(REPO_ROOT),
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )
            assert proc.stdout is not None
            tail: List[str] = []
            last_exception = ""
            deadline = time.monotonic() + SUITE_TIMEOUT
            for line in proc.stdout:
                text = line.rstrip()
                if text.strip(".") and text.strip():
                    progress(f"{label}: {text}")
                    tail = [*tail, text][-20:]
                if _EXCEPTION.match(text):
                    last_exception = text
                failed = _FAILED.match(text)
                if failed and last_exception:  # the worker's own exception beats pyperf's "exit code 1"
                    failures[failed.group(1)] = last_exception
                    last_exception = ""
                if time.monotonic() > deadline:
                    proc.kill()
            rc = proc.wait()
            if sys.platform != "win32":
                with contextlib.suppress(OSError):  # children a killed worker left behind (own session)
                    os.killpg(proc.pid, signal.SIGKILL)
            if rc != 0:
                raise RuntimeError(f"suite exited {rc}: {' | '.join(tail[-3:])}")
        data: Dict[str, Any] = json.loads(Path(host_summary).read_text(encoding="utf-8"))
        for bench in data["benchmarks"]:
            if "error" in bench and bench["name"] in failures:
                bench["error"] = f"{failures[bench['name']]} ({bench['error']})"
        return data
    finally:
        Path(host_summary).unlink()


def measure(interp: Interpreter, plan: Plan) -> Dict[str, Any]:
    """One interpreter's entry of the results file (``error`` set when it could not be measured)."""
    progress = plan.progress
    assert interp.facts is not None
    facts = interp.facts
    entry: Dict[str, Any] = {
        "facts": to_json(facts),
        "measured_at": utc_now(),
        "venv": None,
        "harness": None,
        "peers": {},
        "settings": None,
        "seconds": 0.0,
        "error": None,
        "benchmarks": [],
    }
    start = time.monotonic()
    try:
        python, record = ensure_bench_venv(interp, progress)
        entry["venv"] = python
        methods = plan.methods
        wanted = [m for m in methods if m in facts.start_methods] if methods else list(facts.start_methods)
        progress(f"{facts.label}: running the suite ({', '.join(wanted)})")
        summary = run_suite(interp, python, replace(plan, methods=wanted))
        entry["harness"] = summary["describe"]["harness"]
        entry["settings"] = summary["settings"]
        entry["benchmarks"] = summary["benchmarks"]
        entry["default_start_method"] = summary["describe"]["default_start_method"]
        peers: Dict[str, str] = dict(summary["peers"])
        for peer, status in record.get("peers", {}).items():
            if str(status).startswith("not installed"):
                peers[peer] = str(status)  # pip's reason beats the import error
        entry["peers"] = peers
        if record.get("harness_note"):
            entry["harness_note"] = record["harness_note"]
    except (RuntimeError, OSError, ValueError, KeyError, subprocess.SubprocessError) as exc:
        entry["error"] = f"{type(exc).__name__}: {exc}"
        progress(f"{facts.label}: ERROR {entry['error']}")
    entry["seconds"] = round(time.monotonic() - start, 1)
    return entry


def new_results(mode: str, settings: Settings, methods: Sequence[str], only: Sequence[str]) -> Dict[str, Any]:
    uname = os.uname() if hasattr(os, "uname") else None
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": "matrix.bench",
        "tool_version": TOOL_VERSION,
        "mode": mode,
        "complete": False,
        "measured_at": utc_now(),
        "finished_at": None,
        "machine": {
            "platform": sys.platform,
            "release": platform.release(),
            "machine": platform.machine(),
            "cpu_count": os.cpu_count() or 0,
            "hostname_hash": hashlib.sha256((uname.nodename if uname else "").encode()).hexdigest()[:8],
            "loadavg_start": loadavg(),
            "loadavg_end": None,
            "orchestrator": f"{platform.python_implementation()} {platform.python_version()}",
        },
        "settings": {
            "processes": settings.processes,
            "values": settings.values,
            "warmups": settings.warmups,
            "min_time": settings.min_time,
            "timeout": settings.timeout,
            "start_methods": list(methods),
            "only": list(only),
        },
        "pins": {k: list(v) for k, v in PINS.items()},
        "interpreters": [],
    }


def write(path: Path, data: Dict[str, Any]) -> None:
    problems = validate(data)
    if problems:
        raise ValueError(f"results do not validate: {problems[0]}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    # portable(): venv paths and pyperf's error messages name the user's home; record it as ~.
    tmp.write_text(portable(json.dumps(data, indent=1, ensure_ascii=False)) + "\n", encoding="utf-8")
    tmp.replace(path)


def run(
    *,
    quick: bool,
    names: Sequence[str] = (),
    methods: Sequence[str] = (),
    only: Sequence[str] = (),
    output: Path | None = None,
    progress: Progress = say,
) -> Path:
    settings = QUICK if quick else FULL
    mode = "quick" if quick else "full"
    chosen = choose(names, quick)
    path = output or results_path(RESULTS_DIR, sys.platform, quick)
    data = new_results(mode, settings, methods, only)
    data["source"] = source_provenance()
    progress(
        f"bench ({mode}): {len(chosen)} interpreter(s): "
        + ", ".join(i.facts.label for i in chosen if i.facts is not None)
        + f"; pyperf {' '.join(settings.argv())}; writing {path}"
    )
    with tempfile.TemporaryDirectory(prefix="mp-bench-src-") as tmp:
        take_snapshot(Path(tmp))
        for n, interp in enumerate(chosen, 1):
            assert interp.facts is not None
            progress(f"[{n}/{len(chosen)}] {interp.facts.label} ({interp.location})")
            entry = measure(interp, Plan(settings, methods, only, Path(tmp), progress))
            data["interpreters"].append(entry)
            write(path, data)
    data["complete"] = True
    data["finished_at"] = utc_now()
    data["machine"]["loadavg_end"] = loadavg()
    write(path, data)
    progress(f"wrote {path}")
    return path
