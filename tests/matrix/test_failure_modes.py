"""Every failure-mode script of ``matrix/failure_modes.py`` under the start method of this run.

Each script runs as the matrix runs it (``python -W default case.py``, a fresh interpreter in its
own session, ``reference/`` importable) under a deadline; the whole process group is killed when
the script ends or the deadline expires. The outcomes asserted here are the ones measured on
CPython 3.6-3.15 and PyPy 3.9/3.11 (Linux); where they differ by version, the test says so.
"""

from __future__ import annotations

import os
import re
import select
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pytest
from expected import BROKEN_POOL_MESSAGE

if TYPE_CHECKING:
    from collections.abc import Callable

from matrix.failure_modes import FAILURE_MODES, applies, failure_script, parse_measure
from matrix.runner import wrong_result
from matrix.supervise import Session

REPO = Path(__file__).resolve().parents[2]

#: A script expected to hang is declared stuck when still running after this many seconds.
HANG_AFTER = 2.0
#: A script expected to finish gets this long (a loaded CI machine starts interpreters slowly).
FINISH_WITHIN = 60.0
#: How long helpers (resource tracker, forkserver) may keep the output pipes open after the exit.
EXIT_GRACE = 1.0

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX only: SIGKILL, process groups, sessions"),
    pytest.mark.slow,  # tox runs the slow tests on 3.13 under every start method
]

CELLS = [(m.id, v) for m in FAILURE_MODES.values() for v in m.variants]


class Expect(NamedTuple):
    outcome: str  # "ok" | "wrong" | "error" | "hang", or alternatives: "error|hang"
    stderr: str = ""  # a regular expression stderr must match ("" matches anything)
    stdout: str = ""  # a regular expression stdout must match
    stop_on: str = ""  # end the run as soon as stderr matches this (a respawn loop never ends)


VERSION = tuple(sys.version_info[:2])
PYPY = sys.implementation.name == "pypy"

#: What pickle says about an object it cannot pickle by reference (lambda, closure, local class),
#: by version: "Can't pickle local object" (<= 3.12.1), "Can't get local object" (3.12.2-3.13),
#: "Can't pickle local object" as PicklingError (3.14+), "Can't pickle <function <lambda> ...>:
#: attribute lookup <lambda> on __main__ failed" (lambda, <= 3.13), PyPy's pure-Python pickler.
NOT_BY_REFERENCE = r"(Can't pickle|Can't get local object|can't pickle)"


def _killed_worker(variant: str, method: str) -> Expect:
    if variant == "pool":  # python/cpython gh-66587: the lost task is waited for forever
        return Expect("hang")
    if PYPY and method in ("spawn", "forkserver"):
        # the vetted form runs on ProcessPoolExecutor: the executor's PyPy failures below
        return Expect("error|hang")
    if variant == "vetted":  # ProcessPoolExecutor sees the dead worker
        return Expect("error", BROKEN_POOL_MESSAGE)
    if PYPY and method in ("spawn", "forkserver"):
        # PyPy 3.9 (7.3.11): AttributeError: 'ProcessPoolExecutor' object has no attribute
        # '_adjust_process_count'; PyPy 3.11 (sid) under spawn: hangs (InvalidStateError in the
        # executor's management thread), under forkserver: BrokenProcessPool.
        return Expect("error|hang")
    return Expect(
        "error",
        r"concurrent\.futures\.process\.BrokenProcessPool: A (child )?process "
        r"(in the process pool was terminated abruptly|terminated abruptly)",
    )


def _pool_with_async(variant: str, method: str) -> Expect:
    if variant == "exact":
        return Expect(
            "error",
            r"multiprocessing\.context\.TimeoutError: results lost: 4 of 4 apply_async results",
            r"results arrived: 0 of 4",
        )
    return Expect("ok", stdout=r"results arrived: 4 of 4")


def _terminate_mid_put(variant: str, method: str) -> Expect:
    if variant == "exact":
        held = (
            r"RuntimeError: queue corrupted by terminate\(\): "
            r"write lock still held by the terminated sender\n"
        )
        report = r"write lock still held by the terminated sender; items received intact: \[0\]; "
        if PYPY:  # the next get() either blocks in the torn message or fails on it (varies by run)
            return Expect("error", held, r"sender exit code -15\n" + report)
        torn = r"torn: \[\]; get\(timeout=0\.1\) still blocked after 0\.4 s inside a partial message"
        return Expect("error", held, r"sender exit code -15\n" + report + torn)
    return Expect("ok", stdout=r"sender exit code 0; items received intact: 2")


