"""The one JSON data blob of ``matrix/index.html``: every cell once, every text once.

The page's script (``static/table.js``, ``static/picker.js``) builds the tables and the platform
picker from it; nothing in the blob is repeated elsewhere in the page. Every text (message,
exception, note, answer line) is stored once in ``s`` and referred to by its index; every citation
once in ``cite``. Keys:

- ``s``: the strings; ``cite``: the citations (URLs); ``out``: the outcome words, by index.
- ``cols``: the platform columns: ``[id, label, sub, os, kind, info]`` (``kind``: measured |
  expected; ``info``: where the column comes from, an index into ``s``).
- ``rows``: the table rows, pattern by pattern: ``[pattern, variant, start method]``.
- ``rules``: the cited expectation rules the cells use: ``[[outcome...], note, exception, message,
  cite, cause, cause shown, cause message fragment]`` (texts as ``s`` indices or null, ``cite`` an
  index into ``cite``).
- ``cells``: per row, per column, one list. ``[-1]`` the start method is not offered there,
  ``[-2]`` no record yet, ``[-3]`` no documented expectation; an expected column's cell is
  ``[outcome, rule, resolved method]``; a measured one is :data:`MEASURED_FIELDS` in order,
  trailing nulls left out.
- ``ranges``: the version ranges, as ``matrix/README.md``'s tables show them: ``fams`` (``[id,
  label, measured, os]``) and ``cells``, per row, per family: ``[[expected (1/0), what, versions,
  change link]...], [source link...]]`` (a change link: why the outcome moved there).
- ``pick``: the platform picker, every answer made by :func:`matrix.why.explain` (the same as
  ``python -m matrix why``): ``fams`` (``[id, label, os, implementation, free-threaded, versions,
  start methods, default version]``, a version as ``[--python value, shown as]``), ``pats``
  (``[pattern, title, variants]``) and ``ans``: per ``family|version|method``, ``[platform, [per
  pattern: [variant text...], copy command or null, vetted ok (1/0), remedy or null]]``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

from matrix import expectations, render, rows, speedup, statements, tables, why
from matrix.model import OUTCOMES, Facts, Record, ResultsFile, record_key
from matrix.rows import PATTERN_IDS, ROW_IDS
from matrix.symptom import ICON, PAGE_TEXT, gist, short_type

#: A measured cell's list, in this order (see the module docstring).
MEASURED_FIELDS = (
    "outcome",  # index into ``out``
    "exit_code",
    "detection",
    "attempts",
    "rule",  # the expectation rule the record is compared with
    "resolved",  # what "default" meant (default rows only)
    "exception",
    "message",
    "cause",  # the children's exception and message
    "cause_shown",  # the cause as the cell shows it: type (gist)
    "warnings",  # a list of string indices
    "contradiction",  # how the record contradicts the rule
    "measure",  # claim rows: the timings
)  # the usual fields first: an ok cell is five numbers
NOT_OFFERED, NO_RECORD, NO_EXPECTATION = -1, -2, -3


@dataclass(frozen=True)
class Column:
    """One platform: a measured results file or an expected (not measured) platform."""

    id: str  # "c0", "c1", ... in display order
    label: str
    os: str  # sys.platform
    kind: str  # "measured" | "expected" | "failed" (the interpreter could not be probed)
    sub: str  # second header line
    results: ResultsFile | None = None
    file: str = ""
    expected: expectations.ExpectedPlatform | None = None


def columns(results: Dict[str, ResultsFile]) -> List[Column]:
    out: List[Column] = []
    for name, rf in render.sorted_results(results):
        f = rf.facts
        kind = "failed" if f.error else "measured"
        sub = "interpreter failed" if f.error else f"default {f.default_start_method}"
        out.append(Column(f"c{len(out)}", f.label, f.os.platform, kind, sub, rf, name))
    for exp in expectations.EXPECTED_PLATFORMS:
        out.append(
            Column(
                f"c{len(out)}", exp.label, exp.platform.os, "expected", "expected, not measured", expected=exp
            )
        )
    return out


class Tables:
    """The strings, citations and rules, each stored once and referred to by index."""

    def __init__(self) -> None:
        self.strings: Dict[str, int] = {}
        self.cites: Dict[str, int] = {}
        self.rules: Dict[expectations.Rule, int] = {}

    def s(self, text: str | None) -> int | None:
        return None if text is None else self.strings.setdefault(text, len(self.strings))

    def cite(self, url: str) -> int:
        return self.cites.setdefault(url, len(self.cites))

    def rule(self, rule: expectations.Rule) -> int:
        return self.rules.setdefault(rule, len(self.rules))

    def rule_rows(self) -> List[List[object]]:
        return [
            [
                [OUTCOMES.index(o) for o in r.outcomes],
                self.s(r.note),
                self.s(r.exception),
                self.s(r.message),
                self.cite(r.cite),
                self.s(r.cause),
                self.s(cause_shown(r.cause, r.cause_message)),
                self.s(r.cause_message),
            ]
            for r in self.rules
        ]


def cause_shown(cause: str | None, message: str | None) -> str | None:
    """The cause as a cell shows it: ``RuntimeError (bootstrapping)``."""
    if not cause:
        return None
    why_ = gist(message)
    return short_type(cause) + (f" ({why_})" if why_ else "")


def _trim(values: List[object]) -> List[object]:
    while values and values[-1] is None:
        values.pop()
    return values


def measured_cell(facts: Facts, rec: Record | None, key: Tuple[str, str, str], t: Tables) -> List[object]:
    pattern, variant, method = key
    if method != "default" and method not in facts.start_methods:
        return [NOT_OFFERED]
    if rec is None:
        return [NO_RECORD]
    plat = expectations.platform_of_record(rec, facts.default_start_method or "", facts.start_methods)
    rule = expectations.expectation(plat, pattern, variant, method)
    measure = None
    if rec.measure is not None:
        measure = speedup.measure_text(rec.measure)
    return _trim(
        [
            OUTCOMES.index(rec.outcome),
            rec.exit_code,
            t.s(rec.detection),
            rec.attempts,
            None if rule is None else t.rule(rule),
            t.s(rec.resolved_start_method) if method == "default" else None,
            t.s(rec.exception),
            t.s(rec.message),
            t.s(statements.cause_text(rec)),
            t.s(cause_shown(rec.cause, rec.cause_message)),
            [t.s(w) for w in rec.warnings] or None,
            None if rule is None else t.s(expectations.contradiction(rule, rec)),
            t.s(measure),
        ]
    )


def expected_cell(exp: expectations.ExpectedPlatform, key: Tuple[str, str, str], t: Tables) -> List[object]:
    pattern, variant, method = key
    plat = exp.platform
    if method != "default" and method not in plat.start_methods:
        return [NOT_OFFERED]
    rule = expectations.expectation(plat, pattern, variant, method)
    if rule is None:
        return [NO_EXPECTATION]
    resolved = t.s(plat.default_start_method) if method == "default" else None
    return _trim([OUTCOMES.index(rule.outcomes[0]), t.rule(rule), resolved])


def table_rows() -> List[Tuple[str, str, str]]:
    return [(p, v, m) for p in ROW_IDS for v, m in render.rows_for(p)]


def column_row(col: Column, t: Tables) -> List[object]:
    if col.results is not None:
        f = col.results.facts
        info = f"{f.name} ({f.location}), tool {col.results.tool_version}"
    else:
        assert col.expected is not None
        info = col.expected.note
    return [col.id, col.label, col.sub, col.os, col.kind, t.s(info)]


# ---------------------------------------------------------------------------
# the platform picker: the answers of `python -m matrix why`
# ---------------------------------------------------------------------------


def _versions(rels: Sequence[statements.Release]) -> List[List[str]]:
    """The ``--python`` values ``why`` takes for a family: each minor, and each release of a minor
    measured more than once (3.13 = 3.13.0 and 3.13.18; 3.13.0 alone)."""
    out: List[List[str]] = []
    for minor in dict.fromkeys(r.minor for r in rels):
        same = [r.version for r in rels if r.minor == minor]
        key = f"{minor[0]}.{minor[1]}"
        out.append([key, key if len(same) == 1 and same[0] == key else f"{key} ({', '.join(same)})"])
        if len(same) > 1:
            out += [[v, v] for v in same]
    return out


def picker(results: Dict[str, ResultsFile], t: Tables) -> Dict[str, object]:
    known = statements.releases(results)
    fams, rels = known
    fam_rows: List[List[object]] = []
    answers: Dict[str, List[object]] = {}
    variants: Dict[str, List[str]] = {}
    for fam in fams:
        family = [r for r in rels if r.family == fam.id]
        versions = _versions(family)
        methods = ["default", *sorted({m for r in family for m in r.platform.start_methods})]
        newest = family[-1].minor
        fam_rows.append(
            [
                fam.id,
                fam.label,
                fam.os,
                fam.implementation,
                fam.free_threaded,
                versions,
                methods,
                f"{newest[0]}.{newest[1]}",
            ]
        )
        for version, _ in versions:
            for method in methods:
                python = version + ("t" if fam.free_threaded else "")
                question = why.Question(python, fam.implementation, fam.os, method)
                per_pattern: List[object] = []
                platform_text = ""
                for pattern in PATTERN_IDS:
                    ans = why.explain(pattern, question, results, known)
                    platform_text = ans.platform
                    names = [v for v, _ in ans.variants]
                    assert variants.setdefault(pattern, names) == names, pattern
                    per_pattern.append(
                        [
                            [t.s(text) for _, text in ans.variants],
                            t.s(ans.copy),
                            int(ans.vetted_ok),
                            t.s(ans.remedy),
                        ]
                    )
                answers[f"{fam.id}|{version}|{method}"] = [t.s(platform_text), per_pattern]
    pats = [[p, rows.TITLES[p][0], variants[p]] for p in PATTERN_IDS]
    return {"fams": fam_rows, "pats": pats, "ans": answers}


def ranges(
    results: Dict[str, ResultsFile], keys: Sequence[Tuple[str, str, str]], t: Tables
) -> Dict[str, object]:
    """The version ranges of ``matrix/README.md``'s tables (:func:`matrix.tables.statement_parts`):
    per row, per family, ``[[source, what, versions, change link]...], [source link...]]``."""
    fams, _, sts = statements.all_statements(results)
    by_key = {(s.pattern, s.variant, s.start_method, s.family): s for s in sts}
    fam_rows = [[f.id, f.label, any(s.last_verified for s in sts if s.family == f.id), f.os] for f in fams]
    cells: List[List[object]] = []
    for key in keys:
        line: List[object] = []
        for fam in fams:
            cell_key = (*key, fam.id)  # a name: ruff format would drop the brackets of by_key[(*key, ...)]
            parts, cites = tables.statement_parts(by_key[cell_key], tables.span_text)
            shown = [
                _trim([int(src == "expected"), t.s(what), t.s(labels), None if url is None else t.cite(url)])
                for src, what, labels, url in parts
            ]
            line.append([shown, [t.cite(c) for c in cites]])
        cells.append(line)
    return {"fams": fam_rows, "cells": cells}


def build(results: Dict[str, ResultsFile]) -> Dict[str, object]:
    """The blob (see the module docstring): deterministic for given results."""
    t = Tables()
    cols = [c for c in columns(results) if c.kind != "failed"]
    keys = table_rows()
    index = {c.id: {record_key(r): r for r in c.results.records} for c in cols if c.results is not None}
    cells: List[List[List[object]]] = []
    for key in keys:
        line: List[List[object]] = []
        for c in cols:
            if c.results is not None:
                line.append(measured_cell(c.results.facts, index[c.id].get(key), key, t))
            else:
                assert c.expected is not None
                line.append(expected_cell(c.expected, key, t))
        cells.append(line)
    col_rows = [column_row(c, t) for c in cols]
    pick = picker(results, t)
    spans = ranges(results, keys, t)
    rules = t.rule_rows()  # last: it adds the rules' strings and citations
    return {
        "out": list(OUTCOMES),
        # Per outcome: the tables' symbol and word, and the emoji the statements (why) start with.
        "look": {o: [*PAGE_TEXT[o], ICON[o].split(" ")[0]] for o in OUTCOMES},
        "cols": col_rows,
        "rows": [list(k) for k in keys],
        "rules": rules,
        "cells": cells,
        "pick": pick,
        "ranges": spans,
        "s": list(t.strings),
        "cite": list(t.cites),
    }


def json_text(value: object) -> str:
    """``value`` as JSON that is safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` escaped,
    so no text in it can end the element early."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def blob_text(results: Dict[str, ResultsFile]) -> str:
    """The blob as the text of a ``<script type="application/json">``, on one line."""
    return json_text(build(results))
