"""The matrix runner's outcome classification, on tiny synthetic scripts (POSIX, fast)."""

from __future__ import annotations

import dataclasses
import multiprocessing
import sys
import textwrap
import time
from pathlib import Path

import pytest

from matrix import cases, supervise
from matrix.runner import (
    WRONG_PREFIX,
    RunResult,
    classify,
    parse_warnings,
    respawn_loop,
    run_script,
    wrong_result,
)
from matrix.stderr import PRELUDE, parse_exceptions
from matrix.supervise import semaphores

posix_only = pytest.mark.skipif(
    sys.platform == "win32", reason="POSIX only: sessions, process groups, SIGKILL (Windows: test_workflow)"
)

BOOTSTRAP_TB = """\
Traceback (most recent call last):
  File "<string>", line 1, in <module>
  File "/usr/lib/python3.12/multiprocessing/spawn.py", line 122, in spawn_main
    exitcode = _main(fd, parent_sentinel)
RuntimeError:
        An attempt has been made to start a new process before the
        current process has finished its bootstrapping phase.

        This probably means that you are not using fork to start your
        child processes and you have forgotten to use the proper idiom
"""


def run(tmp_path: Path, source: str, deadline: float = 3.0):  # type: ignore[no-untyped-def]
    script = tmp_path / "case.py"
    script.write_text(PRELUDE + textwrap.dedent(source), encoding="utf-8")  # as cases.source does
    return run_script([sys.executable, "-W", "default", str(script)], str(tmp_path), deadline=deadline)


# --- parsing (pure) ---------------------------------------------------------------------------


def test_parse_multiline_message_and_qualify() -> None:
    (exc,) = parse_exceptions(BOOTSTRAP_TB)
    assert exc.type == "builtins.RuntimeError"
    assert exc.message.startswith(
        "An attempt has been made to start a new process before the current process"
    )
    assert exc.message.endswith("bootstrapping phase.")


def test_parse_module_qualified_and_interleaved() -> None:
    stderr = (
        "Traceback (most recent call last):\n"
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1, in <module>\n'
        '  File "x.py", line 1, in <module>\n'
        "_pickle.PicklingError: Can't pickle local object <function f at 0x7f00deadbeef>\n"
        "_pickle.PicklingError: Can't pickle local object <function f at 0x7f00deadbeef>\n"
    )
    excs = parse_exceptions(stderr)
    assert [e.type for e in excs] == ["_pickle.PicklingError"]
    assert "0x…" in excs[0].message
    assert "deadbeef" not in excs[0].message


def test_parse_masks_pids_and_pool_worker_numbers() -> None:
    stderr = (
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1, in <module>\n'
        "ChildProcessError: pool worker SpawnPoolWorker-12 (pid 40213) exited with code -9 during map()\n"
    )
    (exc,) = parse_exceptions(stderr)
    assert exc.message == "pool worker SpawnPoolWorker-N (pid N) exited with code -9 during map()"


def test_respawn_loop_detection() -> None:
    same = (
        'Traceback (most recent call last):\n  File "a", line 1\nRuntimeError: context has already been set\n'
    )
    assert respawn_loop(same) is None  # one child died (e.g. a Process): not a loop by itself
    loop = respawn_loop(same * 2)
    assert loop is not None
    assert loop.message == "context has already been set"
    # One bootstrapping error is no loop: the parent may still exit (EOFError when the forkserver
    # died of it, 3.13) or wait forever for a lone Process.
    assert respawn_loop(BOOTSTRAP_TB) is None
    boot = respawn_loop(BOOTSTRAP_TB + BOOTSTRAP_TB)
    assert boot is not None
    assert "bootstrapping" in boot.message


def test_warnings_are_captured_and_pids_masked() -> None:
    stderr = (
        "/usr/lib/python3.12/multiprocessing/popen_fork.py:66: DeprecationWarning: This process "
        "(pid=4242) is multi-threaded, use of fork() may lead to deadlocks in the child.\n"
        "  self.pid = os.fork()\n"
    )
    assert parse_warnings(stderr) == [
        "DeprecationWarning: This process (pid=N) is multi-threaded, "
        "use of fork() may lead to deadlocks in the child."
    ]


