"""``python -m matrix test``: the whole test suite, from a fresh machine, in one command.

1. Puts ``tox`` and ``tox-uv`` in a tool venv in the cache dir (created once, reused).
2. Finds the interpreters tox needs: ``python3.X`` on PATH *and* under pyenv's ``versions/``
   (pyenv's shims only work for the selected version, so the real ``bin`` dirs are appended to
   PATH), host PyPy, and the Debian sid lanes of ``matrix.lanes``.
3. Runs every tox env whose interpreter exists, in parallel (``tox run-parallel``, twice as many
   envs as CPUs: half an env's time is spent waiting on its children; tox keeps each env's output
   apart and shows it only for a failed env), longest first (tox.ini's order), then ``coverage``;
   ``--require-all`` (used by CI) turns a skipped env into a failure. The slow tests are shared out
   among the CPython versions found (``$MP_SLOW_POOL``, tests/conftest.py).
4. Reports: a line per env as it starts and as it ends (passed / FAILED, test counts, time), then
   a summary table, the skipped envs and skipped test groups with the reason and the command that
   enables them, and last the full output of the failed envs only.
"""

from __future__ import annotations

import argparse
import configparser
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import venv
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Dict, Iterator, List, Sequence, Tuple
from xml.etree import ElementTree

REPO = Path(__file__).resolve().parents[1]
TOOLS = ("tox>=4.22", "tox-uv>=1.13")
LANE_ENV = re.compile(r"^sid(?P<lane>313|314|315|pypy)-")
LANE_NAMES = {"313": "sid-python3.13", "314": "sid-python3.14", "315": "sid-python3.15", "pypy": "sid-pypy3"}
#: tox's line for a finished env (run-parallel, no spinner): "py311-fork: OK ✔ in 1 minute 3.2 seconds".
TOX_DONE = re.compile(r"^(?P<env>[A-Za-z0-9_.-]+): (?P<status>OK|FAIL|SKIP)\b.*? in (?P<took>.+?)\s*$")
#: tox's final report, the only mention of the last env to end: "  py311-fork: FAIL code 1 (3.94=setup...".
TOX_REPORT = re.compile(r"^  (?P<env>[A-Za-z0-9_.-]+): (?P<status>OK|FAIL|SKIP)\b[^(]*\((?P<took>[0-9.]+)")
#: A line tox logs for an env ("py311-fork: commands[0]> ..."): what follows is that env's output.
TOX_LOG = re.compile(r"^(?P<env>[A-Za-z0-9_.-]+): ")
STATUS = {"OK": "passed", "FAIL": "FAILED", "SKIP": "skipped"}
#: How often the running envs are looked up in /proc.
POLL_SECONDS = 1.0
#: The version factor of an env that takes a share of the slow tests (tests/conftest.py).
SLOW_POOL_ENV = re.compile(r"^(?P<version>py3\d+)-")


def default_parallel() -> str:
    """Twice the CPUs: a test env waits on its children about half of its time (measured on 2 CPUs:
    py311-fork 60 s wall for 27 s CPU), so one env per CPU leaves the CPUs half idle."""
    return str(2 * (os.cpu_count() or 1))


def slow_pool(envs: Sequence[str]) -> str:
    """The version factors of the selected envs that share the slow tests, in tox.ini's order of
    versions (oldest first): every start method's slow tests run once among them."""
    versions = {m.group("version") for env in envs if (m := SLOW_POOL_ENV.match(env))}
    return ",".join(sorted(versions, key=lambda version: int(version[2:])))


def children_cpu_seconds() -> float:
    """User + system CPU of the reaped children (tox and everything under it); 0 where unknown."""
    cpu = 0.0
    if sys.platform != "win32":
        import resource  # POSIX only

        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = usage.ru_utime + usage.ru_stime
    return cpu


