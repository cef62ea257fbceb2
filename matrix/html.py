"""Render ``matrix/index.html``: the matrix as one self-contained, filterable HTML page.

Stdlib only (string building and :func:`html.escape`): ``python -m matrix html`` writes it from the
validated records (:mod:`matrix.store`) and the cited expectations (:mod:`matrix.expectations`).
The page has inline CSS and JS and loads nothing from the network (the citations are plain links).

The output depends only on ``matrix/results/*.json`` and static tables in this package (no clock:
the only timestamps are the records' own), so ``tests/matrix/test_matrix_html.py`` can tell whether the
committed page is stale, as ``tests/matrix/test_matrix_render.py`` does for the README.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from matrix import expectations, render, rows, store
from matrix.failure_modes import FAILURE_MODES, WHAT_HAPPENS
from matrix.model import Facts, Record, ResultsFile, record_key
from matrix.rows import ROW_IDS, START_METHODS, VARIANTS
from matrix.symptom import gist, short_type

INDEX_HTML = store.PACKAGE_DIR / "index.html"

OS_NAMES: Dict[str, str] = {"linux": "Linux", "darwin": "macOS", "win32": "Windows"}
#: Symbol and word for each outcome: the word is always shown, so colour is never the only signal.
OUTCOME_TEXT: Dict[str, Tuple[str, str]] = {
    "ok": ("✓", "ok"),
    "error": ("✗", "error"),
    "hang": ("◷", "hang"),
    "crash": ("☠", "crash"),
    "unsupported": ("∅", "not run"),
}
LEGEND: Tuple[Tuple[str, str, str], ...] = (
    ("o-ok", "✓ ok", "exit 0"),
    ("o-error", "✗ error", "exits with the parent's exception, or exits 0 while a child died (the cause)"),
    ("o-hang", "◷ hang", "never exits: no exit within 3 s (re-run), or a Pool respawning its dying workers"),
    ("o-crash", "☠ crash", "killed by a signal, or non-zero exit without the parent's traceback"),
    ("o-unsupported", "∅ not run", "the variant needs Python ≥ 3.8"),
    ("o-na", "— not offered", "the start method does not exist on that platform"),
)


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
        sub = "expected, not measured"
        out.append(Column(f"c{len(out)}", exp.label, exp.platform.os, "expected", sub, expected=exp))
    return out


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def md_inline(text: str) -> str:
    """The README's inline Markdown (backticks and <https://...> links) as HTML."""
    out = esc(text)
    out = re.sub(r"&lt;(https?://[^\s&]+)&gt;", r'<a href="\1">\1</a>', out)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", out)


def link(url: str) -> str:
    return f'<a href="{esc(url)}">{esc(url)}</a>'


# ---------------------------------------------------------------------------
# cells
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """What one table cell shows, its hover text and the compact JSON of its click details."""

    css: str  # classes of the <td>
    text: str  # HTML inside the button
    title: str  # plain text (hover)
    details: Dict[str, object]  # see JS ``details()``: o, x, g, m, w, e, s, a, k, t, d, r, v, n


class Rules:
    """The expectation rules used on the page, numbered in order of first use (for the JSON)."""

    def __init__(self) -> None:
        self.index: Dict[expectations.Rule, int] = {}

    def ref(self, rule: expectations.Rule) -> int:
        return self.index.setdefault(rule, len(self.index))

    def as_json(self) -> List[List[object]]:
        return [[list(r.outcomes), r.note, r.exception, r.message, r.cite, r.cause] for r in self.index]


CellKey = Tuple[str, str, str]  # pattern, variant, start method


def _head(col: Column, pattern: str, variant: str, method: str) -> str:
    return f"{col.label} · {pattern} / {variant} / {method}"


def _outcome_html(
    outcome: str,
    exception: str | None,
    warned: bool,
    expected: bool,
    *,
    cause: str | None = None,
    cause_message: str | None = None,
) -> str:
    sym, word = OUTCOME_TEXT[outcome]
    parts = [f'<span class="ow">{sym} {word}</span>']
    if exception:
        parts.append(f'<span class="ex">{esc(short_type(exception))}</span>')
    if cause:
        why = gist(cause_message)
        why = f" ({why})" if why else ""
        parts.append(f'<span class="cause">· cause {esc(short_type(cause) + why)}</span>')
    if warned:
        parts.append('<span class="warn">⚠ warnings</span>')
    if expected:
        parts.append('<span class="tag">expected</span>')
    return "".join(parts)


