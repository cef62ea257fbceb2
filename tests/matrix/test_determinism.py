"""matrix.determinism: two runs compared on what the user sees."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from matrix import determinism, store

RESULTS = Path(__file__).resolve().parents[2] / "matrix" / "results"


def test_the_same_runs_agree_and_a_changed_cause_is_reported(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    first = store.load_all(RESULTS)
    name, rf = sorted(first.items())[0]
    assert determinism.compare(first, first) == (sum(len(r.records) for r in first.values()), [])
    rec = rf.records[0]
    changed = dataclasses.replace(rec, cause="builtins.RuntimeError", cause_message="x", seconds=99.0)
    second = {name: dataclasses.replace(rf, records=[changed, *rf.records[1:]])}
    compared, differences = determinism.compare({name: rf}, second)
    assert compared == len(rf.records)
    assert len(differences) == 1
    assert "cause: " in differences[0]
    assert "seconds" not in differences[0]  # times are not words the user reads
    shutil.copy(RESULTS / name, tmp_path / name)
    assert determinism.main([str(RESULTS), str(tmp_path)]) == 0
    assert f"{len(rf.records)} cells compared on 1 platforms, 0 differ" in capsys.readouterr().out
