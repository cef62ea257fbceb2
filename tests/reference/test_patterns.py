"""Every pattern, exact and vetted, under the start method chosen for this run (see conftest.py).

Counts and intervals are shrunk (e.g. 0.01 s instead of 0.5 s) so the suite stays fast; the
defaults of every function are the notes' values.
"""

from __future__ import annotations

import functools
import inspect
import multiprocessing
import pickle
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import workers
from expected import closure_target, executor_without_dynamic_spawn

from reference import pool_close_join, pool_return, pool_with, queue_class, queue_function, thread_event
from reference._work import do_some_thing, f, record_item
from reference.start_method import context_for, default_start_method

if TYPE_CHECKING:
    from collections.abc import Callable
    from multiprocessing.queues import Queue as MPQueue

INTERVAL = 0.01  # the notes use 0.5 s
RECEIVED = 10  # as in the notes
REPO = Path(__file__).resolve().parents[2]


def recorded(path: Path) -> list[int]:
    return sorted(int(line) for line in path.read_text().split())


def printed(capsys: pytest.CaptureFixture[str]) -> list[int]:
    return [int(line) for line in capsys.readouterr().out.split()]


# --- choosing a start method ------------------------------------------------------------------


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO, check=False
    )


@pytest.mark.parametrize("method", multiprocessing.get_all_start_methods())
def test_start_method_exact_sets_the_global_once(method: str) -> None:
    result = run_python(
        "import multiprocessing as mp\n"
        "from reference.start_method import exact\n"
        f"exact({method!r})\n"
        "print(mp.get_start_method())\n"
        f"exact({method!r})\n"
    )
    assert result.stdout.strip() == method
    assert result.returncode == 1
    assert "RuntimeError: context has already been set" in result.stderr


def test_context_for_default_does_not_fix_the_global() -> None:
    before = multiprocessing.get_start_method(allow_none=True)
    ctx = context_for(None)
    assert ctx.get_start_method() == default_start_method()
    assert multiprocessing.get_start_method(allow_none=True) == before


def test_context_for_explicit(start_method: str | None, effective_method: str) -> None:
    assert context_for(start_method).get_start_method() == effective_method


@pytest.mark.parametrize("bad", ["spwan", "", "threads"])
def test_context_for_unknown_method_names_the_available_ones(bad: str) -> None:
    with pytest.raises(ValueError, match=re.escape(", ".join(multiprocessing.get_all_start_methods()))):
        context_for(bad)


# --- Pool ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", [pool_close_join.exact, pool_with.exact], ids=["close-join", "with"])
def test_pool_exact_processes_every_item(
    form: Callable[..., None], global_start_method: str, tmp_path: Path
) -> None:
    out = tmp_path / "items"
    form(functools.partial(record_item, str(out)), processes=4, items=64)
    assert recorded(out) == list(range(64))


@pytest.mark.usefixtures("vetted_pool_runs")
@pytest.mark.parametrize("form", [pool_close_join.vetted, pool_with.vetted], ids=["close-join", "with"])
def test_pool_vetted_processes_every_item(
    form: Callable[..., None], start_method: str | None, tmp_path: Path
) -> None:
    out = tmp_path / "items"
    form(functools.partial(record_item, str(out)), processes=4, items=64, start_method=start_method)
    assert recorded(out) == list(range(64))


@pytest.mark.usefixtures("vetted_pool_runs")
@pytest.mark.parametrize("form", [pool_close_join.vetted, pool_with.vetted], ids=["close-join", "with"])
def test_pool_vetted_reraises_the_work_error(form: Callable[..., None], start_method: str | None) -> None:
    with pytest.raises(ValueError, match=r"bad item 13"):
        form(workers.fail_on_13, processes=2, items=32, start_method=start_method)


def test_pool_defaults_are_the_notes() -> None:
    for form in (pool_close_join.exact, pool_with.exact):
        params = inspect.signature(form).parameters
        assert params["work"].default is do_some_thing
        assert (params["processes"].default, params["items"].default) == (8, 1024)


def test_pool_return_exact_returns_list_range_1024(global_start_method: str) -> None:
    assert pool_return.exact(processes=2) == list(range(1024))


