"""``matrix/bench/process_start.svg``: Process start + join per interpreter and start method."""

from __future__ import annotations

import html
import math
from typing import List, Sequence, Tuple

from matrix.bench.entries import METHODS, Entry, fmt_time

COLORS = {"fork": "#4c78a8", "forkserver": "#f58518", "spawn": "#54a24b"}


def chart(entries: Sequence[Entry]) -> str:
    """Horizontal bars: Process start + join per interpreter × method, log scale, fork floor marked."""
    rows: List[Tuple[Entry, str, float | None]] = [
        (e, m, e.median(f"{m}/process_start_join")) for e in entries for m in e.methods
    ]
    values = [v for _, _, v in rows if v] + [
        v for e in entries for v in [e.median("floor/fork_waitpid")] if v
    ]
    if not values:
        values = [1e-3]
    lo = 10 ** math.floor(math.log10(min(values)))
    hi = max(values) * 2.5  # room for the value labels; ticks stay on decades
    left, right, top, bar, gap = 190, 40, 50, 11, 9
    width = 900
    plot = width - left - right
    height = top + len(entries) * (3 * bar + gap) + 40

    def x(v: float) -> float:
        return left + plot * (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{left}" y="18" font-size="14" font-weight="bold">Process start + join '
        "(median, log scale); black tick: os.fork + waitpid floor</text>",
    ]
    legend_x = left
    for m in METHODS:
        out.append(f'<rect x="{legend_x}" y="28" width="10" height="10" fill="{COLORS[m]}"/>')
        out.append(f'<text x="{legend_x + 14}" y="37">{m}</text>')
        legend_x += 90
    decade = lo
    while decade <= hi * 1.0001:
        gx = x(decade)
        out.append(f'<line x1="{gx:.1f}" y1="{top - 4}" x2="{gx:.1f}" y2="{height - 30}" stroke="#ddd"/>')
        tick = fmt_time(decade).replace(".00 ", " ").replace(".0 ", " ")
        out.append(f'<text x="{gx:.1f}" y="{height - 16}" text-anchor="middle">{tick}</text>')
        decade *= 10
    y = top
    for e in entries:
        group_top = y
        out.append(
            f'<text x="{left - 6}" y="{y + 1.5 * bar + 4:.1f}" text-anchor="end">'
            f"{html.escape(e.label)}</text>"
        )
        for m in METHODS:
            v = e.median(f"{m}/process_start_join")
            if v:
                out.append(
                    f'<rect x="{left}" y="{y}" width="{max(x(v) - left, 1):.1f}" height="{bar - 1}" '
                    f'fill="{COLORS[m]}"><title>{html.escape(e.label)} {m}: {fmt_time(v)}</title></rect>'
                )
                note = " (default)" if m == e.default else ""
                out.append(
                    f'<text x="{x(v) + 3:.1f}" y="{y + bar - 2}" font-size="9">{fmt_time(v)}{note}</text>'
                )
            y += bar
        floor = e.median("floor/fork_waitpid")
        if floor:
            fx = x(floor)
            out.append(
                f'<line x1="{fx:.1f}" y1="{group_top - 2}" x2="{fx:.1f}" y2="{y + 1}" stroke="black" '
                f'stroke-width="2"><title>fork floor {fmt_time(floor)}</title></line>'
            )
        y += gap
    out.append("</svg>")
    return "\n".join(out) + "\n"