def not_offered_cell(col: Column, pattern: str, variant: str, method: str) -> Cell:
    return Cell(
        "o-na",
        '<span class="ow">— not offered</span>',
        f"{_head(col, pattern, variant, method)}\nnot offered: {method} does not exist on this platform",
        {"n": 1},
    )


def measured_cell(col: Column, facts: Facts, rec: Record | None, key: CellKey, rules: Rules) -> Cell:
    pattern, variant, method = key
    if method != "default" and method not in facts.start_methods:
        return not_offered_cell(col, pattern, variant, method)
    head = _head(col, pattern, variant, method)
    if rec is None:
        return Cell("o-missing", '<span class="ow">· no record</span>', f"{head}\nno record yet", {"n": 2})
    plat = expectations.platform_of_record(rec, facts.default_start_method or "", facts.start_methods)
    rule = expectations.expectation(plat, pattern, variant, method)
    title = [head, f"measured: {rec.outcome}"]
    data: Dict[str, object] = {"o": rec.outcome, "e": rec.exit_code}
    if method == "default":
        data["d"] = rec.resolved_start_method
    if rec.attempts != 1:
        data["a"] = rec.attempts
    if rec.exception:
        data["x"] = rec.exception
        title.append(f"exception (the parent's): {rec.exception}")
    if rec.cause:
        data["c"] = rec.cause
        data["cm"] = rec.cause_message
        title.append(f"cause (a child's): {rec.cause}: {rec.cause_message or ''}")
    data["dt"] = rec.detection
    if rec.message:
        data["m"] = rec.message
        title.append(f"message: {rec.message}")
    if rec.warnings:
        data["w"] = rec.warnings
        title.append("warnings: " + "; ".join(rec.warnings))
    if rec.measure is not None:
        mz = rec.measure
        title.append(
            f"measure: serial {mz.serial_s:g} s, threads {mz.threads_s:g} s (×{mz.threads_speedup:g}), "
            f"processes {mz.processes_s:g} s (×{mz.processes_speedup:g})"
        )
    css = f"o-{rec.outcome}"
    if rule is not None:
        data["r"] = rules.ref(rule)
        problem = expectations.contradiction(rule, rec)
        if problem is not None:
            data["v"] = problem
            css += " contra"
            title.append(f"contradicts the documentation: {problem}")
        title.append(f"citation: {rule.cite}")
    html_text = _outcome_html(
        rec.outcome,
        rec.exception,
        bool(rec.warnings),
        False,
        cause=rec.cause,
        cause_message=rec.cause_message,
    )
    return Cell(css, html_text, "\n".join(title), data)


def expected_cell(col: Column, exp: expectations.ExpectedPlatform, key: CellKey, rules: Rules) -> Cell:
    pattern, variant, method = key
    plat = exp.platform
    if method != "default" and method not in plat.start_methods:
        return not_offered_cell(col, pattern, variant, method)
    head = _head(col, pattern, variant, method)
    rule = expectations.expectation(plat, pattern, variant, method)
    if rule is None:
        return Cell(
            "o-missing exp",
            '<span class="ow">? no expectation</span><span class="tag">expected</span>',
            f"{head}\nexpected, not measured: no documented expectation",
            {"n": 3},
        )
    data: Dict[str, object] = {"r": rules.ref(rule)}
    if method == "default":
        data["d"] = plat.default_start_method
    outcomes = " or ".join(rule.outcomes)
    title = [head, f"expected, not measured: {outcomes}"]
    if rule.exception:
        title.append(f"exception: {rule.exception}")
    if rule.message:
        title.append(f"message contains: {rule.message}")
    if rule.cause:
        fragment = f": …{rule.cause_message}…" if rule.cause_message else ""
        title.append(f"cause (a child's): {rule.cause}{fragment}")
    title.append(f"why: {rule.note}")
    title.append(f"citation: {rule.cite}")
    first = rule.outcomes[0]
    text = _outcome_html(
        first, rule.exception, False, True, cause=rule.cause, cause_message=rule.cause_message
    )
    if len(rule.outcomes) > 1:
        extra = " or ".join(" ".join(OUTCOME_TEXT[o]) for o in rule.outcomes[1:])
        text = text.replace("</span>", f'</span><span class="ow">or {extra}</span>', 1)
    return Cell(f"o-{first} exp", text, "\n".join(title), data)


