"""Work functions for the tests, importable by name so every start method can pickle them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def square(x: int) -> int:
    return x * x


def fail_on_13(x: int) -> int:
    if x == 13:
        raise ValueError(f"bad item {x}")
    return x


def exit_at_once(code: int = 3) -> None:
    """A process target that dies without sending anything."""
    os._exit(code)


def stay_silent(seconds: float = 30.0) -> None:
    """A sender that never sends and ignores every stop request (until killed)."""
    import time

    time.sleep(seconds)


def sigkill_self_on_5(x: int) -> int:
    """A Pool work function whose worker dies by SIGKILL on item 5 (POSIX; on Windows: exit 9)."""
    import signal
    import sys

    if x == 5:
        if sys.platform == "win32":
            os._exit(9)
        else:
            os.kill(os.getpid(), signal.SIGKILL)
    return x


def sleepy_identity(x: int) -> int:
    """Slow work (10 ms an item), so a run lasts long enough to be interrupted."""
    import time

    time.sleep(0.01)
    return x


def nap(seconds: float) -> float:
    """Sleep ``seconds`` and return them: a worker busy for a known time."""
    import time

    time.sleep(seconds)
    return seconds


def nap_and_tell(path: str, seconds: float) -> float:
    """``nap``, after appending this worker's pid to ``path`` when the nap is long (> 0.5 s)."""
    if seconds > 0.5:
        with Path(path).open("a", encoding="utf-8") as out:
            out.write(f"{os.getpid()}\n")
    return nap(seconds)


def start_and_join_children(method: str | None, stop: object, rounds: int = 1000) -> int:
    """A bystander: start and join short-lived processes until ``stop`` (a threading.Event) is set."""
    import multiprocessing

    ctx: Any = multiprocessing.get_context(method)  # typeshed: BaseContext, which has no Process
    count = 0
    while count < rounds and not stop.is_set():  # type: ignore[attr-defined]
        child = ctx.Process(target=square, args=(count,))
        child.start()
        child.join()
        count += 1
    return count


def nap_tenth(x: int) -> int:
    """0.1 s of sleep per item: a map of n items on w workers lasts about n / w / 10 s."""
    nap(0.1)
    return x


#: The large item of the hostile sender tests: 50 MB, far beyond any pipe or socket buffer.
BIG = 50_000_000


def written_mark(pid: int) -> Path:
    """The file ``send_half_of_a_big_item`` creates once its partial item is written. Named by
    the sender's pid, not passed in the environment: forkserver children inherit the environment
    of the server, which may have started before the test set anything."""
    import tempfile

    return Path(tempfile.gettempdir()) / f"mp-test-written-{pid}"


def send_half_of_a_big_item(conn: Any, interval: float, receiver_end: Any) -> None:
    """A sender (``queue_function.send``'s signature) killed mid-item: it writes the header of a
    ``BIG``-byte message and 1 MB of it (``Connection``'s wire format: a 4-byte big-endian length,
    then the bytes), then waits to be killed."""
    import struct
    import time

    receiver_end.close()
    os.write(conn.fileno(), struct.pack("!i", BIG) + b"x" * 1_000_000)
    written_mark(os.getpid()).touch()  # the partial item is in the pipe: the test may kill us now
    time.sleep(60)


def send_big_items(conn: Any, interval: float, receiver_end: Any) -> None:
    """A sender of ``BIG``-byte items, flat out, for a test to kill at a random moment."""
    receiver_end.close()
    item = b"x" * BIG
    while True:
        conn.send(item)


def exit_at_once_as_sender(conn: Any, interval: float, receiver_end: Any) -> None:
    """A sender (``queue_function.send``'s signature) that dies with code 3 before sending."""
    os._exit(3)


def stay_silent_as_sender(conn: Any, interval: float, receiver_end: Any) -> None:
    """A sender (``queue_function.send``'s signature) that sends nothing and ignores the stop."""
    import time

    receiver_end.close()
    time.sleep(30)


def wait_for_interrupt(ready: Any, finished: Any) -> None:
    """Tell ``ready``, sleep until SIGINT's KeyboardInterrupt, then tell ``finished`` and exit 0."""
    import time

    try:
        ready.set()
        # Short sleeps, not one sleep(60): Python runs a signal's handler between bytecodes, and
        # time.sleep checks for signals only when its wait is interrupted. A SIGINT that lands after
        # the last check but before the wait starts interrupts nothing: KeyboardInterrupt comes when
        # sleep(60) returns (py39-forkserver: exitcode None after join(30), once in a loaded CI-like
        # run; 1 in 1,500 on 3.12 spawn under load: exit 0 after 60.07 s). With 0.1 s sleeps: within 0.1 s.
        for _ in range(600):
            time.sleep(0.1)
    except KeyboardInterrupt:
        finished.set()


def pid_of(_: object) -> int:
    """The worker's process id: which process ran a task."""
    return os.getpid()


class _Unpicklable(Exception):
    """An exception that cannot cross a process boundary (its argument is a lock)."""


def raise_unpicklable(_: object) -> None:
    import threading

    raise _Unpicklable(threading.Lock())


def return_a_lock(_: object) -> object:
    """A result that cannot be pickled back."""
    import threading

    return threading.Lock()


def leave_a_thread(x: int) -> int:
    """Returns ``x`` but leaves a non-daemon thread sleeping 60 s: the process cannot exit by itself."""
    import threading
    import time

    threading.Thread(target=time.sleep, args=(60.0,), daemon=False).start()
    return x
