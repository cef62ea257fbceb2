"""``matrix/platforms/<results file>.md``: the full table of one measured platform.

``matrix/README.md`` shows version ranges per OS x implementation; these files keep every cell of
one results file (rows: row id x variant; columns: the start methods), with each exception's
message, the hang details and the warnings as footnotes. Generated beside the README.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

from matrix import cases, tables
from matrix.model import Facts, Record, ResultsFile, record_key
from matrix.rows import START_METHODS
from matrix.symptom import DETECTION_TEXT, symptom

DIRNAME = "platforms"


class Footnotes:
    def __init__(self) -> None:
        self.keys: List[str] = []
        self.texts: Dict[str, str] = {}

    def ref(self, key: str, text: str) -> str:
        if key not in self.texts:
            self.keys.append(key)
            self.texts[key] = text
        return f"[^{self.keys.index(key) + 1}]"

    def render(self) -> str:
        return "".join(f"[^{n}]: {self.texts[k]}\n" for n, k in enumerate(self.keys, 1))


def _code(text: str) -> str:
    return f"`{text}`"


def measured_cell(rec: Record | None, facts: Facts, method: str, notes: Footnotes) -> str:
    if method != "default" and method not in facts.start_methods:
        return "—"
    if rec is None:
        return "·"
    esc = tables.escape
    text = symptom((rec.outcome,), rec.exception, rec.cause, rec.cause_message, code=_code, text=esc)
    if rec.outcome != "ok":
        detail = esc(rec.message or rec.outcome) if rec.outcome == "crash" else ""
        if rec.exception:
            detail = f"the program exits with `{rec.exception}`: {esc(rec.message or '')}"
        if rec.outcome == "error" and not rec.exception:
            detail = "the program exits 0, but a child died"
        if rec.outcome == "wrong":
            detail = f"the program exits 0 with a wrong result: {esc(rec.message or '')}"
        if rec.outcome == "hang":
            detail = "never exits: " + DETECTION_TEXT[rec.detection]
            detail += " (confirmed by a re-run)" if rec.attempts > 1 else ""
            if rec.detection == "deadline" and rec.attempts == 1:
                detail += " (a documented hang: not re-run)"
        if rec.cause:
            detail += f"; cause, in a child: `{rec.cause}`: {esc(rec.cause_message or '')}"
        key = f"m|{rec.outcome}|{rec.exception}|{rec.message}|{rec.cause}|{rec.cause_message}|{rec.detection}"
        text += notes.ref(f"{key}|{rec.attempts > 1}", detail)
    if rec.warnings:
        text += " ⚠" + notes.ref(
            "w|" + "|".join(rec.warnings),
            "warnings: " + "; ".join(f"`{tables.escape(w)}`" for w in rec.warnings),
        )
    return text


def filename(results_name: str) -> str:
    return results_name[: -len(".json")] + ".md" if results_name.endswith(".json") else results_name + ".md"


def render_platform(name: str, rf: ResultsFile) -> str:
    f = rf.facts
    notes = Footnotes()
    out = [
        tables.HEADER,
        f"# {tables.escape(f.label)}: every cell\n\n",
        f"`{f.name}` ({tables.escape(f.location)}), {f.implementation} {f.implementation_version}, "
        f"GIL: {tables.gil_text(f.gil)}, default start method **{f.default_start_method}**, "
        f"last verified {rf.measured_at[:10]}. Records: [`results/{name}`](../results/{name}); "
        "version ranges across platforms: [the matrix](../README.md).\n\n",
        "| Row | Variant | " + " | ".join(START_METHODS) + " |\n",
        "|---|---|" + "---|" * len(START_METHODS) + "\n",
    ]
    by_key = {record_key(r): r for r in rf.records}
    rows: Dict[tuple[str, str], List[str]] = {}
    for pattern, variant, _ in cases.every_cell():
        rows.setdefault((pattern, variant), [])
    for pattern, variant in rows:
        cells = []
        for method in START_METHODS:
            if (variant, method) not in tables.rows_for(pattern):
                cells.append("")
                continue
            cells.append(measured_cell(by_key.get((pattern, variant, method)), f, method, notes))
        out.append(f"| [{pattern}](../README.md#{pattern}) | {variant} | " + " | ".join(cells) + " |\n")
    out.append("\n" + notes.render())
    return "".join(out)


def render_all(results: Dict[str, ResultsFile]) -> Dict[str, str]:
    """File name -> text, for every measured platform (an interpreter that failed has no file)."""
    return {
        filename(n): render_platform(n, rf) for n, rf in sorted(results.items()) if rf.facts.error is None
    }


def stale(results: Dict[str, ResultsFile], directory: Path) -> List[str]:
    """The platform files that differ from what ``results`` render to, or should not be there."""
    wanted = render_all(results)
    have = {p.name for p in directory.glob("*.md")} if directory.is_dir() else set()
    out = sorted(have - set(wanted))
    for name, text in wanted.items():
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            out.append(name)
    return out
