"""Stopping a run: SIGTERM and SIGHUP act as Ctrl-C; after the first, further ones only say so.

The run catches the first as ``KeyboardInterrupt``, stops starting cases, lets the running ones
end (each within its deadline, its process group killed by the runner) and saves what was measured
with ``complete: false``. A second signal must not cut that short: it would lose measured cells.
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import Callable, Tuple

#: The signals that stop a run as Ctrl-C does (what exists on this platform).
STOP_SIGNALS: Tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def stop_on_signals() -> Callable[[], None]:
    """SIGTERM and SIGHUP interrupt the run like SIGINT (``KeyboardInterrupt``); the function
    returned restores the handlers found. Off the main thread (tests), nothing is changed."""
    if not _in_main_thread():
        return lambda: None
    old = {s: signal.getsignal(s) for s in STOP_SIGNALS}
    for s in STOP_SIGNALS:
        signal.signal(s, signal.default_int_handler)

    def restore() -> None:
        for s, handler in old.items():
            signal.signal(s, handler)

    return restore


def calm_signals() -> None:
    """After the first stop signal: further ones only say that the run is already stopping."""
    if not _in_main_thread():
        return
    said = [False]

    def already(signum: int, frame: object) -> None:
        if not said[0]:
            said[0] = True
            print(
                f"already stopping ({signal.Signals(signum).name}): ending the running cases "
                "and saving what was measured",
                file=sys.stderr,
                flush=True,
            )

    for s in STOP_SIGNALS:
        signal.signal(s, already)