# ---------------------------------------------------------------------------
# page parts
# ---------------------------------------------------------------------------


def checkbox(kind: str, value: str, label: str, extra: str = "") -> str:
    return (
        f'<label><input type="checkbox" checked data-filter="{kind}" value="{esc(value)}"{extra}> '
        f"{label}</label>"
    )


def fieldset(kind: str, legend: str, boxes: Sequence[str]) -> str:
    return (
        f'<fieldset id="filter-{kind}"><legend>{legend} '
        f'<button type="button" class="sel" data-set="{kind}" data-to="1">all</button>'
        f'<button type="button" class="sel" data-set="{kind}" data-to="0">none</button></legend>'
        + "".join(boxes)
        + "</fieldset>"
    )


def filters(cols: Sequence[Column]) -> str:
    oses = sorted({c.os for c in cols}, key=lambda o: (list(OS_NAMES).index(o) if o in OS_NAMES else 99, o))
    plat_boxes = [
        checkbox(
            "col",
            c.id,
            esc(c.label) if c.kind != "expected" else f"<i>{esc(c.label)}</i>",
            f' data-os="{esc(c.os)}" data-kind="{c.kind}" data-label="{esc(c.label)}"',
        )
        for c in cols
        if c.kind != "failed"
    ]
    parts = [
        fieldset("os", "OS", [checkbox("os", o, esc(OS_NAMES.get(o, o))) for o in oses]),
        fieldset(
            "kind",
            "Source",
            [checkbox("kind", "measured", "measured"), checkbox("kind", "expected", "<i>expected</i>")],
        ),
        fieldset("col", "Platform (implementation, version)", plat_boxes),
        fieldset("method", "Start method", [checkbox("method", m, m) for m in START_METHODS]),
        fieldset("variant", "Variant", [checkbox("variant", v, v) for v in VARIANTS]),
        fieldset("pattern", "Pattern / failure mode", [checkbox("pattern", p, p) for p in ROW_IDS]),
    ]
    return (
        '<form id="filters" class="filters" aria-label="Filters" onsubmit="return false">'
        + "".join(parts)
        + '<div class="fstatus"><button type="button" id="reset">Show everything</button> '
        '<span id="filter-status" role="status" aria-live="polite"></span></div></form>'
    )


def legend() -> str:
    items = [f'<li><span class="sw {css}">{esc(text)}</span> {esc(desc)}</li>' for css, text, desc in LEGEND]
    items.append(
        '<li><span class="sw o-ok"><span class="warn">⚠ warnings</span></span> warnings on stderr</li>'
    )
    items.append(
        '<li><span class="sw o-error exp">✗ error <span class="tag">expected</span></span> '
        "hatched and italic: expected from the cited documentation, not measured</li>"
    )
    return '<ul class="legend" aria-label="Legend">' + "".join(items) + "</ul>"


