"""Hostile faults against reference/shared_memory.py: the block is never unlinked while owned and
never left behind, and nothing else is (the autouse ``no_leftovers`` fixture checks processes and
threads; conftest checks semaphores).

Repeats: each in-process test runs :data:`RUNS` times (3) per start method and interpreter; the
whole-program test (a fresh interpreter, so that its resource tracker's stderr and exit can be
seen) once per start method. Every wait is bounded (:data:`BOUND`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import subprocess
import sys
import textwrap
import threading
import time
from multiprocessing.context import DefaultContext
from multiprocessing.process import BaseProcess
from multiprocessing.shared_memory import SharedMemory
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Dict, Iterator, List, cast

import pytest
from beside import at_once, skip_where_fork_beside_a_thread_may_hang
from expected import threads_maybe_beside_fork

from reference import shared_memory
from reference.shared_memory import attached, owned_block, vetted

SHM = Path("/dev/shm")
pytestmark = pytest.mark.skipif(not SHM.is_dir(), reason="looks for blocks in /dev/shm (Linux)")
RUNS = range(3)
BOUND = 30.0
REPO = Path(__file__).resolve().parents[2]


def _hold(name: str, ready: Event) -> None:
    """An attacher that stays attached until killed."""
    with attached(name) as shm:
        assert shm.buf is not None
        shm.buf[0] = 42
        ready.set()
        time.sleep(BOUND)


def _read(name: str) -> None:
    with attached(name) as shm:
        assert shm.buf is not None
        assert shm.buf[0] == 42


def _context(start_method: str | None) -> DefaultContext:
    return cast(DefaultContext, multiprocessing.get_context(start_method))


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("run", RUNS)
def test_attacher_killed_while_attached(start_method: str | None, run: int) -> None:
    ctx = _context(start_method)
    with owned_block(16) as shm:
        name = shm.name
        ready = ctx.Event()
        p = ctx.Process(target=_hold, args=(name, ready))
        p.start()
        try:
            assert ready.wait(BOUND), "the attacher never attached"
            p.kill()  # SIGKILL (POSIX)
        finally:
            p.join(BOUND)
        assert p.exitcode == -9
        assert (SHM / name).exists(), "unlinked by the killed attacher"
        reader = ctx.Process(target=_read, args=(name,))  # still attachable, the child's write kept
        reader.start()
        reader.join(BOUND)
        assert reader.exitcode == 0
    assert not (SHM / name).exists(), "left in /dev/shm"


@pytest.mark.parametrize("run", RUNS)
def test_work_that_raises_still_unlinks(start_method: str | None, run: int) -> None:
    ctx = _context(start_method)
    names: List[str] = []
    with pytest.raises(ZeroDivisionError), owned_block(16) as shm:  # noqa: PT012 (the work inside)
        names.append(shm.name)
        assert shm.buf is not None
        shm.buf[0] = 42
        p = ctx.Process(target=_read, args=(shm.name,))
        p.start()
        p.join(BOUND)
        assert p.exitcode == 0
        raise ZeroDivisionError("the work failed")
    assert not (SHM / names[0]).exists(), "left in /dev/shm"


def test_a_view_kept_alive_still_unlinks() -> None:
    """CPython's close() refuses while a memoryview of the block is alive (BufferError; PyPy's
    closes): unlink() runs all the same."""
    names: List[str] = []
    raised: List[BaseException] = []
    try:
        with owned_block(16) as shm:
            names.append(shm.name)
            assert shm.buf is not None
            view = shm.buf[:4]
    except BufferError as error:
        raised.append(error)
    assert len(raised) == (0 if sys.implementation.name == "pypy" else 1), raised
    view.release()
    assert not (SHM / names[0]).exists(), "left in /dev/shm"


@pytest.mark.parametrize("run", RUNS)
def test_two_threads_at_once(
    start_method: str | None, effective_method: str, run: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    skip_where_fork_beside_a_thread_may_hang(effective_method)
    # The blocks the two calls create, by name: a diff of /dev/shm would also see the blocks of the
    # tox envs running beside this one (it failed 5 times in one loaded suite run that way).
    created: List[str] = []
    real_owned_block = shared_memory.owned_block

    @contextlib.contextmanager
    def recorded(size: int) -> Iterator[SharedMemory]:
        with real_owned_block(size) as shm:
            created.append(shm.name)
            yield shm

    monkeypatch.setattr(shared_memory, "owned_block", recorded)
    # Before 3.13 under fork, a child forked while the other thread is inside the resource tracker
    # (creating or unlinking its block) inherits the tracker's lock held and hangs when it attaches
    # (it registers the name; 1 run in 3 on 3.11.7): the form's timeout ends it with RuntimeError.
    may_hang = effective_method == "fork" and sys.version_info < (3, 13)
    timeout = 5.0 if may_hang else BOUND
    started = time.monotonic()
    results = at_once(
        effective_method,
        lambda n: vetted([n, 2, 3, 255], 2, start_method=start_method, timeout=timeout),
        (5, 7),
        BOUND,
    )
    for n in (5, 7):
        got = results[n]
        if may_hang and isinstance(got, RuntimeError):
            assert "exit codes [-9" in str(got) or ", -9]" in str(got), got
        else:
            assert got == [n * n, 4, 9, 1], got
    assert time.monotonic() - started < BOUND
    assert len(created) == 2, created
    left = [name for name in created if (SHM / name).exists()]
    assert not left, f"left in /dev/shm: {left}"


def test_an_exit_code_another_thread_reaped(start_method: str | None, effective_method: str) -> None:
    """CPython gh-148318: a thread that ``waitpid()``s an attacher first (another caller's
    ``Process.start()`` polls every child) leaves its ``exitcode`` None for good; the form asks
    the block, not the exit code, whether each attacher finished (it raised ``RuntimeError``
    ``exit codes [None, None]`` here before: 1 false failure in one CI-like run, sid 3.13 fork)."""
    if effective_method == "forkserver":
        pytest.skip("the forkserver, not this process, is the attachers' parent: nothing to reap")
    skip_where_fork_beside_a_thread_may_hang(effective_method)
    reaped: Dict[BaseProcess, int] = {}
    reapers: List[threading.Thread] = []
    real_start = BaseProcess.start

    def reap(process: BaseProcess) -> None:  # first in the kernel's queue: it wins (fork: 20 of 20)
        assert process.pid is not None
        with contextlib.suppress(ChildProcessError):  # lost the race to the form's own join
            reaped[process] = os.waitpid(process.pid, 0)[1]

    def start_then_reap(self: BaseProcess) -> None:
        real_start(self)
        reapers.append(threading.Thread(target=reap, args=(self,)))
        reapers[-1].start()

    try:
        with pytest.MonkeyPatch.context() as patch, threads_maybe_beside_fork():
            patch.setattr(BaseProcess, "start", start_then_reap)
            got = vetted([3, 4, 5], 2, start_method=start_method, timeout=BOUND)
    finally:
        for t in reapers:
            t.join(BOUND)
        for process, status in reaped.items():  # what the race's winner does later: the exit is known
            process._popen.returncode = -1 if status else 0  # type: ignore[attr-defined]
    assert got == [9, 16, 25]
    assert set(reaped.values()) <= {0}
    assert not any(p.is_alive() for p in reaped)


PROGRAM = """\
import os, signal, sys, time
import multiprocessing
from reference import shared_memory
from reference.shared_memory import attached, owned_block, vetted


