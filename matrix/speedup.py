"""The claim row's figures (``gil-speedup``) as the README and the page show them.

Each measured cell holds, per executor, the median round's speedup over serial and the spread of
the rounds (lowest to highest): a cell reads ``×1.85 (1.62–1.97)``, so a noisy figure shows as a
wide range instead of passing for a result. The table has one line per platform and executor and
one column per start method (the start method only changes ``ProcessPoolExecutor``; the threads and
interpreters lines repeat the measurement in every cell, which shows the noise), plus the GIL state
the case read and the machine's load average while it ran.
"""

from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

from matrix import expectations, tables
from matrix.model import Measure, ResultsFile, Speedup
from matrix.rows import START_METHODS
from matrix.symptom import ICON

#: The executors measured, in table order, with the class each name stands for.
EXECUTORS: Dict[str, str] = {
    "threads": "ThreadPoolExecutor",
    "processes": "ProcessPoolExecutor",
    "interpreters": "InterpreterPoolExecutor",
}


def figure(sp: Speedup) -> str:
    """One executor's figures: ``×1.85 (1.62–1.97), start 0.15 s``, ``not offered``, or the error."""
    if sp.status == "measured" and sp.median is not None:
        text = f"×{sp.median:.2f} ({sp.low:.2f}–{sp.high:.2f})"
        return text + (f", start {sp.start_s:.2f} s" if sp.start_s is not None else "")
    if sp.status.startswith("error: "):
        return f"{ICON['error']} {sp.status[len('error: ') :].split(':', 1)[0]}"
    return sp.status


def measure_text(mz: Measure) -> str:
    """A cell's figures in one line (the page's cell details)."""
    parts = [f"serial {mz.serial_s:g} s"] + [
        f"{EXECUTORS.get(sp.executor, sp.executor)} {figure(sp)}" for sp in mz.executors
    ]
    load = "–".join(f"{x:g}" for x in mz.load) or "?"
    return (
        ", ".join(parts)
        + f"; {mz.rounds} rounds, load {load}, GIL {'on' if mz.gil else 'off'} ({mz.gil_from})"
    )


def _gil(measures: Sequence[Measure], fallback: bool | None) -> str:
    seen = sorted({(m.gil, m.gil_from) for m in measures}, key=str)
    if not seen:
        return tables.gil_text(fallback)
    return " / ".join(
        f"{tables.gil_text(gil)} ({'by version' if src == 'version' else f'`{src}`'})" for gil, src in seen
    )


def _load(measures: Sequence[Measure]) -> str:
    loads = [x for m in measures for x in m.load]
    return f"{min(loads):.1f}–{max(loads):.1f}" if loads else "?"


def speedup_table(pattern: str, results: Sequence[Tuple[str, ResultsFile]]) -> str:
    """Per platform and executor (lines) and start method (columns): the speedup over serial."""
    out = [
        "| Platform | GIL | Executor | " + " | ".join(START_METHODS) + " | Load (1 min) |",
        "|---|---|---|" + "---|" * len(START_METHODS) + "---|",
    ]
    for _, rf in results:
        f = rf.facts
        if f.error:
            continue
        by_method = {r.start_method: r for r in rf.records if r.pattern == pattern}
        measures = [r.measure for r in by_method.values() if r.measure is not None]
        for i, (name, cls) in enumerate(EXECUTORS.items()):
            cells: List[str] = []
            for m in START_METHODS:
                rec = by_method.get(m)
                if m != "default" and m not in f.start_methods:
                    cells.append("—")
                elif rec is None or rec.measure is None:
                    cells.append("·" if rec is None else ICON[rec.outcome])
                else:
                    sp = next((s for s in rec.measure.executors if s.executor == name), None)
                    cells.append("·" if sp is None else tables.escape(figure(sp)))
            head = [tables.escape(f.label), _gil(measures, f.gil)] if i == 0 else ["", ""]
            tail = _load(measures) if i == 0 else ""
            out.append("| " + " | ".join([*head, f"`{cls}`", *cells, tail]) + " |")
    return "\n".join(out) + "\n"


def expected_lines(pattern: str) -> List[str]:
    """The cited rules of the row for the platforms not measured here, one line per rule."""
    families: Dict[int, Dict[Tuple[str, str], List[Tuple[int, int]]]] = {}  # rule -> (family, t) -> versions
    rules: Dict[int, expectations.Rule] = {}
    for col in expectations.EXPECTED_PLATFORMS:
        rule = expectations.expectation(col.platform, pattern, "measure", "default")
        if rule is not None:
            rules[id(rule)] = rule
            family = (col.label.rsplit(" ", 1)[0], "t" if col.platform.gil is False else "")
            families.setdefault(id(rule), {}).setdefault(family, []).extend(col.versions)
    out: List[str] = []
    for key, names in families.items():
        spans = []
        for (name, t), versions in names.items():
            (a, b), (c, d) = min(versions), max(versions)
            spans.append(f"{name} {a}.{b}{t}" + (f"–{c}.{d}{t}" if (a, b) != (c, d) else ""))
        rule = rules[key]
        out.append(f"*{', '.join(spans)}* (expected, not measured): {rule.note} (<{rule.cite}>).")
    return out
