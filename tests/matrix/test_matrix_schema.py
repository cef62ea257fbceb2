"""The committed results satisfy matrix/schema.json, and the stdlib model agrees with the schema."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest

from matrix import model, store

SCHEMA_PATH = Path(model.__file__).resolve().parent / "schema.json"


def load_schema() -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return data


def committed() -> List[Path]:
    return store.results_files()


def test_schema_file_is_the_models_schema() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == model.schema_text(), (
        "regenerate it: python3 -c \"from matrix import model; print(model.schema_text(), end='')\" "
        "> matrix/schema.json"
    )
    assert load_schema() == model.json_schema()


def test_field_kinds_come_from_the_annotations() -> None:
    """The validator's kinds are read from the dataclasses: one of each shape, and every field."""
    assert model.SPECS["Record"]["pattern"] == "enum:pattern"
    assert model.SPECS["Record"]["outcome"] == "enum:outcome"
    assert model.SPECS["Record"]["exit_code"] == "int?"
    assert model.SPECS["Record"]["attempts"] == "int"
    assert "seconds" not in model.SPECS["Record"]  # run-only: never in a results file
    assert model.SPECS["Record"]["measure"] == "obj:Measure?"
    assert model.SPECS["Facts"]["gil"] == "bool?"
    assert model.SPECS["Facts"]["start_methods"] == "list[str]"
    assert model.SPECS["ResultsFile"]["records"] == "list[obj:Record]"
    for name, spec in model.SPECS.items():
        fields = dataclasses.fields(getattr(model, name))
        assert list(spec) == [f.name for f in fields if not f.metadata.get("run_only")], name
    assert {k: v for k, v in model.OPTIONAL_FIELDS.items() if v} == {
        "Facts": ("error",),
        "Record": ("measure",),
        "Speedup": ("start_s", "median", "low", "high"),  # absent: not offered, or failed
    }
    assert model.SPECS["Measure"]["executors"] == "list[obj:Speedup]"
    assert model.SPECS["Speedup"]["median"] == "number?"
    with pytest.raises(TypeError, match="no JSON kind"):
        model._annotation_kind("Dict[str, int]")


