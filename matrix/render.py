"""Render ``matrix/README.md`` from the results files and the expectations table.

The output depends only on ``matrix/results/*.json`` and static tables in this package, so a test
can tell whether the committed README is stale.
"""

from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

from matrix import expectations, export, platforms, speedup, statements, tables
from matrix.failure_modes import CLAIM_DEADLINE, FAILURE_MODES, FailureMode
from matrix.failure_texts import WHAT_HAPPENS
from matrix.model import ResultsFile
from matrix.rows import (
    CHOOSES_START_METHOD,
    FAILURE_IDS,
    NOTES,
    PATTERN_IDS,
    REFERENCE_FILES,
    THREADS_ONLY,
    TITLES,
)

escape = tables.escape
markdown_table = tables.markdown_table
HEADER = tables.HEADER
gil_text = tables.gil_text
rows_for = tables.rows_for
short_type = statements.short_type  # the page (matrix/views/) shows exception types the same way


def sorted_results(results: Dict[str, ResultsFile]) -> List[Tuple[str, ResultsFile]]:
    def key(item: Tuple[str, ResultsFile]) -> Tuple[object, ...]:
        f = item[1].facts
        ver = tuple(int(x) for x in f.version.split(".") if x.isdigit())
        return (f.error is not None, f.implementation != "cpython", f.implementation, ver, f.label)

    return sorted(results.items(), key=key)


def platform_table(results: Sequence[Tuple[str, ResultsFile]]) -> str:
    head = ["Platform", "Where", "Implementation", "Build", "GIL", "Default start method", "Start methods"]
    rows: List[List[str]] = []
    for name, rf in results:
        f = rf.facts
        label, where, date = escape(f.label), escape(f.location), rf.measured_at[:10]
        if f.error:
            failed = f"interpreter failed: {escape(f.error)}"
            rows.append([label, where, "—", "—", "—", "—", "—", failed, date, f"`{name}`"])
            continue
        state = f"{len(rf.records)}" + ("" if rf.complete else " (partial)")
        rows.append(
            [
                *(label, where, f"{f.implementation} {f.implementation_version}", escape(f.build)),
                *(gil_text(f.gil), f"**{f.default_start_method}**", ", ".join(f.start_methods)),
                *(state, date, f"[`{name}`](platforms/{platforms.filename(name)})"),
            ]
        )
    for exp in expectations.EXPECTED_PLATFORMS:
        p = exp.platform
        rows.append(
            [
                *(f"*{exp.label}*", "*expected, not measured*", p.implementation, "—", gil_text(p.gil)),
                *(f"**{p.default_start_method}**", ", ".join(p.start_methods), "—", "—", exp.note),
            ]
        )
    return markdown_table([*head, "Cells", "Last verified", "Every cell"], rows)


def advice(results: Sequence[Tuple[str, ResultsFile]]) -> str:
    """Per platform: which variants worked with the default start method (and all methods)."""
    head = ["Platform", "Default method", "`verbatim` ok (default method)", "`guarded` ok (default method)"]
    rows: List[List[str]] = []
    for _, rf in results:
        f = rf.facts
        if f.error:
            continue
        recs = [r for r in rf.records if r.pattern in PATTERN_IDS]
        stats = {}
        for variant, only_default in (("verbatim", True), ("guarded", True), ("vetted", False)):
            sel = [
                r
                for r in recs
                if r.variant == variant
                and (not only_default or r.start_method == "default")
                and r.pattern != CHOOSES_START_METHOD
            ]
            ok = sum(1 for r in sel if r.outcome == "ok")
            if any(r.outcome == "unsupported" for r in sel):
                stats[variant] = "not run (needs 3.8+)"
            else:
                stats[variant] = f"{ok}/{len(sel)}"
        vetted_all = stats["vetted"].split("/")
        if len(vetted_all) == 2 and vetted_all[0] == vetted_all[1]:
            copy = "`vetted`"
        elif stats["vetted"].startswith("not run"):
            copy = "`guarded` (with module-level targets)"
        else:
            copy = "see the tables"
        stat_cells = [stats["verbatim"], stats["guarded"], stats["vetted"]]
        rows.append([escape(f.label), f"{f.default_start_method}", *stat_cells, copy])
    return markdown_table([*head, "`vetted` ok (every method)", "Copy"], rows)