def facts_table(cols: Sequence[Column]) -> str:
    head = [
        "Platform",
        "Where",
        "Implementation",
        "Build",
        "GIL",
        "Default start method",
        "Start methods",
        "Cells",
        "Measured at",
        "File / note",
    ]
    out = [
        '<div class="scroll"><table class="facts" id="facts"><thead><tr>'
        + "".join(f'<th scope="col">{h}</th>' for h in head)
        + "</tr></thead><tbody>"
    ]
    for c in cols:
        cls = f"col-{c.id} {c.kind}"
        if c.results is not None:
            rf = c.results
            f = rf.facts
            if f.error:
                cells = [
                    esc(f.location),
                    "—",
                    "—",
                    "—",
                    "—",
                    "—",
                    "—",
                    "—",
                    f"interpreter failed: {esc(f.error)}",
                ]
            else:
                gil = render.gil_text(f.gil)
                state = f"{len(rf.records)}" + ("" if rf.complete else " (partial)")
                cells = [
                    esc(f.location),
                    esc(f"{f.implementation} {f.implementation_version}"),
                    esc(f.build),
                    gil,
                    f"<b>{esc(f.default_start_method or '?')}</b>",
                    esc(", ".join(f.start_methods)),
                    state,
                    f'<span class="nw">{esc(rf.measured_at)}</span>',
                    f'<code class="nw">{esc(c.file)}</code>',
                ]
        else:
            assert c.expected is not None
            p = c.expected.platform
            gil = render.gil_text(p.gil)
            cells = [
                "<i>expected, not measured</i>",
                esc(p.implementation),
                "—",
                gil,
                f"<b>{esc(p.default_start_method)}</b>",
                esc(", ".join(p.start_methods)),
                "—",
                "—",
                esc(c.expected.note),
            ]
        label = esc(c.label) if c.kind != "expected" else f"<i>{esc(c.label)}</i>"
        out.append(
            f'<tr class="{cls}"><th scope="row">{label}</th>'
            + "".join(f"<td>{x}</td>" for x in cells)
            + "</tr>"
        )
    out.append("</tbody></table></div>")
    return "".join(out)


def pattern_section(
    pattern: str, cols: Sequence[Column], data: Dict[str, Dict[str, object]], rules: Rules
) -> str:
    shown = [c for c in cols if c.kind != "failed"]
    lines = [f'<section class="pattern pat-{pattern}" id="{pattern}" aria-labelledby="h-{pattern}">']
    mode = FAILURE_MODES.get(pattern)
    if mode is None:
        title, copy = rows.TITLES[pattern]
        ref = rows.REFERENCE_FILES[pattern]
        lines.append(f'<h2 id="h-{pattern}"><code>{pattern}</code>: {esc(title)}</h2>')
        lines.append(f"<p>Reference: <code>reference/{esc(ref)}</code> (copy <code>{esc(copy)}</code>).")
        if pattern in rows.NOTES:
            lines.append(" " + md_inline(rows.NOTES[pattern]))
    else:
        kind = render.row_kind(mode)
        lines.append(f'<h2 id="h-{pattern}"><code>{pattern}</code>: {md_inline(mode.title)} ({kind})</h2>')
        lines.append("<p>" + md_inline(WHAT_HAPPENS[pattern]))
        if mode.claim:
            lines.append(" " + md_inline(render.GIL_CLAIM))
        lines.append(
            f" {'Remedy' if not mode.claim else 'For CPU-bound work copy'}: <code>{esc(mode.remedy)}</code>. "
            "Citations: " + ", ".join(link(u) for u in mode.citations) + "."
        )
    lines.append("</p>")
    lines.append('<div class="scroll"><table class="m" data-pattern="' + pattern + '"><thead><tr>')
    lines.append('<th scope="col" class="rh1">Variant</th><th scope="col" class="rh2">Start method</th>')
    for c in shown:
        cls = f"col col-{c.id}" + (" exp" if c.kind == "expected" else "")
        lines.append(
            f'<th scope="col" class="{cls}" data-col="{c.id}">{esc(c.label)}'
            f'<span class="sub">{esc(c.sub)}</span></th>'
        )
    lines.append("</tr></thead><tbody>")
    index = {c.id: {record_key(r): r for r in c.results.records} for c in shown if c.results is not None}
    previous = ""
    for variant, method in render.rows_for(pattern):
        first = " first" if variant != previous else ""
        previous = variant
        lines.append(
            f'<tr class="row sm-{method} var-{variant}{first}" data-variant="{variant}" '
            f'data-method="{method}"><th scope="row" class="rh1"><code>{variant}</code></th>'
            f'<th scope="row" class="rh2">{method}</th>'
        )
        for c in shown:
            if c.results is not None:
                rec = index[c.id].get((pattern, variant, method))
                cell = measured_cell(c, c.results.facts, rec, (pattern, variant, method), rules)
            else:
                assert c.expected is not None
                cell = expected_cell(c, c.expected, (pattern, variant, method), rules)
            cell_id = f"{pattern}/{variant}/{method}/{c.id}"
            data[cell_id] = cell.details
            lines.append(
                f'<td class="col col-{c.id} {cell.css}"><button type="button" class="cb" '
                f'data-cell="{esc(cell_id)}" title="{esc(cell.title)}">{cell.text}</button></td>'
            )
        lines.append("</tr>")
    lines.append("</tbody></table></div>")
    lines.append('<p class="empty" hidden>No row of this pattern matches the filters.</p>')
    lines.append("</section>")
    return "\n".join(lines) + "\n"


