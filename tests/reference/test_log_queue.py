"""Hostile tests of reference/log_queue.py: every record arrives (counted), the block's end is bounded
even when a worker was SIGKILLed while logging, two threads can use the form at once, an exception of
the work or of the block comes out unchanged, and nothing is left behind (the autouse
``no_leftovers`` fixture checks processes and threads; conftest checks semaphores).

Repeats (:data:`RUNS`): run 0 in every tox env, runs 1-5 where the slow tests run (3.13 under
every start method). Measured before landing: the whole file 3 times under each of fork, spawn and
forkserver on 3.11 (the SIGKILL test 54 times: the survivor exited with all its records every time),
once each on 3.8 (fork, spawn), 3.12 (forkserver), 3.14 (all three), PyPy 3.9 (fork, spawn) and
PyPy 3.11 (spawn), every repeat included.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Iterator, List

import log_workers
import pytest
from beside import at_once, skip_where_fork_beside_a_thread_may_hang
from expected import executor_without_dynamic_spawn, threads_beside_fork

from reference.log_queue import send_logs_to, worker_logs
from reference.start_method import context_for

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
SLOW_REPEATS = 6
RUNS = [pytest.param(run, marks=pytest.mark.slow if run else ()) for run in range(SLOW_REPEATS)]
#: Every block below ends well within this (spawned workers start in ~0.1-1 s each).
BOUND = 30.0
REPO = Path(__file__).resolve().parents[2]


class Collect(logging.Handler):
    """The parent's handler: keeps every message (the listener calls it from its thread)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def tagged(self, tag: str) -> List[str]:
        return [m for m in self.messages if m.startswith(tag + " ")]


@pytest.fixture
def collected() -> Iterator[Collect]:
    """The root logger at INFO with only :class:`Collect`, as a program's basicConfig would set it."""
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    handler = Collect()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.handlers[:] = saved
        root.setLevel(level)


