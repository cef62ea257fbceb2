"""Render ``matrix/index.html``: the matrix as one self-contained page, filterable, with a picker.

The page is a small HTML skeleton written here (headings, the notes under each table, the filters,
the platform facts), one JSON data blob (:mod:`matrix.views.page_data`: every cell and every text
once) and the static files under ``static/`` (``page.css``, ``table.js``, ``ranges.js``,
``picker.js``), inlined
at render time so that the page is one file that works offline (the citations are plain links).
The scripts build the tables (every cell per platform, and the version ranges per OS and
implementation), the details shown on a click and the platform picker from the blob.

The output depends only on ``matrix/results/*.json``, the static tables of this package and the
static files (no clock: the only timestamps are the records' own), so ``python -m matrix check``
(:mod:`matrix.publish`) can tell whether the committed page is stale.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from matrix import expectations, render, rows, store
from matrix.failure_modes import FAILURE_MODES
from matrix.failure_texts import WHAT_HAPPENS
from matrix.model import OUTCOMES, ResultsFile
from matrix.rows import ROW_IDS, START_METHODS, VARIANTS
from matrix.symptom import MEANING, PAGE_TEXT
from matrix.views import page_data
from matrix.views.page_data import Column

INDEX_HTML = store.PACKAGE_DIR / "index.html"
STATIC = Path(__file__).parent / "static"
#: The static files, inlined in this order: (file, the element that holds it).
STATIC_FILES: Tuple[Tuple[str, str], ...] = (
    ("page.css", "style"),
    ("table.js", "script"),
    ("ranges.js", "script"),
    ("picker.js", "script"),  # last: it marks the page ready
)
TITLE = "Compatibility matrix: multiprocessing patterns"

OS_NAMES: Dict[str, str] = {"linux": "Linux", "darwin": "macOS", "win32": "Windows"}
#: The legend: the cell classes the scripts give each outcome (``o-<outcome>``), and what they mean
#: (the words of every view: matrix/symptom.py), then the cell of a start method a platform lacks.
LEGEND: Tuple[Tuple[str, str, str], ...] = (
    *((f"o-{o}", " ".join(PAGE_TEXT[o]), MEANING[o]) for o in OUTCOMES),
    ("o-na", "— not offered", "the start method does not exist on that platform"),
)


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def md_inline(text: str) -> str:
    """The README's inline Markdown (backticks and <https://...> links) as HTML."""
    out = esc(text)
    out = re.sub(r"&lt;(https?://[^\s&]+)&gt;", r'<a href="\1">\1</a>', out)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", out)


def link(url: str) -> str:
    return f'<a href="{esc(url)}">{esc(url)}</a>'


#: A line comment in a script (not the ``//`` of a URL): the inlined script is one line.
LINE_COMMENT = re.compile(r"(^|[\s;{}(),])//")


def static_text(name: str, element: str) -> str:
    """A static file's text as the page inlines it: one line (its lines stripped and joined by a
    space), checked to be safe inside its ``<style>`` or ``<script>`` element.

    One line, because the page would otherwise repeat every line of the file it inlines (the
    ``duplicates`` tool would list the pair). Joining by a space keeps the meaning of CSS and of a
    script without line comments or template strings (they are refused); the browser tests would
    also see a script that no longer runs to its end.
    """
    text = (STATIC / name).read_text(encoding="utf-8")
    if f"</{element}" in text.lower():
        raise ValueError(f"{name} contains </{element}: it would end the element early")
    if element == "script" and (LINE_COMMENT.search(text) or "`" in text):
        raise ValueError(f"{name}: use /* */ comments and no template strings (the page joins its lines)")
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


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


