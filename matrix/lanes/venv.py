"""A test venv per lane (built once per requirements list) and the pytest run inside it."""

from __future__ import annotations

import json
import os
import posixpath
import shlex
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Mapping, Sequence

from matrix.lanes.discover import find_lane
from matrix.lanes.model import (
    ALLOW_MISSING_ENV,
    DEFAULT_MIRROR,
    EXIT_FAILED,
    EXIT_MISSING,
    EXIT_OK,
    INNER_REPO,
    INNER_VENVS,
    REPO_ROOT,
    VENV_OK_NAME,
    VENV_REQUIREMENTS,
    Lane,
    LaneError,
    Progress,
    lane_env,
    lanes_dir,
    missing_lane_message,
    read_marker,
    requirements_hash,
)
from matrix.lanes.mounts import repo_bind, safe_rmtree
from matrix.lanes.rootconfig import configure_root, sync_ca_certificates
from matrix.lanes.system import err, last_line, locked, run, say
from matrix.supervise.groups import signal_group
from matrix.supervise.session import end_group

#: How long pytest gets, after the runner is told to stop, to end its tests (fixture teardown
#: kills their cases) before its whole group is killed.
STOP_GRACE = 10.0


class _Stop(Exception):
    """The runner got SIGTERM or SIGHUP (SIGINT arrives as KeyboardInterrupt)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signum)


def run_supervised(cmd: Sequence[str], env: Mapping[str, str], cwd: str | None = None) -> int:
    """Run ``cmd`` in a session of its own and return its exit code; if the runner is told to stop
    (SIGINT, SIGTERM, SIGHUP), pass SIGINT on, wait ``STOP_GRACE``, then kill the whole group.

    Why not a plain ``subprocess.run``: tox and CI time-outs signal the runner alone; the pytest
    it started (inside a chroot, too) kept running as an orphan, and the runner died before its
    ``finally`` blocks unmounted the repo bind. Converting the signal into an exception lets them
    run. Returns 128 + the signal number when stopped.
    """
    if sys.platform == "win32":  # lanes are Linux only; keeps the POSIX body type-checked apart
        return subprocess.run(list(cmd), env=env, cwd=cwd, check=False).returncode
    else:
        proc = subprocess.Popen(list(cmd), env=env, cwd=cwd, start_new_session=True)
        handled = (signal.SIGTERM, signal.SIGHUP)
        previous = {signum: signal.signal(signum, _raise_stop) for signum in handled}
        previous[signal.SIGINT] = signal.getsignal(signal.SIGINT)
        try:
            return proc.wait()
        except (_Stop, KeyboardInterrupt) as exc:
            for signum in (*handled, signal.SIGINT):  # a second signal must not cut the clean-up short
                signal.signal(signum, signal.SIG_IGN)
            os.killpg(proc.pid, signal.SIGINT)  # pytest ends its tests and runs their teardown
            try:
                proc.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                signal_group(proc.pid, stop=False)
            return 128 + (exc.signum if isinstance(exc, _Stop) else int(signal.SIGINT))
        finally:
            if proc.poll() is None:
                signal_group(proc.pid, stop=False)
            proc.wait()
            end_group(proc.pid)  # what the group left: members that outlived pytest, semaphores
            for signum, handler in previous.items():
                signal.signal(signum, handler)


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
    with locked(host_dir.parent / f".{host_dir.name}.lock"):
        if ok.is_file():
            return python
        if lane.root is not None:
            configure_root(lane.root, str(read_marker(lane.root).get("mirror", DEFAULT_MIRROR)))
            sync_ca_certificates(lane.root)
        safe_rmtree(host_dir)
        env = lane_env(lane)
        prefix = list(lane.argv[:-1])
        start = time.monotonic()
        say(progress, f"{lane.name}: creating venv {inner}")
        proc = run([*list(lane.argv), "-m", "venv", inner], env=env, timeout=600)
        if proc.returncode != 0:
            raise LaneError(f"{lane.name}: python -m venv failed: {last_line(proc.stderr or proc.stdout)}")
        say(progress, f"{lane.name}: pip install {' '.join(VENV_REQUIREMENTS)}")
        # --prefer-binary: on interpreters without wheels for the newest release
        # (e.g. PyPy 3.11 and hypothesis' Rust-backed sdist, whose build wants to
        # download rustup) take the newest version that has a usable wheel.
        pip_install = [python, "-m", "pip", "install", "--prefer-binary", *VENV_REQUIREMENTS]
        proc = run(prefix + pip_install, env=env, timeout=1800)
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
            raise LaneError(f"{lane.name}: pip install failed: {last_line(proc.stderr or proc.stdout)}")
        freeze = run([*prefix, python, "-m", "pip", "freeze"], env=env, timeout=300).stdout.split()
        ok.write_text(
            json.dumps({"requirements": list(VENV_REQUIREMENTS), "freeze": freeze}, indent=2) + "\n",
            encoding="utf-8",
        )
        for stale in host_dir.parent.glob(host_dir.name[: -len(requirements_hash())] + "*"):
            if stale != host_dir and stale.is_dir():
                safe_rmtree(stale)  # a venv for an older requirements list
        say(progress, f"{lane.name}: venv ready in {round(time.monotonic() - start, 1)} s")
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
            say(progress, f"{lane.name}: {' '.join(cmd)}")
            sys.stdout.flush()
            return run_supervised(cmd, env=env, cwd=str(REPO_ROOT))
        # pytest's -p no:cacheprovider and this keep the run from writing into the repo.
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        with repo_bind(lane.root) as inner_repo:
            cmd = pytest_command(lane, python, start_method, extra, inner_repo)
            say(progress, f"{lane.name}: {' '.join(cmd)}")
            sys.stdout.flush()
            return run_supervised(cmd, env=env)
    except (LaneError, OSError, subprocess.SubprocessError) as exc:
        err(f"lane {name}: {exc}")
        return EXIT_FAILED
