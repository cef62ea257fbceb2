"""The one validator of results files: every reader (``run``, ``merge``, ``check``, ``render``,
``html``) and every writer goes through it. A results file is untrusted input (contributors send
them; ``merge`` takes workflow artifacts), so beyond the model's field types
(:func:`matrix.model.parse_results`, whose enums -- patterns, variants, start methods, outcomes --
are the allowed values) this checks:

* bytes: at most :data:`MAX_FILE_BYTES`, UTF-8 (the error names the byte offset), JSON without
  duplicate keys;
* sizes: every string at most :data:`MAX_TEXT_CHARS` characters, every list at most
  :data:`MAX_ITEMS` items (records, warnings, cleanup notes);
* facts: ``version`` matches :data:`VERSION` (``3.12.1``), ``implementation`` is one of
  :data:`matrix.model.IMPLEMENTATIONS`, ``os.platform`` matches :data:`PLATFORM`; an unprobed
  interpreter (``facts.error``) is no results file;
* records: each cell once, each of the file's platform (OS, implementation, version, build);
  the outcome decided by a detection that fits it (:data:`DETECTED_BY`), a hang with no
  exception of the parent's, a respawn loop with its cause;
* file names: derived only from validated facts (:func:`results_filename`), resolved inside the
  results directory (:func:`target_path`); a stored file must carry the name its facts give it,
  so no file can stand in for another platform's.

Every failure is a :class:`matrix.model.ResultsError` naming the file and the field.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List, Tuple

from matrix.interpreters import results_filename
from matrix.model import IMPLEMENTATIONS, Record, ResultsError, ResultsFile, parse_results, record_key
from matrix.rows import MP_METHODS

#: The largest results file read: a full platform is about 112 KB today.
MAX_FILE_BYTES = 1_000_000
#: The longest string in a results file (a message, a build string, a warning): about 200 today.
MAX_TEXT_CHARS = 2_000
#: The longest list (records of one platform: at most 151 cells today; warnings; cleanup notes).
MAX_ITEMS = 1_000
#: A full language version, as ``sys.version_info[:3]`` prints it.
VERSION = re.compile(r"^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\Z")
#: ``sys.platform``: linux, darwin, win32, cygwin, freebsd14, ...
PLATFORM = re.compile(r"^[a-z][a-z0-9]{0,31}\Z")
#: A qualified exception type (``builtins.RuntimeError``): shown verbatim in code spans.
EXCEPTION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")

Cell = Tuple[str, str, str]


def decode(raw: bytes, where: str) -> str:
    """``raw`` as UTF-8 text, within :data:`MAX_FILE_BYTES`."""
    if len(raw) > MAX_FILE_BYTES:
        raise ResultsError(where, "<file>", f"{len(raw):,} bytes, more than the limit of {MAX_FILE_BYTES:,}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ResultsError(
            where, "<file>", f"not UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start}"
        ) from None


def _no_duplicate_keys(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def load_json(text: str, where: str) -> object:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except (ValueError, RecursionError) as exc:
        raise ResultsError(where, "<json>", f"not valid JSON: {exc}") from None


def check_sizes(value: object, where: str, path: str = "") -> None:
    """Every string and list within the limits (before the model builds anything from them)."""
    if isinstance(value, str):
        if len(value) > MAX_TEXT_CHARS:
            raise ResultsError(
                where,
                path or "<root>",
                f"{len(value):,} characters, more than the limit of {MAX_TEXT_CHARS:,}",
            )
    elif isinstance(value, list):
        if len(value) > MAX_ITEMS:
            raise ResultsError(
                where, path or "<root>", f"{len(value):,} items, more than the limit of {MAX_ITEMS:,}"
            )
        for i, item in enumerate(value):
            check_sizes(item, where, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_sizes(key, where, path)
            check_sizes(item, where, f"{path}.{key}" if path else str(key))


def check_facts(rf: ResultsFile, where: str) -> None:
    f = rf.facts
    if f.error is not None:
        raise ResultsError(
            where, "facts.error", "an interpreter that could not be probed has no results file"
        )
    if not VERSION.match(f.version):
        raise ResultsError(where, "facts.version", f"{f.version!r} is not a version like 3.12.1")
    if not VERSION.match(f.implementation_version):
        raise ResultsError(
            where,
            "facts.implementation_version",
            f"{f.implementation_version!r} is not a version like 7.3.17",
        )
    if f.implementation not in IMPLEMENTATIONS:
        raise ResultsError(
            where,
            "facts.implementation",
            f"expected one of {', '.join(IMPLEMENTATIONS)}, got {f.implementation!r}",
        )
    if f.default_start_method not in MP_METHODS:
        raise ResultsError(
            where,
            "facts.default_start_method",
            f"expected one of {', '.join(MP_METHODS)}, got {f.default_start_method!r}",
        )
    for i, method in enumerate(f.start_methods):
        if method not in MP_METHODS:
            raise ResultsError(
                where, f"facts.start_methods[{i}]", f"expected one of {', '.join(MP_METHODS)}, got {method!r}"
            )
    if not PLATFORM.match(f.os.platform):
        raise ResultsError(where, "facts.os.platform", f"{f.os.platform!r} is not a sys.platform value")


def check_records(rf: ResultsFile, where: str) -> None:
    """Every record is of the file's platform, and no cell appears twice."""
    f = rf.facts
    seen: Dict[Cell, int] = {}
    for i, rec in enumerate(rf.records):
        for name, mine, theirs in (
            ("os.platform", rec.os.platform, f.os.platform),
            ("implementation", rec.implementation, f.implementation),
            ("version", rec.version, f.version),
            ("build", rec.build, f.build),
            ("gil", rec.gil, f.gil),
        ):
            if mine != theirs:
                raise ResultsError(where, f"records[{i}].{name}", f"{mine!r} is not facts.{name} {theirs!r}")
        if rec.resolved_start_method not in (*MP_METHODS, None):
            raise ResultsError(
                where,
                f"records[{i}].resolved_start_method",
                f"expected one of {', '.join(MP_METHODS)}, got {rec.resolved_start_method!r}",
            )
        for name, exc in (("exception", rec.exception), ("cause", rec.cause)):
            if exc is not None and not EXCEPTION.match(exc):
                raise ResultsError(
                    where, f"records[{i}].{name}", f"{exc!r} is not a qualified exception type"
                )
        check_symptom(rec, where, f"records[{i}]")
        key = record_key(rec)
        if key in seen:
            raise ResultsError(
                where, f"records[{i}]", f"cell {'/'.join(key)} already in records[{seen[key]}]"
            )
        seen[key] = i


