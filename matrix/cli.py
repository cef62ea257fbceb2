"""``python -m matrix [run|render|html|check|merge|list|test] ...``: measure, render and check the matrix.

Stdlib only (``rich`` is used for the progress display when it imports and stderr is a TTY).

Exit codes: 0 ok; 1 ``check`` found a stale README / invalid records, a results file is
malformed, or ``merge`` kept a conflict / rejected a file; 2 bad usage (unknown pattern, variant,
start method or interpreter).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple

from matrix import cases
from matrix.interpreters import Interpreter
from matrix.model import (
    ROW_IDS,
    SCHEMA_VERSION,
    START_METHODS,
    TOOL_VERSION,
    VARIANTS,
    Facts,
    Record,
    ResultsError,
    ResultsFile,
    record_key,
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

SUBCOMMANDS = ("run", "render", "html", "check", "merge", "list", "test")


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _choices(kind: str, valid: Sequence[str]) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in valid:
            raise argparse.ArgumentTypeError(f"unknown {kind} {value!r}; valid: {', '.join(valid)}")
        return value

    check.__name__ = kind
    return check


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m matrix", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="measure (the default command)")
    add_run_options(run)
    render = sub.add_parser("render", help="re-render matrix/README.md from matrix/results/")
    add_location_options(render)
    page = sub.add_parser("html", help="write matrix/index.html: the matrix as one self-contained page")
    page.add_argument("--results-dir", type=Path, default=None, help="default: matrix/results")
    page.add_argument("--output", type=Path, default=None, help="default: matrix/index.html")
    check = sub.add_parser("check", help="exit 1 if matrix/README.md is stale or a results file is invalid")
    add_location_options(check)
    merge = sub.add_parser(
        "merge",
        help="merge results files (e.g. downloaded workflow artifacts) into matrix/results/ and re-render",
    )
    merge.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="a results file or a directory of them"
    )
    merge.add_argument(
        "--replace",
        action="store_true",
        help="on a conflict (a cell measured with another outcome) take the incoming records",
    )
    merge.add_argument("--no-render", action="store_true", help="do not re-render matrix/README.md")
    add_location_options(merge)
    lst = sub.add_parser("list", help="list the interpreters found, with their facts")
    lst.add_argument("--no-lanes", action="store_true", help="skip matrix.lanes")
    sub.add_parser("test", help="run the test suite on the lanes (matrix._testrun)")
    return parser


def add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--interpreter",
        action="append",
        default=[],
        metavar="NAME_OR_PATH",
        help="only this interpreter (name from `list`, label, or path); repeatable",
    )
    p.add_argument(
        "--pattern",
        action="append",
        default=[],
        type=_choices("pattern", ROW_IDS),
        help="only this pattern or failure-mode / claim row (matrix/failure_modes.py); repeatable",
    )
    p.add_argument(
        "--variant",
        action="append",
        default=[],
        type=_choices("variant", VARIANTS),
        help="only this variant; repeatable",
    )
    p.add_argument(
        "--start-method",
        action="append",
        default=[],
        type=_choices("start method", START_METHODS),
        help="only this start-method setting; repeatable",
    )
    p.add_argument("--jobs", type=int, default=0, help="cases at a time (default: 2 x os.cpu_count())")
    p.add_argument("--no-lanes", action="store_true", help="skip matrix.lanes interpreters")
    p.add_argument("--no-render", action="store_true", help="do not re-render matrix/README.md")
    add_location_options(p)


def add_location_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--results-dir",
        type=Path,
        default=None,
        help="the results files' directory (default: matrix/results)",
    )
    p.add_argument(
        "--readme", type=Path, default=None, help="the rendered tables (default: matrix/README.md)"
    )


def _err(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:  # noqa: PLR0911 (one return per command)
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] == "test":
        import importlib

        try:
            testrun = importlib.import_module("matrix._testrun")  # another engineer's module
        except ImportError as exc:
            _err(f"`test` is not available: {exc}")
            return EXIT_USAGE
        rc: int = testrun.main(args_list[1:])
        return rc
    if not args_list or args_list[0] not in SUBCOMMANDS:
        if args_list and not args_list[0].startswith("-"):
            _err(f"unknown command {args_list[0]!r}; valid: {', '.join(SUBCOMMANDS)}")
            return EXIT_USAGE
        args_list = ["run", *args_list]
    try:
        args = build_parser().parse_args(args_list)
    except UsageError as exc:
        _err(str(exc))
        return EXIT_USAGE
    try:
        if args.command == "render":
            return cmd_render(args.results_dir, args.readme)
        if args.command == "html":
            from matrix import html as html_page

            return html_page.cmd_html(args.results_dir, args.output)
        if args.command == "check":
            return cmd_check(args.results_dir, args.readme)
        if args.command == "merge":
            return cmd_merge(args.paths, args.results_dir, args.readme, args.replace, not args.no_render)
        if args.command == "list":
            return cmd_list(not args.no_lanes)
        return cmd_run(args)
    except UsageError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except ResultsError as exc:
        _err(f"malformed results: {exc} (nothing was overwritten)")
        return EXIT_FAILED


# ---------------------------------------------------------------------------
# render / check / list
# ---------------------------------------------------------------------------


def cmd_render(results_dir: Path | None = None, readme: Path | None = None) -> int:
    from matrix import render, store

    target = readme or store.README
    text = render.render_readme(store.load_all(results_dir or store.RESULTS_DIR))
    store.atomic_write_text(target, text)
    print(f"wrote {target}")
    print(f"wrote {_write_html(results_dir, target)}")
    return EXIT_OK


def _write_html(results_dir: Path | None, readme: Path) -> Path:
    """The HTML page lives beside the README it goes with (matrix/index.html by default)."""
    from matrix import html

    return html.write_index(results_dir, readme.parent / "index.html")


def cmd_check(results_dir: Path | None = None, readme: Path | None = None) -> int:
    from matrix import render, store

    target = readme or store.README
    text = render.render_readme(store.load_all(results_dir or store.RESULTS_DIR))
    try:
        current = target.read_text(encoding="utf-8")
    except OSError:
        current = ""
    if current != text:
        _err(f"{target} is stale: run python -m matrix render")
        return EXIT_FAILED
    from matrix import html

    page = target.parent / "index.html"
    if not html.is_up_to_date(results_dir, page):
        _err(f"{page} is stale: run python -m matrix render")
        return EXIT_FAILED
    print(f"{target} and {page} are up to date; results valid")
    return EXIT_OK


def cmd_merge(
    paths: Sequence[Path],
    results_dir: Path | None = None,
    readme: Path | None = None,
    replace: bool = False,
    render_readme: bool = True,
) -> int:
    """Merge results files into ``results_dir``; 1 if a conflict was kept or a file rejected."""
    from matrix import merge, store

    target_dir = results_dir or store.RESULTS_DIR
    reports, changed = merge.merge(paths, target_dir, replace_conflicts=replace)
    merge.print_reports(reports)
    failed = [r for r in reports if r.failed]
    print(
        f"{len(changed)} results file(s) written to {target_dir}; "
        f"{sum(1 for r in reports if r.action == 'identical')} already there; {len(failed)} failed"
    )
    if render_readme:
        cmd_render(target_dir, readme)
    return EXIT_FAILED if failed else EXIT_OK


def cmd_list(include_lanes: bool) -> int:
    from matrix.interpreters import discover, results_filename

    for i in discover(include_lanes):
        f = i.facts
        assert f is not None
        if f.error:
            print(f"{f.name:<32} ERROR {f.error}")
            continue
        gil = "GIL" if f.gil else "free-threaded" if f.gil is False else "GIL?"
        print(
            f"{f.name:<32} {f.label:<24} default={f.default_start_method:<10} "
            f"methods={','.join(f.start_methods):<22} {gil:<5} {f.executable} -> {results_filename(f)}"
        )
    return EXIT_OK


# ---------------------------------------------------------------------------
# run
# ---------------------------------------------------------------------------


def select_interpreters(found: Sequence[Interpreter], wanted: Sequence[str]) -> List[Interpreter]:
    """The interpreters named by ``wanted`` (name, label, path, location or lane name)."""
    if not wanted:
        return list(found)
    out: List[Interpreter] = []
    for w in wanted:
        real = os.path.realpath(w) if os.path.sep in w else None
        match = [
            i
            for i in found
            if w in (i.name, _facts(i).label, _facts(i).executable, i.location, getattr(i.lane, "name", None))
            or w == i.executable
            or (real is not None and i.root is None and os.path.realpath(i.executable) == real)
        ]
        if not match:
            names = ", ".join(i.name for i in found)
            raise UsageError(f"unknown interpreter {w!r}; valid: {names}")
        out.extend(m for m in match if m not in out)
    return out


def default_jobs() -> int:
    """Two cases per core: a case spends about half its time waiting (process start-up, IPC,
    sleeps); a case past 1 s (likely hanging) also gives its slot away (see engine.measure)."""
    return 2 * (os.cpu_count() or 1)


def extra_interpreters(found: Sequence[Interpreter], wanted: Sequence[str]) -> List[Interpreter]:
    """``--interpreter /some/python`` that discovery did not find: probe it too."""
    from matrix.interpreters import dedupe, probe

    known = {os.path.realpath(i.executable) for i in found if i.root is None}
    out = []
    for w in wanted:
        path = Path(w)
        if os.path.sep in w and path.is_file() and os.access(w, os.X_OK) and os.path.realpath(w) not in known:
            out.append(probe(Interpreter((w,), str(path.absolute().parent))))
    return dedupe(out) if out else []


def _facts(i: Interpreter) -> Facts:
    assert i.facts is not None
    return i.facts


def select_cells(args: argparse.Namespace) -> List[Tuple[str, str, str]]:
    cells = [
        c
        for c in cases.every_cell()
        if (not args.pattern or c[0] in args.pattern)
        and (not args.variant or c[1] in args.variant)
        and (not args.start_method or c[2] in args.start_method)
    ]
    if not cells:
        raise UsageError(
            "no cell matches the --pattern/--variant/--start-method filters "
            "('twice' is a set-start-method variant; set-start-method has 'default' only for 'vetted'; "
            "a failure-mode row has its own variants, see matrix/failure_modes.py)"
        )
    return cells


class Progress:
    """rich progress bar on a TTY (if rich imports), else plain lines on stderr."""

    def __init__(self, total: int) -> None:
        self.total = total
        self._rich: Any = None
        self._task: Any = None
        if sys.stderr.isatty():
            try:
                from rich.progress import Progress as RichProgress  # type: ignore[import-not-found,unused-ignore]

                self._rich = RichProgress(transient=True)
                self._rich.start()
                self._task = self._rich.add_task("measuring", total=total)
            except Exception:
                self._rich = None

    def cell(self, done: int, name: str, rec: Record) -> None:
        if self._rich is None:
            step = max(1, self.total // 10)
            if done % step == 0 or done == self.total:
                self.line(
                    f"[{done:>{len(str(self.total))}}/{self.total}] {name} {rec.pattern}/{rec.variant}/"
                    f"{rec.start_method}: {describe(rec)}"
                )
            return
        if self._rich is not None:
            self._rich.update(
                self._task,
                completed=done,
                description=f"{name} {rec.pattern}/{rec.variant}/{rec.start_method}",
            )

    def line(self, text: str) -> None:
        if self._rich is not None:
            self._rich.console.print(text)
        else:
            print(text, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._rich is not None:
            self._rich.stop()


def merged_results(
    batch_facts: Facts, records: Sequence[Record], previous: ResultsFile | None, interrupted: bool
) -> ResultsFile:
    from matrix.engine import now_iso
    from matrix.merge import covers_every_cell, in_table_order

    by_key: Dict[Tuple[str, str, str], Record] = {}
    if previous is not None and previous.facts.build == batch_facts.build:
        by_key.update((record_key(r), r) for r in previous.records)
    by_key.update((record_key(r), r) for r in records)
    ordered = in_table_order(list(by_key.values()))
    complete = not interrupted and covers_every_cell(batch_facts, ordered)
    return ResultsFile(SCHEMA_VERSION, TOOL_VERSION, complete, now_iso(), batch_facts, ordered)


def describe(rec: Record | None) -> str:
    if rec is None:
        return "(none)"
    if rec.exception:
        return f"{rec.outcome} {rec.exception.split('.')[-1]}"
    return rec.outcome


def cmd_run(args: argparse.Namespace) -> int:  # noqa: PLR0912, PLR0915 (the run, top to bottom)
    from matrix import engine, render, store
    from matrix.interpreters import discover, results_filename

    results_dir: Path = args.results_dir or store.RESULTS_DIR
    cells = select_cells(args)
    previous = store.load_all(results_dir)  # a malformed file stops the run before anything runs
    t0 = time.monotonic()
    found = discover(not args.no_lanes)
    found = found + extra_interpreters(found, args.interpreter)
    interps = select_interpreters(found, args.interpreter)
    jobs = args.jobs or default_jobs()
    roots: Dict[Path | None, List[Path]] = {None: engine.shm_semaphores()}
    for i in interps:
        if i.root is not None:
            roots[i.root] = engine.shm_semaphores(i.root)
    total = sum(len(engine.cells_for(_facts(i), cells)) for i in interps)
    print(f"measuring {total} cells on {len(interps)} interpreters, {jobs} at a time", file=sys.stderr)
    progress = Progress(total)
    changes: List[str] = []
    written: List[Path] = []

    def on_event(ev: engine.Event) -> None:
        if ev.record is not None:
            progress.cell(ev.done, ev.interpreter.name, ev.record)

    def save(batch: engine.Batch, interrupted: bool = False) -> None:
        facts = _facts(batch.interpreter)
        name = results_filename(facts)
        prev = previous.get(name)
        recs = list(batch.records.values())
        new = merged_results(facts, recs, prev, interrupted)
        old_by_key = {record_key(r): r for r in prev.records} if prev else {}
        for r in recs:
            before = old_by_key.get(record_key(r))
            if describe(before) != describe(r) and prev is not None:
                changes.append(
                    f"{facts.label}: {r.pattern}/{r.variant}/{r.start_method}: "
                    f"{describe(before)} -> {describe(r)}"
                )
        store.write_results(results_dir / name, new)
        written.append(results_dir / name)
        spent = (batch.finished - batch.started) if batch.finished else 0.0
        counts: Dict[str, int] = {}
        for r in recs:
            counts[r.outcome] = counts.get(r.outcome, 0) + 1
        summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        state = (
            "facts.error: " + str(facts.error)
            if facts.error
            else f"{len(recs)} cells, {spent:.1f} s ({summary})"
        )
        progress.line(f"done {facts.name}: {state}{' [partial]' if interrupted else ''} -> {name}")

    try:
        batches, interrupted = engine.measure(
            interps, cells, jobs=jobs, on_event=on_event, on_batch_done=save
        )
    finally:
        progress.close()
    if interrupted:
        for b in batches:
            if b.records and len(b.records) < len(b.cells):
                save(b, interrupted=True)
    orphans, unclaimed = engine.unclaimed_semaphores(roots)
    wall = time.monotonic() - t0
    if orphans:
        print(
            f"note: removed {len(orphans)} orphaned sem.mp-* file(s) that appeared during the run and "
            "that no process has open (left by a process killed with its resource tracker)",
            file=sys.stderr,
        )
    if unclaimed:
        print(
            f"note: {len(unclaimed)} sem.mp-* file(s) appeared during the run that no case had open "
            "(left alone: other programs on this machine have them open)",
            file=sys.stderr,
        )
    readme: Path = args.readme or store.README
    if not args.no_render:
        store.atomic_write_text(readme, render.render_readme(store.load_all(results_dir)))
        _write_html(results_dir, readme)
    all_recs = [r for b in batches for r in b.records.values()]
    measured = [r for r in all_recs if r.outcome != "unsupported"]
    print(
        f"\n{len(all_recs)} cells ({len(measured)} run) on {len(interps)} interpreters in {wall:.1f} s wall, "
        f"{sum(r.seconds for r in all_recs):.1f} s of case time, {jobs} jobs"
    )
    if sys.platform != "win32":
        import resource

        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(
            f"  CPU: runner {me.ru_utime + me.ru_stime:.1f} s, cases {kids.ru_utime + kids.ru_stime:.1f} s "
            f"(user+sys; orphaned workers reaped by init are not counted)"
        )
    for b in sorted(batches, key=lambda b: -sum(r.seconds for r in b.records.values()))[:20]:
        print(f"  {b.interpreter.name:<32} {sum(r.seconds for r in b.records.values()):6.1f} s case time")
    slow = sorted(all_recs, key=lambda r: -r.seconds)[:5]
    for r in slow:
        print(
            f"  slowest: {r.seconds:5.2f} s {r.interpreter} "
            f"{r.pattern}/{r.variant}/{r.start_method} {r.outcome}"
        )
    if changes:
        print(f"\n{len(changes)} cells changed vs the previous records:")
        for c in changes:
            print("  " + c)
    else:
        print("\nno cell changed its outcome vs the previous records")
    print(
        f"\nresults: {results_dir}"
        + (" (interrupted: partial files flagged complete=false)" if interrupted else "")
    )
    if not args.no_render:
        print(f"tables:  {readme}\npage:    {readme.parent / 'index.html'}")
    return 130 if interrupted else EXIT_OK