CSS = """
:root{--ok:#cdeecb;--ok-fg:#14532d;--error:#fbd0d0;--error-fg:#7f1d1d;--hang:#fde38a;--hang-fg:#713f12;
--crash:#e6d2fb;--crash-fg:#4c1d95;--ns:#e7ebee;--ns-fg:#37474f;--na:#c9cdd2;--na-fg:#374151;--line:#cbd2d9}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI","DejaVu Sans",sans-serif;color:#1f2937;
background:#f6f7f9}
header{background:#1f2937;color:#f9fafb;padding:10px 20px}
header h1{margin:0;font-size:20px}
header p{margin:2px 0 0;color:#d1d5db}
main{padding:8px 20px 60px}
h2{font-size:17px;margin:22px 0 4px}
p{margin:4px 0 8px;max-width:110ch}
code{font:12px/1.3 ui-monospace,"DejaVu Sans Mono",monospace}
a{color:#1d4ed8}
.legend{display:flex;flex-wrap:wrap;gap:4px 18px;list-style:none;padding:0;margin:8px 0}
.legend li{font-size:12.5px}
.sw{display:inline-block;padding:1px 7px;border-radius:4px;border:1px solid var(--line);font-size:12px}
.filters{display:flex;flex-wrap:wrap;gap:6px 10px;align-items:flex-start;background:#fff;
border:1px solid var(--line);
border-radius:6px;padding:6px 10px;margin:8px 0}
fieldset{border:1px solid #e5e7eb;border-radius:5px;margin:0;padding:2px 8px 4px;font-size:12.5px;
max-width:100%}
fieldset label{display:inline-block;margin-right:9px;white-space:nowrap}
#filter-col{flex:1 1 520px}
legend{font-weight:600;font-size:12px;padding:0 4px}
button.sel{font-size:11px;margin-left:4px;padding:0 5px;border:1px solid var(--line);background:#f3f4f6;
border-radius:3px;cursor:pointer}
.fstatus{flex-basis:100%;font-size:12.5px}
#reset{font-size:12px}
.scroll{overflow:auto;max-height:78vh;border:1px solid var(--line);background:#fff;max-width:100%}
table{border-collapse:separate;border-spacing:0}
table.m{font-size:12px}
table.m th,table.m td{border-right:1px solid #e5e7eb;border-bottom:1px solid #e5e7eb}
table.m thead th{position:sticky;top:0;z-index:2;background:#eef1f4;font-weight:600;text-align:left;
vertical-align:bottom;
padding:4px 5px;min-width:78px;border-bottom:2px solid #9ca3af}
table.m thead th.exp{font-style:italic;background:#f4f1ea}
table.m .sub{display:block;font-weight:400;font-size:10.5px;color:#4b5563}
table.m .rh1,table.m .rh2{position:sticky;background:#fff;z-index:1;text-align:left;padding:3px 6px;
font-weight:400;white-space:nowrap}
table.m .rh1{left:0;width:78px;min-width:78px;max-width:78px}
table.m .rh2{left:78px;width:88px;min-width:88px;border-right:2px solid #9ca3af}
table.m thead .rh1,table.m thead .rh2{z-index:3;background:#eef1f4}
table.m tr.first>*{border-top:2px solid #9ca3af}
table.m td{padding:0;vertical-align:top}
button.cb{all:unset;box-sizing:border-box;display:block;width:100%;min-height:34px;padding:3px 5px;
cursor:pointer;line-height:1.25}
button.cb:focus-visible{outline:3px solid #2563eb;outline-offset:-3px}
td.sel{outline:3px solid #111827;outline-offset:-3px}
.ow{display:block;font-weight:600;white-space:nowrap}
.ex{display:block;font-size:11px;white-space:nowrap}
.cause{display:block;font-size:11px;white-space:nowrap;opacity:.85}
.warn{display:block;font-size:10.5px;font-weight:600;color:#92400e}
.tag{display:block;font-size:10px;font-style:italic;color:#374151}
.o-ok{background:var(--ok);color:var(--ok-fg)}
.o-error{background:var(--error);color:var(--error-fg)}
.o-hang{background:var(--hang);color:var(--hang-fg)}
.o-crash{background:var(--crash);color:var(--crash-fg)}
.o-unsupported{background:var(--ns);color:var(--ns-fg)}
.o-na{background:var(--na);color:var(--na-fg)}
.o-na .ow{font-weight:400}
.o-missing{background:#fff;color:#6b7280}
.exp{font-style:italic;
background-image:repeating-linear-gradient(135deg,rgba(255,255,255,.6) 0 3px,transparent 3px 8px)}
.o-na.exp{background-image:none}
.contra{box-shadow:inset 0 0 0 3px #dc2626}
table.facts{font-size:12px}
table.facts th,table.facts td{padding:3px 7px;border-bottom:1px solid #e5e7eb;text-align:left;
vertical-align:top}
table.facts thead th{position:sticky;top:0;background:#eef1f4;z-index:2}
table.facts tr.expected{font-style:italic;background:#faf8f3}
#details{position:fixed;right:16px;bottom:16px;width:min(480px,calc(100vw - 32px));max-height:62vh;
overflow:auto;
background:#fff;border:1px solid #6b7280;border-radius:8px;box-shadow:0 8px 28px rgba(0,0,0,.25);
padding:10px 14px;z-index:20}
#details h2{margin:0 24px 4px 0;font-size:14px}
#details .kind{display:inline-block;font-size:11.5px;font-weight:600;padding:1px 6px;border-radius:4px;
margin-bottom:6px}
#details .kind.expected{font-style:italic;background:#f4f1ea;border:1px dashed #6b7280}
#details .kind.measured{background:#e0f2fe;border:1px solid #0369a1}
#details dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;margin:0;font-size:12.5px}
#details dt{font-weight:600}
#details dd{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
#details-close{position:absolute;top:6px;right:8px;border:0;background:none;font-size:18px;cursor:pointer}
.empty{font-style:italic;color:#6b7280}
.nw{white-space:nowrap}
"""

