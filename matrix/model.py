"""The typed record model of the matrix, and a hand validator (stdlib only).

The dataclasses below are the record schema, written once: the validator's field kinds
(:data:`SPECS`) are read from their annotations, and ``matrix/schema.json`` (JSON Schema draft
2020-12, for other tools) is generated from those (:func:`schema_text`); the test
``tests/matrix/test_matrix_schema.py`` checks that the file is what the model generates and that the
committed results satisfy it. At run time only this module is used, so ``python -m matrix`` needs no
third-party package.

To add a field: annotate it in its dataclass (a default makes it optional in JSON; an ``enum``
in its metadata limits it to one of :data:`ENUMS`), then regenerate the schema file::

    python3 -c "from matrix import model; print(model.schema_text(), end='')" > matrix/schema.json

A results file holds one *platform* (OS x implementation x full version x build)::

    {"schema_version": 4, "tool_version": "...", "complete": true, "measured_at": "...",
     "facts": {...Facts...}, "records": [{...Record...}, ...]}

What a file holds is what the program does, not how the run went: the per-run details of a cell
(its wall time, the runner's cleanup notes, its timestamp) are :data:`RUN_ONLY` fields, kept in
memory for the run's summary and its untracked run log (:func:`matrix.store.write_run_log`) but
never written here, so re-measuring an unchanged machine changes one line per platform (its
``measured_at``, the "last verified" date). Schema 2 files (which had them) are read by dropping them
(and schema 3 files their claim figures: see :data:`UPGRADES`).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple

from matrix.rows import ROW_IDS, ROW_VARIANTS, START_METHODS, VARIANTS

SCHEMA_VERSION = 4
#: Older schema versions read by :func:`parse_results`, and what reading them drops from each record
#: (a version's drops and every later one's). Written out, not derived from the RUN_ONLY fields: it is
#: a fact about schema 2, which a later run-only field must not change. Schema 3's ``measure`` (the
#: claim row's figures: 2 threads and ``Pool(2)``, the best of 5 rounds) is another measurement than
#: schema 4's (three executors, the median round and the spread): dropped, re-measured.
UPGRADES: Dict[int, Tuple[str, ...]] = {2: ("seconds", "cleanup", "measured_at"), 3: ("measure",)}
TOOL_VERSION = "2.0.0"

#: What a program does. ``wrong``: it exits 0 without a failed child, but its result is not what the
#: pattern promises (the case checks its own result: :data:`matrix.runner.WRONG_PREFIX`). New
#: outcomes are appended: a reader indexing this tuple keeps its numbers. Growing the set does not
#: change :data:`SCHEMA_VERSION`: every file of the current schema stays valid as it is (no upgrade to write),
#: and an older reader meeting ``wrong`` refuses the record by name (``field 'records[i].outcome'``)
#: instead of misreading it.
OUTCOMES: Tuple[str, ...] = ("ok", "error", "hang", "crash", "unsupported", "wrong")
#: How the runner decided the outcome: the program ``exit``ed; still running at the ``deadline``;
#: a confirming run's group ``asleep`` for good (matrix/asleep.py); a ``respawn-loop`` (the same
#: child exception twice while the parent runs); ``not-run`` (unsupported).
DETECTIONS: Tuple[str, ...] = ("exit", "deadline", "asleep", "respawn-loop", "not-run")
#: The implementations a results file may be of (``platform.python_implementation().lower()``).
IMPLEMENTATIONS: Tuple[str, ...] = ("cpython", "pypy")


class ResultsError(Exception):
    """A results file (or object) does not match the model: names the file and the field."""

    def __init__(self, where: str, field_path: str, problem: str) -> None:
        super().__init__(f"{where}: field {field_path!r}: {problem}")
        self.where = where
        self.field_path = field_path
        self.problem = problem


#: The closed sets a field can be limited to: ``field(metadata=enum("outcome"))``.
ENUMS: Dict[str, Tuple[str, ...]] = {
    "pattern": ROW_IDS,
    "variant": VARIANTS,
    "start_method": START_METHODS,
    "outcome": OUTCOMES,
    "detection": DETECTIONS,
}


def enum(name: str) -> Dict[str, str]:
    """Field metadata: the value is one of ``ENUMS[name]`` (checked by the validator and the schema)."""
    assert name in ENUMS, name
    return {"enum": name}


#: Field metadata: an optional field left out of the JSON when it is None (so that files written
#: before the field existed stay as they were).
OMIT_IF_NONE: Dict[str, bool] = {"omit_if_none": True}
#: Field metadata: known to the run that measured the cell only; never in a results file (see the
#: module docstring: timings and cleanup notes differ on every run and would bury real changes).
RUN_ONLY: Dict[str, bool] = {"run_only": True}


@dataclass(frozen=True)
class OsInfo:
    platform: str  # sys.platform, e.g. "linux"
    release: str  # platform.release()


@dataclass(frozen=True)
class Facts:
    """Platform facts, measured by the interpreter itself (see matrix/probe.py)."""

    name: str  # e.g. "cpython-3.12.1@pyenv"
    label: str  # short column label, e.g. "CPython 3.12.1"
    location: str  # how it is reached: "pyenv", "/usr/bin", "lane sid-python3.14"
    executable: str  # path of the interpreter (inside the lane for chroot lanes)
    os: OsInfo
    implementation: str  # "cpython" | "pypy" | ... (lower case); "unknown" when it cannot start
    version: str  # full language version x.y.z
    implementation_version: str  # PyPy's own version; = version for CPython
    build: str  # sys.version's build string and compiler
    gil: bool | None  # True: the GIL is enabled; False: free-threaded
    default_start_method: str | None
    start_methods: List[str]
    error: str | None = None  # set when the interpreter cannot start / be probed


@dataclass(frozen=True)
class Speedup:
    """One executor's figures in a claim cell (``gil-speedup``): its speedup over serial."""

    executor: str  # "threads" | "processes" | "interpreters" (Thread-, Process-, InterpreterPoolExecutor)
    status: str  # "measured" | "not offered" (no such executor here) | "error: Type: message"
    #: Seconds from creating it to its first results (its workers started).
    start_s: float | None = field(default=None, metadata=OMIT_IF_NONE)
    #: Serial time / its time in the same round: the median round, the lowest and the highest.
    median: float | None = field(default=None, metadata=OMIT_IF_NONE)
    low: float | None = field(default=None, metadata=OMIT_IF_NONE)
    high: float | None = field(default=None, metadata=OMIT_IF_NONE)


