"""``python -m matrix.bench walltime``: the breakdown of a main job and the figures file."""

from __future__ import annotations

import json
from pathlib import Path

from matrix.bench import walltime


def test_breakdown_per_interpreter_and_row(tmp_path: Path) -> None:
    records = [
        {"pattern": "a", "outcome": "ok", "seconds": 1.5, "attempts": 1},
        {"pattern": "a", "outcome": "hang", "seconds": 3.0, "attempts": 2},
        {"pattern": "b", "outcome": "hang", "seconds": 3.0, "attempts": 1},
    ]
    logs = tmp_path / ".runs"  # the run logs beside the results files (matrix.store.write_run_log)
    logs.mkdir()
    (logs / "linux-x.json").write_text(json.dumps({"cells": records}), encoding="utf-8")
    (logs / "linux-y.json").write_text(json.dumps({"cells": records[:1]}), encoding="utf-8")
    got = walltime.where_time_went(tmp_path)
    assert got["per_interpreter"]["linux-x"] == {"case_seconds": 7.5, "cells": 3, "hangs": 2, "run_twice": 1}
    assert got["per_row"]["a"] == {"case_seconds": 6.0, "cells": 3, "hangs": 1, "run_twice": 1}
    assert got["per_row"]["b"]["hangs"] == 1


def test_figures_are_appended(tmp_path: Path) -> None:
    out = tmp_path / "walltime.json"
    walltime.append({"figure": "suite", "wall_s": 1.0}, out)
    walltime.append({"figure": "main-job", "wall_s": 2.0}, out)
    assert [e["figure"] for e in json.loads(out.read_text(encoding="utf-8"))] == ["suite", "main-job"]
