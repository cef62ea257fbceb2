"""The tables of ``matrix/BENCHMARKS.md``, each a list of Markdown lines; ratios within one run."""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

from matrix.bench.entries import METHODS, Entry, fmt_rate, fmt_ratio, fmt_time, geomean, ratio, table

GOAL = 1.1  # vetted / primitive


def _marked(method: str, entry: Entry) -> str:
    return f"**{method}**" if method == entry.default else method


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


VETTED_PAIRS: Tuple[Tuple[str, str, str], ...] = (
    ("pool_return_vetted", "pool_return_raw", "`pool_return.vetted` / `Pool(8).map` + close/join"),
    ("pool_with_vetted", "pool_return_raw", "`pool_with.vetted` / `Pool(8).map` + close/join"),
    ("pool_close_join_vetted", "pool_return_raw", "`pool_close_join.vetted` / `Pool(8).map` + close/join"),
    ("queue_latency_int_vetted", "queue_latency_int", "vetted Pipe `poll` + `recv` / `Queue` round trip"),
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


def per_method_ratios(entries: Sequence[Entry]) -> Dict[str, List[List[float]]]:
    """Start method -> per vetted pair, the median ratios over the interpreters that offer it."""
    out: Dict[str, List[List[float]]] = {}
    for m in METHODS:
        per_pair: List[List[float]] = [[] for _ in VETTED_PAIRS]
        for e in entries:
            if m in e.methods:
                for k, (r, _) in enumerate(vetted_ratios(e, m)):
                    if r is not None:
                        per_pair[k].append(r)
        if any(per_pair):
            out[m] = per_pair
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
    for m, per_pair in per_method_ratios(entries).items():  # the goal holds under each method
        rows.append(["**geometric mean**", m, *(_goal(geomean(c)) for c in per_pair)])
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
    by_method_pair = per_method_ratios(entries)
    for k, ((_, _, title), col) in enumerate(zip(VETTED_PAIRS, vetted_columns)):
        g = geomean(col)
        if g is not None:
            each = [(m, geomean(pairs[k])) for m, pairs in by_method_pair.items()]
            methods = ", ".join(f"{m} {gm:.2f}×" for m, gm in each if gm is not None)
            lines.append(
                f"* {title}: {g:.2f}× (geometric mean over interpreters × methods; per start method: "
                f"{methods}; goal ≤ {GOAL}×)."
            )
    for group, title in (*PEER_NAMES, ("peer_loky", "loky")):
        ratios = peer_ratios(entries, group)
        g = geomean(ratios)
        if g is not None:
            lines.append(
                f"* {title} against `multiprocessing.Pool` for the same `Pool(8)` + `map` + shutdown: "
                f"{g:.2f}× (geometric mean, {len(ratios)} cells)."
            )
    return [*lines, ""]
