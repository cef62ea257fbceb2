"""The vetted forms' error paths: a silent, stuck or dead sender never hangs the receiver."""

from __future__ import annotations

import time

import pytest
import workers

from reference import pool_close_join, queue_function, start_method, thread_event
from reference.start_method import context_for


def test_exact_set_start_method_twice_raises(global_start_method: str) -> None:
    # The fixture has set the global method, as a first exact() call would have.
    with pytest.raises(RuntimeError, match=r"context has already been set"):
        start_method.exact(global_start_method)


def test_pool_exact_with_the_notes_default_work(global_start_method: str) -> None:
    pool_close_join.exact(processes=2, items=64)  # do_some_thing: returns None, no error


def test_receive_times_out_on_a_silent_sender(start_method: str | None) -> None:
    ctx = context_for(start_method)
    q = ctx.Queue()
    _stop_requests, stop = ctx.Pipe(duplex=False)
    process = ctx.Process(target=workers.stay_silent, name="sender")
    process.start()
    started = time.monotonic()
    with pytest.raises(TimeoutError, match=r"sender sent nothing for 0.3 s"):
        queue_function.receive(q, process, timeout=0.3)
    assert time.monotonic() - started < 5
    # stop_and_join: the sender ignores the stop, so it is terminated after the timeout and the
    # non-zero exit code is reported rather than swallowed.
    with pytest.raises((ChildProcessError, TimeoutError)):
        queue_function.stop_and_join(q, stop, process, timeout=0.3)
    assert not process.is_alive()
    assert process.exitcode is not None
    assert process.exitcode != 0


class _DeadSender(thread_event.ThreadedSender):
    def _send(self) -> None:
        return  # dies at once without sending


class _SilentSender(thread_event.ThreadedSender):
    def _send(self) -> None:
        self.stop.wait()  # sends nothing, but stops when asked


class _StubbornSender(thread_event.ThreadedSender):
    def _send(self) -> None:
        time.sleep(0.5)  # ignores the stop request for a while


def test_threaded_receive_reports_a_dead_sender() -> None:
    sender = _DeadSender(0.01, timeout=5)
    with sender, pytest.raises(RuntimeError, match=r"ended \(returned\) before sending more"):
        sender.receive()


class _FailingSender(thread_event.ThreadedSender):
    def _send(self) -> None:
        self.items.put(0)
        self.items.put(1)
        raise OSError("disk on fire")


def test_threaded_receive_chains_the_sender_error(capsys: pytest.CaptureFixture[str]) -> None:
    """A sender that raises after two items: both items, then RuntimeError caused by its own error."""
    with _FailingSender(0.01, timeout=5) as sender:
        assert [sender.receive(), sender.receive()] == [0, 1]
        with pytest.raises(RuntimeError, match=r"raised OSError\('disk on fire'\)") as info:
            sender.receive()
    assert isinstance(info.value.__cause__, OSError)
    assert "disk on fire" not in capsys.readouterr().err  # handed over, not printed


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
