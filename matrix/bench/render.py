"""``python -m matrix.bench render``: results -> ``matrix/BENCHMARKS.md`` and an SVG chart (stdlib only).

Reads ``matrix/bench/results/<platform>.json`` (a full run; the quick file only when there is no
full one) and writes tables whose ratios are taken within that one run: Process start + join over
the ``os.fork`` floor, vetted forms over the primitive they wrap, peers over ``multiprocessing.Pool``.
"""

from __future__ import annotations

import argparse
import html
import math
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from matrix.bench.results import RESULTS_DIR, load

MATRIX_DIR = Path(__file__).resolve().parents[1]
BENCHMARKS_MD = MATRIX_DIR / "BENCHMARKS.md"
CHART = Path(__file__).resolve().parent / "process_start.svg"
METHODS = ("fork", "forkserver", "spawn")
GOAL = 1.1  # vetted / primitive
COLORS = {"fork": "#4c78a8", "forkserver": "#f58518", "spawn": "#54a24b"}


# ---------------------------------------------------------------------------
# Lookups and formatting
# ---------------------------------------------------------------------------


class Entry:
    """One interpreter's results, indexed by benchmark name."""

    def __init__(self, data: Dict[str, Any]) -> None:
        self.data = data
        facts = data["facts"]
        self.label: str = facts["label"]
        self.name: str = facts["name"]
        self.version: str = facts["version"]
        self.implementation: str = facts["implementation"]
        self.default: str | None = data.get("default_start_method") or facts.get("default_start_method")
        self.methods: List[str] = [m for m in METHODS if m in facts.get("start_methods", [])]
        self.benches: Dict[str, Dict[str, Any]] = {b["name"]: b for b in data.get("benchmarks", [])}
        self.error: str | None = data.get("error")
        self.peers: Dict[str, str] = data.get("peers", {})

    def median(self, name: str) -> float | None:
        b = self.benches.get(name)
        if b is None or "error" in b:
            return None
        value: float = b["median"]
        return value

    def minimum(self, name: str) -> float | None:
        b = self.benches.get(name)
        if b is None or "error" in b:
            return None
        value: float = b["min"]
        return value

    def spread(self, name: str) -> float | None:
        b = self.benches.get(name)
        if b is None or "error" in b or not b["min"]:
            return None
        value: float = b["median"] / b["min"] - 1.0
        return value


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")):
        if seconds >= scale or unit == "ns":
            value = seconds / scale
            digits = 0 if value >= 100 else 1 if value >= 10 else 2
            return f"{value:.{digits}f} {unit}"
    return "—"  # pragma: no cover


def fmt_ratio(num: float | None, den: float | None) -> str:
    if num is None or den is None or den <= 0:
        return "—"
    r = num / den
    return f"{r:.2f}×" if r < 10 else f"{r:.0f}×" if r >= 100 else f"{r:.1f}×"


def ratio(num: float | None, den: float | None) -> float | None:
    if num is None or den is None or den <= 0:
        return None
    return num / den