def picker() -> str:
    """The platform picker's form and answer region; ``picker.js`` fills both from the blob."""
    selects = "".join(
        f'<label>{label} <select id="pick-{key}"></select></label>'
        for key, label in (
            ("os", "OS"),
            ("impl", "Implementation"),
            ("version", "Python"),
            ("method", "Start method"),
        )
    )
    return (
        '<section id="picker" aria-labelledby="h-picker">'
        '<h2 id="h-picker">My platform: what works, what to copy</h2>'
        "<p>Pick an OS, implementation, Python version and start method: each pattern's variants on it, "
        "measured here or expected from the cited documentation (not measured), and the command that prints "
        "the form to copy. The same answers as <code>python3 -m matrix why</code> (the command is shown).</p>"
        f'<form id="pick" class="pick" aria-label="My platform" onsubmit="return false">{selects}</form>'
        '<div id="answer" aria-live="polite"></div></section>'
    )


def facts_row(c: Column) -> List[str]:
    """The platform facts of one column, as table cells (HTML)."""
    if c.results is not None:
        rf = c.results
        f = rf.facts
        if f.error:
            return [esc(f.location), *["—"] * 7, f"interpreter failed: {esc(f.error)}"]
        state = f"{len(rf.records)}" + ("" if rf.complete else " (partial)")
        return [
            esc(f.location),
            esc(f"{f.implementation} {f.implementation_version}"),
            esc(f.build),
            render.gil_text(f.gil),
            f"<b>{esc(f.default_start_method or '?')}</b>",
            esc(", ".join(f.start_methods)),
            state,
            f'<span class="nw">{esc(rf.measured_at)}</span>',
            f'<code class="nw">{esc(c.file)}</code>',
        ]
    assert c.expected is not None
    p = c.expected.platform
    return [
        "<i>expected, not measured</i>",
        esc(p.implementation),
        "—",
        render.gil_text(p.gil),
        f"<b>{esc(p.default_start_method)}</b>",
        esc(", ".join(p.start_methods)),
        "—",
        "—",
        esc(c.expected.note),
    ]


FACTS_HEAD = (
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
)


def facts_table(cols: Sequence[Column]) -> str:
    out = [
        '<div class="scroll"><table class="facts" id="facts"><thead><tr>'
        + "".join(f'<th scope="col">{h}</th>' for h in FACTS_HEAD)
        + "</tr></thead><tbody>"
    ]
    for c in cols:
        label = esc(c.label) if c.kind != "expected" else f"<i>{esc(c.label)}</i>"
        out.append(
            f'<tr class="col-{c.id} {c.kind}"><th scope="row">{label}</th>'
            + "".join(f"<td>{x}</td>" for x in facts_row(c))
            + "</tr>"
        )
    out.append("</tbody></table></div>")
    return "".join(out)


def pattern_intro(pattern: str) -> str:
    """A row's heading and the paragraph under it (what the cells cannot show)."""
    mode = FAILURE_MODES.get(pattern)
    if mode is None:
        title, copy = rows.TITLES[pattern]
        ref = rows.REFERENCE_FILES[pattern]
        text = f"Reference: <code>reference/{esc(ref)}</code> (copy <code>{esc(copy)}</code>)."
        if pattern in rows.NOTES:
            text += " " + md_inline(rows.NOTES[pattern])
        return f'<h2 id="h-{pattern}"><code>{pattern}</code>: {esc(title)}</h2><p>{text}</p>'
    text = md_inline(WHAT_HAPPENS[pattern])
    if mode.claim:
        text += " " + md_inline(render.GIL_CLAIM)
    text += (
        f" {'Remedy' if not mode.claim else 'For CPU-bound work copy'}: <code>{esc(mode.remedy)}</code>. "
        "Citations: " + ", ".join(link(u) for u in mode.citations) + "."
    )
    kind = render.row_kind(mode)
    return f'<h2 id="h-{pattern}"><code>{pattern}</code>: {md_inline(mode.title)} ({kind})</h2><p>{text}</p>'