def _join_before_drain(variant: str, method: str) -> Expect:
    return Expect("hang") if variant == "exact" else Expect("ok", stdout=r"1048576 0")


def _fork_with_threads(variant: str, method: str) -> Expect:
    if method == "fork" and VERSION >= (3, 12) and not PYPY:
        return Expect(
            "ok",
            r"DeprecationWarning: This process \(pid=\d+\) is multi-threaded, use of fork\(\) "
            r"may lead to deadlocks in the child\.",
            "child exit code 0",
        )
    return Expect("ok", stdout="child exit code 0")


def _unpicklable(variant: str, method: str) -> Expect:
    if method == "fork":  # nothing is pickled: the child inherits the objects
        return Expect("ok", stdout="child exit code 0")
    if variant == "open-file":
        # "cannot serialize '_io.TextIOWrapper' object" (3.6, 3.7, PyPy), "cannot pickle
        # '_io.TextIOWrapper' object" (3.8-3.11), "cannot pickle 'TextIOWrapper' instances" (3.12+)
        return Expect(
            "error", r"TypeError: cannot (pickle|serialize) '(_io\.)?TextIOWrapper' (object|instances)"
        )
    what = {"lambda": "lambda", "closure": r"make_closure\.<locals>\.closure", "local-class": "Local"}
    return Expect("error", rf"(PicklingError|AttributeError): {NOT_BY_REFERENCE}.*{what[variant]}")


BOOTSTRAP = (
    r"RuntimeError: \s*An attempt has been made to start a new process before the\s+"
    r"current process has finished its bootstrapping phase"
)


def _missing_guard(variant: str, method: str) -> Expect:
    if method == "fork":
        return Expect("ok")
    return Expect("error", BOOTSTRAP, stop_on=BOOTSTRAP)


#: map-unpicklable: what each callable's pickling error names (lambda, local function, local class).
_MAP_NAMES = {"lambda": "<lambda>", "local": r"local_function\.<locals>\.double_locally", "method": "Doubler"}


def _map_unpicklable(variant: str, method: str) -> Expect:
    call, _, kind = variant.partition("-")
    if kind in ("", "partial"):  # a module-level function, or a partial of one: it pickles
        if PYPY and VERSION < (3, 10) and call != "pool" and method in ("spawn", "forkserver"):
            return Expect("error", r"AttributeError: .*'_adjust_process_count'")  # pypy/pypy#4922
        return Expect("ok", stdout=r"^\[0, 2, 4, 6, 8, 10, 12, 14\]$")
    if call == "executor" and PYPY and VERSION < (3, 10) and method in ("spawn", "forkserver"):
        return Expect("error", r"AttributeError: .*'_adjust_process_count'")
    if call == "executor" and not PYPY and VERSION < (3, 9):
        return Expect("hang")  # the lost task is waited for at shutdown (gh-83285, fixed in 3.9)
    # "Can't pickle <function <lambda> ...>: attribute lookup ... failed" / "it's not found as ...",
    # "Can't pickle local object ..." (<= 3.12, 3.14+), "Can't get local object ..." (3.13)
    if call == "executor" and not PYPY and VERSION < (3, 12):
        # or a hang in shutdown() (measured on 3.9.18 and 3.11.2; gh-116685 hangs up to 3.11)
        return Expect("error|hang")
    return Expect("error", rf"(PicklingError|AttributeError): {NOT_BY_REFERENCE}.*{_MAP_NAMES[kind]}")


_RES = r"^res: \[0, 1, 2, \.\.\., 63\]$"


def _main_not_importable(variant: str, method: str) -> Expect:
    if method == "fork":  # the children are copies: __main__ and f come with them
        return Expect("ok", stdout=_RES)
    if variant == "vetted":  # f comes from reference._work, which the children import
        if PYPY and VERSION < (3, 10):  # its executor under spawn/forkserver: pypy/pypy#4922
            return Expect("error", r"AttributeError: .*'_adjust_process_count'")
        return Expect("ok", stdout=_RES)
    if variant == "dash-c":  # no file: the children's __main__ has no f (3.14: other words)
        lost = (
            r"AttributeError: "
            r"(Can't get attribute 'f' on <module '__main__'|module '__main__' has no attribute 'f')"
        )
        return Expect("error", lost, stop_on=lost)
    # stdin: __main__.__file__ is '<stdin>', which the children (and a forkserver) try to run
    missing = r"FileNotFoundError: \[Errno 2\] No such file or directory: '[^']*<stdin>'"
    return Expect("error", missing, stop_on=missing)