#: The detections each outcome may be decided by (``Record.detection``, a fixed set of the model).
DETECTED_BY: Dict[str, Tuple[str, ...]] = {
    "ok": ("exit",),
    "error": ("exit",),
    "crash": ("exit",),
    "hang": ("deadline", "asleep", "respawn-loop"),
    "unsupported": ("not-run",),
    "wrong": ("exit",),
}


def check_symptom(rec: Record, where: str, path: str) -> None:
    """The outcome, its detection, the parent's exception and the cause fit together."""
    if rec.detection not in DETECTED_BY[rec.outcome]:
        allowed = ", ".join(DETECTED_BY[rec.outcome])
        raise ResultsError(
            where, f"{path}.detection", f"{rec.detection!r}: a {rec.outcome} is decided by {allowed}"
        )
    if rec.detection == "respawn-loop" and rec.cause is None:
        raise ResultsError(where, f"{path}.cause", "a respawn loop names the children's exception")
    if rec.outcome in ("ok", "hang", "unsupported", "wrong") and rec.exception is not None:
        raise ResultsError(
            where, f"{path}.exception", f"a {rec.outcome} cell has no exception of the parent's"
        )
    if (rec.cause is None) != (rec.cause_message is None):
        raise ResultsError(where, f"{path}.cause_message", "set exactly when the cause is")
    if rec.outcome == "ok" and rec.cause is not None:
        raise ResultsError(where, f"{path}.cause", "an ok cell has no failed child")
    if rec.outcome == "wrong" and (rec.exit_code != 0 or not rec.message):
        # the case reported its wrong result (matrix/runner.py, WRONG_PREFIX) and exited 0
        raise ResultsError(where, f"{path}.message", "a wrong cell exits 0 and says what it got")


def parse(data: object, where: str) -> ResultsFile:
    """Validate decoded JSON completely; the :class:`ResultsFile` it holds."""
    check_sizes(data, where)
    rf = parse_results(data, where)
    check_facts(rf, where)
    check_records(rf, where)
    return rf


def parse_bytes(raw: bytes, where: str) -> ResultsFile:
    return parse(load_json(decode(raw, where), where), where)


def read(path: Path) -> ResultsFile:
    """Read and validate one results file (any name: e.g. an incoming artifact)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:  # not read at all
            raise ResultsError(
                str(path), "<file>", f"{size:,} bytes, more than the limit of {MAX_FILE_BYTES:,}"
            )
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ResultsError(str(path), "<file>", f"cannot read: {exc.strerror or exc}") from None
    return parse_bytes(raw, str(path))


def read_stored(path: Path) -> ResultsFile:
    """Read a file of a results directory: also its name must be the one its facts give it."""
    rf = read(path)
    expected = results_filename(rf.facts)
    if path.name != expected:
        raise ResultsError(
            str(path), "facts", f"these facts belong in {expected}, not {path.name} (renamed or hand-edited?)"
        )
    return rf


def target_path(results_dir: Path, rf: ResultsFile) -> Path:
    """Where ``rf`` is stored: its validated facts' file name, inside ``results_dir``."""
    check_facts(rf, "<to be written>")
    name = results_filename(rf.facts)
    path = results_dir / name
    if Path(name).name != name or path.resolve().parent != results_dir.resolve():
        raise ResultsError("<to be written>", "facts", f"file name {name!r} leaves {results_dir}")
    return path