@dataclass(frozen=True)
class Measure:
    """The figures of a claim row (``gil-speedup``): its ``MATRIX-MEASURE`` line."""

    workers: int  # each executor's workers
    rounds: int  # interleaved rounds: serial and every executor once each, in rotating order
    serial_s: float  # the median round's seconds for the work run serially (``workers`` units)
    gil: bool | None  # sys._is_gil_enabled() in the case; True where it does not exist (before 3.13, PyPy)
    gil_from: str  # "sys._is_gil_enabled()" | "version" (no such function: a build with a GIL)
    load: List[float]  # the 1-minute load average before and after the rounds ([]: none, Windows)
    executors: List[Speedup]


@dataclass(frozen=True)
class Record:
    """One measured (or not runnable) cell: pattern x variant x start method on one platform."""

    pattern: str = field(metadata=enum("pattern"))
    variant: str = field(metadata=enum("variant"))
    start_method: str = field(metadata=enum("start_method"))  # the setting: "default" or a method
    resolved_start_method: str | None  # what "default" meant on this interpreter
    os: OsInfo
    implementation: str
    version: str
    build: str
    gil: bool | None
    interpreter: str  # Facts.name
    outcome: str = field(metadata=enum("outcome"))  # what the program does: ok, wrong, error, hang, crash
    exception: str | None  # the parent's uncaught exception, qualified: "builtins.EOFError"
    message: str | None  # its message's first paragraph (crash: the signal or exit code; wrong: the result)
    cause: str | None  # the children's exception, where children failed: "builtins.RuntimeError"
    cause_message: str | None  # its message's first paragraph
    detection: str = field(metadata=enum("detection"))  # how the outcome was decided
    exit_code: int | None  # negative: killed by that signal; None: killed by the runner or not run
    warnings: List[str]
    attempts: int  # 1, or 2 when a hang was confirmed by a re-run
    tool_version: str
    measure: Measure | None = field(default=None, metadata=OMIT_IF_NONE)  # claim rows only
    seconds: float = field(default=0.0, metadata=RUN_ONLY)  # wall time of the recorded attempt
    cleanup: List[str] = field(default_factory=list, metadata=RUN_ONLY)  # what the runner killed or removed
    measured_at: str = field(default="", metadata=RUN_ONLY)  # ISO 8601 UTC


@dataclass(frozen=True)
class ResultsFile:
    schema_version: int
    tool_version: str
    complete: bool
    measured_at: str
    facts: Facts
    records: List[Record]


#: The dataclasses of a results file, each validated by name.
_CLASSES: Dict[str, Any] = {
    "OsInfo": OsInfo,
    "Speedup": Speedup,
    "Measure": Measure,
    "Facts": Facts,
    "Record": Record,
    "ResultsFile": ResultsFile,
}
_SCALARS = {"str": "str", "int": "int", "float": "number", "bool": "bool"}