def _submit_unpicklable(variant: str, method: str) -> Expect:
    if PYPY and VERSION < (3, 10) and variant != "pool-apply" and method in ("spawn", "forkserver"):
        return Expect("error", r"AttributeError: .*'_adjust_process_count'")  # pypy/pypy#4922
    # 3.6: the error never reaches the future (gh-75880); 3.7-3.8: the `with` block's wait (gh-83285)
    hangs_before = {"pool-apply": (3, 0), "executor-submit": (3, 7), "executor-cancel": (3, 9)}[variant]
    if not PYPY and hangs_before > VERSION:
        return Expect("hang")
    if variant == "executor-cancel":  # gh-116685: shutdown(cancel_futures=True) hangs, varying by run
        return Expect("error|hang")
    if PYPY:
        return Expect("error", r"PicklingError: Can't pickle <class '_thread\.lock'>")
    # "can't pickle _thread.lock objects" (3.6, 3.7), "cannot pickle '_thread.lock' object" (3.8+)
    return Expect("error", r"TypeError: (can't|cannot) pickle '?_thread\.lock'? object")


def _max_tasks(variant: str, method: str, *, explicit: bool = True) -> Expect:  # noqa: PLR0911 (one per case)
    if variant == "pool":  # Pool(maxtasksperchild=1): every task in a fresh worker
        return Expect("ok", stdout=r"^tasks 4, worker processes [34]$")
    if variant == "vetted":  # reference/recycle.py: its own workers, every version and start method
        return Expect(
            "ok",
            stdout=r"^tasks 3, worker processes 3\n"
            r"a killed worker: BrokenProcessPool: a worker died \(pid \d+\)$",
        )
    if VERSION < (3, 11):  # max_tasks_per_child is new in 3.11
        return Expect("error", r"TypeError: .*unexpected keyword argument 'max_tasks_per_child'")
    if method == "fork" and explicit:  # gh-90622; without a context it picks spawn
        return Expect("error", r"ValueError: max_tasks_per_child is incompatible with the 'fork'")
    if variant == "executor-one":
        return Expect("ok", stdout=r"^tasks 4, worker processes 4$")
    # gh-115634: the exited worker is never replaced; fixed in November 2025 (3.13.x, 3.14.x patches)
    if PYPY or VERSION < (3, 13):
        return Expect("hang")
    if VERSION < (3, 15):  # measured: 3.13.0 hangs, 3.13.18 and 3.14.10 work
        return Expect("ok|hang")
    return Expect("ok", stdout=r"^tasks 6, worker processes 3$")


def _gil_speedup(variant: str, method: str) -> Expect:
    return Expect("ok", stdout="^MATRIX-MEASURE ")


#: What the relied-on-fork cases print when their result is right (the child computed 4 x 10).
COMPUTED = "^child computed 40$"


def _fork_global(variant: str, method: str) -> Expect:
    if variant == "vetted" or method == "fork":  # the value passed, or the parent's memory copied
        return Expect("ok", stdout=COMPUTED)
    # spawn/forkserver re-import the module: the child reads SCALE = 1 and the program exits 0
    return Expect("wrong", stdout=r"^MATRIX-WRONG expected 40 \(4 x SCALE 10\), got 4$")


def _fork_handle(variant: str, method: str) -> Expect:
    pings = r"^child exit code 0 got \['ping'(, 'ping')?\]$"
    if variant == "epoll" and not hasattr(select, "epoll"):  # Linux only (select's docs)
        return Expect("error", r"AttributeError: module 'select' has no attribute 'epoll'")
    if variant in ("vetted", "socket") or method == "fork":  # multiprocessing passes a socket's fd
        return Expect("ok", stdout=pings)
    if variant == "epoll" and PYPY:  # PyPy 3.9/3.11 pickle an epoll as a new, empty one
        return Expect("wrong", stdout=r"^MATRIX-WRONG .*the epoll lost its registrations")
    what = {"lock": "_thread.lock", "epoll": "select.epoll"}[variant]
    if PYPY:  # its pure-Python pickler: "Can't pickle <class '_thread.lock'>: it's not found as ..."
        return Expect("error", rf"PicklingError: Can't pickle <class '{re.escape(what)}'>")
    # "can't pickle _thread.lock objects" (3.6, 3.7), "cannot pickle '_thread.lock' object" (3.8+)
    return Expect(
        "error",
        rf"TypeError: (cannot pickle '{re.escape(what)}' object|can't pickle {re.escape(what)} objects)",
    )


