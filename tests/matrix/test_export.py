"""matrix/data/ (the versioned export, valid against its JSON Schema) and matrix/CHANGES.md."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any, Dict

import pytest

from matrix import export, publish, store
from matrix.cli import cmd_check, cmd_render
from matrix.model import ResultsFile

# The lanes' interpreters carry no jsonschema (the chroot has only the stdlib and pytest).
jsonschema = pytest.importorskip("jsonschema", reason="the export's schema tests need jsonschema")

DATA = store.PACKAGE_DIR / export.DIRNAME / export.DATA_NAME
SCHEMA = store.PACKAGE_DIR / export.DIRNAME / export.SCHEMA_NAME


def _load(path: Path) -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_committed_export_validates_against_its_schema() -> None:
    schema = _load(SCHEMA)
    jsonschema.Draft202012Validator.check_schema(schema)
    data = _load(DATA)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(data)
    assert data["schema_version"] == export.SCHEMA_VERSION
    assert data["license"] == export.LICENSE
    assert SCHEMA.read_text(encoding="utf-8") == export.schema_text()
    assert DATA.read_text(encoding="utf-8") == export.data_text(store.load_all())


def test_schema_refuses_a_malformed_export() -> None:
    validator = jsonschema.Draft202012Validator(_load(SCHEMA))
    data = _load(DATA)
    bad = dict(data, cells=[[*data["cells"][0][:5], "maybe", *data["cells"][0][6:]]])
    assert not validator.is_valid(bad)
    assert not validator.is_valid({k: v for k, v in data.items() if k != "data_version"})


def test_export_holds_every_measured_cell_and_no_per_cell_date() -> None:
    results = store.load_all()
    data = _load(DATA)
    assert len(data["cells"]) == sum(len(rf.records) for rf in results.values())
    assert "measured_at" not in DATA.read_text(encoding="utf-8")
    dated = {p["id"]: p["last_verified"] for p in data["platforms"] if p["source"] == "measured"}
    assert dated == {n[: -len(".json")]: rf.measured_at[:10] for n, rf in results.items()}


def _remeasured(rf: ResultsFile, when: str) -> ResultsFile:
    return dataclasses.replace(
        rf, measured_at=when, records=[dataclasses.replace(r, measured_at=when) for r in rf.records]
    )


def test_unchanged_remeasure_is_one_line_per_platform_and_keeps_the_data_version() -> None:
    results = store.load_all()
    name = sorted(results)[0]
    again = dict(results, **{name: _remeasured(results[name], "2099-01-02T03:04:05Z")})
    before, after = export.data_text(results).splitlines(), export.data_text(again).splitlines()
    changed = [b for a, b in zip(before, after) if a != b]
    assert len(before) == len(after)
    assert len(changed) == 1
    assert '"last_verified": "2099-01-02"' in changed[0]
    assert export.change_entry("\n".join(before), "\n".join(after)) is None


def test_a_remeasure_that_changes_one_cell_logs_one_entry(tmp_path: Path) -> None:
    results_dir = tmp_path / "results"
    shutil.copytree(store.RESULTS_DIR, results_dir)
    readme = tmp_path / "README.md"
    assert cmd_render(results_dir, readme) == 0
    log = tmp_path / export.CHANGES_NAME
    first = log.read_text(encoding="utf-8")
    assert first.count("\n## ") == 1  # the first export: its platforms added
    assert cmd_render(results_dir, readme) == 0  # nothing changed: no entry
    assert log.read_text(encoding="utf-8") == first
    path = sorted(results_dir.glob("*3.14*.json"))[0]
    rf = store.read_results(path)
    i = next(n for n, r in enumerate(rf.records) if r.pattern == "queue-class" and r.outcome == "error")
    old = rf.records[i]
    rec = dataclasses.replace(old, exception="builtins.EOFError")  # the parent's, a different one
    store.write_results(path, dataclasses.replace(rf, records=[*rf.records[:i], rec, *rf.records[i + 1 :]]))
    assert cmd_render(results_dir, readme) == 0
    text = log.read_text(encoding="utf-8")
    assert text.count("\n## ") == 2
    newest = text.split("\n## ")[1]
    entries = [line for line in newest.splitlines() if line.startswith("- ")]
    assert entries == [
        f"- `{path.stem}` {old.pattern} / {old.variant} / {old.start_method}: "
        f"error {old.exception} → error builtins.EOFError"
    ]
    assert cmd_check(results_dir, readme) == 0


def test_check_names_a_stale_generated_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    readme = tmp_path / "README.md"
    assert cmd_render(store.RESULTS_DIR, readme) == 0
    (tmp_path / export.DIRNAME / export.DATA_NAME).write_text("{}\n", encoding="utf-8")
    capsys.readouterr()
    assert cmd_check(store.RESULTS_DIR, readme) == 1
    assert export.DATA_NAME in capsys.readouterr().err
    assert publish.stale(store.RESULTS_DIR, readme) == [tmp_path / export.DIRNAME / export.DATA_NAME]