def test_classify_records_the_parents_eoferror_and_the_childs_cause() -> None:
    stderr = (
        'Process Process-1:\nTraceback (most recent call last):\n  File "c", line 1\n'
        "ValueError: the real cause\n"
        'Traceback (most recent call last):\n  File "p", line 1\nEOFError\n'
        'MATRIX-EXCEPTION {"role": "parent", "type": "EOFError", "message": "", "lines": 3}\n'
    )
    res = classify(1, stderr, timed_out=False, loop=None)
    assert (res.outcome, res.exception, res.message, res.cause, res.cause_message, res.detection) == (
        "error",
        "builtins.EOFError",
        "",
        "builtins.ValueError",
        "the real cause",
        "exit",
    )


def assert_respawn_loop(res: RunResult) -> None:
    """A hang whose cause is the spawn/forkserver children's bootstrapping RuntimeError."""
    assert (res.outcome, res.exception, res.cause, res.detection) == (
        "hang",
        None,
        "builtins.RuntimeError",
        "respawn-loop",
    )
    assert res.cause_message is not None
    assert "bootstrapping phase" in res.cause_message


def test_classify_a_respawn_loop_is_a_hang_with_a_cause() -> None:
    loop = respawn_loop(BOOTSTRAP_TB * 2)
    res = classify(None, BOOTSTRAP_TB * 2, timed_out=False, loop=loop)
    assert_respawn_loop(res)


def test_classify_a_wrong_result_reported_by_the_case() -> None:
    """Exit 0 and a MATRIX-WRONG line: the program "works" and computes something else."""
    out = "child computed 4\n" + WRONG_PREFIX + "expected 40, got 4\n" + WRONG_PREFIX + "second\n"
    res = classify(0, "", timed_out=False, loop=None, stdout=out)
    assert (res.outcome, res.exception, res.message, res.exit_code, res.detection) == (
        "wrong",
        None,
        "expected 40, got 4",
        0,
        "exit",
    )
    child = classify(0, BOOTSTRAP_TB, timed_out=False, loop=None, stdout=out)
    assert (child.outcome, child.cause) == ("wrong", "builtins.RuntimeError")  # the child's is its cause
    # the marker only counts when the program exits 0 on its own, and only at a line's start
    assert classify(0, "", timed_out=False, loop=None, stdout="ok " + WRONG_PREFIX).outcome == "ok"
    assert classify(3, "", timed_out=False, loop=None, stdout=out).outcome == "crash"
    assert classify(None, "", timed_out=True, loop=None, stdout=out).outcome == "hang"
    parent = (
        'Traceback (most recent call last):\n  File "p", line 1\nValueError: x\n'
        'MATRIX-EXCEPTION {"role": "parent", "type": "ValueError", "message": "x", "lines": 3}\n'
    )
    assert classify(1, parent, timed_out=False, loop=None, stdout=out).outcome == "error"
    assert wrong_result(WRONG_PREFIX + "  \n") == "wrong result"


def test_run_script_reads_the_wrong_line_from_stdout(tmp_path: Path) -> None:
    script = tmp_path / "case.py"
    script.write_text(f"print({WRONG_PREFIX + 'expected 1, got 2'!r})\n")
    res = run_script([sys.executable, str(script)], str(tmp_path), deadline=30)
    assert (res.outcome, res.message, res.exit_code) == ("wrong", "expected 1, got 2", 0)


def test_classify_crash_and_hang() -> None:
    assert classify(-9, "", timed_out=False, loop=None).outcome == "crash"
    assert classify(3, "", timed_out=False, loop=None).outcome == "crash"
    hang = classify(None, "", timed_out=True, loop=None)
    assert (hang.outcome, hang.detection) == ("hang", "deadline")
    assert classify(None, "", timed_out=True, loop=None, detection="asleep").detection == "asleep"


