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
@pytest.mark.parametrize(
    ("body", "deadline", "ends_early"),
    [
        # Interpreter start-up, then ASLEEP_SECONDS asleep: far below the deadline even under load.
        pytest.param("import time\ntime.sleep(60)\n", 6.0, True, id="a sleeping case is confirmed early"),
        pytest.param("while True:\n    pass\n", 2.5, False, id="a busy case keeps its full deadline"),
    ],
)
def test_a_confirming_run_ends_early_only_when_asleep(
    tmp_path: Path, body: str, deadline: float, ends_early: bool
) -> None:
    script = tmp_path / "case.py"
    script.write_text(body)
    argv = [sys.executable, str(script)]
    res = run_script(argv, str(tmp_path), deadline=deadline, give_up=asleep.AsleepFor())
    assert res.outcome == "hang"
    assert (res.seconds < deadline - 1.0) if ends_early else (res.seconds >= deadline)


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
