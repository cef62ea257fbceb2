"""The case scripts of the rows about signals: Ctrl-C during a map (ctrl-c) and
``Process.interrupt()`` (process-interrupt, new in 3.14).

A ``ctrl-c`` case presses Ctrl-C itself: once every worker is busy (each task leaves a file in a
scratch folder), a timer thread sends SIGINT to the case's whole process group, as a terminal does
to its foreground group (the runner starts each case in a session of its own:
:mod:`matrix.supervise.session`). While the pool runs, the case's stderr (file descriptor 2, which
the workers inherit) goes to a file, so the case can count the tracebacks the workers printed; it
copies that text to its real stderr afterwards, each line behind ``| `` (so that the runner does
not count the workers' identical ``KeyboardInterrupt`` tracebacks as a respawn loop). The case
catches the parent's ``KeyboardInterrupt`` and decides: exactly one in the parent, no worker
traceback, no worker alive afterwards: exit 0 (``ok``); anything else it reports in a
``MATRIX-WRONG`` line (``wrong``); a pool that does not end is the runner's ``hang``.
"""

from __future__ import annotations

from typing import Callable, Dict

from matrix.failure_scripts._shared import EXECUTOR_OPTIONS

_CTRL_C_HEAD = """\
import os
import re
import signal
import sys
import tempfile
import threading
import time
import multiprocessing as mp

WORKERS = 2


def slow(task):
    folder, i = task
    open(os.path.join(folder, "%d-%d" % (os.getpid(), i)), "w").close()  # busy now
    time.sleep(30)  # a long task: Ctrl-C must end it
    return i


def press_ctrl_c(folder):
    while len(os.listdir(folder)) < WORKERS:  # every worker busy (the runner's deadline bounds it)
        time.sleep(0.01)
    time.sleep(0.05)
    os.killpg(os.getpgrp(), signal.SIGINT)  # a terminal's Ctrl-C: SIGINT to the whole group


def report(interrupts, results, printed):
    tracebacks = len(re.findall(r"^Traceback \\(most recent call last\\):", printed, re.M))
    headers = len(re.findall(r"^Process \\S+:$", printed, re.M))
    left = mp.active_children()
    print("parent KeyboardInterrupt: %d, worker tracebacks: %d (headers %d), left alive: %d"
          % (interrupts, tracebacks, headers, len(left)))
    if printed:
        sys.stderr.write("".join("| " + line + "\\n" for line in printed.splitlines()))
    for p in left:
        p.terminate()
    if results is not None:
        print("MATRIX-WRONG expected KeyboardInterrupt, got the map's results: SIGINT did not interrupt it")
    elif left:
        print("MATRIX-WRONG expected the workers gone with the pool, got workers still alive")
    elif tracebacks or headers:
        print("MATRIX-WRONG expected one KeyboardInterrupt (the parent's), got the workers' "
              "KeyboardInterrupt tracebacks too (a traceback storm)")


def interrupted_run(run, method):
    folder = tempfile.mkdtemp()
    tasks = [(folder, i) for i in range(2 * WORKERS)]
    threading.Thread(target=press_ctrl_c, args=(folder,), daemon=True).start()
    saved = os.dup(2)
    log = tempfile.TemporaryFile()
    os.dup2(log.fileno(), 2)  # the workers inherit it
    interrupts, results = 0, None
    try:
        results = run(tasks, method)
    except KeyboardInterrupt:
        interrupts += 1
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
    time.sleep(0.2)  # what the workers still print
    log.seek(0)
    printed = log.read().decode("utf-8", "replace")
    for name in os.listdir(folder):
        os.unlink(os.path.join(folder, name))
    os.rmdir(folder)
    report(interrupts, results, printed)
"""

_CTRL_C_RUN: Dict[str, str] = {
    "pool-map": """\
def run(tasks, method):
    with mp.get_context(method).Pool(WORKERS) as pool:
        return pool.map(slow, tasks)
""",
    "executor-map": """\
def run(tasks, method):
    from concurrent.futures import ProcessPoolExecutor

"""
    + EXECUTOR_OPTIONS
    + """    with ProcessPoolExecutor(WORKERS, **options) as executor:
        return list(executor.map(slow, tasks))
""",
    "vetted": """\
def run(tasks, method):
    from reference.interruptible import vetted

    return vetted(slow, tasks, WORKERS, start_method=method)
""",
}

_CTRL_C_MAIN = """

if __name__ == "__main__":
    interrupted_run(run, {method})
"""


def ctrl_c(variant: str) -> str:
    return _CTRL_C_HEAD + "\n\n" + _CTRL_C_RUN[variant] + _CTRL_C_MAIN


# --- process-interrupt: Process.interrupt() (3.14+), SIGINT to one child ---------------------------

_INTERRUPT_HEAD = """\
import time
import multiprocessing as mp


def work(ready, finished, catch):
    try:
        ready.set()
        time.sleep(30)  # a long task, to be interrupted
    except KeyboardInterrupt:
        if not catch:
            raise  # multiprocessing prints the traceback; exit code 1
        finished.set()  # the child's own teardown, then a normal exit (code 0)


if __name__ == "__main__":
    ctx = mp.get_context({method})
    ready, finished = ctx.Event(), ctx.Event()
    p = ctx.Process(target=work, args=(ready, finished, CATCH), daemon=True)  # ends with the parent
    p.start()
    if not ready.wait(10):
        raise RuntimeError("the child did not start its work within 10 s")
"""

_INTERRUPT_CALL: Dict[str, str] = {
    "exact": "    p.interrupt()  # new in 3.14\n",
    "uncaught": "    p.interrupt()  # new in 3.14\n",
    "vetted": "    from reference.interruptible import interrupt\n\n"
    "    interrupt(p)  # p.interrupt() on 3.14+, os.kill(p.pid, SIGINT) before\n",
}

_INTERRUPT_TAIL = """\
    p.join(10)
    print("exit code %r, teardown ran: %s" % (p.exitcode, finished.is_set()))
    if p.exitcode is None:
        p.terminate()
        p.join()
        raise RuntimeError("the child was still running 10 s after the interrupt")
    if p.exitcode != EXPECTED or finished.is_set() != CATCH:
        print("MATRIX-WRONG expected exit code %d%s, got %r%s" % (
            EXPECTED, " after the teardown" if CATCH else "", p.exitcode,
            " after the teardown" if finished.is_set() else " without the teardown"))
"""


def process_interrupt(variant: str) -> str:
    catch = variant != "uncaught"
    head = _INTERRUPT_HEAD.replace("CATCH", repr(catch))
    tail = _INTERRUPT_TAIL.replace("CATCH", repr(catch)).replace("EXPECTED", "0" if catch else "1")
    return head + _INTERRUPT_CALL[variant] + tail


#: Row -> its template for a variant.
MODES: Dict[str, Callable[[str], str]] = {
    "ctrl-c": ctrl_c,
    "process-interrupt": process_interrupt,
}