def cache_dir() -> Path:
    if os.environ.get("MP_MATRIX_CACHE"):
        return Path(os.environ["MP_MATRIX_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mp-matrix"


def tool_python() -> Path:
    """The tool venv's interpreter, with tox and tox-uv installed (once)."""
    home = cache_dir() / "tools"
    bindir = "Scripts" if sys.platform == "win32" else "bin"
    python = home / bindir / ("python.exe" if sys.platform == "win32" else "python")
    stamp = home / ".installed"
    if stamp.exists() and stamp.read_text() == "\n".join(TOOLS) and python.exists():
        return python
    print(f"test: installing {' '.join(TOOLS)} into {home}", flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(home)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip", *TOOLS], check=True)
    stamp.write_text("\n".join(TOOLS))
    return python


def pyenv_bin_dirs() -> list[str]:
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    return sorted(str(p) for p in (root / "versions").glob("*/bin") if (p / "python3").exists())


def search_path() -> str:
    """PATH with pyenv's real interpreter dirs appended (after the user's own choices)."""
    return os.pathsep.join([os.environ.get("PATH", ""), *pyenv_bin_dirs()])


def tox_envs() -> list[str]:
    """The env_list of tox.ini, factors expanded (tox's own ``-l`` would need tox installed)."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(REPO / "tox.ini")
    envs: list[str] = []
    for line in config["tox"]["env_list"].split():
        envs.extend(expand(line))
    return envs


def expand(spec: str) -> list[str]:
    match = re.search(r"\{([^}]*)\}", spec)
    if match is None:
        return [spec]
    return [
        name
        for choice in match.group(1).split(",")
        for name in expand(spec[: match.start()] + choice + spec[match.end() :])
    ]


def missing_reason(env: str, path: str, lanes: set[str]) -> str | None:
    """Why ``env`` cannot run here, or None when its interpreter exists."""
    py = re.match(r"^py3(\d+)-", env)
    if py:
        exe = f"python3.{py.group(1)}"
        # pyenv's shims answer for every version but fail for unselected ones: look past them.
        real_dirs = os.pathsep.join(d for d in path.split(os.pathsep) if "shims" not in Path(d).parts)
        found = shutil.which(exe, path=real_dirs)
        return None if found else f"no {exe} on PATH or under pyenv (enable: pyenv install 3.{py.group(1)})"
    if env.startswith("pypy3-"):
        return (
            None if shutil.which("pypy3", path=path) else "no pypy3 (enable: python3 -m matrix.lanes install)"
        )
    lane = LANE_ENV.match(env)
    if lane:
        name = LANE_NAMES[lane.group("lane")]
        return (
            None if name in lanes else f"lane {name} not installed (enable: python3 -m matrix.lanes install)"
        )
    return None


def installed_lanes() -> set[str]:
    try:
        from matrix.lanes import discover_lanes
    except ImportError:  # pragma: no cover - lanes are optional
        return set()
    return {lane.name for lane in discover_lanes()}


@dataclass
class EnvRun:
    """One tox env of this run, as the report sees it."""

    name: str
    started: float | None = None  # monotonic, when first seen running
    status: str = "waiting"  # waiting, running, passed, FAILED, skipped
    took: str = ""
    output: List[str] = field(default_factory=list)  # tox shows it for failed envs only


def running_tox_envs() -> set[str]:
    """The tox envs that have a process running now (``TOX_ENV_NAME`` in its environment; Linux)."""
    names: set[str] = set()
    proc = Path("/proc")
    if not proc.is_dir():
        return names
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone, or not ours
            continue
        for var in environ.split(b"\0"):
            if var.startswith(b"TOX_ENV_NAME="):
                names.add(var.split(b"=", 1)[1].decode(errors="replace"))
    return names


def env_line(run: EnvRun, counts: Dict[str, int] | None) -> str:
    """The live line for one env that ended."""
    tests = ""
    if counts is not None:
        tests = f": {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"
    return f"test: {run.status:<7} {run.name}{tests} in {run.took}"


def read_tox_output(stream: IO[str], runs: Dict[str, EnvRun], other: List[str], lock: threading.Lock) -> None:
    """Sort tox's output by env and print a line for each env that ends.

    tox buffers each env's output and writes it at once when the env failed, after the env's line
    (or, for the last env, before the final report); the env's own log lines ("env: commands[0]>
    ...") head it, and package builds (".pkg: ...") belong to no env.
    """
    current: EnvRun | None = None
    for line in stream:
        with lock:
            done = TOX_DONE.match(line) or TOX_REPORT.match(line)
            logged = TOX_LOG.match(line)
            if done and done.group("env") in runs:
                run = runs[done.group("env")]
                current = None
                if run.status in ("waiting", "running"):
                    run.status = STATUS[done.group("status")]
                    took = done.group("took")
                    run.took = f"{took} seconds" if done.re is TOX_REPORT else took
                    print(env_line(run, junit_counts(run.name)), flush=True)
            elif logged and (logged.group("env") in runs or logged.group("env").startswith(".pkg")):
                current = runs.get(logged.group("env"))
                (current.output if current is not None else other).append(line)
            else:  # the env's own output ("ERROR: ...", "AssertionError: ..." included)
                (current.output if current is not None else other).append(line)


def summary_table(runs: Sequence[EnvRun]) -> List[str]:
    """One row per env: result, test counts, time."""
    rows = [("env", "result", "passed", "failed", "skipped", "time")]
    for run in runs:
        counts = junit_counts(run.name)
        numbers = (
            ("", "", "")
            if counts is None
            else (str(counts["passed"]), str(counts["failed"]), str(counts["skipped"]))
        )
        rows.append((run.name, run.status, *numbers, run.took))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]


def junit_reports(envs: Sequence[str]) -> Iterator[Tuple[str, ElementTree.Element]]:
    """(env, root element) of each env's junit file; envs without one (type, lint) are left out."""
    for env_name in envs:
        report = REPO / ".tox" / env_name / "junit.xml"
        if report.exists():
            yield env_name, ElementTree.parse(report).getroot()  # noqa: S314 - our own pytest's output


def skipped_groups(envs: Sequence[str]) -> Dict[str, List[str]]:
    """Skip reason -> the envs where tests were skipped for it (reasons name the enabling command)."""
    groups: Dict[str, List[str]] = {}
    for env_name, root in junit_reports(envs):
        for skipped in root.iter("skipped"):
            if skipped.get("type") == "pytest.xfail":
                continue  # an expected failure is a result, not a gap
            reason = (skipped.get("message") or "").strip()
            groups.setdefault(reason, [])
            if env_name not in groups[reason]:
                groups[reason].append(env_name)
    return groups


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m matrix test", description=__doc__.splitlines()[0])
    parser.add_argument("-e", "--envs", help="comma-separated tox envs (default: tox.ini's env_list)")
    parser.add_argument(
        "--require-all", action="store_true", help="fail when an env's interpreter is missing"
    )
    parser.add_argument(
        "-p", "--parallel", default=default_parallel(), help="tox --parallel value (default: twice the CPUs)"
    )
    parser.add_argument("tox_args", nargs="*", help="passed to tox after the env selection")
    args = parser.parse_args(argv)

    started = time.monotonic()
    path = search_path()
    envs = args.envs.split(",") if args.envs else tox_envs()
    lanes = installed_lanes() if any(LANE_ENV.match(e) for e in envs) else set()
    skipped = {env: why for env in envs if (why := missing_reason(env, path, lanes))}
    if skipped and args.require_all:
        for env_name, why in skipped.items():
            print(f"test: SKIPPED {env_name}: {why}", flush=True)
        print(f"test: {len(skipped)} env(s) cannot run here and --require-all was given", file=sys.stderr)
        return 1
    selected = [env for env in envs if env not in skipped]
    env = dict(os.environ, PATH=path, UV_PYTHON_DOWNLOADS="never", TOX_PARALLEL_NO_SPINNER="1")
    pool = slow_pool(selected)
    if pool:
        env["MP_SLOW_POOL"] = pool
    command = [
        str(tool_python()),
        "-m",
        "tox",
        "run-parallel",
        "--parallel",
        args.parallel,
        "-e",
        ",".join(selected),
        *args.tox_args,
    ]
    print(
        f"test: running {len(selected)} tox envs, {args.parallel} at once ({len(skipped)} skipped, "
        f"listed at the end); slow tests shared among: {pool or 'none'}",
        flush=True,
    )
    for env_name in selected:  # no stale results from an earlier run
        (REPO / ".tox" / env_name / "junit.xml").unlink(missing_ok=True)
    runs = {name: EnvRun(name) for name in selected}
    other: List[str] = []
    lock = threading.Lock()
    tox = subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    assert tox.stdout is not None
    reader = threading.Thread(target=read_tox_output, args=(tox.stdout, runs, other, lock), daemon=True)
    reader.start()
    try:
        while tox.poll() is None:
            for name in sorted(running_tox_envs() & set(runs)):
                with lock:
                    if runs[name].status == "waiting":
                        runs[name].status, runs[name].started = "running", time.monotonic()
                        print(f"test: running {name}", flush=True)
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:  # tox got the terminal's SIGINT too and tears its envs down itself
        print("test: interrupted; waiting for tox to end its envs (the report follows)", flush=True)
        try:
            tox.wait(timeout=60)
        except subprocess.TimeoutExpired:
            tox.kill()
            tox.wait()
    reader.join()
    code = tox.returncode
    seconds = time.monotonic() - started
    report(list(runs.values()), skipped, other, code, seconds, cpu_seconds=children_cpu_seconds())
    return code


def report(
    runs: Sequence[EnvRun],
    skipped: Dict[str, str],
    other: Sequence[str],
    code: int,
    seconds: float,
    *,
    cpu_seconds: float = 0.0,
) -> None:
    """The summary table, what was skipped and how to enable it, then the failed envs' output."""
    print("", flush=True)
    for line in summary_table(runs):
        print(line)
    for env_name, why in skipped.items():
        print(f"test: SKIPPED env {env_name}: {why}")
    for reason, where in sorted(skipped_groups([run.name for run in runs]).items()):
        envs = ", ".join(where[:4]) + (" ..." if len(where) > 4 else "")
        print(f"test: SKIPPED tests in {len(where)} env(s) ({envs}): {reason}")
    failed = [run for run in runs if run.status == "FAILED"]
    for run in failed:
        print(f"\n===== {run.name}: full output =====")
        print("".join(run.output), end="")
    if code != 0 and not failed:  # tox itself failed (configuration, provisioning): show what it said
        print("".join(other), end="")
    totals = junit_totals([run.name for run in runs])
    print(
        f"test: tox {'passed' if code == 0 else 'FAILED'} in {seconds / 60:.1f} min"
        + (f" ({cpu_seconds:.0f} s CPU)" if cpu_seconds else "")
        + f"; {len(runs)} envs run ({len(failed)} failed), {len(skipped)} skipped",
        flush=True,
    )
    print(
        f"tests: {totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped",
        flush=True,
    )


def junit_counts(env_name: str) -> Dict[str, int] | None:
    """One env's test counts, or None when it wrote no junit file (type, lint, coverage)."""
    if not (REPO / ".tox" / env_name / "junit.xml").exists():
        return None
    return junit_totals([env_name])


def junit_totals(envs: Sequence[str]) -> dict[str, int]:
    """Test counts summed over the envs' junit files (xfail counts as skipped, as in junit)."""
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    for _, root in junit_reports(envs):
        for suite in root.iter("testsuite"):
            tests, failures, errors, skips = (
                int(suite.get(key, "0")) for key in ("tests", "failures", "errors", "skipped")
            )
            totals["failed"] += failures + errors
            totals["skipped"] += skips
            totals["passed"] += tests - failures - errors - skips
    return totals
