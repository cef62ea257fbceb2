"""``python -m matrix [run|render|html|check|merge|list|test] ...``: measure, render and check the matrix.

Stdlib only (``rich`` is used for the progress display when it imports and stderr is a TTY).

Exit codes: 0 ok; 1 ``check`` found a stale README / invalid records, a results file is
malformed, or ``merge`` kept a conflict / rejected a file; 2 bad usage (unknown pattern, variant,
start method or interpreter).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path
from typing import Any, Callable, List, Sequence, Tuple

from matrix import cases, engine, interpreters, merge, publish, store, why
from matrix.engine import describe
from matrix.model import Record, ResultsError
from matrix.plan import Refused, facts_of
from matrix.rows import ROW_IDS, START_METHODS, VARIANTS
from matrix.views import page

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

SUBCOMMANDS = ("run", "render", "html", "check", "merge", "list", "why", "test")


UsageError = Refused  # bad usage: one line, exit 2


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
    parser = _Parser(
        prog="python -m matrix",
        description=__doc__.splitlines()[0],
        epilog="`python -m matrix` alone is `python -m matrix run`; `python -m matrix COMMAND --help` "
        "describes a command.",
    )
    sub = parser.add_subparsers(dest="command", metavar="{" + ",".join(SUBCOMMANDS) + "}")
    run = sub.add_parser("run", help="measure (the default command)")
    add_run_options(run)
    render = sub.add_parser("render", help="re-render matrix/README.md from matrix/results/")
    add_location_options(render)
    html_cmd = sub.add_parser("html", help="write matrix/index.html: the matrix as one self-contained page")
    html_cmd.add_argument("--results-dir", type=Path, default=None, help="default: matrix/results")
    html_cmd.add_argument(
        "--output", type=Path, default=None, help="default: matrix/index.html (required with --results-dir)"
    )
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
    add_why_parser(sub)
    sub.add_parser("test", help="run the test suite on the lanes (matrix._testrun)")
    return parser


def add_why_parser(sub: Any) -> None:  # noqa: ANN401 (argparse's private subparsers action)
    w = sub.add_parser(
        "why",
        help="does PATTERN work on my platform, and if not what happens and what to copy (offline)",
        description="Each variant's outcome on one platform (default: this interpreter, OS and default "
        "start method), measured here or expected (with the source), and the form to copy.",
    )
    w.add_argument("pattern", nargs="?", metavar="PATTERN", help="a pattern or failure-mode row")
    w.add_argument("--all", action="store_true", help="every pattern")
    w.add_argument("--python", default=None, help="a version: 3.14, 3.13.0, 3.14t (free-threaded)")
    w.add_argument("--implementation", default=None, help="cpython or pypy")
    w.add_argument("--os", default=None, help="linux, darwin or win32 (sys.platform)")
    w.add_argument("--start-method", default="default", help="default, fork, forkserver or spawn")
    w.add_argument("--results-dir", type=Path, default=None, help="default: matrix/results")


def cmd_why(args: argparse.Namespace) -> int:
    if args.all == (args.pattern is not None):
        raise UsageError("why: name one PATTERN or --all")
    question = why.Question(args.python, args.implementation, args.os, args.start_method)
    results = store.load_all(args.results_dir or store.RESULTS_DIR)
    lines = why.answer_all(question, results) if args.all else why.answer(args.pattern, question, results)
    print("\n".join(lines))
    return EXIT_OK


def add_run_options(p: argparse.ArgumentParser) -> None:
    def only(flag: str, what: str, parse: Callable[[str], str] = str, metavar: str | None = None) -> None:
        """A filter, given any number of times (none: everything)."""
        help_text = f"only this {what}; repeatable"
        p.add_argument(flag, action="append", default=[], type=parse, metavar=metavar, help=help_text)

    only("--interpreter", "interpreter (name from `list`, label, or path)", metavar="NAME_OR_PATH")
    only(
        "--pattern",
        "pattern or failure-mode / claim row (matrix/failure_modes.py)",
        parse=_choices("pattern", ROW_IDS),
    )
    only("--variant", "variant", parse=_choices("variant", VARIANTS))
    only("--start-method", "start-method setting", parse=_choices("start method", START_METHODS))
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
        "--readme",
        type=Path,
        default=None,
        help="the rendered tables, index.html beside them (default: matrix/README.md; "
        "required with another --results-dir)",
    )


def _err(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:  # noqa: PLR0911, PLR0912 (one return per command)
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] == "test":
        try:
            testrun = importlib.import_module("matrix._testrun")  # another engineer's module
        except ImportError as exc:
            _err(f"`test` is not available: {exc}")
            return EXIT_USAGE
        rc: int = testrun.main(args_list[1:])
        return rc
    if args_list and args_list[0] in ("-h", "--help"):
        build_parser().print_help()
        return EXIT_OK
    if not args_list or args_list[0] not in SUBCOMMANDS:
        if args_list and not args_list[0].startswith("-"):
            _err(f"unknown command {args_list[0]!r}; valid: {', '.join(SUBCOMMANDS)}")
            return EXIT_USAGE
        args_list = ["run", *args_list]
    try:
        args = build_parser().parse_args(args_list)
        if args.command == "render":
            return cmd_render(args.results_dir, args.readme)
        if args.command == "html":
            results_dir, target = tables_of(args.results_dir, args.output, "--output", "index.html")
            print(f"wrote {page.write_index(results_dir, target)}")
            return EXIT_OK
        if args.command == "check":
            return cmd_check(args.results_dir, args.readme)
        if args.command == "merge":
            return cmd_merge(args.paths, args.results_dir, args.readme, args.replace, not args.no_render)
        if args.command == "list":
            return cmd_list(not args.no_lanes)
        if args.command == "why":
            return cmd_why(args)
        return cmd_run(args)
    except Refused as exc:
        _err(str(exc))
        return exc.exit_code
    except ResultsError as exc:
        _err(f"malformed results: {exc} (nothing was written)")
        return EXIT_FAILED


def tables_of(
    results_dir: Path | None, destination: Path | None, option: str = "--readme", default: str = "README.md"
) -> Tuple[Path, Path]:
    """(results directory, where its tables go). The committed ``matrix/results`` renders to
    ``matrix/README.md`` by default; any other directory needs an explicit destination, so that
    a typo or a scratch directory never overwrites the committed tables."""
    chosen = results_dir or store.RESULTS_DIR
    if not chosen.is_dir():
        raise Refused(f"results directory {chosen} does not exist")
    if destination is not None:
        return chosen, destination
    if not store.is_committed(chosen):
        raise Refused(
            f"--results-dir {chosen} is not matrix/results: say where its tables go with {option} "
            f"(the committed matrix/{default} is only written from matrix/results)"
        )
    return chosen, store.PACKAGE_DIR / default


# ---------------------------------------------------------------------------
# render / check / merge / list
# ---------------------------------------------------------------------------


def cmd_render(results_dir: Path | None = None, readme: Path | None = None) -> int:
    chosen, target = tables_of(results_dir, readme)
    for path in engine.render_tables(chosen, target, _say):
        print(f"wrote {path}")
    return EXIT_OK


def cmd_check(results_dir: Path | None = None, readme: Path | None = None) -> int:
    chosen, target = tables_of(results_dir, readme)
    stale = publish.stale(chosen, target)
    if stale:
        _err(f"{', '.join(str(p) for p in stale)} stale: run python -m matrix render")
        return EXIT_FAILED
    print(f"{target} and the files generated beside it are up to date; results valid")
    return EXIT_OK


def cmd_merge(
    paths: Sequence[Path],
    results_dir: Path | None = None,
    readme: Path | None = None,
    replace: bool = False,
    render_readme: bool = True,
) -> int:
    """Merge results files into ``results_dir``; 1 if a conflict was kept or a file rejected."""
    target_dir, target_readme = (
        tables_of(results_dir, readme) if render_readme else (results_dir or store.RESULTS_DIR, None)
    )
    if not target_dir.is_dir():
        raise Refused(f"results directory {target_dir} does not exist")
    with store.locked(target_dir, _say):
        reports, changed = merge.merge(paths, target_dir, replace_conflicts=replace)
    merge.print_reports(reports)
    failed = [r for r in reports if r.failed]
    print(
        f"{len(changed)} results file(s) written to {target_dir}; "
        f"{sum(1 for r in reports if r.action == 'identical')} already there; {len(failed)} failed"
    )
    if target_readme is not None:
        for path in engine.render_tables(target_dir, target_readme, _say):
            print(f"wrote {path}")
    return EXIT_FAILED if failed else EXIT_OK


def cmd_list(include_lanes: bool) -> int:
    for i in interpreters.discover(include_lanes):
        f = facts_of(i)
        if f.error:
            print(f"{f.name:<32} ERROR {f.error}")
            continue
        gil = "GIL" if f.gil else "free-threaded" if f.gil is False else "GIL?"
        print(
            f"{f.name:<32} {f.label:<24} default={f.default_start_method:<10} "
            f"methods={','.join(f.start_methods):<22} {gil:<5} {f.executable} -> "
            f"{interpreters.results_filename(f)}"
        )
    return EXIT_OK


# ---------------------------------------------------------------------------
# run
# ---------------------------------------------------------------------------


def default_jobs() -> int:
    """Two cases per core: a case spends about half its time waiting (process start-up, IPC,
    sleeps); a case past 1 s (likely hanging) also gives its slot away (see engine.measure)."""
    return 2 * (os.cpu_count() or 1)


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


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


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


def cmd_run(args: argparse.Namespace) -> int:
    cells = select_cells(args)
    if args.no_render:
        results_dir, readme = args.results_dir or store.RESULTS_DIR, None
    else:
        results_dir, readme = tables_of(args.results_dir, args.readme)
    opts = engine.Options(
        cells=cells,
        results_dir=results_dir,
        readme=readme,
        jobs=args.jobs or default_jobs(),
        interpreters=args.interpreter,
        include_lanes=not args.no_lanes,
    )
    progress: Progress | None = None

    def say(text: str) -> None:
        if progress is not None:
            progress.line(text)
        else:
            _say(text)

    def on_event(ev: engine.Event) -> None:
        nonlocal progress
        if progress is None:
            progress = Progress(ev.total)
        if ev.record is not None:
            progress.cell(ev.done, ev.interpreter.name, ev.record)

    try:
        summary = engine.run(opts, say=say, on_event=on_event)
    finally:
        if progress is not None:
            progress.close()
    print_summary(summary, opts)
    print_answer(opts.results_dir)
    if summary.unsaved:
        return EXIT_FAILED
    return 130 if summary.interrupted else EXIT_OK


def print_answer(results_dir: Path) -> None:
    """After the summary: ``why --all`` for the interpreter running this (when it has an answer)."""
    try:
        lines = why.answer_all(why.Question(), store.load_all(results_dir))
    except (Refused, ResultsError) as exc:
        print(f"\nno answer for this interpreter: {exc}")
        return
    print("\nFor this interpreter (python -m matrix why --all):\n" + "\n".join(lines))


def print_summary(summary: engine.Summary, opts: engine.Options) -> None:
    for note in summary.notes:
        _say(f"note: {note}")
    all_recs = summary.records
    measured = [r for r in all_recs if r.outcome != "unsupported"]
    print(
        f"\n{len(all_recs)} cells ({len(measured)} run) on {len(summary.interpreters)} interpreters in "
        f"{summary.wall:.1f} s wall, {sum(r.seconds for r in all_recs):.1f} s of case time, {opts.jobs} jobs"
    )
    if sys.platform != "win32":
        import resource  # POSIX only

        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(
            f"  CPU: runner {me.ru_utime + me.ru_stime:.1f} s, cases {kids.ru_utime + kids.ru_stime:.1f} s "
            f"(user+sys; orphaned workers reaped by init are not counted)"
        )
    for b in sorted(summary.batches, key=lambda b: -sum(r.seconds for r in b.records.values()))[:20]:
        print(f"  {b.interpreter.name:<32} {sum(r.seconds for r in b.records.values()):6.1f} s case time")
    for r in sorted(all_recs, key=lambda r: -r.seconds)[:5]:
        print(
            f"  slowest: {r.seconds:5.2f} s {r.interpreter} "
            f"{r.pattern}/{r.variant}/{r.start_method} {r.outcome}"
        )
    if summary.changes:
        print(f"\n{len(summary.changes)} cells changed vs the previous records:")
        for c in summary.changes:
            print("  " + c)
    else:
        print("\nno cell changed its outcome vs the previous records")
    print(
        f"\nresults: {opts.results_dir}"
        + (" (interrupted: partial files flagged complete=false)" if summary.interrupted else "")
    )
    for target, kept, reason in summary.unsaved:
        print(f"NOT SAVED: {target} ({reason}); the records are in {kept}: python -m matrix merge {kept}")
    if summary.rendered:
        print(f"tables:  {summary.rendered[0]}\npage:    {summary.rendered[1]}")