def pattern_section(pattern: str) -> str:
    """One row's section: its table is built by ``table.js`` (one line: the sections differ in text)."""
    return (
        f'<section class="pattern pat-{pattern}" id="{pattern}" aria-labelledby="h-{pattern}">'
        + pattern_intro(pattern)
        + '<details class="ranges"><summary>Version ranges per OS and implementation (the table of '
        '<code>matrix/README.md</code>)</summary><div class="scroll">'
        f'<table class="rg" data-pattern="{pattern}"></table></div></details>'
        + f'<div class="scroll"><table class="m" data-pattern="{pattern}"></table></div>'
        '<p class="empty" hidden>No row of this pattern matches the filters.</p></section>'
    )


def render_html(results: Dict[str, ResultsFile]) -> str:
    """The whole page: deterministic for given results (sorted, no clock)."""
    cols = page_data.columns(results)
    measured = [c for c in cols if c.kind == "measured"]
    recs = [r for c in measured if c.results is not None for r in c.results.records]
    n_run = sum(1 for r in recs if r.outcome != "unsupported")
    stamps = sorted(c.results.measured_at for c in cols if c.results is not None)
    span = f"measured {stamps[0]} to {stamps[-1]}" if stamps else "no measurements"
    toc = " · ".join(f'<a href="#{p}"><code>{p}</code></a>' for p in ROW_IDS)
    css, *scripts = (static_text(name, element) for name, element in STATIC_FILES)
    body = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="python -m matrix render">',
        f"<title>{TITLE}</title>",
        "<!-- GENERATED FILE: do not edit by hand. Written by `python -m matrix render` (or `html`) from "
        "matrix/results/*.json, matrix/expectations.py and matrix/views/static/. -->",
        f"<style>{css}</style>",
        '<style id="filter-style"></style>',
        "</head><body>",
        f"<header><h1>{TITLE}</h1>",
        f"<p>{len(recs)} cells ({n_run} run) on {len(measured)} interpreters, {esc(span)} (UTC); "
        f"{len(cols) - len(measured)} more platforms expected from the documentation, not measured.</p>",
        "</header><main>",
        '<noscript><p class="empty">This page builds its tables and answers with JavaScript; '
        "without it, read <code>matrix/README.md</code> or run "
        "<code>python3 -m matrix why PATTERN</code>.</p></noscript>",
        picker(),
        '<section id="tables" aria-labelledby="h-tables"><h2 id="h-tables">Every cell, per platform</h2>'
        "<p>Each cell is one script run by a fresh interpreter (see <code>matrix/README.md</code>). "
        "Rows are variant × start method, columns are platforms; hover a cell for its exception and "
        "message, click it for every detail and its citation.</p>"
        + legend()
        + filters(cols)
        + f'<nav aria-label="Patterns"><p>Patterns: {toc} · <a href="#platforms">platform facts</a></p></nav>'
        "</section>",
        *(pattern_section(p) for p in ROW_IDS),
        '<section id="platforms" aria-labelledby="h-platforms"><h2 id="h-platforms">Platform facts</h2>'
        "<p>Measured by each interpreter itself (<code>matrix/probe.py</code>); italic rows are expected, "
        "not measured. The default start method changes from fork to forkserver on Linux at 3.14 "
        f"({link(expectations.WHATSNEW_314)}); macOS has defaulted to spawn since 3.8 "
        f"({link(expectations.WHATSNEW_38)}).</p>" + facts_table(cols) + "</section>",
        "</main>",
        '<aside id="details" role="dialog" aria-labelledby="details-title" hidden>'
        '<button type="button" id="details-close" aria-label="Close details">×</button>'
        '<h2 id="details-title"></h2><span id="details-kind" class="kind"></span><dl id="details-rows"></dl>'
        '<p id="details-cite" hidden>Citation: <a href="#"></a></p></aside>',
        f'<script type="application/json" id="matrix-data">{page_data.blob_text(results)}</script>',
        *(f"<script>{js}</script>" for js in scripts),
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
