"""One hostile run of ``reference.interruptible.vetted``, for tests/reference/test_interruptible.py.

``python interrupt_scenario.py SCENARIO METHOD SEED``: runs ``vetted`` on slow work while a timer
thread presses Ctrl-C (SIGINT to this script's whole process group, as a terminal does: the test
starts the script in a session of its own) or kills a worker, then prints one JSON line: what
``vetted`` raised, how many ``KeyboardInterrupt`` the script saw in all (inside ``vetted`` and
after it), and the times. Its stderr is the workers' too: the test counts tracebacks there.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import sys
import threading
import time
from typing import Dict, List

from reference.interruptible import vetted

assert sys.platform != "win32", "POSIX only: SIGINT to a process group"  # and mypy skips the rest there

ITEMS = 16
PROCESSES = 2


def work(x: float) -> float:
    """Sleep ``x`` seconds; -1: raise; -2: the worker dies (SIGKILL) in the middle of its task."""
    if x == -1:
        raise ValueError(f"bad item {x}")
    if x == -2:
        time.sleep(0.1)
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(x)
    return x


def press(delays: List[float], sent: List[float]) -> None:
    for delay in delays:
        time.sleep(delay)
        sent.append(time.monotonic())
        os.killpg(os.getpgrp(), signal.SIGINT)


def main() -> None:
    scenario, method_arg, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    method: str | None = None if method_arg == "default" else method_arg
    rng = random.Random(seed)
    items = [0.2] * ITEMS  # 16 items of 0.2 s on 2 workers: about 1.6 s of work after start-up
    sent: List[float] = []
    timer: threading.Thread | None = None
    if scenario in ("raises", "killed"):
        items[rng.randrange(ITEMS)] = -1.0 if scenario == "raises" else -2.0
    elif scenario != "forkserver-start":
        delays = {
            "early": [rng.uniform(0.0, 0.3)],  # before or while the workers start
            "random": [rng.uniform(0.0, 3.0)],  # any moment: start-up, mid-map, shutdown, after
            "twice": [rng.uniform(0.3, 1.5), rng.uniform(0.0, 0.1)],
        }[scenario]
        timer = threading.Thread(target=press, args=(delays, sent))
    if scenario == "forkserver-start":  # SIGINT while vetted starts the forkserver: its documented limit
        delays = [rng.uniform(0.0, 0.3)]
        timer = threading.Thread(target=press, args=(delays, sent))
    elif method == "forkserver" or (method is None and multiprocessing.get_start_method() == "forkserver"):
        child = multiprocessing.get_context("forkserver").Process(target=time.sleep, args=(0,))
        child.start()  # a program that used the forkserver before: its start-up is over
        child.join()
    started = time.monotonic()
    report: Dict[str, object] = {"raised": None, "interrupts": 0, "late_interrupts": 0}
    if timer is not None:
        timer.start()
    try:
        results = vetted(work, items, PROCESSES, start_method=method)
        report["correct"] = results == items
    except KeyboardInterrupt:
        report["raised"] = "KeyboardInterrupt"
        report["interrupts"] = 1
    except Exception as exc:
        report["raised"] = type(exc).__name__
    report["returned_at"] = time.monotonic() - started
    while (timer is not None and timer.is_alive()) or time.monotonic() - started < 3.2:
        try:  # a SIGINT after vetted returned is the program's own (default handler): count it
            time.sleep(0.05)
        except KeyboardInterrupt:
            report["late_interrupts"] = int(str(report["late_interrupts"])) + 1
    report["sent_at"] = [t - started for t in sent]
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