def summary_text(results: Sequence[Tuple[str, ResultsFile]]) -> str:
    """The advice paragraph, with its claims computed from the records."""
    recs = [r for _, rf in results for r in rf.records if r.pattern in PATTERN_IDS]
    vetted = [r for r in recs if r.variant == "vetted" and r.outcome != "unsupported"]
    bad = sorted({f"{r.interpreter} {r.pattern}/{r.start_method}" for r in vetted if r.outcome != "ok"})
    if vetted and not bad:
        first = (
            f"Copy the **`vetted`** form of each pattern (the reference module): it passed in all "
            f"{len(vetted)} measured cells, on every interpreter with every start method. "
        )
    else:
        first = "The **`vetted`** form failed in: " + ", ".join(bad) + ". "
    verb_fail = sorted(
        {
            r.resolved_start_method or "?"
            for r in recs
            if r.variant == "verbatim"
            and r.outcome not in ("ok", "unsupported")
            and r.pattern not in THREADS_ONLY
        }
    )
    verb_ok = sorted(
        {
            r.resolved_start_method or "?"
            for r in recs
            if r.variant == "verbatim" and r.outcome == "ok" and r.pattern not in THREADS_ONLY
        }
    )
    guarded_fail = sorted({r.pattern for r in recs if r.variant == "guarded" and r.outcome != "ok"})
    return (
        first
        + "`verbatim` (the notes as written) failed somewhere with the start method(s) "
        + ", ".join(f"`{m}`" for m in verb_fail)
        + " and worked with "
        + ", ".join(f"`{m}`" for m in verb_ok)
        + ": it is only safe where `fork` is the default (Linux up to 3.13), not with `spawn` (macOS, "
        "Windows) or `forkserver` (Linux from 3.14). `guarded` still failed for "
        + (", ".join(f"`{p}`" for p in guarded_fail) or "nothing")
        + " (a closure as `Process` target cannot be pickled under `spawn`/`forkserver`).\n\n"
        f"Counts exclude `{CHOOSES_START_METHOD}` (its rows always set a method).\n\n"
    )


def pattern_section(pattern: str, table: List[str]) -> str:
    title, copy = TITLES[pattern]
    ref = REFERENCE_FILES[pattern]
    lines = [
        f'<a id="{pattern}"></a>\n',
        f"### `{pattern}`: {title}\n",
        f"Reference: [`reference/{ref}`](../reference/{ref}) (copy `{copy}`).\n",
        (NOTES[pattern] + "\n") if pattern in NOTES else "",
        *table,
    ]
    return "\n".join(lines) + "\n"


GIL_CLAIM = (
    "The claim: with the GIL, only one thread at a time executes Python bytecode in one interpreter, "
    "so threads do not speed up CPU-bound pure-Python code; processes (each with its own interpreter "
    "and GIL) can, and so can subinterpreters with their own GIL (`InterpreterPoolExecutor`, 3.14+). "
    "Free-threaded builds (3.13t, 3.14t) lift the GIL and threads can run in parallel "
    "(<" + expectations.DOCS_GIL + ">, <" + expectations.DOCS_FREE_THREADING + ">). The figures depend "
    "on the measuring machine's idle CPUs (two here): an executor can only approach ×2 when two CPUs "
    "are free; on a busy machine every figure drifts toward ×1 and the spread widens, and a threads "
    "figure above ×1 on a GIL build is noise (the serial run of that round was slowed), not parallelism."
)

SPEEDUP_INTRO = (
    "Speedup over serial (serial time / the executor's time, same round): the median of the rounds, "
    "(lowest–highest round), and the executor's start cost. Every figure was measured on a machine that "
    "other jobs shared: the Load column is the 1-minute load average during the platform's cells "
    "(2 cores: above about 1, the figures are not this machine's best):"
)


def row_kind(mode: FailureMode) -> str:
    """What a failure_modes.py row is, as its heading says it."""
    return "claim" if mode.claim else "failure mode"


def remedy_text(mode: FailureMode) -> str:
    """``reference/x.py:name`` as a link to the module (and the name); other text as it is."""
    if mode.remedy.startswith("reference/"):
        path, _, name = mode.remedy.partition(":")
        return f"[`{path}`](../{path})" + (f" (`{name}`)" if name else "")
    return escape(mode.remedy)


