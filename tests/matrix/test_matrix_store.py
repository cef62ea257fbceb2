"""Results files: atomic writes, malformed files named with the field, nothing overwritten."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matrix import model, store


def sample() -> model.ResultsFile:
    return store.read_results(store.results_files()[0])


def test_round_trip_and_atomic_write(tmp_path: Path) -> None:
    target = tmp_path / "x.json"
    store.write_results(target, sample())
    assert store.read_results(target) == sample()
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]  # no temp file left behind


def test_invalid_results_are_not_written(tmp_path: Path) -> None:
    target = tmp_path / "x.json"
    target.write_text("keep me", encoding="utf-8")
    good = sample()
    bad_record = model.Record(
        **{**model.to_json(good.records[0]), "os": good.records[0].os, "outcome": "meh"}
    )
    bad = model.ResultsFile(model.SCHEMA_VERSION, "t", True, "now", good.facts, [bad_record])
    with pytest.raises(model.ResultsError) as info:
        store.write_results(target, bad)
    assert "records[0].outcome" in str(info.value)
    assert target.read_text(encoding="utf-8") == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_malformed_file_names_file_and_field(tmp_path: Path) -> None:
    data = json.loads(store.results_files()[0].read_text(encoding="utf-8"))
    data["records"][2]["seconds"] = "slow"
    path = tmp_path / "linux-bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(model.ResultsError) as info:
        store.load_all(tmp_path)
    assert str(path) in str(info.value)
    assert "records[2].seconds" in str(info.value)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(model.ResultsError, match="not valid JSON"):
        store.read_results(path)


def test_cli_refuses_to_run_over_a_malformed_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from matrix.cli import main

    (tmp_path / "linux-bad.json").write_text("[]", encoding="utf-8")
    rc = main(
        [
            "run",
            "--results-dir",
            str(tmp_path),
            "--pattern",
            "thread-event",
            "--no-lanes",
            "--no-render",
            "--interpreter",
            "/nonexistent/python",
        ]
    )
    assert rc == 1
    assert "linux-bad.json" in capsys.readouterr().err
    assert (tmp_path / "linux-bad.json").read_text(encoding="utf-8") == "[]"


def test_recorded_paths_name_no_home_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    from matrix.model import portable

    monkeypatch.setenv("HOME", "/home/alice")
    assert (
        portable("/home/alice/.pyenv/versions/3.12.1/bin/python3") == "~/.pyenv/versions/3.12.1/bin/python3"
    )
    assert portable("/usr/bin/python3 (/home/alicex/x)") == "/usr/bin/python3 (/home/alicex/x)"