def fmt_rate(seconds_per_item: float | None, item_bytes: int = 0) -> str:
    if seconds_per_item is None or seconds_per_item <= 0:
        return "—"
    per_s = 1.0 / seconds_per_item
    if item_bytes:
        return f"{per_s * item_bytes / (1 << 20):,.0f} MiB/s"
    if per_s >= 1e6:
        return f"{per_s / 1e6:.2f} M/s"
    return f"{per_s / 1e3:,.0f} k/s"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> List[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return [*out, ""]


def _marked(method: str, entry: Entry) -> str:
    return f"**{method}**" if method == entry.default else method


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------


def key_table(entries: Sequence[Entry]) -> List[str]:
    header = ["interpreter", "fork floor", *(f"{m} (× floor; by min)" for m in METHODS), "default"]
    rows = []
    for e in entries:
        floor = e.median("floor/fork_waitpid")
        cells = [e.label, fmt_time(floor)]
        for m in METHODS:
            name = f"{m}/process_start_join"
            t = e.median(name)
            by_min = fmt_ratio(e.minimum(name), e.minimum("floor/fork_waitpid"))
            cells.append("n/a" if m not in e.methods else f"{fmt_time(t)} ({fmt_ratio(t, floor)}; {by_min})")
        cells.append(e.default or "?")
        rows.append(cells)
    return table(header, rows)


def _find(entries: Sequence[Entry], prefix: str, location: str = "") -> Entry | None:
    hits = [e for e in entries if e.implementation == "cpython" and e.version.startswith(prefix)]
    if location:
        hits = [e for e in hits if location in e.name] or hits
    return hits[-1] if hits else None


SWITCH_GROUPS: Tuple[Tuple[str, str], ...] = (
    ("process_start_join", "Process start + join"),
    ("pool_create", "`Pool(8)` + close/join"),
    ("pool_return_raw", "`Pool(8)` + `map(f, range(1024))` + close/join"),
    ("queue_lifecycle_raw", "`Queue` sender: start, 16 items, join"),
)


def forkserver_vs_fork(entries: Sequence[Entry]) -> List[str]:
    """3.14+'s default (forkserver) against ≤ 3.13's (fork): across versions and within one."""
    news = [e for e in entries if e.implementation == "cpython" and e.version.startswith(("3.14.", "3.15."))]
    olds = [e for e in entries if e.implementation == "cpython" and e.version.startswith("3.13.")]
    if not news or not olds:
        return ["Needs a CPython 3.14 and a 3.13 in the same run.", ""]
    pairs = [(n, "forkserver", o, "fork") for n in news for o in olds]
    pairs += [(n, "forkserver", n, "fork") for n in news]
    rows = []
    for new, new_m, old, old_m in pairs:
        cells = [f"{new.label} `{new_m}` / {old.label} `{old_m}`"]
        for group, _ in SWITCH_GROUPS:
            a, b = new.median(f"{new_m}/{group}"), old.median(f"{old_m}/{group}")
            cells.append(f"{fmt_time(a)} / {fmt_time(b)} = **{fmt_ratio(a, b)}**")
        rows.append(cells)
    lines = [
        "3.14 made `forkserver` the Linux default (gh-84559); ≤ 3.13 used `fork`. A program that does not "
        "choose a start method pays the first figure of each cell after upgrading instead of the second. "
        "The last rows take the same ratio within one interpreter (no version difference):",
        "",
    ]
    return lines + table(["default after / before", *(what for _, what in SWITCH_GROUPS)], rows)


def floor_table(entries: Sequence[Entry]) -> List[str]:
    rows = []
    for e in entries:
        rows.append(
            [
                e.label,
                fmt_time(e.median("floor/fork_waitpid")),
                fmt_time(e.median("floor/posix_spawn_pass")),
                fmt_time(e.median("floor/subprocess_pass")),
                fmt_time(e.median("floor/pipe_round_trip")),
                fmt_time(e.median("thread/thread_start_join")),
            ]
        )
    return table(
        [
            "interpreter",
            "`os.fork` + `waitpid`",
            "`posix_spawn` `-c pass`",
            "`subprocess` `-c pass`",
            "`os.pipe` round trip",
            "`Thread` start + join",
        ],
        rows,
    )


def pool_table(entries: Sequence[Entry]) -> List[str]:
    rows = []
    for e in entries:
        for m in e.methods:
            create = e.median(f"{m}/pool_create")
            c1 = e.median(f"{m}/pool_map_c1")
            cd = e.median(f"{m}/pool_map_cdefault")
            c128 = e.median(f"{m}/pool_map_c128")
            rows.append(
                [
                    e.label,
                    _marked(m, e),
                    fmt_time(create),
                    fmt_ratio(create, e.median(f"{m}/process_start_join")),
                    fmt_time(c1),
                    fmt_time(cd),
                    fmt_time(c128),
                    fmt_ratio(c1, c128),
                ]
            )
    return table(
        [
            "interpreter",
            "method",
            "`Pool(8)` + close/join",
            "× one Process",
            "map c=1",
            "map default (32)",
            "map c=128",
            "c=1 / c=128",
        ],
        rows,
    )


def queue_table(entries: Sequence[Entry]) -> List[str]:
    rows = []
    for e in entries:
        pipe = e.minimum("floor/pipe_round_trip")  # by min: a ping-pong is at the scheduler's mercy
        scopes = [*e.methods, "thread"]
        for m in scopes:
            lat = e.median(f"{m}/queue_latency_int")
            label = "`queue.Queue` (threads)" if m == "thread" else _marked(m, e)
            rows.append(
                [
                    e.label,
                    label,
                    fmt_time(lat),
                    fmt_ratio(e.minimum(f"{m}/queue_latency_int"), pipe),
                    fmt_time(e.median(f"{m}/queue_latency_1mb")),
                    fmt_rate(e.median(f"{m}/queue_throughput_int")),
                    fmt_rate(e.median(f"{m}/queue_throughput_1mb"), 1 << 20),
                ]
            )
    return table(
        [
            "interpreter",
            "method",
            "round trip (int)",
            "× pipe floor (by min)",
            "round trip (1 MiB)",
            "throughput (int)",
            "throughput (1 MiB)",
        ],
        rows,
    )


def _goal(r: float | None, r_min: float | None = None) -> str:
    if r is None:
        return "—"
    text = f"{r:.2f}× {'✓' if r <= GOAL else '✗'}"
    return text if r_min is None else f"{text} (min {r_min:.2f}×)"


def geomean(values: Sequence[float]) -> float | None:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


VETTED_PAIRS: Tuple[Tuple[str, str, str], ...] = (
    ("pool_return_vetted", "pool_return_raw", "`pool_return.vetted` / `Pool(8).map` + close/join"),
    ("queue_latency_int_vetted", "queue_latency_int", "`receive()` / `Queue.get()` round trip"),
    ("queue_lifecycle_vetted", "queue_lifecycle_raw", "`queue_function.vetted` / raw sender lifecycle"),
)


def vetted_ratios(e: Entry, method: str) -> List[Tuple[float | None, float | None]]:
    """(median ratio, min ratio) per :data:`VETTED_PAIRS`."""
    out: List[Tuple[float | None, float | None]] = []
    for vetted, raw, _ in VETTED_PAIRS:
        a, b = e.benches.get(f"{method}/{vetted}"), e.benches.get(f"{method}/{raw}")
        if a is None or b is None or "error" in a or "error" in b:
            out.append((None, None))
        else:
            out.append((ratio(a["median"], b["median"]), ratio(a["min"], b["min"])))
    return out


def vetted_table(entries: Sequence[Entry]) -> Tuple[List[str], List[List[float]]]:
    """The table, and the median ratios per pair (over every interpreter and method)."""
    rows = []
    columns: List[List[float]] = [[] for _ in VETTED_PAIRS]
    for e in entries:
        for m in e.methods:
            cells = []
            for k, (r, r_min) in enumerate(vetted_ratios(e, m)):
                cells.append(_goal(r, r_min))
                if r is not None:
                    columns[k].append(r)
            rows.append([e.label, _marked(m, e), *cells])
    means = [geomean(c) for c in columns]
    rows.append(["**geometric mean**", "all", *(_goal(g) for g in means)])
    lines = table(["interpreter", "method", *(title for _, _, title in VETTED_PAIRS)], rows)
    return lines, columns


def peers_table(entries: Sequence[Entry]) -> List[str]:
    rows = []
    for e in entries:
        loky = e.median("loky/peer_loky")
        for m in e.methods:
            base = e.median(f"{m}/pool_return_raw")

            def cell(name: str, base: float | None = base, e: Entry = e) -> str:
                t = e.median(name)
                return "—" if t is None else f"{fmt_time(t)} ({fmt_ratio(t, base)})"

            rows.append(
                [
                    e.label,
                    _marked(m, e),
                    fmt_time(base),
                    cell(f"{m}/peer_futures"),
                    cell(f"{m}/peer_mpire"),
                    cell(f"{m}/peer_multiprocess"),
                    "—" if loky is None else f"{fmt_time(loky)} ({fmt_ratio(loky, base)})",
                ]
            )
    return table(
        [
            "interpreter",
            "method",
            "`multiprocessing.Pool`",
            "`ProcessPoolExecutor`",
            "mpire",
            "multiprocess",
            "loky (its own start)",
        ],
        rows,
    )


def gaps(entries: Sequence[Entry]) -> List[str]:
    lines = []
    for e in entries:
        if e.error:
            lines.append(f"* {e.label}: not measured: {e.error}")
        if e.data.get("harness_note"):
            lines.append(f"* {e.label}: pyperf {e.data['harness_note']} (so no psutil metadata)")
        for peer, status in sorted(e.peers.items()):
            if status.startswith("not installed"):
                lines.append(f"* {e.label}: {peer} {status}")
        for b in e.benches.values():
            if "error" in b:
                lines.append(f"* {e.label}: `{b['name']}` failed: {b['error']}")
    return lines or ["* nothing: every benchmark ran on every interpreter."]


def noise(entries: Sequence[Entry], data: Dict[str, Any]) -> List[str]:
    rows = []
    all_spreads: List[float] = []
    for e in entries:
        spreads = sorted((s, n) for n in e.benches for s in [e.spread(n)] if s is not None)
        if not spreads:
            continue
        all_spreads += [s for s, _ in spreads]
        mid = spreads[len(spreads) // 2][0]
        worst, worst_name = spreads[-1]
        rows.append(
            [e.label, str(len(spreads)), f"{mid * 100:.1f} %", f"{worst * 100:.0f} % (`{worst_name}`)"]
        )
    machine = data.get("machine", {})
    settings = data.get("settings", {})
    overall = sorted(all_spreads)
    summary = (
        f"Spread = median / min − 1 of each benchmark's values ({settings.get('processes')} pyperf worker "
        f"processes × {settings.get('values')} values after {settings.get('warmups')} warm-up, "
        f"min time {settings.get('min_time')} s per value). Over all benchmarks: median spread "
        f"{overall[len(overall) // 2] * 100:.1f} %, "
        f"90th percentile {overall[int(len(overall) * 0.9)] * 100:.0f} %."
        if overall
        else "No values."
    )
    load = (
        f"Load average (1, 5, 15 min) at the start {machine.get('loadavg_start')}, at the end "
        f"{machine.get('loadavg_end')}, on {machine.get('cpu_count')} CPUs shared with other test runs."
    )
    return [summary, "", load, "", *table(["interpreter", "benchmarks", "median spread", "worst"], rows)]


PEER_NAMES: Tuple[Tuple[str, str], ...] = (
    ("peer_futures", "`concurrent.futures.ProcessPoolExecutor`"),
    ("peer_mpire", "mpire"),
    ("peer_multiprocess", "multiprocess"),
)


def peer_ratios(entries: Sequence[Entry], group: str) -> List[float]:
    """Peer time / ``multiprocessing.Pool`` time, per interpreter x method (loky: its own method)."""
    out = []
    for e in entries:
        for m in e.methods:
            name = "loky/peer_loky" if group == "peer_loky" else f"{m}/{group}"
            r = ratio(e.median(name), e.median(f"{m}/pool_return_raw"))
            if r is not None:
                out.append(r)
    return out


def key_figures(entries: Sequence[Entry], vetted_columns: Sequence[Sequence[float]]) -> List[str]:
    """The few figures a reader came for, as bullets."""
    lines = []
    by_method: Dict[str, List[float]] = {m: [] for m in METHODS}
    for e in entries:
        floor = e.median("floor/fork_waitpid")
        for m in e.methods:
            r = ratio(e.median(f"{m}/process_start_join"), floor)
            if r is not None:
                by_method[m].append(r)
    spans = [f"`{m}` {min(v):.1f}–{max(v):.1f}×" for m, v in by_method.items() if v]
    if spans:
        lines.append(
            "* Process start + join over the `os.fork` floor, across interpreters: " + ", ".join(spans) + "."
        )
    new = _find(entries, "3.14.")
    for old in [e for e in entries if e.implementation == "cpython" and e.version.startswith("3.13.")]:
        if new is None:
            break
        r = ratio(new.median("forkserver/process_start_join"), old.median("fork/process_start_join"))
        if r is not None:
            lines.append(
                f"* {new.label} `forkserver` (its default) against {old.label} `fork` (its default): "
                f"{r:.1f}× the Process start + join time."
            )
    for (_, _, title), col in zip(VETTED_PAIRS, vetted_columns):
        g = geomean(col)
        if g is not None:
            lines.append(f"* {title}: {g:.2f}× (geometric mean over interpreters × methods; goal ≤ {GOAL}×).")
    for group, title in (*PEER_NAMES, ("peer_loky", "loky")):
        ratios = peer_ratios(entries, group)
        g = geomean(ratios)
        if g is not None:
            lines.append(
                f"* {title} against `multiprocessing.Pool` for the same `Pool(8)` + `map` + shutdown: "
                f"{g:.2f}× (geometric mean, {len(ratios)} cells)."
            )
    return [*lines, ""]


# ---------------------------------------------------------------------------
# The chart
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------


def render(data: Dict[str, Any], source: str, chart_name: str = "bench/process_start.svg") -> str:
    entries = [Entry(i) for i in data["interpreters"]]
    machine = data.get("machine", {})
    settings = data.get("settings", {})
    pins = "; ".join(f"`{r}`" for reqs in data.get("pins", {}).values() for r in reqs)
    harnesses = sorted({str(i.get("harness")) for i in data["interpreters"] if i.get("harness")})
    vetted, vetted_columns = vetted_table(entries)
    within = [
        f"{title}: {sum(1 for r in col if r <= GOAL)} of {len(col)} cells ≤ {GOAL}× by median"
        for (_, _, title), col in zip(VETTED_PAIRS, vetted_columns)
    ]
    lines = [
        "# What each start method costs — measured",
        "",
        f"<!-- generated by `python3 -m matrix.bench render` from {source}; do not edit by hand -->",
        "",
        f"One {data.get('mode')} run of `python3 -m matrix.bench`, every interpreter side by side on one "
        f"machine ({machine.get('platform')} {machine.get('release')}, {machine.get('machine')}, "
        f"{machine.get('cpu_count')} CPUs, shared with other test runs), from {data.get('measured_at')} to "
        f"{data.get('finished_at')}{'' if data.get('complete') else ' (INCOMPLETE)'}. Harness: "
        f"{', '.join(harnesses) or 'pyperf'} with `--processes {settings.get('processes')} "
        f"--values {settings.get('values')} --warmups {settings.get('warmups')} --min-time "
        f"{settings.get('min_time')}` (loops calibrated), each interpreter in its own bench venv. Times "
        "are medians; the absolute figures move with the machine's load, the **ratios** (taken within "
        "this run, mostly within one interpreter) are what to read. The default start method of each "
        "interpreter is in **bold**. Work function: `reference._work.f` (returns its input).",
        "",
        f"![Process start + join per interpreter and start method, log scale, fork floor marked]"
        f"({chart_name})",
        "",
        "## Key figures",
        "",
        *key_figures(entries, vetted_columns),
        "## Process start + join against the fork floor",
        "",
        "`ctx.Process(target=noop)`, `start()`, `join()`, against raw `os.fork()` + `os.waitpid()` "
        "(the child calls `os._exit(0)`) in the same interpreter:",
        "",
        *key_table(entries),
        "## 3.14's forkserver against 3.13's fork",
        "",
        *forkserver_vs_fork(entries),
        "## The floor",
        "",
        "What the OS charges whatever Python does: `spawn` costs at least a `python -c pass`; a `Queue` "
        "round trip at least an `os.pipe` round trip (one byte to a forked echo child and back).",
        "",
        *floor_table(entries),
        "## Pool(8)",
        "",
        "Creation is `Pool(8)` then `close()` + `join()`; `map(f, range(1024))` runs on a live pool "
        "(creation excluded) with `chunksize` 1, `map`'s default (1024 / (4 × 8) = 32) and 128.",
        "",
        *pool_table(entries),
        "## Queue",
        "",
        "Round trip: `put(item)` to an echo child, `get()` its reply. Throughput: items `put()` to a "
        "consumer child, in batches (256 ints, 8 × 1 MiB) closed by one acknowledged sync. The last row "
        "of each interpreter is the threaded equivalent, `queue.Queue` with a thread.",
        "",
        *queue_table(entries),
        f"## Vetted forms against the primitive they wrap (goal ≤ {GOAL}×)",
        "",
        "`reference.pool_return.vetted(f, range(1024), 8)` against `ctx.Pool(8).map(f, range(1024))` + "
        "`close()` + `join()`; a `Queue` round trip received with `reference.queue_function.receive()` "
        "(polls so that a dead sender raises) against a plain `get()`; `queue_function.vetted(16, "
        "interval=0)` (stop request, sentinel, drain, join) against a raw sender that puts 16 items and "
        "`None` and is joined. With `interval=0` the vetted sender keeps sending until it is told to "
        "stop, so the lifecycle ratio includes draining those extra items: it is the price of the "
        "clean stop at full speed, not per-item overhead (the notes' interval is 0.5 s).",
        "",
        *vetted,
        "Median ratio, ✓ when ≤ the goal; in parentheses the ratio of the two minimums, which load "
        "spikes on a shared machine disturb less. " + "; ".join(within) + ".",
        "",
        "## Peers: the same `Pool(8)` + `map(f, range(1024))` + shutdown",
        "",
        "Each library with its defaults (`ProcessPoolExecutor` and loky map with `chunksize=1`), under "
        "the start method of the row; loky always uses its own (`loky`: fork + exec). In parentheses: "
        "× `multiprocessing.Pool` (raw, same method). Versions pinned: " + pins + ".",
        "",
        *peers_table(entries),
        "## Not measured",
        "",
        *gaps(entries),
        "",
        "## Noise",
        "",
        *noise(entries, data),
        "## Reproduce",
        "",
        "```sh",
        "python3 -m matrix.bench                  # full run: every interpreter (lanes too), all methods",
        "python3 -m matrix.bench --quick          # the running interpreter, few values (2-2.5 min here)",
        "python3 -m matrix.bench --interpreter 3.14 --start-method forkserver",
        "python3 -m matrix.bench render           # this page and the chart from matrix/bench/results/",
        "```",
        "",
    ]
    return "\n".join(lines)


def pick(directory: Path = RESULTS_DIR) -> Path | None:
    """The results file to render: the newest full run, else the newest quick run."""
    files = sorted(directory.glob("*.json"))
    full = [p for p in files if not p.name.endswith("-quick.json")]
    chosen = full or files
    return max(chosen, key=lambda p: p.stat().st_mtime) if chosen else None


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m matrix.bench render")
    parser.add_argument("results", nargs="?", type=Path, default=None, help="results file (default: newest)")
    parser.add_argument("--output", type=Path, default=BENCHMARKS_MD)
    parser.add_argument("--chart", type=Path, default=CHART)
    args = parser.parse_args(list(argv))
    path: Path | None = args.results or pick()
    if path is None:
        print(f"no results in {RESULTS_DIR}: run python3 -m matrix.bench first")
        return 1
    data = load(path)
    try:
        source = path.resolve().relative_to(MATRIX_DIR.parent).as_posix()
    except ValueError:
        source = path.name
    try:
        chart_name = args.chart.resolve().relative_to(args.output.resolve().parent).as_posix()
    except ValueError:
        chart_name = str(args.chart)
    args.output.write_text(render(data, source, chart_name), encoding="utf-8")
    args.chart.write_text(chart([Entry(i) for i in data["interpreters"]]), encoding="utf-8")
    print(f"wrote {args.output} and {args.chart} from {path}")
    return 0