def test_a_nullable_enum_allows_null_in_the_schema_too() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = model._kind_schema("enum:outcome?")
    jsonschema.validate(None, schema)
    jsonschema.validate("ok", schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("fine", schema)
    assert model._check("enum:outcome?", None, "<test>", "outcome") is None


def test_omitted_when_none_only_where_the_field_says_so() -> None:
    path = committed()[0]
    rf = model.parse_results(json.loads(path.read_text(encoding="utf-8")), path.name)
    rec = dataclasses.replace(rf.records[0], measure=None, exception=None)
    data = model.to_json(rec)
    assert "measure" not in data
    assert data["exception"] is None


def test_committed_results_validate_against_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(load_schema())
    files = committed()
    assert files, "no committed results"
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
        assert not errors, f"{path.name}: {errors[0].message} at {list(errors[0].path)}"
        store.read_results(path)  # the stdlib validator accepts it too


_MEASURE = {
    "workers": 2,
    "rounds": 9,
    "serial_s": 0.2,
    "gil": True,
    "gil_from": "version",
    "load": [1.5, 1.25],
    "executors": [
        {
            "executor": "threads",
            "status": "measured",
            "start_s": 0.001,
            "median": 1.0,
            "low": 0.75,
            "high": 1.25,
        },
        {"executor": "processes", "status": "error: TypeError: no mp_context"},
        {"executor": "interpreters", "status": "not offered"},
    ],
}


def _mutations(doc: Dict[str, Any]) -> List[Dict[str, Any]]:
    out = []
    edits: List[Callable[[Dict[str, Any]], object]] = [
        lambda d: d["records"][0].pop("outcome"),
        lambda d: d["records"][0].__setitem__("outcome", "maybe"),
        lambda d: d["records"][0].__setitem__("seconds", "fast"),
        lambda d: d["records"][0].__setitem__("attempts", 1.5),
        lambda d: d["records"][0].__setitem__("gil", "yes"),
        lambda d: d["records"][0].__setitem__("warnings", [1]),
        lambda d: d["records"][0].__setitem__("extra", 1),
        lambda d: d["records"][0]["os"].pop("release"),
        lambda d: d["facts"].__setitem__("start_methods", "fork"),
        lambda d: d.__setitem__("complete", "yes"),
        lambda d: d.__setitem__("schema_version", 99),
        lambda d: d["records"][0].update(pattern="pool-with", variant="twice"),
        lambda d: d["records"][0].update(pattern="killed-worker", variant="exact"),
        lambda d: d["records"][0].update(pattern="pool-with", variant="exact"),
        lambda d: d["records"][0].update(pattern="not-a-row"),
        lambda d: d["records"][0].__setitem__("measure", {"serial_s": 1.0}),
        lambda d: d["records"][0].__setitem__("measure", dict(_MEASURE, gil="yes")),
    ]
    for edit in edits:
        d = copy.deepcopy(doc)
        edit(d)
        out.append(d)
    return out


def test_model_and_schema_reject_the_same_mutations() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(load_schema())
    doc = json.loads(committed()[0].read_text(encoding="utf-8"))
    assert validator.is_valid(doc)
    model.parse_results(doc, "doc")
    optional = copy.deepcopy(doc)
    optional["facts"].pop("error")
    assert validator.is_valid(optional)
    model.parse_results(optional, "doc")
    claim = copy.deepcopy(doc)
    claim["records"][0].update(pattern="gil-speedup", variant="measure", measure=dict(_MEASURE))
    assert validator.is_valid(claim)
    measure = model.parse_results(claim, "doc").records[0].measure
    assert measure is not None
    assert model.to_json(measure) == _MEASURE  # the absent figures stay absent
    assert measure.executors[0] == model.Speedup("threads", "measured", 0.001, 1.0, 0.75, 1.25)
    claim["records"][0].pop("measure")  # optional: files from before the field still validate
    assert validator.is_valid(claim)
    model.parse_results(claim, "doc")
    for bad in _mutations(doc):
        assert not validator.is_valid(bad)
        with pytest.raises(model.ResultsError):
            model.parse_results(bad, "doc")


def _without_measures(rf: model.ResultsFile) -> model.ResultsFile:
    return dataclasses.replace(rf, records=[dataclasses.replace(r, measure=None) for r in rf.records])


_OLD_MEASURE = {  # schema 3's claim figures: 2 threads and Pool(2), the best of 5 rounds
    "serial_s": 0.2,
    "threads_s": 0.2,
    "processes_s": 0.1,
    "threads_speedup": 1.0,
    "processes_speedup": 2.0,
    "gil": True,
}


def test_a_schema_2_file_is_read_without_its_per_run_fields() -> None:
    """Contributed files of schema 2 carried each cell's time, cleanup notes and timestamp:
    they are read as the current schema (those fields dropped, and schema 3's claim figures),
    not refused."""
    current = json.loads(store.results_files()[0].read_text(encoding="utf-8"))
    old = copy.deepcopy(current)
    old["schema_version"] = 2
    for rec in old["records"]:
        rec.update(seconds=1.25, cleanup=["killed 1 process(es)"], measured_at="2026-01-01T00:00:00Z")
        if "measure" in rec:
            rec["measure"] = dict(_OLD_MEASURE)
    assert model.parse_results(old, "old") == _without_measures(model.parse_results(current, "current"))
    assert old["schema_version"] == 2  # the caller's data is left as it was
    old["schema_version"] = 1
    with pytest.raises(model.ResultsError, match="schema_version"):
        model.parse_results(old, "older")


def test_a_schema_3_file_is_read_without_its_old_claim_figures() -> None:
    """Schema 3's ``measure`` was another measurement (two threads and ``Pool(2)``, the best of 5
    rounds): a schema 3 file is read with it dropped (the cell's outcome kept), not refused; the
    current schema refuses those fields by name."""
    current = json.loads(store.results_files()[0].read_text(encoding="utf-8"))
    old = copy.deepcopy(current)
    old["schema_version"] = 3
    claims = [rec for rec in old["records"] if rec["pattern"] == "gil-speedup"]
    assert claims, "no claim record in the first results file"
    for rec in claims:
        rec["measure"] = dict(_OLD_MEASURE)
    assert model.parse_results(old, "old") == _without_measures(model.parse_results(current, "current"))
    old["schema_version"] = model.SCHEMA_VERSION
    with pytest.raises(model.ResultsError, match=r"measure\.processes_s': unknown field"):
        model.parse_results(old, "mislabelled")