def field_kind(f: dataclasses.Field[Any]) -> str:
    """The validator's kind of a dataclass field, read from its annotation and metadata.

    Kinds: ``str``, ``int``, ``number``, ``bool``, ``enum:<NAME>`` (one of ``ENUMS[NAME]``),
    ``obj:<Dataclass>``, ``list[<kind>]``; a trailing ``?`` allows null (``X | None``).
    """
    return _annotation_kind(str(f.type), f.metadata.get("enum"))


def _annotation_kind(annotation: str, enum_name: str | None = None) -> str:
    if annotation.endswith(" | None"):
        return _annotation_kind(annotation[: -len(" | None")], enum_name) + "?"
    if annotation.startswith("List[") and annotation.endswith("]"):
        return f"list[{_annotation_kind(annotation[5:-1])}]"
    if enum_name is not None and annotation == "str":
        return f"enum:{enum_name}"
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    if annotation in _CLASSES:
        return f"obj:{annotation}"
    raise TypeError(f"no JSON kind for the annotation {annotation!r}")


#: Field name -> kind, per dataclass (read from the dataclasses).
SPECS: Dict[str, Dict[str, str]] = {
    name: {f.name: field_kind(f) for f in dataclasses.fields(cls) if not f.metadata.get("run_only")}
    for name, cls in _CLASSES.items()
}
#: Fields that may be absent in JSON: those with a default in the dataclass.
OPTIONAL_FIELDS: Dict[str, Tuple[str, ...]] = {
    name: tuple(
        f.name
        for f in dataclasses.fields(cls)
        if (f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING)
        and not f.metadata.get("run_only")
    )
    for name, cls in _CLASSES.items()
}


def _check(kind: str, value: object, where: str, path: str) -> object:  # noqa: PLR0911, PLR0912 (one branch per kind)
    """Validate ``value`` against ``kind``; return the typed value (dataclasses built)."""
    if kind.endswith("?"):
        if value is None:
            return None
        kind = kind[:-1]
    if kind.startswith("list[") and kind.endswith("]"):
        if not isinstance(value, list):
            raise ResultsError(where, path, f"expected a list, got {type(value).__name__}")
        inner = kind[5:-1]
        return [_check(inner, item, where, f"{path}[{i}]") for i, item in enumerate(value)]
    if kind.startswith("obj:"):
        return _build(kind[4:], value, where, path)
    if kind.startswith("enum:"):
        allowed = ENUMS[kind[5:]]
        if not isinstance(value, str) or value not in allowed:
            raise ResultsError(where, path, f"expected one of {', '.join(allowed)}, got {value!r}")
        return value
    if kind == "str":
        if not isinstance(value, str):
            raise ResultsError(where, path, f"expected a string, got {value!r}")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ResultsError(where, path, f"expected true/false, got {value!r}")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ResultsError(where, path, f"expected an integer, got {value!r}")
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ResultsError(where, path, f"expected a number, got {value!r}")
        return float(value)
    raise AssertionError(f"unknown kind {kind}")  # pragma: no cover


def _build(cls_name: str, value: object, where: str, path: str) -> Any:  # noqa: ANN401 (the dataclass named by cls_name)
    if not isinstance(value, dict):
        raise ResultsError(where, path or "<root>", f"expected an object, got {type(value).__name__}")
    spec = SPECS[cls_name]
    optional = OPTIONAL_FIELDS.get(cls_name, ())
    extra = sorted(set(value) - set(spec))
    if extra:
        raise ResultsError(where, _join(path, extra[0]), "unknown field")
    kwargs: Dict[str, object] = {}
    for name, kind in spec.items():
        sub = _join(path, name)
        if name not in value:
            if name in optional:
                continue
            raise ResultsError(where, sub, "missing")
        kwargs[name] = _check(kind, value[name], where, sub)
    return _CLASSES[cls_name](**kwargs)


def portable(text: str) -> str:
    """``text`` with this user's home directory written ``~``: recorded paths name no machine."""
    home = str(Path("~").expanduser())
    if home in ("", "~", os.sep):
        return text
    return text.replace(home.rstrip(os.sep) + os.sep, "~" + os.sep)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def parse_results(data: object, where: str) -> ResultsFile:
    """Validate decoded JSON and build a :class:`ResultsFile`; raises :class:`ResultsError`.

    A file of an older schema in :data:`UPGRADES` is read as the current one (the caller's
    ``data`` is not changed); writing it back writes the current schema.
    """
    data = _upgraded(data)
    version = data.get("schema_version") if isinstance(data, dict) else SCHEMA_VERSION
    if version != SCHEMA_VERSION:  # before the fields: another version's fields would only confuse
        readable = ", ".join(str(v) for v in (*UPGRADES, SCHEMA_VERSION))
        raise ResultsError(where, "schema_version", f"expected one of {readable}, got {version!r}")
    result: ResultsFile = _build("ResultsFile", data, where, "")
    for i, rec in enumerate(result.records):
        if rec.variant not in ROW_VARIANTS[rec.pattern]:
            raise ResultsError(
                where,
                f"records[{i}].variant",
                f"{rec.variant!r} is not a variant of {rec.pattern}: {', '.join(ROW_VARIANTS[rec.pattern])}",
            )
    return result


