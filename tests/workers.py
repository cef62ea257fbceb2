"""Work functions for the tests, importable by name so every start method can pickle them."""

from __future__ import annotations

import os
from pathlib import Path


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
    from typing import Any

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
