"""Measure cells on interpreters in parallel and turn them into records."""

from __future__ import annotations

import datetime
import functools
import shutil
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

from matrix import cases, failure_modes, interpreters, leftovers, merge, publish, store, validate
from matrix.asleep import WAITING_SECONDS, AsleepFor
from matrix.interpreters import PROBE_TIMEOUT, Interpreter
from matrix.model import SCHEMA_VERSION, TOOL_VERSION, Facts, Record, ResultsError, ResultsFile, record_key
from matrix.plan import Refused, facts_of, plan_interpreters
from matrix.records import UNSUPPORTED, make_record
from matrix.rows import THREADS_ONLY
from matrix.runner import DEADLINE, RunResult, run_script
from matrix.stopping import calm_signals, stop_on_signals

REPO_ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = REPO_ROOT / "reference"

Cell = Tuple[str, str, str]  # pattern, variant, start method

#: Re-exported: the deadline of a claim case (``gil-speedup``), a measurement, not a hang test.
CLAIM_DEADLINE = failure_modes.CLAIM_DEADLINE


def now_iso() -> str:
    return (
        datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    )


def vetted_supported(facts: Facts) -> bool:
    """The reference package needs Python >= 3.8: it uses ``typing.Protocol`` (new in 3.8, PEP 544)."""
    parts = tuple(int(x) for x in facts.version.split(".")[:2])
    return parts >= (3, 8)


@dataclass
class Event:
    """Progress: one cell finished (``record``) or one interpreter finished (``record`` None)."""

    interpreter: Interpreter
    record: Record | None
    done: int
    total: int


@dataclass
class Batch:
    interpreter: Interpreter
    cells: List[Cell]
    workdir: Path | None = None
    records: Dict[Cell, Record] = field(default_factory=dict)
    started: float = 0.0
    finished: float = 0.0