def test_every_case_script_compiles() -> None:
    for cell in cases.all_cells():
        compile(cases.script(*cell), "-".join(cell), "exec")
    verbatim = cases.script("pool-close-join", "verbatim", "spawn")
    assert verbatim.startswith("# matrix case")
    assert "mp.set_start_method('spawn')\n" in verbatim
    assert "def f(x):\n\tdo_some_thing(x)\n" in verbatim  # the notes' tab is kept
    assert "if __name__" not in verbatim
    assert (
        'if __name__ == "__main__":\n    import multiprocessing as mp\n    mp.set_start_method'
        in cases.script("pool-with", "guarded", "fork")
    )
    assert cases.script("set-start-method", "twice", "fork").count("mp.set_start_method('fork')") == 2


def test_failure_mode_cells_are_matrix_cells() -> None:
    from matrix.failure_modes import all_failure_cells

    assert cases.every_cell() == cases.all_cells() + all_failure_cells()
    for cell in all_failure_cells():
        compile(cases.source(*cell), "-".join(cell), "exec")
    assert cases.needs_reference("terminate-mid-put", "vetted", "spawn")
    assert not cases.needs_reference("pool-with-async", "vetted", "spawn")
    assert not cases.needs_reference("killed-worker", "pool", "fork")
    assert cases.needs_reference("pool-with", "vetted", "fork")
    assert cases.is_claim("gil-speedup")
    assert not cases.is_claim("killed-worker")
    assert set(cases.KNOWN_HANGS) <= {(c[0], c[1]) for c in all_failure_cells()}


def test_claim_record_keeps_the_measure() -> None:
    from matrix import records
    from matrix.model import Facts, OsInfo, parse_record, to_json
    from matrix.runner import RunResult

    facts = Facts(
        "cpython-3.12.1@x", "CPython 3.12.1", "x", "/x", OsInfo("linux", "6"), "cpython", "3.12.1", "3.12.1",
        "b", True, "fork", ["fork", "spawn", "forkserver"],
    )  # fmt: skip
    line = (
        'MATRIX-MEASURE {"workers": 2, "rounds": 9, "serial_s": 0.2, "gil": true, "gil_from": "version", '
        '"load": [0.5, 0.7], "executors": [{"executor": "threads", "status": "measured", "start_s": 0.001, '
        '"median": 1.0, "low": 0.9, "high": 1.1}, {"executor": "processes", "status": "measured", '
        '"start_s": 0.1, "median": 2.0, "low": 1.8, "high": 2.1}, '
        '{"executor": "interpreters", "status": "not offered"}]}\n'
    )
    ok = RunResult("ok", stdout="noise\n" + line)
    rec = records.make_record(facts, ("gil-speedup", "measure", "spawn"), ok, 1, "t")
    assert rec.measure is not None
    assert [s.median for s in rec.measure.executors] == [1.0, 2.0, None]
    assert rec.measure.gil is True
    data = to_json(rec)
    assert data["measure"]["executors"][2] == {"executor": "interpreters", "status": "not offered"}
    assert data["measure"]["load"] == [0.5, 0.7]
    assert parse_record(data) == dataclasses.replace(rec, measured_at="")  # run-only: not in the JSON
    plain = records.make_record(
        facts, ("killed-worker", "pool", "fork"), RunResult("hang", stdout=line), 1, "t"
    )
    assert plain.measure is None
    assert "measure" not in to_json(plain)  # absent, not null: files without claims are unchanged
    assert records.measure_of("MATRIX-MEASURE {not json") is None
    assert records.measure_of('MATRIX-MEASURE {"serial_s": 1}') is None