JS = """
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("cell-data").textContent);
  var style = document.getElementById("filter-style");
  var status = document.getElementById("filter-status");
  var panel = document.getElementById("details");
  function boxes(kind) {
    return Array.prototype.slice.call(document.querySelectorAll('input[data-filter="' + kind + '"]'));
  }
  function state(kind) {
    var out = {};
    boxes(kind).forEach(function (i) { out[i.value] = i.checked; });
    return out;
  }
  function apply() {
    var os = state("os"), kind = state("kind"), hide = [], cols = boxes("col"), shownCols = 0;
    cols.forEach(function (i) {
      if (i.checked && os[i.getAttribute("data-os")] && kind[i.getAttribute("data-kind")]) { shownCols++; }
      else { hide.push(".col-" + i.value); }
    });
    [["method", "sm-"], ["variant", "var-"], ["pattern", "pat-"]].forEach(function (pair) {
      var s = state(pair[0]);
      Object.keys(s).forEach(function (k) { if (!s[k]) { hide.push("." + pair[1] + k); } });
    });
    style.textContent = hide.length ? hide.join(",\\n") + " {display: none !important}" : "";
    var rows = 0, total = 0, pats = 0;
    Array.prototype.forEach.call(document.querySelectorAll("section.pattern"), function (sec) {
      var visible = 0;
      Array.prototype.forEach.call(sec.querySelectorAll("tr.row"), function (tr) {
        total++;
        if (tr.offsetParent !== null) { visible++; }
      });
      if (sec.offsetParent !== null) { pats++; rows += visible; }
      sec.querySelector(".empty").hidden = visible !== 0;
    });
    status.textContent = "Showing " + shownCols + " of " + cols.length + " platforms, " + rows + " of " +
      total + " rows, " + pats + " of " + boxes("pattern").length + " patterns.";
    status.setAttribute("data-rows", String(rows));
    status.setAttribute("data-cols", String(shownCols));
  }
  document.getElementById("filters").addEventListener("change", apply);
  document.getElementById("filters").addEventListener("click", function (e) {
    var b = e.target.closest("button");
    if (!b) { return; }
    if (b.id === "reset") {
      document.querySelectorAll("input[data-filter]").forEach(function (i) { i.checked = true; });
    } else if (b.hasAttribute("data-set")) {
      var on = b.getAttribute("data-to") === "1";
      boxes(b.getAttribute("data-set")).forEach(function (i) { i.checked = on; });
    }
    apply();
  });
  var selected = null;
  function details(id) {
    var p = id.split("/"), c = DATA.cells[id], col = DATA.cols[p[3]];
    if (!c || !col) { return null; }
    var rule = c.r === undefined ? null : DATA.rules[c.r];
    var rows = [["Platform", col[0] + " \u2014 " + col[1]],
      ["Cell", p[0] + " / " + p[1] + " / start method " + p[2] + (c.d ? " (resolved: " + c.d + ")" : "")]];
    var kind = col[2];
    if (c.n === 1) {
      kind = "not offered";
      rows.push(["Start method", p[2] + " is not offered on this platform"]);
    }
    if (c.n === 2) { rows.push(["Outcome", "no record (not measured yet)"]); }
    if (c.n === 3) { rows.push(["Expected", "no documented expectation"]); }
    if (kind === "expected" && rule) {
      rows.push(["Outcome", rule[0].join(" or ") + " (expected, not measured)"]);
      if (rule[2]) { rows.push(["Exception", rule[2]]); }
      if (rule[3]) { rows.push(["Message contains", rule[3]]); }
      if (rule[5]) { rows.push(["Cause", rule[5] + " (a child's)"]); }
      rows.push(["Why", rule[1]]);
    } else if (c.o) {
      rows.push(["Outcome", c.o + " (measured)"]);
      if (c.x) { rows.push(["Exception", c.x + " (the parent's)"]); }
      if (c.m) { rows.push(["Message", c.m]); }
      if (c.c) { rows.push(["Cause", c.c + (c.cm ? ": " + c.cm : "") + " (a child's)"]); }
      rows.push(["Decided by", c.dt]);
      if (c.w) { rows.push(["Warnings", c.w.join("\\n")]); }
      rows.push(["Exit code", c.e === null ? "none (ended by the runner)" : String(c.e)]);
      if (c.a) { rows.push(["Attempts", c.a + " (a hang confirmed by a re-run)"]); }
      if (rule) {
        rows.push(["Documented", rule[0].join(" or ") + ": " + rule[1] +
          (rule[3] ? " (message contains \u201c" + rule[3] + "\u201d)" : "") +
          (c.v ? "; the measurement CONTRADICTS it: " + c.v : "; the measurement agrees")]);
      }
    }
    return {h: col[0] + " \u00b7 " + p[0] + " / " + p[1] + " / " + p[2], k: kind, rows: rows,
      cite: rule ? rule[4] : null};
  }
  function show(button) {
    var d = details(button.getAttribute("data-cell"));
    if (!d) { return; }
    if (selected) { selected.classList.remove("sel"); }
    selected = button.parentNode;
    selected.classList.add("sel");
    document.getElementById("details-title").textContent = d.h;
    var kind = document.getElementById("details-kind");
    kind.className = "kind " + (d.k === "expected" ? "expected" : "measured");
    kind.textContent = d.k === "expected" ? "expected, not measured" : d.k;
    var dl = document.getElementById("details-rows");
    dl.textContent = "";
    d.rows.forEach(function (r) {
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = r[0]; dd.textContent = r[1];
      dl.appendChild(dt); dl.appendChild(dd);
    });
    var cite = document.getElementById("details-cite");
    if (d.cite) {
      cite.hidden = false;
      var a = cite.querySelector("a");
      a.href = d.cite; a.textContent = d.cite;
    } else {
      cite.hidden = true;
    }
    panel.hidden = false;
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest("button.cb");
    if (b) { show(b); }
  });
  function close() {
    panel.hidden = true;
    if (selected) { selected.classList.remove("sel"); selected = null; }
  }
  document.getElementById("details-close").addEventListener("click", close);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") { close(); } });
  apply();
  document.documentElement.setAttribute("data-ready", "1");
})();
"""


