"""``python -m matrix merge PATH...``: bring results files measured elsewhere into ``matrix/results/``.

PATHs are results files or directories searched for ``*.json`` (e.g. the workflow's downloaded
artifacts). Each file is validated (:mod:`matrix.validate`: sizes, UTF-8, field values, its records belong
to its platform, one record per cell) and stored under its platform's file name
(:func:`matrix.interpreters.results_filename`: OS x implementation x full version x build):

* new platform: added;
* same platform, every shared cell with the same outcome and exception (only ``measured_at``
  and the like differ): the existing file is kept; cells it lacks are added to it;
* same platform, a shared cell whose outcome or exception differs: a *conflict*, listed cell by
  cell with both sides; the existing file is kept unless ``--replace`` (then the incoming records
  win, cell by cell, and the incoming facts are stored);
* a malformed file: rejected, named with the field; nothing is written for it; the other files
  are still merged.

Files are written atomically; ``matrix/README.md`` is re-rendered at the end (unless
``--no-render``). Exit codes: 0 everything merged (or already there); 1 a conflict was kept, a
file was rejected, a PATH does not exist or no results file was found.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from matrix import cases, store, validate
from matrix.model import Facts, Record, ResultsError, ResultsFile, record_key

Cell = Tuple[str, str, str]

EXIT_OK = 0
EXIT_FAILED = 1


@dataclass(frozen=True)
class Conflict:
    """One cell measured with a different outcome or exception on the two sides."""

    cell: Cell
    ours: Record  # what is stored (or was merged earlier in this run)
    theirs: Record  # the incoming record


@dataclass
class Report:
    """What happened to one incoming file."""

    source: Path
    target: str = ""  # the results file name it belongs to
    action: str = ""  # added | extended | identical | replaced | conflict | rejected
    detail: str = ""
    conflicts: List[Conflict] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.action in ("conflict", "rejected")


def side(rec: Record) -> str:
    """``outcome`` or ``outcome exception``: what a conflict compares."""
    return f"{rec.outcome} {rec.exception}" if rec.exception else rec.outcome


def same_outcome(a: Record, b: Record) -> bool:
    return (a.outcome, a.exception) == (b.outcome, b.exception)


def find_files(paths: Sequence[Path]) -> Tuple[List[Path], List[Report]]:
    """The ``*.json`` files named by ``paths`` (directories searched recursively), and a
    ``rejected`` report for each path that does not exist."""
    found: List[Path] = []
    missing: List[Report] = []
    for path in paths:
        if path.is_dir():
            candidates = sorted(p for p in path.rglob("*.json") if p.is_file())
        elif path.is_file():
            candidates = [path]
        else:
            missing.append(Report(path, action="rejected", detail=f"{path}: no such file or directory"))
            continue
        found.extend(p for p in candidates if p not in found)
    return found, missing


def in_table_order(records: Sequence[Record]) -> List[Record]:
    """``records`` sorted as the matrix's rows are (unknown cells last)."""
    order = {c: n for n, c in enumerate(cases.every_cell())}
    return sorted(records, key=lambda r: order.get(record_key(r), len(order)))


def covers_every_cell(facts: Facts, records: Sequence[Record]) -> bool:
    """Whether ``records`` hold every cell that applies to the platform of ``facts``."""
    expected = set(cases.cells_for(facts, cases.every_cell()))
    return expected <= {record_key(r) for r in records}


def merge_one(
    ours: ResultsFile | None, theirs: ResultsFile, *, replace_conflicts: bool
) -> Tuple[ResultsFile | None, str, str, List[Conflict]]:
    """(the file to store or None to keep ``ours``, action, detail, conflicts)."""
    if ours is None:
        return theirs, "added", f"new platform, {len(theirs.records)} cells", []
    mine = {record_key(r): r for r in ours.records}
    conflicts = [
        Conflict(record_key(r), mine[record_key(r)], r)
        for r in theirs.records
        if record_key(r) in mine and not same_outcome(mine[record_key(r)], r)
    ]
    new = [r for r in theirs.records if record_key(r) not in mine]
    if conflicts and not replace_conflicts:
        return None, "conflict", f"{len(conflicts)} cell(s) differ; kept the existing file", conflicts
    if conflicts:
        by_key = dict(mine)
        by_key.update((record_key(r), r) for r in theirs.records)
        records = in_table_order(list(by_key.values()))
        merged = ResultsFile(
            theirs.schema_version,
            theirs.tool_version,
            covers_every_cell(theirs.facts, records),
            max(ours.measured_at, theirs.measured_at),
            theirs.facts,
            records,
        )
        return (
            merged,
            "replaced",
            f"--replace: took the incoming records ({len(conflicts)} cell(s) differed)",
            conflicts,
        )
    same = len(theirs.records) - len(new)
    if not new:
        return None, "identical", f"same outcomes in all {same} cell(s); kept the existing file", []
    records = in_table_order([*ours.records, *new])
    merged = replace(
        ours,
        records=records,
        complete=covers_every_cell(ours.facts, records),
        measured_at=max(ours.measured_at, theirs.measured_at),
    )
    return merged, "extended", f"added {len(new)} cell(s); {same} shared cell(s) agree", []


def merge(
    paths: Sequence[Path], results_dir: Path, *, replace_conflicts: bool = False
) -> Tuple[List[Report], Dict[str, ResultsFile]]:
    """Merge the files under ``paths`` into ``results_dir`` (written atomically); return a report
    per incoming file and the files written. Existing results are read first: a malformed one
    raises :class:`ResultsError` before anything is written."""
    current: Dict[str, ResultsFile] = store.load_all(results_dir)
    origin: Dict[str, str] = {name: str(results_dir / name) for name in current}
    files, reports = find_files(paths)
    if not files and not reports:
        reports.append(
            Report(Path(", ".join(str(p) for p in paths)), action="rejected", detail="no *.json file")
        )
    changed: Dict[str, ResultsFile] = {}
    for path in files:
        report = Report(path)
        reports.append(report)
        try:
            incoming = store.read_results(path)  # the one validator (matrix.validate)
            name = validate.target_path(results_dir, incoming).name
        except ResultsError as exc:
            report.action, report.detail = "rejected", str(exc)
            continue
        report.target = name
        stored, report.action, report.detail, report.conflicts = merge_one(
            current.get(name), incoming, replace_conflicts=replace_conflicts
        )
        if report.conflicts and report.action == "conflict":
            report.detail += f" ({origin[name]}; --replace to take the incoming records)"
        if stored is not None:
            current[name] = stored
            origin[name] = str(path)
            changed[name] = stored
    for rf in changed.values():
        store.save(results_dir, rf)
    return reports, changed


def print_reports(reports: Sequence[Report]) -> None:
    for r in reports:
        label = f"{r.source} -> {r.target}" if r.target else str(r.source)
        stream = sys.stderr if r.failed else sys.stdout
        if r.action == "rejected":
            print(f"rejected: {r.detail} (nothing written for it)", file=stream)
            continue
        print(f"{r.action}: {label}: {r.detail}", file=stream)
        for c in r.conflicts:
            print(
                f"  {'/'.join(c.cell)}: existing {side(c.ours)} | incoming {side(c.theirs)}",
                file=stream,
            )
