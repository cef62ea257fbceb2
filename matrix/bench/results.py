"""The bench results file (``matrix/bench/results/<platform>.json``) and its validator (stdlib only).

One file holds one run on one machine: every interpreter measured side by side, so that ratios
between them hold even on a noisy machine. Shape::

    {"schema_version": 1, "tool": "matrix.bench", "tool_version": "...", "mode": "full"|"quick",
     "complete": bool, "measured_at": ISO, "finished_at": ISO|null,
     "machine": {"platform", "release", "machine", "cpu_count", "loadavg_start", "loadavg_end", ...},
     "settings": {"processes", "values", "warmups", "min_time", ...}, "pins": {package: [req, ...]},
     "interpreters": [{"facts": <matrix.model.Facts>, "measured_at", "venv", "harness", "peers",
                       "settings", "seconds", "error", "benchmarks": [Benchmark, ...]}, ...]}

A Benchmark is ``{"name": "<scope>/<group>", "group", "scope", "kind", "inner_loops"}`` plus either
the statistics ``unit, min, median, mean, max, stdev, values, loops`` (seconds per operation, or
per item when ``inner_loops`` > 1) or ``error``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Dict, List

from matrix.model import SCHEMA_VERSION as RECORDS_SCHEMA_VERSION
from matrix.model import ResultsError, parse_results

SCHEMA_VERSION = 1
RESULTS_DIR = Path(__file__).resolve().parent / "results"
KINDS = ("primitive", "floor", "thread", "vetted", "peer")
STATS = ("min", "median", "mean", "max", "stdev")


def results_path(directory: Path, platform: str, quick: bool) -> Path:
    return directory / (f"{platform}-quick.json" if quick else f"{platform}.json")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _facts_problem(facts: object, where: str) -> List[str]:
    # Borrow the records' own parser for the facts: the wrapper names the records' schema, not ours.
    wrapper = {
        "schema_version": RECORDS_SCHEMA_VERSION,
        "tool_version": "-",
        "complete": True,
        "measured_at": "-",
        "facts": facts,
        "records": [],
    }
    try:
        parse_results(wrapper, where)
    except ResultsError as exc:
        return [str(exc)]
    return []


def _benchmark_problems(b: object, where: str) -> List[str]:  # noqa: PLR0912 - one check per field
    if not isinstance(b, dict):
        return [f"{where}: expected an object"]
    out = []
    for key in ("name", "group", "scope", "kind"):
        if not isinstance(b.get(key), str):
            out.append(f"{where}.{key}: expected a string")
    if out:
        return out
    if b["name"] != f"{b['scope']}/{b['group']}":
        out.append(f"{where}.name: {b['name']!r} is not scope/group")
    if b["kind"] not in KINDS:
        out.append(f"{where}.kind: {b['kind']!r} is not one of {', '.join(KINDS)}")
    if not isinstance(b.get("inner_loops"), int) or b["inner_loops"] < 1:
        out.append(f"{where}.inner_loops: expected a positive integer")
    if "error" in b:
        if not isinstance(b["error"], str):
            out.append(f"{where}.error: expected a string")
        return out
    for key in STATS:
        if not _is_number(b.get(key)) or b[key] < 0:
            out.append(f"{where}.{key}: expected a non-negative number, got {b.get(key)!r}")
    if not out and not b["min"] <= b["median"] <= b["max"]:
        out.append(f"{where}: expected min <= median <= max")
    if not isinstance(b.get("values"), int) or b["values"] < 1:
        out.append(f"{where}.values: expected a positive integer")
    if b.get("unit") != "second":
        out.append(f"{where}.unit: expected 'second'")
    return out


def validate(data: object) -> List[str]:  # noqa: PLR0912 - one check per field
    """Problems with a decoded results file, each naming the field; [] when it is valid."""
    if not isinstance(data, dict):
        return ["<root>: expected an object"]
    out: List[str] = []
    if data.get("schema_version") != SCHEMA_VERSION:
        out.append(f"schema_version: expected {SCHEMA_VERSION}")
    for key in ("tool_version", "measured_at"):
        if not isinstance(data.get(key), str):
            out.append(f"{key}: expected a string")
    if data.get("mode") not in ("full", "quick"):
        out.append("mode: expected 'full' or 'quick'")
    if not isinstance(data.get("complete"), bool):
        out.append("complete: expected true/false")
    machine = data.get("machine")
    if not isinstance(machine, dict) or not isinstance(machine.get("cpu_count"), int):
        out.append("machine.cpu_count: expected an integer")
    if not isinstance(data.get("settings"), dict):
        out.append("settings: expected an object")
    interps = data.get("interpreters")
    if not isinstance(interps, list):
        return [*out, "interpreters: expected a list"]
    for i, entry in enumerate(interps):
        where = f"interpreters[{i}]"
        if not isinstance(entry, dict):
            out.append(f"{where}: expected an object")
            continue
        out += _facts_problem(entry.get("facts"), where)
        if entry.get("error") is not None and not isinstance(entry["error"], str):
            out.append(f"{where}.error: expected a string or null")
        if not isinstance(entry.get("peers"), dict):
            out.append(f"{where}.peers: expected an object")
        benches = entry.get("benchmarks")
        if not isinstance(benches, list):
            out.append(f"{where}.benchmarks: expected a list")
            continue
        names = set()
        for j, b in enumerate(benches):
            out += _benchmark_problems(b, f"{where}.benchmarks[{j}]")
            if isinstance(b, dict):
                if b.get("name") in names:
                    out.append(f"{where}.benchmarks[{j}].name: duplicate {b.get('name')!r}")
                names.add(b.get("name"))
    return out


def load(path: Path) -> Dict[str, Any]:
    """Read and validate one results file; ``ValueError`` names the file and the first problem."""
    data = json.loads(path.read_text(encoding="utf-8"))
    problems = validate(data)
    if problems:
        raise ValueError(f"{path}: {problems[0]}")
    result: Dict[str, Any] = data
    return result