def _fork_nested(variant: str, method: str) -> Expect:
    if variant == "vetted" or method == "fork":
        return Expect("ok", stdout=COMPUTED)
    return Expect("error", rf"(PicklingError|AttributeError): {NOT_BY_REFERENCE}.*main\.<locals>\.work")


#: A child's traceback under an exit status of 0: the runner calls it ``error`` (its cause), here
#: the process exits 0 ("ok"), so the expectation allows both and pins the child's exception.
CHILD_FAILED = "ok|error"
#: The resource tracker's warning when it unlinks what is still registered at its end.
LEAKED = r"UserWarning: resource_tracker: There appear to be 1 leaked shared_memory objects"


def _shared_memory(variant: str, method: str) -> Expect:  # noqa: PLR0911 (one per variant)
    """Who unlinks the block (matrix/failure_rules/memory.py says why, with sources)."""
    if variant == "attach-exit":  # the child shares the creator's tracker under every method
        return Expect("ok", stdout=r"^still attachable after a child attached")
    if variant == "pool-first":  # fork: workers forked before the tracker existed start their own
        if method == "fork":
            return Expect("wrong", LEAKED, r"^MATRIX-WRONG the block was unlinked while its creator")
        return Expect("ok", stdout=r"^still attachable after a Pool made before the block")
    if variant == "no-unlink":  # the creator's tracker unlinks it at the end, with its warning
        return Expect("ok", LEAKED, r"^program: the child exited \(0\); exiting without unlink")
    if variant == "unregister":  # the child removed the creator's name from the shared set
        if PYPY and VERSION >= (3, 11):  # PyPy 3.11's tracker discards an unknown name silently
            return Expect("ok", stdout=r"^still attachable after a child attached, unregistered it")
        return Expect(CHILD_FAILED, r"KeyError: '/psm_[0-9a-f]+'", r"^still attachable")
    if variant == "unregister-leak":  # so nothing unlinks it when the creator does not
        return Expect("wrong", stdout=r"^MATRIX-WRONG leaked: the block is still in shared memory")
    if variant == "track-false":
        if VERSION >= (3, 13):
            return Expect("ok", stdout=r"^still attachable after a child attached with track=False")
        return Expect(CHILD_FAILED, r"TypeError: .*unexpected keyword argument 'track'", r"^still attachable")
    return Expect("ok", stdout=r"^during: b'shared!!' after: None squares: \[1, 4, 9, 64\]")


def _shared_memory_other(variant: str, method: str) -> Expect:
    if variant == "attach-exit":  # gh-82300: the other program's own tracker unlinks it at its exit
        return Expect("wrong", LEAKED, r"^MATRIX-WRONG the block was unlinked while its creator")
    if VERSION >= (3, 13):
        return Expect("ok", stdout=r"^attacher read b'shared!!'\nstill attachable after another program")
    return Expect(CHILD_FAILED, r"TypeError: .*unexpected keyword argument 'track'", r"^still attachable")


def _worker_logging(variant: str, method: str) -> Expect:
    if variant == "vetted":  # a QueueHandler per worker, a QueueListener in the parent
        return Expect("ok", stdout=r"^the parent's log got 5 of the workers' 5 records$")
    if variant == "thread-fork":  # bpo-6721: only 3.6 (no pytest here) hangs under fork
        return Expect("hang" if VERSION < (3, 7) and method == "fork" else "ok", stdout="")
    want = {"pool": 4, "process": 2}[variant]
    if method == "fork":  # the worker is a copy of the parent, its handler included
        return Expect("ok", stdout=rf"^the parent's log got {want} of the workers' {want} records$")
    # spawn/forkserver: the worker's root logger is unconfigured: its INFO records vanish
    return Expect(
        "wrong", stdout=rf"^MATRIX-WRONG expected the workers' {want} INFO records .*, got 0: \[\]$"
    )