def test_a_recorded_message_names_no_home_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    """An ImportError's message names the interpreter's file, under the home directory of whoever
    measured (CPython 3.7's shared-memory cells named the measuring user's ~/.pyenv/... in full): the
    record writes it ``~``."""
    from matrix import records
    from matrix.model import Facts, OsInfo
    from matrix.runner import RunResult

    monkeypatch.setenv("HOME", "/home/alice")
    facts = Facts(
        "cpython-3.7.16@x", "CPython 3.7.16", "x", "/x", OsInfo("linux", "6"), "cpython", "3.7.16", "3.7.16",
        "b", True, "fork", ["fork", "spawn", "forkserver"],
    )  # fmt: skip
    failed = RunResult(
        "error",
        exception="ImportError",
        message="cannot import name 'shared_memory' (/home/alice/.pyenv/versions/3.7.16/lib/x.py)",
        cause="ModuleNotFoundError",
        cause_message="No module named '_posixshmem' (/home/alice/.pyenv/lib)",
    )
    rec = records.make_record(facts, ("shared-memory", "vetted", "fork"), failed, 1, "t")
    assert rec.message == "cannot import name 'shared_memory' (~/.pyenv/versions/3.7.16/lib/x.py)"
    assert rec.cause_message == "No module named '_posixshmem' (~/.pyenv/lib)"


# --- running (real processes) -----------------------------------------------------------------


@posix_only
def test_ok(tmp_path: Path) -> None:
    res = run(tmp_path, "print('hi')\n")
    assert (res.outcome, res.exit_code, res.stdout) == ("ok", 0, "hi\n")
    assert res.cleanup == []


@posix_only
def test_error_in_parent(tmp_path: Path) -> None:
    res = run(tmp_path, "raise KeyError('nope')\n")
    assert (res.outcome, res.exception, res.cause, res.exit_code) == ("error", "builtins.KeyError", None, 1)


@posix_only
def test_error_from_child_traceback_when_parent_exits_0(tmp_path: Path) -> None:
    res = run(
        tmp_path,
        """
        import multiprocessing as mp
        def boom():
            raise ValueError("child failed")
        if __name__ == "__main__":
            p = mp.get_context("fork").Process(target=boom)
            p.start()
            p.join()
        """,
    )
    assert (res.outcome, res.exception, res.cause, res.cause_message, res.exit_code) == (
        "error",
        None,
        "builtins.ValueError",
        "child failed",
        0,
    )


@posix_only
def test_hang_is_detected_fast_and_the_group_is_killed(tmp_path: Path) -> None:
    start = time.monotonic()
    res = run(
        tmp_path,
        """
        import subprocess, sys, time
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # a grandchild
        time.sleep(60)
        """,
        deadline=1.0,
    )
    assert time.monotonic() - start < 3.0
    assert res.outcome == "hang"
    assert res.exit_code is None
    assert res.pgid is not None
    assert supervise.group_members(res.pgid) == []
    assert any("killed 2 process(es)" in c for c in res.cleanup), res.cleanup


@posix_only
def test_a_respawn_loop_ends_the_case_at_once_as_a_hang(tmp_path: Path) -> None:
    res = run(
        tmp_path,
        """
        import multiprocessing as mp
        def f(x):
            return x
        with mp.get_context("spawn").Pool(2) as p:  # unguarded: every worker dies on start
            p.map(f, range(4))
        """,
        deadline=30.0,
    )
    assert res.seconds < 20.0  # stopped at the first repeat, not at the deadline
    assert_respawn_loop(res)
    assert res.pgid is not None
    assert supervise.group_members(res.pgid) == []


@posix_only
def test_a_lone_child_failing_on_start_is_no_loop(tmp_path: Path) -> None:
    res = run(
        tmp_path,
        """
        import multiprocessing as mp
        def child():
            pass
        p = mp.get_context("spawn").Process(target=child)  # unguarded: the child dies on start
        p.start()
        p.join()
        """,
    )
    assert (res.outcome, res.exception, res.cause, res.detection, res.exit_code) == (
        "error",
        None,
        "builtins.RuntimeError",
        "exit",
        0,
    )


