"""Work functions for the tests, importable by name so every start method can pickle them."""

from __future__ import annotations

import os


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