def prepare_workdir(interp: Interpreter, cells: Sequence[Cell]) -> Path:
    """A scratch dir the interpreter sees, with a copy of ``reference/`` and every case script;
    marked as this run's (:mod:`matrix.leftovers`)."""
    base = interp.scratch_dir()
    work = Path(tempfile.mkdtemp(prefix=leftovers.PREFIX, dir=str(base)))
    leftovers.mark(work)
    shutil.copytree(
        str(REFERENCE_DIR), str(work / "reference"), ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    for cell in cells:
        (work / case_filename(cell)).write_text(cases.source(*cell), encoding="utf-8")
    return work


def case_filename(cell: Cell) -> str:
    return "case_{}_{}_{}.py".format(*(c.replace("-", "_") for c in cell))


def run_cell(
    interp: Interpreter,
    workdir: Path,
    cell: Cell,
    deadline: float = DEADLINE,
    *,
    on_slow: Callable[[], None] | None = None,
    stop: threading.Event | None = None,
) -> Record | None:
    """The record of ``cell`` on ``interp``; None when ``stop`` (the run's interruption) ended the
    case before it could be measured: it is ended at once, and not recorded as a hang."""
    facts = interp.facts
    assert facts is not None
    measured_at = now_iso()
    if cases.needs_reference(*cell) and not vetted_supported(facts):
        unsupported = RunResult("unsupported", message=UNSUPPORTED, detection="not-run")
        return make_record(facts, cell, unsupported, 0, measured_at)
    if cases.is_claim(cell[0]):
        # A claim case times work (about 3 s, more for spawned workers on a busy machine);
        # it is no hang test, so it gets a longer deadline.
        deadline = max(deadline, CLAIM_DEADLINE)
    argv = interp.command(interp.inner_path(workdir), ["-W", "default", case_filename(cell)])
    env = leftovers.case_env(interp.env(), workdir)

    def stopped(_pgid: int, _output: int) -> bool:  # the run is interrupted: end the case now
        return stop is not None and stop.is_set()

    # A case asleep for WAITING_SECONDS (matrix.asleep) gives its CPU slot away before slow_after.
    run = functools.partial(run_script, argv, str(workdir), env=env, host_path=interp.host_path)
    waiting = AsleepFor(WAITING_SECONDS) if on_slow is not None else None
    result = run(deadline=deadline, on_slow=on_slow, give_up=stopped, waiting=waiting)
    if stopped(0, 0) and result.exit_code is None and result.seconds < deadline:
        return None  # cut short by the interruption: no measurement
    attempts = 1
    if result.detection == "deadline" and (cell[0], cell[1]) not in cases.KNOWN_HANGS and not stopped(0, 0):
        # Load on a small machine can slow a case past the deadline: confirm once (a respawn loop
        # is its own evidence).
        # A hang explained by a dead child is deterministic; an unexplained one gets twice the time,
        # unless its process group is asleep for good (matrix.asleep) before that.
        again_deadline = deadline if result.cause_known else 2 * deadline
        asleep = AsleepFor()
        again = run(deadline=again_deadline, give_up=lambda pgid, n: stopped(pgid, n) or asleep(pgid, n))
        if stopped(0, 0) and again.exit_code is None and again.seconds < again_deadline:
            return None
        attempts = 2
        again.cleanup = result.cleanup + again.cleanup
        result = again
    return make_record(facts, cell, result, attempts, measured_at)


def _cost(batch: Batch, cell: Cell) -> Tuple[int, int]:
    """Schedule likely-slow cells first (spawn/forkserver starts; verbatim may hang)."""
    facts = batch.interpreter.facts
    assert facts is not None
    resolved = facts.default_start_method if cell[2] == "default" else cell[2]
    slow = resolved in ("spawn", "forkserver") and cell[0] not in THREADS_ONLY
    known_hang = (cell[0], cell[1]) in cases.KNOWN_HANGS  # idle for 3 s: start it early
    return (
        0 if known_hang or (cell[1] == "verbatim" and slow) else 1 if slow else 2,
        0 if facts.implementation == "pypy" else 1,
    )


def measure(  # noqa: PLR0912, PLR0915 (scheduling, progress and interruption in one place)
    interps: Sequence[Interpreter],
    wanted: Sequence[Cell],
    *,
    jobs: int,
    on_event: Callable[[Event], None],
    on_batch_done: Callable[[Batch], None],
    deadline: float = DEADLINE,
) -> Tuple[List[Batch], bool]:
    """Run every wanted cell on every interpreter, ``jobs`` at a time; return (batches, interrupted).

    ``on_batch_done`` is called (from a worker thread, serialised) as soon as one interpreter's
    cells are all measured, so finished interpreters are saved even if the run is interrupted.
    """
    batches = [Batch(i, cases.cells_for(i.facts, wanted)) for i in interps if i.facts is not None]
    for b in batches:
        if b.cells:
            b.workdir = prepare_workdir(b.interpreter, b.cells)
    tasks = [(b, c) for b in batches for c in b.cells]
    tasks.sort(key=lambda t: _cost(*t))
    total = len(tasks)
    lock = threading.Lock()
    done = [0]
    remaining = {id(b): len(b.cells) for b in batches}

    # ``jobs`` cases use the CPU at a time; a case running past 1 s (most likely hanging, i.e.
    # idle) gives its slot to the next case while it waits for its deadline.
    slots = threading.Semaphore(max(1, jobs))

    stop = threading.Event()

    def work(batch: Batch, cell: Cell) -> None:
        slots.acquire()
        held = [True]
        if stop.is_set():
            slots.release()
            return

        def release() -> None:
            if held[0]:
                held[0] = False
                slots.release()

        try:
            if not batch.started:
                batch.started = time.monotonic()
            assert batch.workdir is not None
            rec = run_cell(batch.interpreter, batch.workdir, cell, deadline, on_slow=release, stop=stop)
        finally:
            release()
        if rec is None:  # interrupted before it was measured
            return
        with lock:
            batch.records[cell] = rec
            done[0] += 1
            remaining[id(batch)] -= 1
            on_event(Event(batch.interpreter, rec, done[0], total))
            if remaining[id(batch)] == 0:
                batch.finished = time.monotonic()
                on_batch_done(batch)

    for b in batches:
        if not b.cells:
            on_batch_done(b)
    pool = ThreadPoolExecutor(max_workers=max(1, jobs) * 4)
    futures: List[Future[None]] = []
    interrupted = False
    # Claim cells (gil-speedup) time CPU-bound work: they run last, one at a time, on an
    # otherwise idle runner, so that the other cases do not skew their figures.
    claims = [t for t in tasks if cases.is_claim(t[1][0])]
    try:
        futures = [pool.submit(work, b, c) for b, c in tasks if not cases.is_claim(c[0])]
        for fut in futures:
            fut.result()
        for b, c in claims:
            if stop.is_set():
                break
            fut = pool.submit(work, b, c)
            futures.append(fut)
            fut.result()
    except KeyboardInterrupt:
        calm_signals()  # a second Ctrl-C (SIGTERM, SIGHUP) must not cut the clean-up short
        interrupted = True
        stop.set()
        for fut in futures:
            fut.cancel()
    finally:
        for fut in futures:
            fut.cancel()
        pool.shutdown(wait=True)  # running cases end within their deadline (no confirmation re-run)
        for b in batches:
            if b.workdir is not None:
                shutil.rmtree(str(b.workdir), ignore_errors=True)
    return batches, interrupted


# ---------------------------------------------------------------------------
# A whole run: plan -> measure -> save -> diff -> render -> summary
# ---------------------------------------------------------------------------


@dataclass
class Options:
    """What to run: ``interpreters`` as named on the command line (empty: every one found)."""

    cells: Sequence[Cell]
    results_dir: Path
    readme: Path | None  # the tables to re-render (index.html beside it); None: do not render
    jobs: int
    interpreters: Sequence[str] = ()
    include_lanes: bool = True
    deadline: float = DEADLINE
    probe_timeout: float = PROBE_TIMEOUT


@dataclass
class Summary:
    """What a run did, for the caller to print."""

    interpreters: List[Interpreter]
    batches: List[Batch]
    interrupted: bool
    wall: float
    changes: List[str] = field(default_factory=list)  # "label: cell: before -> after"
    written: List[Path] = field(default_factory=list)
    unsaved: List[Tuple[Path, Path, str]] = field(default_factory=list)  # (target, kept in, why)
    notes: List[str] = field(default_factory=list)  # leftovers removed, semaphores, skipped
    rendered: List[Path] = field(default_factory=list)

    @property
    def records(self) -> List[Record]:
        return [r for b in self.batches for r in b.records.values()]


def merged_results(
    batch_facts: Facts, records: Sequence[Record], previous: ResultsFile | None, interrupted: bool
) -> ResultsFile:
    """``records`` over ``previous`` (the same platform's stored file, when its build is the same)."""
    by_key: Dict[Cell, Record] = {}
    if previous is not None and previous.facts.build == batch_facts.build:
        by_key.update((record_key(r), r) for r in previous.records)
    by_key.update((record_key(r), r) for r in records)
    ordered = merge.in_table_order(list(by_key.values()))
    complete = not interrupted and merge.covers_every_cell(batch_facts, ordered)
    return ResultsFile(SCHEMA_VERSION, TOOL_VERSION, complete, now_iso(), batch_facts, ordered)


def describe(rec: Record | None) -> str:
    if rec is None:
        return "(none)"
    if rec.exception:
        return f"{rec.outcome} {rec.exception.split('.')[-1]}"
    return rec.outcome


def save_batch(
    summary: Summary,
    opts: Options,
    batch: Batch,
    *,
    previous: Dict[str, ResultsFile],
    interrupted: bool,
    say: Callable[[str], None],
) -> None:
    """Merge the batch into its platform's file under the directory's lock (re-read there: a
    concurrent run's records are kept) and write it atomically; if that fails, keep the records
    in a file of the temp directory and say where."""
    facts = facts_of(batch.interpreter)
    recs = list(batch.records.values())
    name = interpreters.results_filename(facts)
    before = previous.get(name)
    old = {record_key(r): r for r in before.records} if before else {}
    summary.changes += [
        f"{facts.label}: {'/'.join(record_key(r))}: {describe(old.get(record_key(r)))} -> {describe(r)}"
        for r in recs
        if before is not None and describe(old.get(record_key(r))) != describe(r)
    ]
    target = opts.results_dir / name
    new = merged_results(facts, recs, before, interrupted)
    try:
        with store.locked(opts.results_dir, say):
            current = validate.read_stored(target) if target.exists() else None
            new = merged_results(facts, recs, current, interrupted)
            summary.written.append(store.save(opts.results_dir, new))
    except (OSError, ResultsError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        kept = store.keep_unsaved(new, name)
        summary.unsaved.append((target, kept, why))
        say(
            f"error: cannot write {target}: {why}; the {len(recs)} measured record(s) are kept in {kept} "
            f"(bring them in with: python -m matrix merge {kept})"
        )
        return
    try:
        store.write_run_log(opts.results_dir, name, recs)
    except OSError as exc:  # the results are saved; only the timings are lost
        say(f"warning: cannot write the run log of {name}: {exc.strerror or exc}")
    counts: Dict[str, int] = {}
    for r in recs:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    spent = (batch.finished - batch.started) if batch.finished else 0.0
    state = f"{len(recs)} cells, {spent:.1f} s ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))})"
    say(f"done {facts.name}: {state}{' [partial]' if interrupted else ''} -> {name}")


def render_tables(results_dir: Path, readme: Path, say: Callable[[str], None] = lambda _: None) -> List[Path]:
    """Re-render ``readme`` and everything generated beside it (:mod:`matrix.publish`)."""
    return publish.write_all(results_dir, readme, say)


def run(
    opts: Options,
    *,
    say: Callable[[str], None],
    on_event: Callable[[Event], None] = lambda _: None,
    interps: Sequence[Interpreter] | None = None,
) -> Summary:
    """One whole run. ``interps`` (tests: a fake interpreter set) skips discovery.

    Refused (nothing measured, nothing written): a missing or unwritable results directory, a
    malformed results file (:class:`ResultsError`), an interpreter that is no supported Python.
    """
    t0 = time.monotonic()
    if not opts.results_dir.is_dir():
        raise Refused(f"results directory {opts.results_dir} does not exist (create it first)")
    previous = store.load_all(opts.results_dir)  # a malformed file stops the run before anything runs
    notes: List[str] = []
    if interps is None:
        chosen, notes = plan_interpreters(opts.interpreters, opts.include_lanes, opts.probe_timeout)
    else:
        chosen = list(interps)
    try:
        store.check_writable(opts.results_dir)
    except OSError as exc:
        raise Refused(
            f"cannot write to {opts.results_dir}: {exc.strerror or exc}; nothing measured", 1
        ) from None
    notes += leftovers.sweep(i.scratch_dir() for i in chosen)
    roots: Dict[Path | None, List[Path]] = {None: leftovers.shm_semaphores()}
    roots.update((i.root, leftovers.shm_semaphores(i.root)) for i in chosen if i.root is not None)
    total = sum(len(cases.cells_for(facts_of(i), opts.cells)) for i in chosen)
    say(f"measuring {total} cells on {len(chosen)} interpreters, {opts.jobs} at a time")
    summary = Summary(chosen, [], False, 0.0, notes=notes)
    save_lock = threading.Lock()

    def on_batch_done(batch: Batch) -> None:
        with save_lock:
            save_batch(summary, opts, batch, previous=previous, interrupted=False, say=say)

    restore = stop_on_signals()
    try:
        summary.batches, summary.interrupted = measure(
            chosen,
            opts.cells,
            jobs=opts.jobs,
            on_event=on_event,
            on_batch_done=on_batch_done,
            deadline=opts.deadline,
        )
        if summary.interrupted:
            for b in summary.batches:
                if b.records and len(b.records) < len(b.cells):
                    save_batch(summary, opts, b, previous=previous, interrupted=True, say=say)
        orphans, unclaimed = leftovers.unclaimed_semaphores(roots)
        if orphans:
            summary.notes.append(
                f"removed {len(orphans)} orphaned sem.mp-* file(s) that appeared during the run and that no "
                "process has open (left by a process killed with its resource tracker)"
            )
        if unclaimed:
            summary.notes.append(
                f"{len(unclaimed)} sem.mp-* file(s) appeared during the run that no case had open "
                "(left alone: other programs on this machine have them open)"
            )
        if opts.readme is not None and not summary.unsaved:
            summary.rendered = render_tables(opts.results_dir, opts.readme, say)
    finally:
        restore()  # after a stop signal: later ones are held back, the caller is ending too
    summary.wall = time.monotonic() - t0
    return summary
