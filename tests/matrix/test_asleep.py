"""matrix.asleep: a confirming run ends early only when its whole group is asleep for good."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from matrix import asleep
from matrix.runner import run_script
from matrix.supervise.procfs import HAVE_PROC

Sample = Dict[int, Tuple[str, int]]


def replay(samples: List[Sample], outputs: List[int]) -> List[bool]:
    """Feed ``samples`` (one per 0.1 s tick) to an AsleepFor(0.3 s) and collect its answers."""
    clock = [0.0]
    feed = iter(samples)
    watch = asleep.AsleepFor(0.3, sample_every=0.1, clock=lambda: clock[0], sampler=lambda _pgid: next(feed))
    answers = []
    for output in outputs:
        answers.append(watch(1, output))
        clock[0] += 0.1
    return answers


def test_asleep_after_the_interval_with_no_tick_state_or_output_change() -> None:
    still = {1: ("S", 5), 2: ("S", 7)}
    assert replay([still] * 5, [0] * 5) == [False, False, False, True, True]


@pytest.mark.parametrize(
    "change",
    [
        {1: ("S", 6), 2: ("S", 7)},  # a CPU tick
        {1: ("R", 5), 2: ("S", 7)},  # runnable: a slow machine, not a deadlock
        {1: ("S", 5), 2: ("S", 7), 3: ("S", 0)},  # a new process
    ],
)
def test_any_sign_of_life_restarts_the_interval(change: Sample) -> None:
    still = {1: ("S", 5), 2: ("S", 7)}
    # Asleep from t=0; the change at t=0.2 restarts the 0.3 s interval (or stops it: "R").
    answers = replay([still, still, change, change, change, change, change], [0] * 7)
    expected_end = [False, False, False, False, False, True, True]
    if any(state == "R" for state, _ in change.values()):
        expected_end = [False] * 7
    assert answers == expected_end


def test_output_restarts_the_interval() -> None:
    still = {1: ("S", 5)}
    assert replay([still] * 6, [0, 0, 10, 10, 10, 10]) == [False, False, False, False, False, True]


def test_an_empty_group_is_not_asleep() -> None:
    assert replay([{}] * 5, [0] * 5) == [False] * 5


posix_proc = pytest.mark.skipif(not HAVE_PROC, reason="Linux: reads /proc")


@posix_proc
def test_a_sleeping_case_is_confirmed_early(tmp_path: Path) -> None:
    script = tmp_path / "sleeper.py"
    script.write_text("import time\ntime.sleep(60)\n")
    res = run_script([sys.executable, str(script)], str(tmp_path), deadline=6.0, give_up=asleep.AsleepFor())
    assert res.outcome == "hang"
    # Interpreter start-up, then ASLEEP_SECONDS asleep; far below the deadline even under load.
    assert res.seconds < 6.0 - 1.0


@posix_proc
def test_a_busy_case_keeps_its_full_deadline(tmp_path: Path) -> None:
    script = tmp_path / "busy.py"
    script.write_text("while True:\n    pass\n")
    res = run_script([sys.executable, str(script)], str(tmp_path), deadline=2.5, give_up=asleep.AsleepFor())
    assert res.outcome == "hang"
    assert res.seconds >= 2.5


@posix_proc
def test_a_waiting_case_gives_its_cpu_slot_away_before_slow_after(tmp_path: Path) -> None:
    script = tmp_path / "waiter.py"
    script.write_text("import time\nprint('ready', flush=True)\ntime.sleep(60)\n")
    given_at: List[float] = []
    clock = time.monotonic
    start = clock()
    res = run_script(
        [sys.executable, str(script)],
        str(tmp_path),
        deadline=4.0,
        on_slow=lambda: given_at.append(clock() - start),
        slow_after=3.5,
        waiting=asleep.AsleepFor(asleep.WAITING_SECONDS),
    )
    assert res.outcome == "hang"
    assert len(given_at) == 1
    assert given_at[0] < 3.5  # asleep evidence, not the slow_after fallback
