"""``matrix.bench``: the suite runs and records valid JSON; the results validate and render.

The smoke test runs a tiny subset of the suite under pyperf in a subprocess (one worker process,
one value, one loop per benchmark: it checks that the benchmark works, not its figures) and skips
when pyperf is not installed (test dependency: ``pyperf>=2.6``). The rest is pure stdlib.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

from matrix.bench import TEST_REQUIREMENT
from matrix.bench.chart import chart
from matrix.bench.entries import Entry
from matrix.bench.render import render
from matrix.bench.results import validate
from matrix.bench.run import QUICK, new_results
from reference.start_method import default_start_method

REPO = Path(__file__).resolve().parents[2]


def _facts(version: str, default: str) -> Dict[str, Any]:
    return {
        "name": f"cpython-{version}@test",
        "label": f"CPython {version}",
        "location": "test",
        "executable": "/usr/bin/python3",
        "os": {"platform": "linux", "release": "6"},
        "implementation": "cpython",
        "version": version,
        "implementation_version": version,
        "build": version,
        "gil": True,
        "default_start_method": default,
        "start_methods": ["fork", "spawn", "forkserver"],
    }


def _bench(name: str, seconds: float, kind: str = "primitive", inner_loops: int = 1) -> Dict[str, Any]:
    scope, group = name.split("/")
    return {
        "name": name,
        "group": group,
        "scope": scope,
        "kind": kind,
        "inner_loops": inner_loops,
        "unit": "second",
        "min": seconds * 0.9,
        "median": seconds,
        "mean": seconds,
        "max": seconds * 1.2,
        "stdev": seconds * 0.1,
        "values": 4,
        "loops": 2,
    }


def _entry(version: str, default: str, scale: float) -> Dict[str, Any]:
    benches: List[Dict[str, Any]] = [
        _bench("floor/fork_waitpid", 0.001, "floor"),
        _bench("floor/pipe_round_trip", 5e-6, "floor"),
        _bench("thread/queue_latency_int", 4e-5, "thread"),
    ]
    for m, cost in (("fork", 0.002), ("forkserver", 0.015), ("spawn", 0.07)):
        benches += [
            _bench(f"{m}/process_start_join", cost * scale),
            _bench(f"{m}/pool_return_raw", cost * 10),
            _bench(f"{m}/pool_return_vetted", cost * 10.5, "vetted"),
            _bench(f"{m}/queue_throughput_int", 4e-6, inner_loops=256),
            _bench(f"{m}/peer_futures", cost * 12, "peer"),
        ]
    benches.append(
        {
            "name": "spawn/peer_mpire",
            "group": "peer_mpire",
            "scope": "spawn",
            "kind": "peer",
            "inner_loops": 1,
            "error": "RuntimeError: worker failed",
        }
    )
    return {
        "facts": _facts(version, default),
        "measured_at": "2026-01-01T00:00:00Z",
        "venv": "/venv/bin/python",
        "harness": "pyperf 2.11.0",
        "peers": {"loky": "3.7.0", "mpire": "2.10.2", "multiprocess": "not installed: no wheel"},
        "settings": None,
        "seconds": 1.0,
        "error": None,
        "benchmarks": benches,
        "default_start_method": default,
    }


@pytest.fixture
def results() -> Dict[str, Any]:
    data = new_results("full", QUICK, [], [])
    data["interpreters"] = [_entry("3.13.9", "fork", 1.0), _entry("3.14.1", "forkserver", 1.5)]
    data["complete"] = True
    data["finished_at"] = "2026-01-01T00:10:00Z"
    return data


def test_results_validate(results: Dict[str, Any]) -> None:
    assert validate(results) == []
    json.dumps(results)  # plain JSON


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        (("interpreters", 0, "benchmarks", 0, "median"), -1.0, "median"),
        (("interpreters", 0, "benchmarks", 0, "kind"), "other", "kind"),
        (("interpreters", 0, "facts", "version"), 3, "version"),
        (("schema_version",), 2, "schema_version"),
        (("machine",), None, "cpu_count"),
    ],
)
def test_results_invalid(results: Dict[str, Any], path: tuple[Any, ...], value: object, problem: str) -> None:
    broken = copy.deepcopy(results)
    target: Any = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    problems = validate(broken)
    assert problems
    assert problem in problems[0]


def test_render(results: Dict[str, Any]) -> None:
    page = render(results, "matrix/bench/results/linux.json")
    # The key table: Process start + join over the fork floor, per method.
    assert "| CPython 3.13.9 | 1.00 ms | 2.00 ms (2.00×; 2.00×) | 15.0 ms (15.0×; 15.0×) |" in page
    # 3.14's forkserver against 3.13's fork, and against its own fork.
    assert "| CPython 3.14.1 `forkserver` / CPython 3.13.9 `fork` | 22.5 ms / 2.00 ms = **11.2×** |" in page
    assert "| CPython 3.14.1 `forkserver` / CPython 3.14.1 `fork` | 22.5 ms / 3.00 ms = **7.50×** |" in page
    assert "1.05× ✓" in page  # vetted / primitive against the 1.1× goal
    assert "multiprocess not installed: no wheel" in page
    assert "`spawn/peer_mpire` failed: RuntimeError: worker failed" in page
    svg = chart([Entry(i) for i in results["interpreters"]])
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    assert svg.count("<rect") >= 6


def test_suite_smoke(tmp_path: Path) -> None:
    pytest.importorskip("pyperf", reason=f"the bench harness is not installed (needs {TEST_REQUIREMENT})")
    method = default_start_method()
    summary = tmp_path / "summary.json"
    only = ",".join(
        [
            "floor/fork_waitpid",
            "thread/queue_latency_int",
            f"{method}/process_start_join",
            f"{method}/queue_latency_int",
        ]
    )
    cmd = [
        sys.executable,
        "-m",
        "matrix.bench.suite",
        "--quiet",
        "--processes",
        "1",
        "--values",
        "1",
        "--warmups",
        "0",
        "--loops",
        "1",
        "--timeout",
        "60",
        "--bench-methods",
        method,
        "--bench-only",
        only,
        "--bench-summary",
        str(summary),
    ]
    proc = subprocess.run(cmd, cwd=str(REPO), capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    data = json.loads(summary.read_text(encoding="utf-8"))
    names = [b["name"] for b in data["benchmarks"]]
    expected = ["thread/queue_latency_int", f"{method}/process_start_join", f"{method}/queue_latency_int"]
    if sys.platform != "win32":
        expected.insert(0, "floor/fork_waitpid")
    assert names == expected
    assert all("error" not in b for b in data["benchmarks"]), data["benchmarks"]
    assert data["describe"]["harness"].startswith("pyperf ")
    # Wrapped as the orchestrator does, it is a valid results file.
    results = new_results("quick", QUICK, [method], [])
    results["interpreters"].append(
        {
            "facts": _facts("3.99.0", method),
            "measured_at": "2026-01-01T00:00:00Z",
            "venv": sys.executable,
            "harness": data["describe"]["harness"],
            "peers": data["peers"],
            "settings": data["settings"],
            "seconds": data["seconds"],
            "error": None,
            "benchmarks": data["benchmarks"],
        }
    )
    assert validate(results) == []


def test_interpreter_selection() -> None:
    from matrix.bench.run import default_interpreters, matches
    from matrix.interpreters import Interpreter
    from matrix.model import Facts, OsInfo

    def interp(version: str, location: str, impl: str = "cpython") -> Interpreter:
        facts = Facts(
            name=f"{impl}-{version}@{location}",
            label=f"{impl} {version}",
            location=location,
            executable=f"/{location}/python",
            os=OsInfo("linux", "6"),
            implementation=impl,
            version=version,
            implementation_version=version,
            build=version,
            gil=True,
            default_start_method="fork",
            start_methods=["fork"],
        )
        return Interpreter((f"/{location}/python{version}",), location, facts=facts)

    found = [
        interp("3.7.16", "pyenv"),
        interp("3.11.7", "pyenv"),
        interp("3.11.2", "usr-bin"),
        interp("3.12.3", "usr-bin"),
        interp("3.9.16", "usr-bin", "pypy"),
    ]
    chosen = [i.facts.name for i in default_interpreters(found) if i.facts is not None]
    # 3.7 is too old; /usr/bin's 3.11 duplicates pyenv's minor version; its 3.12 and PyPy do not.
    assert chosen == ["cpython-3.11.7@pyenv", "cpython-3.12.3@usr-bin", "pypy-3.9.16@usr-bin"]
    assert matches(found[1], "cpython-3.11.7@pyenv")
    assert matches(found[1], "3.11.7")
    assert matches(found[1], "/pyenv/python3.11.7")
    assert not matches(found[1], "3.12")
