"""Hostile tests of ``reference.interruptible``: Ctrl-C at random moments, twice, a worker killed,
the work raising. Each run is ``interrupt_scenario.py`` in a session of its own (the SIGINT goes to
its whole process group, as a terminal's Ctrl-C does, and never reaches pytest), under the matrix
runner, which reports any process of the group left behind and any semaphore it leaked.

Repeats: run 0 of each scenario in every env; runs 1-7 where the slow tests run. Each run checks:
exit 0; exactly one ``KeyboardInterrupt`` from ``vetted`` for any number of SIGINTs that reached it
(a SIGINT after it returned is the program's own, counted apart); no traceback on stderr (the
workers never print one; under forkserver the scenarios start the forkserver first, as a program
that used it before, and one test sends SIGINT while ``vetted`` starts it: the documented limit,
where the dying forkserver prints its own); nothing left behind; ``vetted`` returns within a bound
of the SIGINT.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest
from beside import skip_where_fork_beside_a_thread_may_hang
from expected import threads_beside_fork

from matrix.runner import run_script
from reference import interruptible
from reference.start_method import context_for

pytestmark = [
    pytest.mark.usefixtures("vetted_pool_runs"),
    pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a process group is POSIX"),
]

SCENARIO = Path(__file__).with_name("interrupt_scenario.py")
ROOT = Path(__file__).resolve().parents[2]
RUNS = [pytest.param(run, marks=pytest.mark.slow if run else ()) for run in range(8)]
#: A run's own length (the script waits 3.2 s for late signals) plus start-up on a loaded machine.
DEADLINE = 40.0
#: From the SIGINT to vetted's KeyboardInterrupt: a 0.1 s poll, terminate, the executor's shutdown.
PROMPT = 3.0
#: Closer than this to vetted's return, a SIGINT may land on either side: not counted either way.
RACE = 0.01


def scenario(name: str, start_method: str | None, seed: int) -> Dict[str, Any]:
    argv = [sys.executable, str(SCENARIO), name, start_method or "default", str(seed)]
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    result = run_script(argv, str(ROOT), env=env, deadline=DEADLINE)
    assert result.exit_code == 0, (result.outcome, result.stderr[-2000:])
    if name != "forkserver-start":  # there the forkserver may print its own (the documented limit)
        assert "Traceback" not in result.stderr, result.stderr[-2000:]
        assert "Process " not in result.stderr, result.stderr[-2000:]
    assert result.cleanup == [], result.cleanup  # no process of the group, no semaphore left
    report: Dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def check_interrupts(report: Dict[str, Any]) -> None:
    """One KeyboardInterrupt from vetted if a SIGINT reached it, however many; the later ones apart."""
    returned = float(report["returned_at"])
    sent: List[float] = report["sent_at"]
    if any(abs(t - returned) < RACE for t in sent):
        return  # delivered just as vetted returned: either side is right
    inside = [t for t in sent if t < returned]
    after = [t for t in sent if t > returned]
    assert report["interrupts"] == (1 if inside else 0), report
    assert report["raised"] == ("KeyboardInterrupt" if inside else None), report
    assert report["late_interrupts"] == len(after), report
    if inside:
        assert returned - inside[0] < PROMPT, report
    else:
        assert report["correct"] is True, report


@pytest.mark.parametrize("run", RUNS)
@pytest.mark.parametrize("name", ["early", "random", "twice"])
def test_ctrl_c_raises_keyboard_interrupt_once(start_method: str | None, name: str, run: int) -> None:
    """early: while the workers start; random: any moment from start-up to after the return;
    twice: two SIGINTs 0-0.1 s apart in the middle of the map."""
    check_interrupts(scenario(name, start_method, run))


@pytest.mark.parametrize("run", RUNS)
def test_ctrl_c_while_the_forkserver_starts(effective_method: str, run: int) -> None:
    """The documented limit: a SIGINT while vetted starts the program's forkserver may kill it (it
    prints its own traceback); vetted still raises one KeyboardInterrupt and leaves nothing behind."""
    if effective_method != "forkserver":
        pytest.skip("forkserver only")
    check_interrupts(scenario("forkserver-start", "forkserver", run))


@pytest.mark.parametrize("run", RUNS)
def test_work_raising_ends_the_workers(start_method: str | None, run: int) -> None:
    report = scenario("raises", start_method, run)
    assert report["raised"] == "ValueError", report
    assert report["interrupts"] == 0, report


@pytest.mark.parametrize("run", RUNS)
def test_a_killed_worker_raises_broken_pool(start_method: str | None, run: int) -> None:
    report = scenario("killed", start_method, run)
    assert report["raised"] == "BrokenProcessPool", report
    assert report["interrupts"] == 0, report


def test_results_in_order(start_method: str | None) -> None:
    assert interruptible.vetted(abs, range(-50, 50), 3, start_method=start_method) == [
        abs(x) for x in range(-50, 50)
    ]


def test_outside_the_main_thread(start_method: str | None, effective_method: str) -> None:
    """No handler there (signals run in the main thread only): it still maps."""
    import threading

    skip_where_fork_beside_a_thread_may_hang(effective_method)
    out: List[List[int]] = []
    thread = threading.Thread(
        target=lambda: out.append(interruptible.vetted(abs, [-1, -2], 2, start_method=start_method))
    )
    # the workers are forked beside the main thread: 3.12+ warns, 3.15 raises it under -W error
    with threads_beside_fork(effective_method):
        thread.start()
        thread.join(60)
    assert out == [[1, 2]]


def test_interrupt_one_child(start_method: str | None) -> None:
    """``interrupt()``: SIGINT to one child, which runs its ``except KeyboardInterrupt`` (3.14's
    ``Process.interrupt()`` there, ``os.kill`` before)."""
    import workers

    context = context_for(start_method)
    ready, finished = context.Event(), context.Event()
    child = context.Process(target=workers.wait_for_interrupt, args=(ready, finished))
    child.start()
    try:
        assert ready.wait(30)
        interruptible.interrupt(child)
        child.join(30)
        assert child.exitcode == 0
        assert finished.is_set()
    finally:
        if child.is_alive():
            child.kill()
            child.join()
