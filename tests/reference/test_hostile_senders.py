"""Hostile faults against the vetted sender forms (queue-function, queue-class, thread-event): a
sender killed in the middle of a 50 MB item, a sender thread that raises. Each call ends within a
stated bound with the documented exception, and leaves nothing behind (the autouse ``no_leftovers``
fixture checks processes and threads; conftest checks semaphores at the end of the session).

Repeats (:data:`RUNS`): ``REPEATS`` runs per test and start method; run 0 in every tox env, runs
1-9 only where the slow tests run (3.13, every start method), as in test_hostile.py.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import random
import signal
import sys
import threading
import time
from typing import Callable, Dict

import pytest
import workers
from expected import threads_beside_fork

from reference import queue_class, queue_function, thread_event

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

REPEATS = 10
#: Run 0 everywhere; the repeats are marked slow.
RUNS = [pytest.param(run, marks=pytest.mark.slow if run else ()) for run in range(REPEATS)]
#: Each call below ends well within this. Measured with both cores busy (two `while True: pass`),
#: 3.11, 40 tests per start method: the longest test took 0.61 s (forkserver), the kill delay of up
#: to 0.5 s included; 10 s is a 16x margin. The receive timeout (30 s) is far beyond it, so ending
#: within BOUND means the end of file was seen, not the timeout.
BOUND = 10.0
RECEIVE_TIMEOUT = 30.0


def _kill_sender_after(delay: float, *, once_written: bool = False) -> threading.Thread:
    """Kill the sender ``delay`` s from now, or from when it marked its partial item written."""
    # The tests that call this are posix_only; Windows has no SIGKILL (TerminateProcess is its kill).
    if sys.platform == "win32":
        hard_kill = signal.SIGTERM
    else:
        hard_kill = signal.SIGKILL

    def kill() -> None:
        deadline = time.monotonic() + BOUND
        while once_written and time.monotonic() < deadline:
            senders = [c.pid for c in multiprocessing.active_children() if c.name == "sender"]
            if senders and senders[0] is not None and workers.written_mark(senders[0]).exists():
                workers.written_mark(senders[0]).unlink()
                break
            time.sleep(0.005)
        time.sleep(delay)
        for child in multiprocessing.active_children():
            if child.name == "sender" and child.pid is not None:
                os.kill(child.pid, hard_kill)

    thread = threading.Thread(target=kill, name="killer")
    thread.start()
    return thread


def _receive_with_receiver(start_method: str | None) -> None:
    with queue_class.Receiver(0.0, start_method=start_method, timeout=RECEIVE_TIMEOUT) as receiver:
        while True:
            receiver.receive()


#: Each vetted sender form, receiving until it raises.
_FORMS: Dict[str, Callable[[str | None], object]] = {
    "queue_function": lambda m: queue_function.vetted(2, 0.0, start_method=m, timeout=RECEIVE_TIMEOUT),
    "queue_class": _receive_with_receiver,
}


@posix_only
@pytest.mark.parametrize("run", RUNS)
@pytest.mark.parametrize("form", ["queue_function", "queue_class"])
def test_sender_killed_mid_item_raises_child_process_error(
    start_method: str | None, effective_method: str, monkeypatch: pytest.MonkeyPatch, form: str, run: int
) -> None:
    """issue 13: a sender SIGKILLed after writing 1 MB of a 50 MB item (header included) left
    ``Queue.get(timeout=...)`` blocked in ``connection._recv`` forever; the pipe gives an EOF."""
    module = queue_function if form == "queue_function" else queue_class
    monkeypatch.setattr(module, "send", workers.send_half_of_a_big_item)
    # Killed once the partial item is written, not after a fixed delay: under load a spawned
    # sender had not written anything at 0.3 s (a clean EOF between items, not mid-item; CI-like run).
    killer = _kill_sender_after(run * 0.02, once_written=True)
    started = time.monotonic()
    # the killer thread runs beside the fork (3.15 raises the fork-with-threads warning under -W error)
    with threads_beside_fork(effective_method), pytest.raises(
        ChildProcessError, match=r"sender exited with code -9"
    ) as info:
        _FORMS[form](start_method)
    elapsed = time.monotonic() - started
    killer.join()
    assert elapsed < BOUND
    # mid-item: the connection saw the end of the file inside the message, not between two
    assert isinstance(info.value.__cause__, OSError)
    assert "end of file during message" in str(info.value.__cause__)


@posix_only
@pytest.mark.parametrize("run", RUNS)
def test_sender_of_big_items_killed_at_a_random_moment(
    start_method: str | None, effective_method: str, monkeypatch: pytest.MonkeyPatch, run: int
) -> None:
    """50 MB items flat out, SIGKILL at a random moment (mostly mid-item: writing dominates)."""
    monkeypatch.setattr(queue_class, "send", workers.send_big_items)
    killer = _kill_sender_after(random.uniform(0.05, 0.5))
    started = time.monotonic()
    # the killer thread runs beside the fork (3.15 raises the fork-with-threads warning under -W error)
    with threads_beside_fork(effective_method), pytest.raises(
        ChildProcessError, match=r"sender exited with code -9"
    ) as info:
        _FORMS["queue_class"](start_method)
    killer.join()
    assert time.monotonic() - started < BOUND
    assert isinstance(info.value.__cause__, (EOFError, OSError))


class _FlakyQueue(queue.Queue):  # type: ignore[type-arg]  # the base is generic in typeshed only
    """Takes items 0 and 1, raises on item 2: the real ``_send`` meets an exception after two items."""

    def put(self, item: int | BaseException, block: bool = True, timeout: float | None = None) -> None:
        if item == 2:
            raise OSError("disk on fire")
        super().put(item, block, timeout)


@pytest.mark.parametrize("run", RUNS)
def test_sender_thread_raising_is_chained(run: int, capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    sender = thread_event.ThreadedSender(0.0, timeout=RECEIVE_TIMEOUT)
    sender.items = _FlakyQueue()
    with sender:
        assert [sender.receive(), sender.receive()] == [0, 1]
        with pytest.raises(RuntimeError, match=r"sender thread raised OSError\('disk on fire'\)") as info:
            sender.receive()
    assert time.monotonic() - started < BOUND
    assert isinstance(info.value.__cause__, OSError)
    assert "disk on fire" not in capsys.readouterr().err  # handed over, not printed