def failure_section(mode_id: str, results: Sequence[Tuple[str, ResultsFile]], table: List[str]) -> str:
    mode = FAILURE_MODES[mode_id]
    kind = row_kind(mode)
    lines = [
        f'<a id="{mode_id}"></a>\n',
        f"### `{mode_id}`: {escape(mode.title)} ({kind})\n",
        *table,
        "",
        WHAT_HAPPENS[mode_id] + "\n",
    ]
    if mode.claim:
        lines += [
            GIL_CLAIM + "\n",
            SPEEDUP_INTRO + "\n",
            speedup.speedup_table(mode_id, results),
            "Expected, not measured here (the cited rules of the columns above):\n",
            "\n".join(f"* {e}" for e in speedup.expected_lines(mode_id)) + "\n",
        ]
    lines.append(
        ("Vetted remedy: " if not mode.claim else "For CPU-bound work copy: ") + remedy_text(mode) + ".\n"
    )
    lines.append("Citations: " + ", ".join(f"<{url}>" for url in mode.citations) + ".\n")
    return "\n".join(lines) + "\n"


INTRO = """\
Every cell is one script run by a fresh interpreter as `python -W default case.py` (warnings
shown), with the scratch directory holding the script and a copy of `reference/` as its working
directory. The scripts are written by [`matrix/cases.py`](cases.py):

* **`verbatim`**: the notes' code pasted at module level (tabs and quirks kept), preceded by
  `import multiprocessing as mp; mp.set_start_method(METHOD)` when a start method is set.
* **`guarded`**: imports, `def` and `class` at module level, every other statement (the
  `set_start_method` call too) under `if __name__ == "__main__":`.
* **`vetted`**: the reference module's portable form under a main guard, with the start method
  passed explicitly (`start_method=None` for *default*). Needs Python ≥ 3.8: 🚫 n/s on 3.6/3.7.
* **`twice`** (`set-start-method` only): guarded, `set_start_method` called twice.

Shrunk so that a cell takes a fraction of a second: `Pool(8)` → `Pool(2)`, `range(1024)` →
`range(64)`, 10 received items → 3, `time.sleep(0.5)` → `time.sleep(0.01)`. The notes leave
`do_some_thing` undefined: the scripts define it. `set-start-method` cases start and join one
trivial `Process`, so that the start method matters; their `verbatim`/`guarded`/`twice` rows
always name a method, so only `vetted` has a *default* row.

How to read a cell: one statement per OS × implementation (a column), the runs of releases
with the same outcome and exception, e.g. `✅ 3.6–3.13 · ❌ PicklingError 3.14–3.15`. A minor
version (`3.13`) stands for every measured release of it and is written as a release (`3.13.0`)
where its releases differ; a range joins measured releases only, with no minor version missing
between them (`3.9, 3.11`: 3.10 was not measured; nothing is interpolated). `←[n]` links the
CPython change that moved the outcome at that release, where the expectations know it. Exception
types are shown without their module (`python -m matrix why`, the page and the export name them in
full, with the message). Every cell of one interpreter: its file under
[`matrix/platforms/`](platforms/).

A cell says what the program does (its main process, the *parent*), then, after `· cause`, the
exception its children died with: ✅ exit 0 · ❗ wrong (exit 0, but the case found its result is
not what the pattern promises: it prints what it expected and got, see `why` or the platform
files) · ❌ `Exception` (the parent's: the one in its log;
`❌ exit 0`: it exited 0 while a child died) · ⏳ hang (it never exits on its own: no exit within
3 s, confirmed by one re-run, or a `Pool` respawning workers that die on start, stopped at the
first repeat; a hang the cited documentation predicts is not re-run) · 💥 crash (signal, or
non-zero exit without the parent's traceback) · — start method not offered ·
🚫 not run. *Italic (expected)* columns and cells are not measured here: they come from the cited
rules in [`matrix/expectations.py`](expectations.py), evaluated per minor version, which the
measured cells are also tested against. The case script's first lines mark whose uncaught
exception is whose (a `sys.excepthook` writing the traceback and a marker line in one write;
[`matrix/stderr.py`](stderr.py)), so interleaved output cannot swap the parent's and a child's.
The same child exception twice while the parent runs (a `Pool` respawning workers)
ends a case at once. Each case runs in its own
session; afterwards no process of it survives and the POSIX semaphores it leaked are removed
(noted in the run's untracked log, `results/.runs/`); at the end of the run, a new `sem.mp-*`
file that no process has open (left by a process that exited just before its resource tracker was
killed) is removed too.

Re-measure with `python -m matrix` (all interpreters found: pyenv, PATH, `matrix.lanes`), re-render
with `python -m matrix render`. Records: [`matrix/results/`](results/), schema
[`matrix/schema.json`](schema.json).
"""


