"""``python -m matrix test``: the whole test suite, from a fresh machine, in one command.

1. Puts ``tox`` and ``tox-uv`` in a tool venv in the cache dir (created once, reused).
2. Finds the interpreters tox needs: ``python3.X`` on PATH *and* under pyenv's ``versions/``
   (pyenv's shims only work for the selected version, so the real ``bin`` dirs are appended to
   PATH), host PyPy, and the Debian sid lanes of ``matrix.lanes``.
3. Runs every tox env whose interpreter exists, in parallel, then ``type``, ``lint`` and
   ``coverage``; prints each env it skipped and why. ``--require-all`` (used by CI) turns a
   skipped env into a failure.
"""

from __future__ import annotations

import argparse
import configparser
import os
import re
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path
from typing import Sequence
from xml.etree import ElementTree

REPO = Path(__file__).resolve().parents[1]
TOOLS = ("tox>=4.22", "tox-uv>=1.13")
LANE_ENV = re.compile(r"^sid(?P<lane>313|314|315|pypy)-")
LANE_NAMES = {"313": "sid-python3.13", "314": "sid-python3.14", "315": "sid-python3.15", "pypy": "sid-pypy3"}


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
        return None if shutil.which(exe, path=real_dirs) else f"no {exe} on PATH or under pyenv"
    if env.startswith("pypy3-"):
        return None if shutil.which("pypy3", path=path) else "no pypy3 (python -m matrix.lanes install)"
    lane = LANE_ENV.match(env)
    if lane:
        name = LANE_NAMES[lane.group("lane")]
        return None if name in lanes else f"lane {name} not installed (python -m matrix.lanes install)"
    return None


def installed_lanes() -> set[str]:
    try:
        from matrix.lanes import discover_lanes
    except ImportError:  # pragma: no cover - lanes are optional
        return set()
    return {lane.name for lane in discover_lanes()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m matrix test", description=__doc__.splitlines()[0])
    parser.add_argument("-e", "--envs", help="comma-separated tox envs (default: tox.ini's env_list)")
    parser.add_argument(
        "--require-all", action="store_true", help="fail when an env's interpreter is missing"
    )
    parser.add_argument("-p", "--parallel", default="auto", help="tox --parallel value (default: auto)")
    parser.add_argument("tox_args", nargs="*", help="passed to tox after the env selection")
    args = parser.parse_args(argv)

    started = time.monotonic()
    path = search_path()
    envs = args.envs.split(",") if args.envs else tox_envs()
    lanes = installed_lanes() if any(LANE_ENV.match(e) for e in envs) else set()
    skipped = {env: why for env in envs if (why := missing_reason(env, path, lanes))}
    for env, why in skipped.items():
        print(f"test: SKIPPED {env}: {why}", flush=True)
    if skipped and args.require_all:
        print(f"test: {len(skipped)} env(s) cannot run here and --require-all was given", file=sys.stderr)
        return 1
    selected = [env for env in envs if env not in skipped]
    env = dict(os.environ, PATH=path, UV_PYTHON_DOWNLOADS="never", TOX_PARALLEL_NO_SPINNER="1")
    command = [
        str(tool_python()),
        "-m",
        "tox",
        "run-parallel",
        "--parallel",
        args.parallel,
        "--parallel-live" if not sys.stdout.isatty() else "--quiet",
        "-e",
        ",".join(selected),
        *args.tox_args,
    ]
    print(f"test: running {len(selected)} tox envs ({len(skipped)} skipped)", flush=True)
    for env_name in selected:  # no stale results from an earlier run
        (REPO / ".tox" / env_name / "junit.xml").unlink(missing_ok=True)
    code = subprocess.run(command, cwd=REPO, env=env, check=False).returncode
    minutes = (time.monotonic() - started) / 60
    totals = junit_totals(selected)
    print(
        f"test: tox {'passed' if code == 0 else 'FAILED'} in {minutes:.1f} min; "
        f"{len(selected)} envs run, {len(skipped)} skipped",
        flush=True,
    )
    passed, failed, skipped_tests = totals["passed"], totals["failed"], totals["skipped"]
    print(f"tests: {passed} passed, {failed} failed, {skipped_tests} skipped", flush=True)
    return code


def junit_totals(envs: Sequence[str]) -> dict[str, int]:
    """Test counts summed over the envs' junit files (xfail counts as skipped, as in junit)."""
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    for env_name in envs:
        report = REPO / ".tox" / env_name / "junit.xml"
        if not report.exists():
            continue
        tree = ElementTree.parse(report)  # noqa: S314 - our own pytest's output
        for suite in tree.getroot().iter("testsuite"):
            tests, failures, errors, skips = (
                int(suite.get(key, "0")) for key in ("tests", "failures", "errors", "skipped")
            )
            totals["failed"] += failures + errors
            totals["skipped"] += skips
            totals["passed"] += tests - failures - errors - skips
    return totals
