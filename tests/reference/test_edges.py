"""The vetted forms' error paths: a silent, stuck or dead sender never hangs the receiver."""

from __future__ import annotations

import multiprocessing
import signal
import sys
import time

import pytest
import workers

from reference import pool_close_join, queue_class, queue_function, start_method, thread_event


def test_exact_set_start_method_twice_raises(global_start_method: str) -> None:
    # The fixture has set the global method, as a first exact() call would have.
    with pytest.raises(RuntimeError, match=r"context has already been set"):
        start_method.exact(global_start_method)


def test_pool_exact_with_the_notes_default_work(global_start_method: str) -> None:
    pool_close_join.exact(processes=2, items=64)  # do_some_thing: returns None, no error


def test_queue_function_vetted_times_out_on_a_silent_sender(
    start_method: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live sender that sends nothing and ignores the stop: TimeoutError; it is killed, not left."""
    monkeypatch.setattr(queue_function, "send", workers.stay_silent_as_sender)
    started = time.monotonic()
    with pytest.raises(TimeoutError, match=r"sender sent nothing for 0.3 s"):
        queue_function.vetted(3, 0.01, start_method=start_method, timeout=0.3)
    assert time.monotonic() - started < 10  # 0.3 s, twice, and a start under spawn
    assert multiprocessing.active_children() == []


@pytest.fixture
def silent_receiver(start_method: str | None, monkeypatch: pytest.MonkeyPatch) -> queue_class.Receiver:
    """A Receiver whose sender sends nothing and ignores the stop (not started yet)."""
    monkeypatch.setattr(queue_class, "send", workers.stay_silent_as_sender)
    return queue_class.Receiver(0.01, start_method=start_method, timeout=0.3)


def test_queue_class_times_out_on_a_silent_sender(silent_receiver: queue_class.Receiver) -> None:
    receiver = silent_receiver
    # __exit__ kills it after its join timed out, and keeps the block's TimeoutError
    with pytest.raises(TimeoutError, match=r"sender sent nothing for 0.3 s"), receiver:
        receiver.receive()
    if sys.platform != "win32":  # Windows: kill() is TerminateProcess, exit code 1
        assert receiver.process.exitcode == -signal.SIGKILL


def test_queue_class_exit_reports_a_sender_that_does_not_stop(silent_receiver: queue_class.Receiver) -> None:
    with pytest.raises(ChildProcessError, match=r"sender exited with code -9"), silent_receiver:
        pass


class _SilentSender(thread_event.ThreadedSender):
    def _send(self) -> None:
        self.stop.wait()  # sends nothing, but stops when asked


class _StubbornSender(thread_event.ThreadedSender):
    def _send(self) -> None:
        time.sleep(0.5)  # ignores the stop request for a while


def test_threaded_exit_keeps_the_block_error() -> None:
    """A stubborn sender and an error in the block: the block's error wins, not __exit__'s TimeoutError."""
    sender = _StubbornSender(0.01, timeout=0.05)
    with pytest.raises(KeyError, match="from the block"), sender:
        raise KeyError("from the block")
    sender.thread.join()


def test_threaded_receive_times_out_on_a_silent_sender() -> None:
    sender = _SilentSender(0.01, timeout=0.2)
    with sender, pytest.raises(TimeoutError, match=r"sent nothing for 0.2 s"):
        sender.receive()


def test_threaded_exit_reports_a_sender_that_does_not_stop() -> None:
    sender = _StubbornSender(0.01, timeout=0.05)
    with pytest.raises(TimeoutError, match=r"did not stop within 0.05 s"), sender:
        pass
    sender.thread.join()  # it does end on its own; no_leftovers checks that nothing is left
