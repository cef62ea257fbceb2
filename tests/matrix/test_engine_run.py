"""A whole run (matrix.engine.run) end to end on a small fake interpreter set and a few cells, and
the run surviving its own faults (issue 14, section 3): concurrent runs, SIGTERM/SIGHUP/a second
Ctrl-C, what a killed run left behind, interpreters that are no Python, unwritable results."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any, List

import pytest

from matrix import cli, engine, interpreters, leftovers, store, supervise, validate
from matrix.interpreters import Interpreter
from matrix.plan import Refused, plan_interpreters

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="process groups and signals: POSIX")

REPO = Path(__file__).resolve().parents[2]
FAST = [("thread-event", "vetted", "default"), ("pool-return", "vetted", "fork")]
#: The unguarded Queue receiver under spawn hangs until the 3 s deadline: a case still running
#: when the runner is signalled.
HANGING = ("queue-function", "verbatim", "spawn")


@pytest.fixture(scope="module")
def python() -> Interpreter:
    """This interpreter, probed (one real interpreter, the base of the fake set)."""
    probed = interpreters.probe(Interpreter((sys.executable,), "test"))
    assert probed.facts is not None
    assert probed.facts.error is None, probed.facts
    return probed


def fake_set(python: Interpreter) -> List[Interpreter]:
    """Two 'platforms' that run this interpreter: a second build string makes a second file."""
    assert python.facts is not None
    other = dataclasses.replace(python.facts, name="fake-build@test", label="Fake", build="fake build")
    return [python, dataclasses.replace(python, facts=other)]


def options(results: Path, cells: Any = FAST, readme: Path | None = None) -> engine.Options:
    return engine.Options(cells=list(cells), results_dir=results, readme=readme, jobs=2)


def test_a_whole_run_on_a_fake_interpreter_set(tmp_path: Path, python: Interpreter) -> None:
    results = tmp_path / "results"
    results.mkdir()
    said: List[str] = []
    events: List[engine.Event] = []
    summary = engine.run(
        options(results, readme=tmp_path / "README.md"),
        say=said.append,
        on_event=events.append,
        interps=fake_set(python),
    )
    assert not summary.interrupted
    assert not summary.unsaved
    assert len(summary.records) == 4
    assert len(events) == 4
    files = sorted(results.glob("*.json"))
    assert len(files) == 2
    assert [p.name for p in files] == sorted(p.name for p in summary.written)
    for path in files:  # the per-run details went to the untracked run log, not the results
        log = json.loads((results / store.RUN_LOG_DIRNAME / path.name).read_text(encoding="utf-8"))
        assert {(c["pattern"], c["variant"], c["start_method"]) for c in log["cells"]} == set(FAST)
        assert all(c["seconds"] > 0 and c["measured_at"] for c in log["cells"]), log
        assert '"seconds"' not in path.read_text(encoding="utf-8")
    for path in files:
        rf = validate.read_stored(path)
        assert {(r.pattern, r.variant, r.start_method) for r in rf.records} == set(FAST)
        assert not rf.complete  # two cells of 151
    assert summary.rendered[:2] == [tmp_path / "README.md", tmp_path / "index.html"]
    assert (tmp_path / "CHANGES.md").is_file()  # the first export: its platforms added
    assert "Fake" in (tmp_path / "README.md").read_text(encoding="utf-8")
    assert any(line.startswith("measuring 4 cells on 2 interpreters") for line in said)
    # a second run keeps the first's records and reports the cells that changed (here: new ones)
    again = engine.run(
        options(results, cells=[FAST[0], ("thread-event", "guarded", "default")]),
        say=said.append,
        interps=fake_set(python),
    )
    assert sorted(again.changes) == [
        f"{label}: thread-event/guarded/default: (none) -> ok" for label in ("CPython 3.11.7", "Fake")
    ]
    for path in files:
        assert len(validate.read_stored(path).records) == 3


def test_an_unchanged_re_measure_changes_one_line(tmp_path: Path, python: Interpreter) -> None:
    """Re-measuring cells whose outcome is the same changes only the platform's "last verified"
    line: timings, cleanup notes and timestamps live in the untracked run log."""
    results = tmp_path / "results"
    results.mkdir()
    engine.run(options(results), say=lambda _: None, interps=[python])
    (path,) = results.glob("*.json")
    before = path.read_text(encoding="utf-8").splitlines()
    time.sleep(1.1)  # measured_at has whole seconds: make sure it moves
    engine.run(options(results), say=lambda _: None, interps=[python])
    after = path.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after)
    assert len(changed) == 1, changed
    assert changed[0][0].lstrip().startswith('"measured_at"')


def test_concurrent_runs_lose_no_record(tmp_path: Path) -> None:
    """Two runs on the same platform at once: both files' cells end up in the one results file."""
    results = tmp_path / "results"
    results.mkdir()
    base = [sys.executable, "-m", "matrix", "run", "--interpreter", sys.executable, "--no-render"]
    base += ["--results-dir", str(results), "--variant", "vetted", "--start-method", "default"]
    runs = [
        subprocess.Popen(
            [*base, "--pattern", p], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for p in ("thread-event", "pool-return")
    ]
    outs = [r.communicate(timeout=120) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outs
    (path,) = results.glob("*.json")
    cells = {(r.pattern, r.variant, r.start_method) for r in validate.read_stored(path).records}
    assert cells == {("thread-event", "vetted", "default"), ("pool-return", "vetted", "default")}


def test_a_run_waits_for_the_lock_and_says_so(tmp_path: Path, python: Interpreter) -> None:
    results = tmp_path / "results"
    results.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDONLY); "
            "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(1.5)",
            str(results),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        said: List[str] = []
        summary = engine.run(options(results, cells=FAST[:1]), say=said.append, interps=[python])
    finally:
        holder.communicate(timeout=30)
    assert any(s.startswith(f"waiting: another matrix process holds the lock of {results}") for s in said)
    assert len(summary.written) == 1


def start_run(results: Path, *cells: tuple) -> subprocess.Popen[str]:  # type: ignore[type-arg]
    argv = [
        sys.executable,
        "-m",
        "matrix",
        "run",
        "--interpreter",
        sys.executable,
        "--no-render",
        "--jobs",
        "2",
    ]
    argv += ["--results-dir", str(results)]
    for pattern in {c[0] for c in cells}:
        argv += ["--pattern", pattern]
    for variant in {c[1] for c in cells}:
        argv += ["--variant", variant]
    for method in {c[2] for c in cells}:
        argv += ["--start-method", method]
    return subprocess.Popen(
        argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


@pytest.mark.parametrize(
    "signals",
    [
        [signal.SIGTERM],
        [signal.Signals["SIGHUP"]],
        [signal.SIGINT, signal.SIGINT],
        [signal.SIGTERM, signal.SIGINT, signal.Signals["SIGHUP"]],
    ],
    ids=["SIGTERM", "SIGHUP", "Ctrl-C twice", "three signals"],
)
def test_a_signalled_run_saves_what_it_measured(tmp_path: Path, signals: List[signal.Signals]) -> None:
    """The running case is ended at once (not recorded: it was cut short), the measured cells are
    saved with complete=false, further signals only say so, nothing of the run is left."""
    results = tmp_path / "results"
    results.mkdir()
    run = start_run(results, HANGING, ("queue-function", "verbatim", "fork"))
    assert run.stderr is not None
    assert run.stdout is not None
    said: List[str] = []
    reader = threading.Thread(target=lambda: said.extend(run.stderr or []), daemon=True)
    reader.start()
    cases = wait_for_hanging_case(run.pid, said)  # the fork cell recorded, the spawn cell hanging
    signalled = time.monotonic()
    for sig in signals:  # the later ones while the run ends its cases and saves
        run.send_signal(sig)
        time.sleep(0.02)
    with run.stdout, run.stderr:
        out = run.stdout.read()
        run.wait(timeout=60)
        reader.join(timeout=10)
    err = "".join(said)
    assert run.returncode == 130, (out, err)
    assert time.monotonic() - signalled < 2.0  # the hanging case was not left to its 3 s deadline
    assert "Traceback" not in err
    if len(signals) > 1:
        assert "already stopping" in err
    (path,) = results.glob("*.json")
    rf = validate.read_stored(path)
    assert not rf.complete
    cells = {(r.pattern, r.variant, r.start_method): r.outcome for r in rf.records}
    assert cells[("queue-function", "verbatim", "fork")] == "ok"
    assert HANGING not in cells  # cut short: no measurement, and not a false "hang"
    assert "partial files flagged complete=false" in out
    for pgid in cases:
        assert supervise.group_members(pgid) == []
    assert not [d for d in scratch_dirs() if owner_pid(d) == run.pid]


def wait_for_hanging_case(runner_pid: int, said: List[str], timeout: float = 30.0) -> List[int]:
    """Wait until the run has recorded the fork cell (its progress line) while the hanging case
    still runs; the hanging case's group."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = case_groups(runner_pid)
        if now and any("queue-function/verbatim/fork: ok" in line for line in list(said)):
            return now
        time.sleep(0.05)
    raise AssertionError(f"the run did not reach one hanging case in {timeout} s: {said}")


def case_groups(runner_pid: int) -> List[int]:
    """The process groups of the cases ``runner_pid`` is running (its marked children)."""
    if sys.platform == "win32":  # no /proc, no process groups
        return []
    else:  # the body: skipped by type checkers for win32
        groups = []
        for entry in Path("/proc").iterdir():
            try:
                if (
                    not entry.name.isdigit()
                    or int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) != runner_pid
                ):
                    continue
                if leftovers.ENV_MARK.encode() in (entry / "environ").read_bytes():
                    groups.append(os.getpgid(int(entry.name)))
            except (OSError, ProcessLookupError, IndexError, ValueError):
                continue
        return groups


def scratch_dirs() -> List[Path]:
    return list(Path(tempfile.gettempdir()).glob(leftovers.PREFIX + "*"))


def owner_pid(d: Path) -> int | None:
    try:
        pid = json.loads((d / leftovers.OWNER_FILE).read_text(encoding="utf-8"))["pid"]
    except (OSError, ValueError, KeyError):
        return None
    return pid if isinstance(pid, int) else None


def test_what_a_killed_run_left_is_swept(tmp_path: Path) -> None:
    """A scratch dir whose owner is dead, its marked case group and its orphaned semaphore go;
    a live run's dir, an older semaphore and unmarked processes stay."""
    # Private to this test, so that no other sweeper on the machine can race it: a concurrent
    # run's sweep (or an xdist worker's engine run) unlinks every unmapped sem.mp-* file in
    # /dev/shm created since its own dead run started, which took "older" there (flaky under
    # load); and a mark (the dead dir's name) shared by two copies of this test let one kill the
    # other's case. The sweeper sees a semaphore only by name, ctime and mapping (inode), so
    # files stand in for semaphores that nothing maps.
    shm = tmp_path / "shm"
    shm.mkdir()
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    older = shm / f"sem.mp-test-older-{tag}"
    older.write_bytes(b"")
    time.sleep(0.05)
    dead = subprocess.run(["true"], check=True)
    dead_pid = subprocess.Popen(["true"])
    dead_pid.wait()
    killed_dir = tmp_path / f"{leftovers.PREFIX}killed-{tag}"
    killed_dir.mkdir()
    (killed_dir / leftovers.OWNER_FILE).write_text(
        json.dumps({"pid": dead_pid.pid, "ticks": None, "started": time.time()}), encoding="utf-8"
    )
    live_dir = tmp_path / f"{leftovers.PREFIX}live-{tag}"
    live_dir.mkdir()
    leftovers.mark(live_dir)
    time.sleep(0.05)
    orphan = shm / f"sem.mp-test-orphan-{tag}"
    orphan.write_bytes(b"")
    case = subprocess.Popen(
        ["sleep", "1000"], env=leftovers.case_env(dict(os.environ), killed_dir), start_new_session=True
    )
    unmarked = subprocess.Popen(["sleep", "1000"], start_new_session=True)
    try:
        notes = leftovers.sweep([tmp_path], shm=shm)
        assert case.wait(timeout=5) == -signal.Signals["SIGKILL"]
        assert unmarked.poll() is None
        assert not killed_dir.exists()
        assert live_dir.exists()
        assert not orphan.exists()
        assert older.exists()
        assert any("scratch dir(s) of an earlier run" in n for n in notes)
        assert any("killed 1 process(es) of its cases: sleep" in n for n in notes)
        assert any("removed 1 orphaned" in n for n in notes)
        assert leftovers.sweep([tmp_path], shm=shm) == []  # nothing left to do
    finally:
        unmarked.kill()
        unmarked.wait()
        if case.poll() is None:
            case.kill()
            case.wait()
    assert dead.returncode == 0


def script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(0o755)
    return path


PYTHON27 = interpreters.pyenv_root() / "versions" / "2.7.18" / "bin" / "python"


@pytest.mark.parametrize("kind", ["/bin/true", "shell script", "python2.7"])
def test_not_a_supported_python_is_refused(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    exe = {
        "/bin/true": Path("/bin/true"),
        "shell script": script(tmp_path / "python3", "echo hello\n"),
        "python2.7": PYTHON27,
    }[kind]
    if not exe.exists():
        pytest.skip(f"{exe} is not installed")
    results = tmp_path / "results"
    results.mkdir()
    rc = cli.main(["run", "--interpreter", str(exe), "--results-dir", str(results), "--no-render"])
    err = capsys.readouterr().err
    assert rc == 2
    assert f"--interpreter {exe}: not a Python the matrix can measure" in err
    assert err.count("\n") == 1
    assert list(results.iterdir()) == []


def test_a_hanging_probe_is_killed_with_its_whole_group(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    exe = script(tmp_path / "python3", f"sleep 1000 &\necho $$ $! > {pids}\nsleep 1000\n")
    with pytest.raises(Refused, match=r"no answer within 0.5 s \(killed\)"):
        plan_interpreters([str(exe)], include_lanes=False, probe_timeout=0.5)
    pgid, child = map(int, pids.read_text(encoding="utf-8").split())
    assert supervise.group_members(pgid) == []  # the script and its background child (zombies aside)
    assert child != pgid


def test_an_unwritable_results_dir_is_found_before_measuring(
    tmp_path: Path, python: Interpreter, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(results_dir: Path) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(store, "check_writable", read_only)
    events: List[engine.Event] = []
    with pytest.raises(Refused, match=r"cannot write to .*: Read-only file system; nothing measured") as info:
        engine.run(options(tmp_path), say=lambda _: None, on_event=events.append, interps=[python])
    assert info.value.exit_code == 1
    assert events == []


def test_a_failed_write_keeps_the_records_recoverable(
    tmp_path: Path, python: Interpreter, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = tmp_path / "results"
    results.mkdir()

    def disk_full(path: Path, text: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store, "atomic_write_text", disk_full)
    said: List[str] = []
    summary = engine.run(options(results, readme=tmp_path / "README.md"), say=said.append, interps=[python])
    ((target, kept, why),) = summary.unsaved
    try:
        assert why == "No space left on device"
        assert any(f"the 2 measured record(s) are kept in {kept}" in s for s in said)
        assert list(results.iterdir()) == []
        assert summary.rendered == []
        monkeypatch.undo()
        assert cli.main(["merge", str(kept), "--results-dir", str(results), "--no-render"]) == 0
        assert len(validate.read_stored(target).records) == 2
    finally:
        kept.unlink()


def test_help_lists_the_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in cli.SUBCOMMANDS:
        assert command in out
    assert "re-render matrix/README.md" in out
