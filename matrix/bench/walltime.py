"""``python -m matrix.bench walltime [--suite] [--main-job]``: the project's own wall times, as figures.

Two figures are tracked (issue 18), each measured from a fresh ``git clone`` of this repository's
HEAD so that no cache of an earlier run (tox envs, bytecode) helps:

* ``suite``: ``python3 -m matrix test`` (every tox env whose interpreter exists here);
* ``main-job``: ``python3 -m matrix run --no-lanes`` (every row on the preinstalled interpreters),
  with where its time went: per interpreter and per row, the seconds its cases ran, and how many
  cells hung and how many needed a confirming second run.

Each run appends one entry to ``matrix/bench/results/walltime.json``: wall and CPU seconds (the
children's user + system), the load average before and after (the machine may be shared: a figure
is only comparable with the load it was measured under), the exit code, the commit and the date.
A figure, never a test: nothing here fails because a run was slow.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Sequence

from matrix._testrun import children_cpu_seconds
from matrix.store import RUN_LOG_DIRNAME

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "matrix" / "bench" / "results" / "walltime.json"
COMMANDS: Dict[str, List[str]] = {
    "suite": [sys.executable, "-m", "matrix", "test"],
    "main-job": [sys.executable, "-m", "matrix", "run", "--no-lanes"],
}
#: No run may take longer than this (the suite took 26.6 min on a loaded 2-core machine).
TIMEOUT_SECONDS = 3600


def load_average() -> List[float]:
    """The 1, 5 and 15 minute load averages (empty on Windows)."""
    if sys.platform == "win32":
        return []
    else:  # the body: skipped by type checkers for win32
        return [round(x, 2) for x in os.getloadavg()]


def where_time_went(results_dir: Path) -> Dict[str, Any]:
    """Per interpreter and per row: case seconds, cells, hangs, cells run twice (from the run logs
    the main job writes beside the results files: the results files keep no timings)."""
    per_interpreter: Dict[str, Dict[str, float]] = {}
    per_row: Dict[str, Dict[str, float]] = {}
    for path in sorted((results_dir / RUN_LOG_DIRNAME).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for rec in data.get("cells", []):
            for table, key in ((per_interpreter, path.stem), (per_row, rec["pattern"])):
                entry = table.setdefault(key, {"case_seconds": 0.0, "cells": 0, "hangs": 0, "run_twice": 0})
                entry["case_seconds"] = round(entry["case_seconds"] + (rec.get("seconds") or 0.0), 3)
                entry["cells"] += 1
                entry["hangs"] += rec["outcome"] == "hang"
                entry["run_twice"] += (rec.get("attempts") or 0) > 1
    return {"per_interpreter": per_interpreter, "per_row": per_row}


def measure(name: str) -> Dict[str, Any]:
    """Clone HEAD into a temp dir, run the ``name`` command there, and return the figure."""
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="mp-walltime-") as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
        load_before = load_average()
        cpu_before = children_cpu_seconds()
        started = time.monotonic()
        code = subprocess.run(COMMANDS[name], cwd=clone, timeout=TIMEOUT_SECONDS, check=False).returncode
        wall = time.monotonic() - started
        figure: Dict[str, Any] = {
            "figure": name,
            "command": " ".join(["python3", *COMMANDS[name][1:]]),
            "wall_s": round(wall, 1),
            "cpu_s": round(children_cpu_seconds() - cpu_before, 1),
            "cpus": os.cpu_count(),
            "load_before": load_before,
            "load_after": load_average(),
            "exit_code": code,
            "commit": commit,
            "measured_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if name == "main-job":
            figure["breakdown"] = where_time_went(clone / "matrix" / "results")
    return figure


def append(figure: Dict[str, Any], path: Path = RESULTS) -> None:
    entries = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    entries.append(figure)
    path.write_text(json.dumps(entries, indent=1) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m matrix.bench walltime", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--suite", action="store_true", help="time `python3 -m matrix test`")
    parser.add_argument("--main-job", action="store_true", help="time `python3 -m matrix run --no-lanes`")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"the figures file (default: {RESULTS})")
    args = parser.parse_args(argv)
    names = [n for n, on in (("suite", args.suite), ("main-job", args.main_job)) if on] or list(COMMANDS)
    for name in names:
        figure = measure(name)
        append(figure, args.out)
        load = figure["load_before"][:1] or "?"
        print(
            f"walltime: {name}: {figure['wall_s']} s wall, {figure['cpu_s']} s CPU on {figure['cpus']} CPUs "
            f"(load {load} before), exit {figure['exit_code']} -> {args.out}",
            flush=True,
        )
    return 0
