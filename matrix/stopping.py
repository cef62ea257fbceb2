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
    returned restores the handlers found or, once a stop signal came (the process is ending), holds
    later ones back. Off the main thread (tests), nothing is changed."""
    if not _in_main_thread():
        return lambda: None
    old = {s: signal.getsignal(s) for s in STOP_SIGNALS}
    stopping = [False]

    def first(signum: int, frame: object) -> None:
        # Calm the others *before* raising: a second signal 20 ms later used to land while the
        # KeyboardInterrupt was still unwinding, raise again past the clean-up, and a third
        # (SIGHUP) then met the restored default handler and killed the run (exit -1, once in CI).
        stopping[0] = True
        calm_signals()
        raise KeyboardInterrupt

    for s in STOP_SIGNALS:
        signal.signal(s, first)

    def restore() -> None:
        if not stopping[0]:
            for s, handler in old.items():
                signal.signal(s, handler)
        elif sys.platform != "win32":  # no pthread_sigmask there
            # The run was stopped and the process is ending: hold later stop signals. Python's
            # finalization restores the default handlers, and a SIGHUP sent 40 ms after the first
            # signal then killed the run (exit -1 instead of 130: 1 test run in 4).
            signal.pthread_sigmask(signal.SIG_BLOCK, set(STOP_SIGNALS))

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