def column_info(col: Column) -> List[str]:
    """[label, where it comes from, kind] for the details panel."""
    if col.results is not None:
        f = col.results.facts
        return [col.label, f"{f.name} ({f.location}), tool {col.results.tool_version}", col.kind]
    assert col.expected is not None
    return [col.label, col.expected.note, col.kind]


def _json_for_script(data: object) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_html(results: Dict[str, ResultsFile]) -> str:
    """The whole page: deterministic for given results (sorted, no clock)."""
    cols = columns(results)
    measured = [c for c in cols if c.kind == "measured"]
    recs = [r for c in measured if c.results is not None for r in c.results.records]
    n_run = sum(1 for r in recs if r.outcome != "unsupported")
    stamps = sorted(c.results.measured_at for c in cols if c.results is not None)
    span = f"measured {stamps[0]} to {stamps[-1]}" if stamps else "no measurements"
    cells: Dict[str, Dict[str, object]] = {}
    rules = Rules()
    sections = "".join(pattern_section(p, cols, cells, rules) for p in ROW_IDS)
    data = {"cells": cells, "cols": {c.id: column_info(c) for c in cols}, "rules": rules.as_json()}
    toc = " · ".join(f'<a href="#{p}"><code>{p}</code></a>' for p in ROW_IDS)
    body = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="python -m matrix html">',
        "<title>Compatibility matrix: multiprocessing patterns</title>",
        "<!-- GENERATED FILE: do not edit by hand. Written by `python -m matrix html` from "
        "matrix/results/*.json and matrix/expectations.py. -->",
        f"<style>{CSS}</style>",
        '<style id="filter-style"></style>',
        "</head><body>",
        "<header><h1>Compatibility matrix: multiprocessing patterns</h1>",
        f"<p>{len(recs)} cells ({n_run} run) on {len(measured)} interpreters, {esc(span)} (UTC); "
        f"{len(cols) - len(measured)} more platforms expected from the documentation, not measured.</p>",
        "</header><main>",
        "<p>Each cell is one script run by a fresh interpreter (see <code>matrix/README.md</code>). "
        "Hover a cell for its exception, message, warnings and citation; click it for every detail. "
        "Rows are variant × start method, columns are platforms.</p>",
        legend(),
        filters(cols),
        '<noscript><p class="empty">The filters and the details panel need JavaScript; '
        "the hover text works without it.</p></noscript>",
        f'<nav aria-label="Patterns"><p>Patterns: {toc} · <a href="#platforms">platform facts</a></p></nav>',
        sections,
        '<section id="platforms" aria-labelledby="h-platforms"><h2 id="h-platforms">Platform facts</h2>',
        "<p>Measured by each interpreter itself (<code>matrix/probe.py</code>); italic rows are expected, "
        "not measured. The default start method changes from fork to forkserver on Linux at 3.14 "
        f"({link(expectations.WHATSNEW_314)}); macOS has defaulted to spawn since 3.8 "
        f"({link(expectations.WHATSNEW_38)}).</p>",
        facts_table(cols),
        "</section>",
        "</main>",
        '<aside id="details" role="dialog" aria-labelledby="details-title" hidden>'
        '<button type="button" id="details-close" aria-label="Close details">×</button>'
        '<h2 id="details-title"></h2><span id="details-kind" class="kind"></span><dl id="details-rows"></dl>'
        '<p id="details-cite" hidden>Citation: <a href="#"></a></p></aside>',
        f'<script type="application/json" id="cell-data">{_json_for_script(data)}</script>',
        f"<script>{JS}</script>",
        "</body></html>",
    ]
    return "\n".join(body) + "\n"


def write_index(results_dir: Path | None = None, target: Path | None = None) -> Path:
    """Render the page from the results files and write it atomically; return its path."""
    path = target or INDEX_HTML
    store.atomic_write_text(path, render_html(store.load_all(results_dir or store.RESULTS_DIR)))
    return path


def is_up_to_date(results_dir: Path | None = None, target: Path | None = None) -> bool:
    path = target or INDEX_HTML
    try:
        current = path.read_text(encoding="utf-8")
    except OSError:
        return False
    return current == render_html(store.load_all(results_dir or store.RESULTS_DIR))


def cmd_html(results_dir: Path | None = None, target: Path | None = None) -> int:
    """``python -m matrix html``: write ``matrix/index.html``."""
    print(f"wrote {write_index(results_dir, target)}")
    return 0