@pytest.mark.parametrize("run", RUNS)
def test_every_record_arrives_from_a_pool_and_processes(
    start_method: str | None, effective_method: str, collected: Collect, run: int
) -> None:
    ctx = context_for(start_method)
    started = time.monotonic()
    with threads_beside_fork(effective_method), worker_logs(ctx) as logargs:
        pool = ctx.Pool(2, initializer=send_logs_to, initargs=logargs)
        try:
            assert pool.map(log_workers.log_item, [("pool", x) for x in range(200)]) == list(range(200))
            pool.close()
        finally:
            pool.terminate() if sys.exc_info()[0] else pool.join()
        procs = [ctx.Process(target=log_workers.log_many, args=(logargs, f"p{i}", 500)) for i in range(2)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(BOUND)
    assert [p.exitcode for p in procs] == [0, 0]
    assert sorted(collected.tagged("pool")) == sorted(f"pool {x}" for x in range(200))
    for i in range(2):
        assert collected.tagged(f"p{i}") == [f"p{i} {x}" for x in range(500)]  # in order, none lost
    assert time.monotonic() - started < BOUND


@pytest.mark.parametrize("run", RUNS)
def test_terminate_loses_no_record_already_logged(
    start_method: str | None, effective_method: str, collected: Collect, run: int
) -> None:
    """``with Pool`` ends in ``terminate()``: a record is in the manager once ``info()`` returns."""
    ctx = context_for(start_method)
    with threads_beside_fork(effective_method), worker_logs(ctx) as logargs:  # noqa: SIM117
        with ctx.Pool(2, initializer=send_logs_to, initargs=logargs) as pool:
            pool.map(log_workers.log_item, [("t", x) for x in range(300)])
    assert sorted(collected.tagged("t")) == sorted(f"t {x}" for x in range(300))


@pytest.mark.parametrize("run", RUNS)
def test_an_executor_initializer_and_work_that_raises(
    start_method: str | None, effective_method: str, collected: Collect, run: int
) -> None:
    """The work raises on item 13: that ValueError comes out of the block, not a TimeoutError, and
    the records logged before it (item 13's included) arrive."""
    if executor_without_dynamic_spawn(effective_method):
        pytest.skip("PyPy 7.3.11's executor cannot start under spawn/forkserver (tests/expected.py)")
    ctx = context_for(start_method)
    items = [("ex", x) for x in range(40)]
    with pytest.raises(ValueError, match="bad item 13"), threads_beside_fork(effective_method):  # noqa: PT012, SIM117
        with worker_logs(ctx) as logargs:
            with ProcessPoolExecutor(2, mp_context=ctx, initializer=send_logs_to, initargs=logargs) as ex:
                list(ex.map(log_workers.log_item_fail_on_13, items))
    assert "ex 13" in collected.tagged("ex")


def test_the_block_s_own_exception_is_not_replaced(collected: Collect) -> None:
    with pytest.raises(KeyError, match="mine"), worker_logs() as logargs:  # noqa: PT012
        assert logargs[1] == logging.INFO  # the parent's level travels with the queue
        raise KeyError("mine")


def test_a_handler_stuck_past_the_timeout_is_a_timeout_error(collected: Collect) -> None:
    """The bound itself: a record the listener cannot hand on (here a handler that blocks, standing
    for a torn record) makes the block end with TimeoutError after ``timeout`` s, not a hang."""
    release = threading.Event()

    class Stuck(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            release.wait(BOUND)

    logging.getLogger().addHandler(Stuck())
    started = time.monotonic()
    try:
        timeout = pytest.raises(TimeoutError, match=r"still reads after 0.5 s")
        with timeout, worker_logs(timeout=0.5) as logargs:
            logargs[0].put(logging.makeLogRecord({"msg": "stuck", "levelno": logging.INFO}))
            time.sleep(0.3)  # the listener is inside the handler now
        assert 0.5 <= time.monotonic() - started < 5.0
    finally:
        release.set()  # the listener hands on the record and ends (no_leftovers waits for it)


@posix_only
@pytest.mark.parametrize("run", RUNS)
def test_a_worker_killed_while_logging(
    start_method: str | None, effective_method: str, collected: Collect, run: int
) -> None:
    """Two workers log as fast as they can; one is SIGKILLed meanwhile. The block ends within the
    bound, the survivor exits and all its 3000 records arrive (with a multiprocessing.Queue the
    survivor was stuck in 33 of 54 runs: the victim died holding the queue's write lock)."""
    ctx = context_for(start_method)
    started = time.monotonic()
    with threads_beside_fork(effective_method), worker_logs(ctx) as logargs:
        victim = ctx.Process(target=log_workers.log_many, args=(logargs, "victim", 1_000_000))
        survivor = ctx.Process(target=log_workers.log_many, args=(logargs, "survivor", 3000))
        victim.start()
        survivor.start()
        deadline = time.monotonic() + BOUND
        while not collected.tagged("victim") and time.monotonic() < deadline:
            time.sleep(0.01)
        victim.kill()  # SIGKILL, in the middle of a record
        victim.join(BOUND)
        survivor.join(BOUND)
        if survivor.exitcode is None:  # fails below; ends it first
            survivor.kill()
            survivor.join(BOUND)
    assert time.monotonic() - started < BOUND
    assert victim.exitcode == -9  # SIGKILL
    assert survivor.exitcode == 0
    assert collected.tagged("survivor") == [f"survivor {i}" for i in range(3000)]
    victims = collected.tagged("victim")
    assert victims == [f"victim {i}" for i in range(len(victims))]  # in order, up to the kill


@pytest.mark.parametrize("run", RUNS)
def test_two_threads_use_the_form_at_once(
    start_method: str | None, effective_method: str, collected: Collect, run: int
) -> None:
    """Each caller's block gets its own queue and listener: each tag's records arrive once."""
    skip_where_fork_beside_a_thread_may_hang(effective_method)
    ctx = context_for(start_method)

    def call(tag: str) -> int | None:
        with worker_logs(ctx) as logargs:
            p = ctx.Process(target=log_workers.log_many, args=(logargs, tag, 400))
            p.start()
            p.join(BOUND)
        return p.exitcode

    assert at_once(effective_method, call, ("t0", "t1"), BOUND) == {"t0": 0, "t1": 0}
    for tag in ("t0", "t1"):
        assert collected.tagged(tag) == [f"{tag} {i}" for i in range(400)]


@posix_only
def test_the_stdlib_stop_hangs_where_a_killed_worker_held_the_lock(tmp_path: Path) -> None:
    """Why the form is not the plain recipe (a ``multiprocessing.Queue`` and ``QueueListener.stop()``):
    a child killed while it holds the queue's write lock (taken here on purpose, as its feeder thread
    does while it writes a record) makes ``stop()``'s sentinel wait forever. The program runs in its
    own session, killed as a group after 5 s; the form's own test is test_a_worker_killed_while_logging."""
    program = textwrap.dedent(
        """
        import multiprocessing as mp, os, signal
        from logging.handlers import QueueListener

        def hold(q, ready):
            q._wlock.acquire()
            ready.set()
            signal.pause()

        if __name__ == "__main__":
            ctx = mp.get_context("fork")  # its semaphores are unlinked at once: none outlives the kill
            q = ctx.Queue()
            listener = QueueListener(q)
            listener.start()
            ready = ctx.Event()
            p = ctx.Process(target=hold, args=(q, ready))
            p.start()
            ready.wait(30)
            os.kill(p.pid, signal.SIGKILL)
            p.join()
            print("killed", flush=True)
            listener.stop()  # puts the sentinel: the parent's feeder waits for the dead child's lock
            print("stopped")
        """
    )
    script = tmp_path / "stop.py"
    script.write_text(program)
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, _ = proc.communicate(timeout=5.0)
    except subprocess.TimeoutExpired:
        out = "hang"
    finally:
        if sys.platform != "win32":  # always (posix_only): narrows the platform for mypy
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        rest, _ = proc.communicate()
    assert out == "hang"
    assert rest == "killed\n"