def hold(name, ready):
    with attached(name):
        ready.set()
        time.sleep(30)


if __name__ == "__main__":
    method = None if sys.argv[1] == "default" else sys.argv[1]
    ctx = multiprocessing.get_context(method)
    assert vetted([1, 2, 3, 200], 2, start_method=method) == [1, 4, 9, 64]
    with owned_block(8) as shm:
        print(shm.name)
        ready = ctx.Event()
        p = ctx.Process(target=hold, args=(shm.name, ready))
        p.start()
        assert ready.wait(30)
        os.kill(p.pid, signal.SIGKILL)
        p.join(30)
    try:
        with owned_block(8) as shm:
            print(shm.name)
            q = ctx.Process(target=hold, args=(shm.name, ctx.Event()))
            q.start()
            q.kill()
            q.join(30)
            raise KeyError("the work failed")
    except KeyError:
        pass
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_whole_program_leaves_nothing_and_no_warning(start_method: str | None, tmp_path: Path) -> None:
    """A fresh interpreter: its resource tracker has exited (stderr EOF) when this test looks."""
    script = tmp_path / "program.py"
    script.write_text(textwrap.dedent(PROGRAM), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    method = "default" if start_method is None else start_method
    run = subprocess.run(
        [sys.executable, "-W", "default", str(script), method],
        capture_output=True,
        text=True,
        timeout=BOUND * 2,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == "", run.stderr  # no tracker warning, no KeyError traceback
    names = run.stdout.split()
    assert len(names) == 2, run.stdout
    assert not [n for n in names if (SHM / n).exists()], "left in /dev/shm"
