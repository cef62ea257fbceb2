"""Bench venvs: one per interpreter (inside the root for a chroot lane), with the pinned harness
and peers (:data:`matrix.bench.PINS`), built once per pin list."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple

from matrix.bench import HARNESS, PEERS, PINS
from matrix.interpreters import Interpreter

VENV_OK = ".mp-bench-venv.json"
INNER_BENCH_VENVS = "/opt/mp-matrix/bench-venvs"
PIP_TIMEOUT = 900.0

Progress = Callable[[str], None]


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def requirements_hash() -> str:
    text = json.dumps(PINS, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def cache_dir() -> Path:
    from matrix.lanes import cache_dir as lanes_cache_dir

    return lanes_cache_dir()


def venv_inner_dir(interp: Interpreter) -> str:
    assert interp.facts is not None
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", interp.facts.name).strip("-")
    if interp.root is None:
        return str(cache_dir() / "bench-venvs" / f"{slug}-{requirements_hash()}")
    return f"{INNER_BENCH_VENVS}/{slug}-{requirements_hash()}"


def _prefix(interp: Interpreter) -> List[str]:
    return list(interp.argv[:-1])


def _run(interp: Interpreter, args: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _prefix(interp) + list(args),
        env=interp.env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _last_line(text: str) -> str:
    """pip's reason: its last ``ERROR:`` line, else its last line."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("WARNING: Location")]
    errors = [ln for ln in lines if ln.startswith("ERROR:")]
    return (errors or lines or ["(no output)"])[-1]


def _pip_install(interp: Interpreter, python: str, reqs: Sequence[str], *extra: str) -> str | None:
    """``pip install``; None when it worked, else the reason (pip's last line)."""
    try:
        proc = _run(interp, [python, "-m", "pip", "install", "--prefer-binary", *extra, *reqs], PIP_TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"pip install timed out after {PIP_TIMEOUT:.0f} s"
    return None if proc.returncode == 0 else _last_line(proc.stderr or proc.stdout)


def ensure_bench_venv(interp: Interpreter, progress: Progress = say) -> Tuple[str, Dict[str, Any]]:
    """The bench venv's python (as the interpreter sees it) and its install record."""
    inner = venv_inner_dir(interp)
    host_dir = interp.host_path(inner)
    python = f"{inner}/bin/python"
    ok = host_dir / VENV_OK
    if ok.is_file():
        record: Dict[str, Any] = json.loads(ok.read_text(encoding="utf-8"))
        return python, record
    label = interp.facts.label if interp.facts else interp.executable
    if interp.root is not None:
        from matrix import lanes

        lanes.configure_root(
            interp.root, str(lanes.read_marker(interp.root).get("mirror", lanes.DEFAULT_MIRROR))
        )
        lanes.sync_ca_certificates(interp.root)
        lanes.safe_rmtree(host_dir)
    progress(f"{label}: creating bench venv {inner}")
    proc = _run(interp, [interp.executable, "-m", "venv", inner], 600)
    if proc.returncode != 0:
        raise RuntimeError(f"python -m venv failed: {_last_line(proc.stderr or proc.stdout)}")
    record = {"requirements_hash": requirements_hash(), "harness": None, "peers": {}}
    progress(f"{label}: pip install {HARNESS}")
    problem = _pip_install(interp, python, PINS[HARNESS])
    if problem is not None:  # psutil (optional for pyperf) may not build here: take pyperf alone
        progress(f"{label}: {HARNESS} with its dependencies failed ({problem}); trying --no-deps")
        again = _pip_install(interp, python, PINS[HARNESS], "--no-deps")
        if again is not None:
            raise RuntimeError(f"pip install {HARNESS} failed: {again}")
        record["harness_note"] = f"installed without its dependencies: {problem}"
    for peer in PEERS:
        progress(f"{label}: pip install {peer}")
        problem = _pip_install(interp, python, PINS[peer])
        record["peers"][peer] = "installed" if problem is None else f"not installed: {problem}"
    freeze = _run(interp, [python, "-m", "pip", "freeze"], 300).stdout.split()
    record["freeze"] = freeze
    versions = {ln.split("==")[0].lower(): ln.split("==")[1] for ln in freeze if "==" in ln}
    record["harness"] = f"{HARNESS} {versions.get(HARNESS, '?')}"
    for peer, status in record["peers"].items():
        if status == "installed":
            record["peers"][peer] = versions.get(peer, "installed")
    ok.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return python, record
