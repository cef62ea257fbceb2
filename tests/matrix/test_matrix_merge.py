"""``python -m matrix merge``: new platforms added, identical re-merges kept, conflicts reported
cell by cell (never silently overwritten), malformed files rejected with the file and field named."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from matrix import cases, cli, merge, model, store
from matrix.interpreters import results_filename

SAMPLE = store.results_files()[0]


def sample_json() -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return data


def write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def snapshot(directory: Path) -> Dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.fixture
def results(tmp_path: Path) -> Path:
    """A copy of the committed results file SAMPLE, as the existing measurement."""
    target = tmp_path / "results"
    target.mkdir()
    shutil.copy(str(SAMPLE), str(target / SAMPLE.name))
    return target


def run_merge(results: Path, *paths: Path, extra: List[str] | None = None) -> int:
    readme = results.parent / "README.md"
    return cli.main(
        ["merge", *map(str, paths), "--results-dir", str(results), "--readme", str(readme), *(extra or [])]
    )


def test_new_platform_is_added_and_rendered(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "results"
    empty.mkdir()
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    shutil.copy(str(SAMPLE), str(incoming / SAMPLE.name))
    assert run_merge(empty, incoming) == 0
    out = capsys.readouterr().out
    assert f"added: {incoming / SAMPLE.name} -> {SAMPLE.name}" in out
    assert (empty / SAMPLE.name).read_bytes() == SAMPLE.read_bytes()  # stable JSON: same bytes
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert f"`{SAMPLE.name}`" in readme
    assert store.read_results(SAMPLE).facts.label in readme


def merge_sample(results: Path, tmp_path: Path, data: object, expect: int) -> Tuple[Path, Dict[str, bytes]]:
    """Merge ``data`` as an incoming copy of the sample (exit code ``expect``): (incoming, results before)."""
    incoming = write(tmp_path / "incoming" / SAMPLE.name, data)
    before = snapshot(results)
    assert run_merge(results, incoming) == expect
    return incoming, before


def test_identical_remerge_keeps_the_existing_file(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = sample_json()
    data["measured_at"] = "2099-01-01T00:00:00Z"
    for rec in data["records"]:
        rec["attempts"] = 1
    _, before = merge_sample(results, tmp_path, data, expect=0)
    out = capsys.readouterr().out
    assert "identical:" in out
    assert "kept the existing file" in out
    assert snapshot(results) == before


def test_conflict_lists_the_cells_and_keeps_the_existing_file(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = sample_json()
    first, second = data["records"][0], data["records"][1]
    old = [dict(first), dict(second)]
    first.update(outcome="hang", exception=None, message=None, exit_code=None, detection="deadline")
    second.update(
        outcome="error", exception="builtins.MadeUpError", message="nope", exit_code=1, detection="exit"
    )
    incoming, before = merge_sample(results, tmp_path, data, expect=1)
    err = capsys.readouterr().err
    assert "conflict:" in err
    assert "2 cell(s) differ" in err
    assert "--replace" in err
    for rec, new in zip(old, ("hang", "error builtins.MadeUpError")):
        cell = f"{rec['pattern']}/{rec['variant']}/{rec['start_method']}"
        mine = rec["outcome"] + (f" {rec['exception']}" if rec["exception"] else "")
        assert f"  {cell}: existing {mine} | incoming {new}" in err
    assert snapshot(results) == before  # never silently overwritten

    # --replace takes the incoming records
    assert run_merge(results, incoming, extra=["--replace"]) == 0
    assert "replaced:" in capsys.readouterr().out
    merged = store.read_results(results / SAMPLE.name)
    assert [r.outcome for r in merged.records[:2]] == ["hang", "error"]
    assert merged.records[1].exception == "builtins.MadeUpError"
    assert len(merged.records) == len(data["records"])


def test_cells_missing_from_the_existing_file_are_added(results: Path, tmp_path: Path) -> None:
    partial = store.read_results(SAMPLE)
    kept = partial.records[10:]
    store.write_results(results / SAMPLE.name, dataclasses.replace(partial, records=kept, complete=False))
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    shutil.copy(str(SAMPLE), str(incoming / SAMPLE.name))
    reports, changed = merge.merge([incoming], results)
    assert [r.action for r in reports] == ["extended"]
    assert "added 10 cell(s)" in reports[0].detail
    merged = changed[SAMPLE.name]
    assert merged.complete
    assert merged.records == store.read_results(SAMPLE).records  # back in the cases' order
    assert store.read_results(results / SAMPLE.name) == merged


def test_malformed_file_is_rejected_named_and_the_others_still_merged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "results"
    target.mkdir()
    incoming = tmp_path / "incoming"
    bad = sample_json()
    bad["records"][2]["seconds"] = "slow"
    bad_path = write(incoming / "a-bad.json", bad)
    bad_text = bad_path.read_text(encoding="utf-8")
    (incoming / "nested").mkdir()
    shutil.copy(str(SAMPLE), str(incoming / "nested" / SAMPLE.name))
    broken = incoming / "b-broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert run_merge(target, incoming) == 1
    captured = capsys.readouterr()
    assert f"rejected: {bad_path}: field 'records[2].seconds'" in captured.err
    assert f"rejected: {broken}: field '<json>'" in captured.err
    assert "added:" in captured.out
    assert sorted(p.name for p in target.iterdir()) == [SAMPLE.name]  # no temp file, nothing else
    assert bad_path.read_text(encoding="utf-8") == bad_text  # nothing lost
    assert broken.read_text(encoding="utf-8") == "{not json"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["records"][0].update(build="another build"), "records[0].build"),
        (lambda d: d["records"][3]["os"].update(platform="win32"), "records[3].os.platform"),
        (lambda d: d["records"].append(dict(d["records"][0])), f"records[{len(cases.every_cell())}]"),
        (lambda d: d.update(schema_version=1), "schema_version"),
        (lambda d: d["facts"].pop("build"), "facts.build"),
    ],
)
def test_inconsistent_files_are_rejected(tmp_path: Path, change: Any, field: str) -> None:
    data = sample_json()
    assert len(data["records"]) == len(cases.every_cell())
    change(data)
    path = write(tmp_path / "incoming" / SAMPLE.name, data)
    target = tmp_path / "results"
    target.mkdir()
    reports, changed = merge.merge([path], target)
    assert changed == {}
    assert [r.action for r in reports] == ["rejected"]
    assert str(path) in reports[0].detail
    assert f"field {field!r}" in reports[0].detail
    assert list(target.iterdir()) == []


def test_file_is_stored_under_its_platform_name(tmp_path: Path) -> None:
    target = tmp_path / "results"
    target.mkdir()
    path = write(tmp_path / "incoming" / "downloaded.json", sample_json())
    reports, _ = merge.merge([path], target)
    name = results_filename(store.read_results(SAMPLE).facts)
    assert reports[0].target == name == SAMPLE.name
    assert [p.name for p in target.iterdir()] == [name]


def test_missing_path_and_empty_dir_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "results"
    target.mkdir()
    (tmp_path / "empty").mkdir()
    assert run_merge(target, tmp_path / "nope") == 1
    assert "no such file or directory" in capsys.readouterr().err
    assert run_merge(target, tmp_path / "empty") == 1
    assert "no *.json file" in capsys.readouterr().err
    assert list(target.iterdir()) == []


def test_malformed_existing_results_stop_the_merge(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (results / "linux-bad.json").write_text("[]", encoding="utf-8")
    incoming = write(tmp_path / "incoming" / "new.json", sample_json())
    before = snapshot(results)
    assert run_merge(results, incoming) == 1
    assert "linux-bad.json" in capsys.readouterr().err
    assert snapshot(results) == before


def test_merge_needs_a_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["merge"]) == 2
    assert "PATH" in capsys.readouterr().err


def test_same_outcome_ignores_timing_and_messages() -> None:
    rec = store.read_results(SAMPLE).records[0]
    later = dataclasses.replace(rec, seconds=rec.seconds + 9, measured_at="2099", message="other words")
    assert merge.same_outcome(rec, later)
    assert not merge.same_outcome(rec, dataclasses.replace(rec, exception="builtins.X"))
    assert not merge.same_outcome(rec, dataclasses.replace(rec, outcome="crash"))
    assert isinstance(model.record_key(rec), tuple)
