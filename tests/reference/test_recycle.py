"""Hostile faults against reference/recycle.py (workers recycled after ``max_tasks`` tasks): each
call ends within :data:`BOUND` with the right result or the documented error, and leaves nothing
behind (the autouse ``no_leftovers`` fixture checks processes and threads; conftest checks
semaphores). Every test requests ``start_method``, so each tox env runs them under its method.

Repeats: run 0 of each repeated test in every tox env, runs 1-5 (``slow``) where the slow tests run.
"""

from __future__ import annotations

import collections
import functools
import math
import pickle
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from typing import Any, List

import pytest
import workers
from beside import killed_at_random

from reference import recycle

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

SLOW_REPEATS = 6
RUNS = [pytest.param(run, marks=pytest.mark.slow if run else ()) for run in range(SLOW_REPEATS)]
#: Every call below ends well within this (a spawned worker starts in ~0.1-0.5 s, 16 of them at most).
BOUND = 30.0


@pytest.mark.parametrize("run", RUNS)
@pytest.mark.parametrize(("n", "processes", "max_tasks"), [(8, 2, 1), (9, 2, 3), (6, 1, 2), (5, 3, 10)])
def test_no_worker_runs_more_than_max_tasks(
    start_method: str | None, n: int, processes: int, max_tasks: int, run: int
) -> None:
    """The right results, in order; no process ran more than ``max_tasks`` tasks; never more than
    ``processes`` at once (so at least n / max_tasks processes, at most that plus the pool size)."""
    started = time.monotonic()
    pids = recycle.vetted(workers.pid_of, range(n), processes, max_tasks, start_method=start_method)
    assert time.monotonic() - started < BOUND
    assert len(pids) == n
    per_process = collections.Counter(pids)
    assert max(per_process.values()) <= max_tasks, per_process
    assert math.ceil(n / max_tasks) <= len(per_process) <= math.ceil(n / max_tasks) + processes - 1
    assert recycle.vetted(workers.square, range(n), processes, max_tasks, start_method=start_method) == [
        x * x for x in range(n)
    ]


def test_nothing_to_do_starts_nothing(start_method: str | None) -> None:
    assert recycle.vetted(workers.square, [], 2, 1, start_method=start_method) == []


@posix_only
@pytest.mark.parametrize("run", RUNS)
def test_a_worker_killing_itself_mid_task_raises_broken_pool(start_method: str | None, run: int) -> None:
    """Pool(maxtasksperchild=1).map waits forever here (gh-66587); the pipe's end tells us at once."""
    started = time.monotonic()
    with pytest.raises(BrokenProcessPool, match="a worker died"):
        recycle.vetted(workers.sigkill_self_on_5, range(12), 2, 2, start_method=start_method)
    assert time.monotonic() - started < BOUND


def test_a_worker_exiting_mid_task_raises_broken_pool(start_method: str | None) -> None:
    with pytest.raises(BrokenProcessPool, match="a worker died"):
        recycle.vetted(workers.exit_at_once, [3, 3], 2, 1, start_method=start_method)


@posix_only
@pytest.mark.slow
@pytest.mark.parametrize("run", range(SLOW_REPEATS))
def test_a_worker_killed_from_outside_at_a_random_moment(
    start_method: str | None, effective_method: str, run: int
) -> None:
    """A SIGKILL at a random moment of a ~1 s map, to a busy worker or one just starting or exiting:
    the right result (if the map had finished) or BrokenProcessPool, never a hang. (Forking beside
    the killer thread: 3.12+ warn under fork, 3.15.2 raises it under -W error.)"""
    started = time.monotonic()
    result = killed_at_random(  # the killer is alive at the first fork: it warns
        effective_method,
        run,
        0.2,
        1.5,
        lambda: recycle.vetted(workers.nap_tenth, range(24), 3, 2, start_method=start_method),
    )
    assert result in (None, list(range(24)))  # None: BrokenProcessPool, the kill came first
    assert time.monotonic() - started < BOUND


@pytest.mark.parametrize("run", RUNS)
def test_what_work_raised_is_raised_and_the_other_workers_end(start_method: str | None, run: int) -> None:
    started = time.monotonic()
    with pytest.raises(ValueError, match="bad item 13"):
        recycle.vetted(workers.fail_on_13, range(40), 3, 4, start_method=start_method)
    assert time.monotonic() - started < BOUND  # the no_leftovers fixture: no worker left running


def test_an_exception_that_cannot_be_pickled_back_is_a_dead_worker(start_method: str | None) -> None:
    """The worker cannot send it (the lock inside cannot be pickled) and dies of it."""
    with pytest.raises(BrokenProcessPool):
        recycle.vetted(workers.raise_unpicklable, [1], 1, 1, start_method=start_method)


def test_a_result_that_cannot_be_pickled_back_raises_the_pickling_error(start_method: str | None) -> None:
    with pytest.raises((TypeError, pickle.PicklingError), match="pickle"):
        recycle.vetted(workers.return_a_lock, [1, 2], 2, 1, start_method=start_method)


def test_a_lambda_fails_before_any_worker_starts(start_method: str | None) -> None:
    work: Any = lambda x: x  # noqa: E731 (what people pass)
    with pytest.raises((pickle.PicklingError, AttributeError)):
        recycle.vetted(work, [1], 1, 1, start_method=start_method)


@pytest.mark.slow
def test_a_worker_kept_alive_by_a_thread_is_killed_after_its_grace(start_method: str | None) -> None:
    """``work`` leaves a non-daemon thread: the worker cannot exit after its last task, so it is
    killed 5 s later; the results are all there."""
    started = time.monotonic()
    assert recycle.vetted(workers.leave_a_thread, range(2), 2, 1, start_method=start_method) == [0, 1]
    took = time.monotonic() - started
    assert 5.0 <= took < 5.0 + BOUND, took


def test_results_keep_the_input_order_with_uneven_work(start_method: str | None) -> None:
    naps: List[float] = [0.3, 0.0, 0.2, 0.0, 0.1, 0.0]
    work = functools.partial(workers.nap)
    assert recycle.vetted(work, naps, 3, 2, start_method=start_method) == naps
