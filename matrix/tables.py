"""The README's tables of statements: rows variant x start method, columns the families.

Each cell is a :class:`matrix.statements.Statement` as Markdown (see :func:`statement_cell`); a table
line stays within :data:`MAX_TABLE_LINE` characters so that GitHub shows it without scrolling.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence, Tuple

from matrix import statements, symptom
from matrix.cases import every_cell

StatementIndex = Dict[Tuple[str, str, str, str], statements.Statement]


HEADER = (
    "<!-- GENERATED FILE: do not edit by hand. Written by `python -m matrix render` from "
    "matrix/results/*.json and matrix/expectations.py; `python -m matrix check` fails when stale. -->\n"
)


def gil_text(gil: bool | None) -> str:
    """A platform's GIL as the facts tables say it."""
    return "yes" if gil else "no (free-threaded)" if gil is False else "?"


def escape(text: str) -> str:
    """``text`` as inline Markdown table content: no HTML, no cell break, no line break."""
    for raw, safe in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"), ("\r", " "), ("\n", " ")):
        text = text.replace(raw, safe)
    return text


def markdown_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table: the cells as given (escaped by the caller), one line each."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def rows_for(pattern: str) -> List[Tuple[str, str]]:
    """(variant, start method) rows of a pattern or failure-mode / claim row, in table order."""
    return [(v, m) for p, v, m in every_cell() if p == pattern]


def span_text(span: statements.Span) -> str:
    """``❌ RuntimeError``, ``⏳ hang (EOFError)``, ``✅``: what a span does, as plain text, with the
    exception type without its module (the tables must fit GitHub's width; ``why``, the page's
    cells and the export give the qualified name)."""
    icon = "/".join(statements.ICON[o] for o in span.outcomes)
    exc = span.exception.rsplit(".", 1)[-1] if span.exception else ""
    if span.outcomes == ("hang",) and exc:
        what = f"hang ({exc})"
    elif exc and any(o in ("error", "hang") for o in span.outcomes):
        what = exc
    elif span.outcomes == ("ok",):
        what = ""
    else:
        what = " or ".join(statements.WORD[o] for o in span.outcomes)
    text = " ".join(x for x in (icon, what) if x)
    if span.causes:  # matrix.symptom's words: `` · cause RuntimeError (bootstrapping)``
        kinds = dict.fromkeys(
            symptom.short_type(c.split(":")[0]).rsplit(".", 1)[-1]
            + (f" ({symptom.gist(c.split(': ', 1)[1])})" if ": " in c else "")
            for c in span.causes
        )
        text += " · cause " + ", ".join(kinds)
    return text


def span_markdown(span: statements.Span) -> str:
    """:func:`span_text` as Markdown table content (``✅ 3.6–3.13`` with its label is the cell)."""
    return escape(span_text(span))


#: One shown part of a statement: (source, what it does, the version labels, the change's link).
Part = Tuple[str, str, str, Optional[str]]


def statement_parts(
    st: statements.Statement, what: Callable[[statements.Span], str] = span_markdown
) -> Tuple[List[Part], List[str]]:
    """The statement's spans as shown, and (an expected statement) its sources, in order.

    Adjacent spans that read the same once shortened (``pickle.PicklingError`` on PyPy 3.9,
    ``_pickle.PicklingError`` on 3.11) are shown once with both labels; a span keeps the link of
    the change that moved its outcome unless it is the expected span's own source."""
    shown: List[Part] = []
    for span in st.spans:
        text = what(span)
        change = None
        if span.change is not None and (span.source == "measured" or span.change[1] != span.cite):
            change = span.change[1]
        if shown and shown[-1][:2] == (span.source, text) and change is None:
            shown[-1] = (span.source, text, f"{shown[-1][2]}, {span.label}", shown[-1][3])
        else:
            shown.append((span.source, text, span.label, change))
    expected = bool(shown) and shown[0][0] == "expected"
    return shown, list(dict.fromkeys(s.cite for s in st.spans if s.cite)) if expected else []


def statement_cell(st: statements.Statement, links: List[str]) -> str:
    """The statement as Markdown: its spans (expected ones in italics), sources as numbered links."""
    shown, cites = statement_parts(st)
    text = " · ".join(
        f"{what} {labels}" + (" ←" + _link(change, links) if change else "")
        for _, what, labels, change in shown
    )
    if not shown or shown[0][0] == "measured":
        return text or "—"
    return f"*{text}*" + "".join(_link(c, links) for c in cites)


def _link(url: str, links: List[str]) -> str:
    """``[n]``: a reference-style link to ``url``, numbered by first use (defined at the end)."""
    if url not in links:
        links.append(url)
    return f"[{links.index(url) + 1}]"


#: GitHub shows a table line of up to about this many characters without scrolling sideways.
MAX_TABLE_LINE = 300


def matrix_table(
    pattern: str, fams: Sequence[statements.Family], by_key: StatementIndex, links: List[str]
) -> List[str]:
    """The lines of one row id's table: rows variant x start method, columns the families.

    A row longer than :data:`MAX_TABLE_LINE` has its longest cells shortened to their icons and
    version labels; their full text follows the table."""
    head = ["Variant", "Start method"] + [_family_head(f, by_key) for f in fams]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    after: List[str] = []
    for variant, method in rows_for(pattern):
        cells = [variant, method]
        cells += [statement_cell(by_key[(pattern, variant, method, f.id)], links) for f in fams]
        short: List[int] = []
        while len("| " + " | ".join(cells) + " |") > MAX_TABLE_LINE:
            left = [n for n in range(2, len(cells)) if n not in short]
            if not left:
                break  # every cell is as short as it gets
            i = max(left, key=lambda n: len(cells[n]))
            short.append(i)
            after.append(f"* {variant} / {method}, {fams[i - 2].label}: {cells[i]}")
            cells[i] = _shortened(by_key[(pattern, variant, method, fams[i - 2].id)]) + f" [‡{len(after)}]"
        lines.append("| " + " | ".join(cells) + " |")
    if after:
        lines += ["", "‡ in full:", "", *[f"{line} (‡{n})" for n, line in enumerate(after, 1)]]
    return lines


def _shortened(st: statements.Statement) -> str:
    text = " · ".join("/".join(statements.ICON[o] for o in s.outcomes) + f" {s.label}" for s in st.spans)
    return f"*{text}*" if st.spans and st.spans[0].source == "expected" else text


def _family_head(fam: statements.Family, by_key: StatementIndex) -> str:
    measured = any(k[3] == fam.id and s.last_verified for k, s in by_key.items())
    return fam.label if measured else f"*{fam.label} (expected)*"