@pytest.mark.usefixtures("vetted_pool_runs")
def test_pool_return_vetted_is_a_typed_map(start_method: str | None) -> None:
    assert pool_return.vetted(f, range(1024), 2, start_method=start_method) == list(range(1024))
    assert pool_return.vetted(workers.square, [3, 1, 2], 2, start_method=start_method) == [9, 1, 4]


@pytest.mark.usefixtures("vetted_pool_runs")
def test_pool_return_vetted_reraises_the_work_error(start_method: str | None) -> None:
    with pytest.raises(ValueError, match=r"bad item 13"):
        pool_return.vetted(workers.fail_on_13, range(32), 2, start_method=start_method)


@pytest.mark.usefixtures("vetted_pool_runs")
def test_vetted_pool_fails_where_its_header_says(effective_method: str) -> None:
    """Where the executor cannot start (tests/expected.py), the vetted Pool forms fail at once with
    the error their header names; everywhere else this call is an ordinary map."""
    broken = executor_without_dynamic_spawn(effective_method)
    call = functools.partial(pool_return.vetted, workers.square, range(8), 2, start_method=effective_method)
    if broken is None:
        assert call() == [x * x for x in range(8)]
        return
    with pytest.raises(broken.raises, match=re.escape(broken.message)):
        call()
    for header in (pool_return.__doc__, pool_with.__doc__, pool_close_join.__doc__):
        assert "Not on PyPy 7.3.11" in (header or "")


@pytest.mark.usefixtures("vetted_pool_runs")
@pytest.mark.parametrize("form", ["pool_return", "pool_with", "pool_close_join"])
def test_vetted_pool_unpicklable_work_names_the_cause(form: str, start_method: str | None) -> None:
    # The executor pickles the function with every chunk, whatever the start method: a lambda never
    # works. The forms check it before starting workers: without that, 3.8.18's executor hung here
    # in 7 runs of 9 (pytest-timeout would fail this test), whatever the start method.
    runs: dict[str, Callable[[], object]] = {
        "pool_return": lambda: pool_return.vetted(lambda x: x, range(4), 2, start_method=start_method),
        "pool_with": lambda: pool_with.vetted(lambda x: x, 2, 4, start_method=start_method),
        "pool_close_join": lambda: pool_close_join.vetted(lambda x: x, 2, 4, start_method=start_method),
    }
    with pytest.raises((pickle.PicklingError, AttributeError), match=r"lambda"):
        runs[form]()
    assert multiprocessing.active_children() == []  # failed before any worker started


@pytest.mark.usefixtures("vetted_pool_runs")
def test_pool_return_unpicklable_item_names_the_cause(start_method: str | None) -> None:
    lock = threading.Lock()
    # CPython: TypeError "cannot pickle '_thread.lock' object"; PyPy's pure-Python pickle:
    # PicklingError "Can't pickle <class '_thread.lock'>: it's not found as _thread.lock".
    expected = pickle.PicklingError if sys.implementation.name == "pypy" else TypeError
    with pytest.raises(expected, match=r"_thread\.lock"):
        pool_return.vetted(f, [lock], 2, start_method=start_method)


# --- Queue sender processes -------------------------------------------------------------------


def test_queue_function_exact(global_start_method: str, capsys: pytest.CaptureFixture[str]) -> None:
    items = queue_function.exact(RECEIVED, INTERVAL)
    assert items == list(range(RECEIVED))
    assert printed(capsys) == items
    # The notes terminate() and never join: the sender is reaped by no_leftovers (active_children()).