def _ctrl_c(variant: str, method: str) -> Expect:
    if PYPY and VERSION < (3, 10) and variant != "pool-map" and method in ("spawn", "forkserver"):
        return Expect("error", r"AttributeError: .*'_adjust_process_count'")  # pypy/pypy#4922
    if variant == "executor-map":  # gh-125886: the queued 30 s tasks run before shutdown returns
        return Expect("hang")
    once = r"^parent KeyboardInterrupt: 1, worker tracebacks: "
    if variant == "pool-map":  # bpo-8296: each worker prints its own traceback, unless terminated first
        return Expect("wrong|ok", stdout=once)
    return Expect("ok", stdout=once + r"0 \(headers 0\), left alive: 0$")


def _process_interrupt(variant: str, method: str) -> Expect:
    if variant != "vetted" and VERSION < (3, 14):  # Process.interrupt() is new in 3.14
        return Expect("error", r"AttributeError: '\w+Process' object has no attribute 'interrupt'")
    if variant == "uncaught":  # the child's traceback, exit code 1 (the docs); the parent exits 0
        return Expect("ok|error", r"KeyboardInterrupt", r"^exit code 1, teardown ran: False$")
    return Expect("ok", stdout=r"^exit code 0, teardown ran: True$")


#: The measured outcome of each case: mode -> (variant, effective start method) -> Expect.
EXPECTED: dict[str, Callable[[str, str], Expect]] = {
    "killed-worker": _killed_worker,
    "pool-with-async": _pool_with_async,
    "terminate-mid-put": _terminate_mid_put,
    "join-before-drain": _join_before_drain,
    "fork-with-threads": _fork_with_threads,
    "unpicklable": _unpicklable,
    "missing-guard": _missing_guard,
    "map-unpicklable": _map_unpicklable,
    "main-not-importable": _main_not_importable,
    "submit-unpicklable": _submit_unpicklable,
    "max-tasks": _max_tasks,
    "gil-speedup": _gil_speedup,
    "fork-global": _fork_global,
    "fork-handle": _fork_handle,
    "fork-nested": _fork_nested,
    "shared-memory": _shared_memory,
    "shared-memory-other": _shared_memory_other,
    "worker-logging": _worker_logging,
    "ctrl-c": _ctrl_c,
    "process-interrupt": _process_interrupt,
}


@dataclass
class Ran:
    outcome: str  # "ok" | "error" | "hang", or alternatives: "error|hang" | "stopped" (stop_on matched)
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float


def run_case(tmp_path: Path, source: str, *, deadline: float, stop_on: str) -> Ran:
    script = tmp_path / "case.py"
    script.write_text(source)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for name in ("COVERAGE_PROCESS_START", "PYTHONWARNINGS"):
        env.pop(name, None)
    started = time.monotonic()
    outcome = ""
    exited = 0.0
    with Session([sys.executable, "-W", "default", str(script)], script.parent, env=env) as case:
        proc = case.proc
        while case.open:  # until both pipes close: every helper of the group is done writing
            if proc.poll() is None and time.monotonic() - started > deadline:
                outcome = "hang"
                break
            if proc.poll() is not None:
                exited = exited or time.monotonic()
                if time.monotonic() - exited > EXIT_GRACE:
                    break  # a helper keeps the pipes open: leaving the session ends it
            case.pump(0.02)
            if stop_on and re.search(stop_on, case.stderr):
                outcome = "stopped"
                break
    if not outcome:
        outcome = "ok" if proc.returncode == 0 else "error"
    if outcome == "ok" and wrong_result(case.stdout) is not None:  # as the runner classifies it
        outcome = "wrong"
    return Ran(
        outcome,
        None if outcome in ("hang", "stopped") else proc.returncode,
        case.stdout,
        case.stderr,
        time.monotonic() - started,
    )