def _upgraded(data: object) -> object:
    version = data.get("schema_version") if isinstance(data, dict) else None
    if type(version) is not int or version not in UPGRADES:  # hostile input: a list, a bool, ...
        return data
    assert isinstance(data, dict)
    dropped = tuple(name for v in UPGRADES if v >= version for name in UPGRADES[v])
    records = data.get("records")
    if isinstance(records, list):
        records = [
            {k: v for k, v in r.items() if k not in dropped} if isinstance(r, dict) else r for r in records
        ]
    return {**data, "schema_version": SCHEMA_VERSION, "records": records}


def parse_record(data: object, where: str = "<record>") -> Record:
    rec: Record = _build("Record", data, where, "")
    return rec


def parse_measure(data: object, where: str = "<measure>") -> Measure:
    """A claim case's figures (its ``MATRIX-MEASURE`` object); raises :class:`ResultsError`."""
    measure: Measure = _build("Measure", data, where, "")
    return measure


def to_json(obj: object) -> Any:  # noqa: ANN401 (JSON: dict, list or scalar)
    """Dataclasses -> plain JSON-able dicts (field order kept)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {
            f.name: to_json(getattr(obj, f.name))
            for f in dataclasses.fields(obj)
            if not (f.metadata.get("omit_if_none") and getattr(obj, f.name) is None)
            and not f.metadata.get("run_only")
        }
    if isinstance(obj, list):
        return [to_json(x) for x in obj]
    return obj


def results_to_json(results: ResultsFile) -> Dict[str, Any]:
    """Validated JSON for ``results`` (raises :class:`ResultsError` if it is not valid)."""
    data: Dict[str, Any] = to_json(results)
    parse_results(data, "<to be written>")
    return data


def record_key(rec: Record) -> Tuple[str, str, str]:
    return (rec.pattern, rec.variant, rec.start_method)


def as_mapping(obj: object) -> Mapping[str, Any]:
    data: Mapping[str, Any] = to_json(obj)
    return data


_SCHEMA_ID = "https://example.invalid/mp-matrix/schema.json"


def _kind_schema(kind: str) -> Dict[str, Any]:
    nullable = kind.endswith("?")
    base = kind[:-1] if nullable else kind
    out: Dict[str, Any]
    if base.startswith("list[") and base.endswith("]"):
        out = {"type": "array", "items": _kind_schema(base[5:-1])}
    elif base.startswith("obj:"):
        out = {"$ref": f"#/$defs/{base[4:]}"}
    elif base.startswith("enum:"):
        out = {"type": "string", "enum": list(ENUMS[base[5:]])}
    else:
        out = {"type": {"str": "string", "int": "integer", "number": "number", "bool": "boolean"}[base]}
    if nullable:
        if "$ref" in out:
            return {"anyOf": [out, {"type": "null"}]}
        out["type"] = [out["type"], "null"]
        if "enum" in out:  # ``enum`` alone would refuse null, whatever ``type`` allows
            out["enum"] = [*out["enum"], None]
    return out


def json_schema() -> Dict[str, Any]:
    """The JSON Schema (draft 2020-12) equivalent of :data:`SPECS` (``matrix/schema.json``)."""
    defs: Dict[str, Any] = {}
    for cls_name, spec in SPECS.items():
        optional = OPTIONAL_FIELDS.get(cls_name, ())
        defs[cls_name] = {
            "type": "object",
            "additionalProperties": False,
            "required": [n for n in spec if n not in optional],
            "properties": {n: _kind_schema(k) for n, k in spec.items()},
        }
    defs["Record"]["allOf"] = [
        {
            "if": {"properties": {"pattern": {"const": row}}, "required": ["pattern"]},
            "then": {"properties": {"variant": {"enum": list(variants)}}},
        }
        for row, variants in ROW_VARIANTS.items()
    ]
    root = dict(defs.pop("ResultsFile"))
    root["properties"] = dict(root["properties"])
    root["properties"]["schema_version"] = {"const": SCHEMA_VERSION}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": _SCHEMA_ID,
        "title": "mp-matrix results file: one platform's facts and records",
        **root,
        "$defs": defs,
    }


def schema_text() -> str:
    """``matrix/schema.json`` as the model generates it."""
    return json.dumps(json_schema(), indent=2) + "\n"