def test_queue_function_vetted(start_method: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    items = queue_function.vetted(RECEIVED, INTERVAL, start_method=start_method)
    assert items == list(range(RECEIVED))
    assert printed(capsys) == items
    assert multiprocessing.active_children() == []  # joined before returning, not just reaped later


@pytest.mark.parametrize("form", ["function", "class"])
def test_queue_vetted_reports_a_dead_sender(
    start_method: str | None, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    """A sender that exits at once (code 3, nothing sent): ChildProcessError naming the code."""
    module = queue_function if form == "function" else queue_class
    monkeypatch.setattr(module, "send", workers.exit_at_once_as_sender)

    def receive_one() -> None:
        if form == "function":
            queue_function.vetted(RECEIVED, INTERVAL, start_method=start_method, timeout=30)
        else:
            with queue_class.Receiver(INTERVAL, start_method=start_method, timeout=30) as receiver:
                receiver.receive()

    with pytest.raises(ChildProcessError, match=r"sender exited with code 3") as info:
        receive_one()
    assert isinstance(info.value.__cause__, EOFError)


def test_queue_class_exact(
    global_start_method: str,
    effective_method: str,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    expected = closure_target(effective_method)
    if expected is not None:
        request.applymarker(pytest.mark.xfail(raises=expected.raises, strict=True, reason=expected.why))
    try:
        items = queue_class.A(INTERVAL).run(RECEIVED)
    except Exception as error:
        if expected is None or not re.search(expected.message, str(error)):
            # Not the pinned failure: a new message or type is a behaviour change, so fail loudly.
            raise AssertionError(f"unexpected failure: {error!r}") from error
        raise
    assert items == list(range(RECEIVED))
    assert printed(capsys) == items


def test_queue_class_vetted(start_method: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    items = queue_class.vetted(RECEIVED, INTERVAL, start_method=start_method)
    assert items == list(range(RECEIVED))
    assert printed(capsys) == items
    assert multiprocessing.active_children() == []


def test_queue_class_vetted_stops_on_error(start_method: str | None) -> None:
    receiver = queue_class.Receiver(INTERVAL, start_method=start_method)

    def fail_while_receiving() -> None:
        with receiver:
            assert [receiver.receive(), receiver.receive()] == [0, 1]
            raise KeyError("the receiver failed")

    with pytest.raises(KeyError):
        fail_while_receiving()
    assert not receiver.process.is_alive()
    assert receiver.process.exitcode == 0  # stopped cooperatively, not terminated


# --- threads ------------------------------------------------------------------------------------


def test_thread_event_exact(capsys: pytest.CaptureFixture[str]) -> None:
    a = thread_event.A(INTERVAL)
    assert a.run(RECEIVED) == list(range(RECEIVED))
    assert not a.p.is_alive()
    assert printed(capsys) == list(range(RECEIVED))


def test_thread_event_vetted(capsys: pytest.CaptureFixture[str]) -> None:
    assert thread_event.vetted(RECEIVED, INTERVAL) == list(range(RECEIVED))
    assert printed(capsys) == list(range(RECEIVED))


def test_thread_event_vetted_stops_promptly() -> None:
    sender = thread_event.ThreadedSender(interval=60.0, timeout=5.0)
    with sender:
        assert sender.receive() == 0
    assert not sender.thread.is_alive()  # Event.wait(60) woke at once; time.sleep(60) would not


# --- running the modules as the notes do ------------------------------------------------------


def test_python_m_pool_return_prints_res() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reference.pool_return"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        check=True,
    )
    assert result.stdout.strip() == "res: [0, 1, 2, ..., 1023]"


def test_queue_helpers_stop_drain_and_join(start_method: str | None) -> None:
    """The Queue helpers the terminate-mid-put/vetted script measures, in every version (the 100k
    test in test_reliability.py runs where the slow tests do): a stop request, the drain to the
    sentinel, a join."""
    ctx = context_for(start_method)
    q: MPQueue[int | None] = ctx.Queue()
    stop_requests, stop = ctx.Pipe(duplex=False)
    sender = queue_function.stoppable_sender
    process = ctx.Process(target=sender, args=(q, stop_requests, 0.01), name="sender")
    process.start()
    try:
        assert [queue_function.receive(q, process, timeout=30) for _ in range(3)] == [0, 1, 2]
    finally:
        queue_function.stop_and_join(q, stop, process, timeout=30)
    assert process.exitcode == 0


def test_queue_receive_reports_a_sender_that_exited(start_method: str | None) -> None:
    ctx = context_for(start_method)
    q: MPQueue[int | None] = ctx.Queue()
    process = ctx.Process(target=workers.exit_at_once, name="sender")  # exit code 3, sends nothing
    process.start()
    try:
        with pytest.raises(ChildProcessError, match="sender exited with code 3 with nothing more sent"):
            queue_function.receive(q, process, timeout=30)
    finally:
        process.join(30)
        q.close()
        q.join_thread()