@pytest.mark.parametrize(("mode", "variant"), CELLS, ids=[f"{m}-{v}" for m, v in CELLS])
def test_failure_mode(
    mode: str, variant: str, start_method: str | None, effective_method: str, tmp_path: Path
) -> None:
    setting = "default" if start_method is None else start_method
    if not applies(mode, variant, setting):
        pytest.skip(f"{mode} applies to start methods {FAILURE_MODES[mode].start_methods} only")
    if mode == "max-tasks":  # whether a context is passed at all matters (default: none, spawn)
        expect = _max_tasks(variant, effective_method, explicit=start_method is not None)
    else:
        expect = EXPECTED[mode](variant, effective_method)
    deadline = HANG_AFTER if "hang" in expect.outcome else FINISH_WITHIN
    ran = run_case(
        tmp_path, failure_script(mode, variant, setting), deadline=deadline, stop_on=expect.stop_on
    )
    where = f"{mode}/{variant} under {effective_method}: {ran.outcome} in {ran.seconds:.1f} s"
    if expect.stop_on:
        assert ran.outcome in ("stopped", "error", "hang"), f"{where}\n{ran.stderr}"
    else:
        assert ran.outcome in expect.outcome.split("|"), (
            f"{where}\nstdout: {ran.stdout}\nstderr: {ran.stderr}"
        )
    assert re.search(expect.stderr, ran.stderr), (
        f"{where}: stderr does not match {expect.stderr!r}:\n{ran.stderr}"
    )
    assert re.search(expect.stdout, ran.stdout, re.MULTILINE), f"{where}: stdout: {ran.stdout}"
    if expect.outcome == "ok":
        assert "Traceback" not in ran.stderr, ran.stderr
    if mode == "fork-with-threads" and "DeprecationWarning" not in expect.stderr:
        assert "DeprecationWarning" not in ran.stderr, ran.stderr
    if mode == "gil-speedup":
        check_measure(ran.stdout, start_method)


def _processes_status(start_method: str | None) -> str:
    """What the case's ProcessPoolExecutor should do here, derived from the version."""
    if start_method is not None and VERSION < (3, 7):  # mp_context is new in 3.7
        return r"error: TypeError: .*unexpected keyword argument 'mp_context'"
    if PYPY and VERSION < (3, 10) and (start_method or "fork") in ("spawn", "forkserver"):  # pypy#4922
        return r"error: AttributeError: .*_adjust_process_count"
    return "measured"


def check_measure(stdout: str, start_method: str | None) -> None:
    """The claim case's figures: every executor there, each as this interpreter offers it."""
    import concurrent.futures as cf

    from matrix.model import parse_measure as build

    data = parse_measure(stdout)
    assert data is not None, stdout
    measure = build(data)  # the record's model: no field missing, none unknown
    gil_enabled = getattr(sys, "_is_gil_enabled", None)
    assert measure.gil is (True if gil_enabled is None else bool(gil_enabled()))
    assert measure.gil_from == ("version" if gil_enabled is None else "sys._is_gil_enabled()")
    assert measure.workers == 2
    assert measure.rounds % 2 == 1  # the median is one round's figure
    assert measure.serial_s > 0
    assert len(measure.load) == (2 if hasattr(os, "getloadavg") else 0)
    status = {sp.executor: sp.status for sp in measure.executors}
    assert list(status) == ["threads", "processes", "interpreters"]
    offered = hasattr(cf, "InterpreterPoolExecutor")  # 3.14+, not PyPy
    assert status["interpreters"] == ("measured" if offered else "not offered")
    assert re.fullmatch(_processes_status(start_method), status["processes"]), status
    assert status["threads"] == "measured"
    for sp in measure.executors:
        if sp.status == "measured":
            assert sp.low is not None
            assert sp.median is not None
            assert sp.high is not None
            assert 0 < sp.low <= sp.median <= sp.high
            assert sp.start_s is not None
            assert sp.start_s >= 0
        else:
            assert (sp.median, sp.low, sp.high, sp.start_s) == (None, None, None, None)


def test_every_script_is_valid_python_36_syntax() -> None:
    """Scripts without ``reference`` run on 3.6+: no walrus, no ``f"{x=}"``, no ``from __future__``."""
    for mode, row in FAILURE_MODES.items():
        for variant in row.variants:
            for method in row.start_methods:
                source = failure_script(mode, variant, method)
                compile(source, f"{mode}-{variant}-{method}", "exec")
                assert ":=" not in source
                assert "from __future__" not in source
                assert not re.search(r"\{[^{}]*=\}", source)
                if "from reference" in source:  # needs Python 3.8+
                    assert variant.startswith("vetted"), (mode, variant)


def test_unknown_cells_are_refused() -> None:
    with pytest.raises(ValueError, match="no case"):
        failure_script("fork-with-threads", "exact", "spawn")
    with pytest.raises(ValueError, match="unknown start method"):
        failure_script("killed-worker", "pool", "threads")
    with pytest.raises(ValueError, match="no case"):
        failure_script("no-such-mode", "exact", "fork")