@posix_only
def test_crash_by_signal(tmp_path: Path) -> None:
    res = run(tmp_path, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
    assert (res.outcome, res.exit_code, res.message) == ("crash", -9, "killed by SIGKILL")


@posix_only
def test_nonzero_exit_without_traceback_is_a_crash(tmp_path: Path) -> None:
    res = run(tmp_path, "import os\nos._exit(3)\n")
    assert (res.outcome, res.exit_code) == ("crash", 3)


@posix_only
def test_leaked_semaphore_of_a_killed_case_is_removed(tmp_path: Path) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir():
        pytest.skip("no /dev/shm")
    res = run(
        tmp_path,
        """
        import multiprocessing as mp, sys, time
        if __name__ == "__main__":
            sem = mp.get_context("spawn").Semaphore()  # not unlinked at once, unlike under fork
            print(sem._semlock.name, flush=True)
            time.sleep(60)
        """,
        deadline=1.5,
    )
    assert res.outcome == "hang"
    name = res.stdout.strip().lstrip("/")
    assert name.startswith("mp-"), res.stdout
    # The outcome, not who achieved it: the group kill races with the case's resource tracker,
    # which may unlink the semaphore itself before it dies (seen under load, py39-spawn). Either
    # way nothing is left, no removal is reported as failed, and the record claims at most the one
    # semaphore there was.
    assert not (shm / ("sem." + name)).exists()
    assert not [c for c in res.cleanup if "could not remove" in c], res.cleanup
    claimed = [c for c in res.cleanup if "leaked POSIX semaphore" in c]
    assert len(claimed) <= 1, res.cleanup
    assert all("removed 1 leaked POSIX semaphore" in c for c in claimed), res.cleanup


@pytest.mark.skipif(not supervise.HAVE_PROC, reason="Linux: semaphores are files in /dev/shm, maps in /proc")
def test_orphaned_semaphores_are_the_unmapped_ones(tmp_path: Path) -> None:
    orphan = tmp_path / "sem.mp-orphan"
    orphan.write_bytes(b"\0" * 32)
    (tmp_path / "sem.other").write_bytes(b"\0" * 32)  # not multiprocessing's
    assert supervise.orphaned_semaphores(tmp_path) == [orphan]
    assert supervise.orphaned_semaphores(tmp_path, since=orphan.stat().st_ctime + 10) == []
    # A semaphore this process maps is not one (spawn keeps its name linked for the children).
    lock = multiprocessing.get_context("spawn").Lock()
    mine = Path(supervise.SHM) / ("sem." + lock._semlock.name.lstrip("/"))  # type: ignore[attr-defined]
    assert mine.exists()
    assert mine not in supervise.orphaned_semaphores(since=time.time() - 60)
    del lock


@pytest.mark.skipif(not supervise.HAVE_PROC, reason="Linux: semaphores are files in /dev/shm, maps in /proc")
def test_the_run_removes_orphans_that_appeared_during_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matrix import leftovers

    monkeypatch.setattr(semaphores, "ORPHAN_GRACE", 0.0)
    shm = tmp_path / "dev" / "shm"
    shm.mkdir(parents=True)
    older = shm / "sem.mp-before"
    older.write_bytes(b"\0" * 32)
    before: dict[Path | None, list[Path]] = {tmp_path: leftovers.shm_semaphores(tmp_path)}
    orphan = shm / "sem.mp-orphan"
    orphan.write_bytes(b"\0" * 32)
    removed, left = leftovers.unclaimed_semaphores(before)
    assert (removed, left) == ([str(orphan)], [])
    assert not orphan.exists()
    assert older.exists()  # not this run's: never touched
    assert leftovers.unclaimed_semaphores(before) == ([], [])


@pytest.mark.skipif(not supervise.HAVE_PROC, reason="Linux: semaphores are files in /dev/shm, maps in /proc")
def test_end_group_removes_orphans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    monkeypatch.setattr(semaphores, "ORPHAN_GRACE", 0.0)
    born = time.time() - 1
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    try:
        (tmp_path / "sem.mp-left").write_bytes(b"\0" * 32)
        notes = supervise.end_group(proc.pid, since=born, shm=tmp_path)
    finally:
        proc.kill()
        proc.wait()
    assert notes[0].startswith("killed 1 process(es)")
    assert notes[-1] == f"removed 1 orphaned POSIX semaphore(s) {tmp_path}/sem.mp-*"
    assert not (tmp_path / "sem.mp-left").exists()
    assert supervise.group_members(proc.pid) == []