ASK = """
One pattern on one platform, offline, in a few lines (each variant's outcome, the exception or hang
and its cause, measured here or expected with its source, and the command of the form to copy):

```sh
python3 -m matrix why queue-class                              # this interpreter, OS, default start method
python3 -m matrix why queue-class --os darwin --python 3.14    # expected, not measured: with the source
python3 -m matrix why pool-with --implementation pypy --start-method spawn
python3 -m matrix why --all
```
"""


def render_readme(results: Dict[str, ResultsFile]) -> str:
    ordered = sorted_results(results)
    fams, _, sts = statements.all_statements(results)
    by_key: tables.StatementIndex = {(s.pattern, s.variant, s.start_method, s.family): s for s in sts}
    links: List[str] = []

    def table(row: str) -> List[str]:
        return tables.matrix_table(row, fams, by_key, links)

    n_cells = sum(len(rf.records) for _, rf in ordered)
    n_run = sum(1 for _, rf in ordered for r in rf.records if r.outcome != "unsupported")
    parts = [HEADER, "# Compatibility matrix: measured\n"]
    parts.append(
        f"\n{n_cells} cells ({n_run} run) on {sum(1 for _, rf in ordered if not rf.facts.error)} "
        f"interpreters; the same as a filterable page (by OS, platform, start method, variant and "
        "row) with a platform picker (OS, implementation, Python version and start method: each "
        "pattern's variants there and the form to copy, as `why` says): [`index.html`](index.html).\n"
    )
    parts.append("\n## Which variant to copy for your platform\n\n")
    parts.append(summary_text(ordered))
    parts.append(advice(ordered))
    parts.append(ASK)
    parts.append("\n## How the cells are made\n\n" + INTRO)
    parts.append("\n## Platforms\n\n")
    parts.append(
        "Facts measured by each interpreter itself ([`matrix/probe.py`](probe.py)). The default start "
        "method changes from `fork` to `forkserver` on Linux at 3.14 (gh-84559, <"
        + expectations.WHATSNEW_314
        + ">); macOS has defaulted to `spawn` since 3.8 (<"
        + expectations.WHATSNEW_38
        + ">). Since 3.12, `fork` in a multi-threaded process warns "
        "(`DeprecationWarning: This process ... is multi-threaded, use of fork() may lead to deadlocks`, "
        "<" + expectations.GH_100228 + ">); none of the patterns forks after starting a thread, so no "
        "pattern cell shows it: the failure-mode row [`fork-with-threads`](#fork-with-threads) does.\n\n"
    )
    parts.append(platform_table(ordered))
    parts.append("\n## Patterns\n\n")
    for pattern in PATTERN_IDS:
        parts.append("\n" + pattern_section(pattern, table(pattern)))
    parts.append("\n## Failure modes and claims\n\n")
    parts.append(
        "How multiprocessing breaks, measured by the same runner, deadline and checks as the patterns "
        "(scripts: [`matrix/failure_modes.py`](failure_modes.py)). Rows are variant × start method. A hang "
        "that the cited documentation predicts (`killed-worker/pool`, `join-before-drain/exact`) is "
        "recorded after one 3 s attempt, not re-run; the claim row (`gil-speedup`) runs after every other "
        f"case, one at a time, with a {CLAIM_DEADLINE:g} s deadline.\n"
    )
    for mode_id in FAILURE_IDS:
        parts.append("\n" + failure_section(mode_id, ordered, table(mode_id)))
    parts.append(export.DOC)
    parts.append("\n## Sources\n\n" + "".join(f"{n}. <{url}>\n" for n, url in enumerate(links, 1)))
    parts.append("\n" + "".join(f"[{n}]: {url}\n" for n, url in enumerate(links, 1)))
    return "".join(parts)
