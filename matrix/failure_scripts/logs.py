"""The case scripts of the row about logging from workers (worker-logging).

``pool``/``process``: the parent calls ``logging.basicConfig(level=logging.INFO)`` (to a file the
script reads back: what reaches it would reach stderr alike) and its workers log with
``logging.getLogger(__name__).info``; the script counts the workers' records in the parent's log and
prints ``MATRIX-WRONG`` when some vanished. ``thread-fork``: bpo-6721, a thread logging through a
handler that holds its lock most of the time while the main thread starts children that log: a
child forked with the lock held deadlocks (the runner's deadline sees the hang). ``vetted``:
``reference.log_queue`` (a ``QueueHandler`` per worker, a ``QueueListener`` in the parent) with a
``Pool`` (its initializer) and a ``Process`` target, every record counted (the executor's
initializer: tests/reference/test_log_queue.py; PyPy 7.3.11's executor fails under
spawn/forkserver, which the row would measure instead).
"""

from __future__ import annotations

from typing import Callable, Dict

_HEAD = """\
import logging
import multiprocessing as mp
import os
import tempfile

log = logging.getLogger(__name__)


def work(x):
    log.info("worker %d handles %d", os.getpid(), x)  # INFO: shown by the parent's basicConfig
    return x


if __name__ == "__main__":
    fd, path = tempfile.mkstemp(suffix=".log")
    os.close(fd)
    try:
        # the parent configures logging (a file it reads back below, standing for stderr)
        logging.basicConfig(level=logging.INFO, filename=path, format="%(processName)s %(message)s")
        ctx = mp.get_context({method})
"""

_TAIL = """\
        logging.shutdown()
        with open(path) as f:
            got = [line.strip() for line in f if "handles" in line]
    finally:
        os.remove(path)
    print("the parent's log got %d of the workers' %d records" % (len(got), WANT))
    if len(got) != WANT:
        print("MATRIX-WRONG expected the workers' %d INFO records in the parent's log, got %d: %r"
              % (WANT, len(got), got))
"""

_BODY: Dict[str, str] = {
    "pool": """\
        WANT = 4
        pool = ctx.Pool(2)
        pool.map(work, range(WANT))
        pool.close()
        pool.join()
""",
    "process": """\
        WANT = 2
        procs = [ctx.Process(target=work, args=(x,)) for x in range(WANT)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
""",
}

_THREAD_FORK = """\
import logging
import multiprocessing as mp
import os
import threading
import time


class SlowHandler(logging.StreamHandler):
    def emit(self, record):  # Handler.handle() holds the handler's lock around this
        time.sleep(0.002)
        logging.StreamHandler.emit(self, record)


def child(i):
    logging.getLogger("child").info("child %d", i)  # takes the handler's lock: fork copied it held


def chatter(stop):
    log = logging.getLogger("chatter")
    while not stop.is_set():
        log.info("tick")  # the handler's lock is held ~all the time


if __name__ == "__main__":
    devnull = open(os.devnull, "w")
    logging.basicConfig(level=logging.INFO, handlers=[SlowHandler(devnull)])
    ctx = mp.get_context({method})
    stop = threading.Event()
    thread = threading.Thread(target=chatter, args=(stop,))
    thread.start()
    codes = []
    try:
        for i in range(3):
            p = ctx.Process(target=child, args=(i,))
            p.start()
            p.join()  # a child deadlocked on the inherited lock never exits: the deadline sees it
            codes.append(p.exitcode)
    finally:
        stop.set()
        thread.join()
        devnull.close()
    print("children's exit codes", codes)
    if codes != [0, 0, 0]:
        print("MATRIX-WRONG expected three children to exit 0, got %r" % (codes,))
"""

_VETTED = (
    """\
import logging
import multiprocessing as mp
import os
import tempfile

from reference.log_queue import send_logs_to, worker_logs

log = logging.getLogger(__name__)


def work(x):
    log.info("worker %d handles %d", os.getpid(), x)
    return x


def target(logargs, x):
    send_logs_to(*logargs)  # a Process target: first thing
    work(x)


if __name__ == "__main__":
    fd, path = tempfile.mkstemp(suffix=".log")
    os.close(fd)
    WANT = 4 + 1
    try:
        logging.basicConfig(level=logging.INFO, filename=path, format="%(processName)s %(message)s")
        ctx = mp.get_context({method})
        with worker_logs(ctx) as logargs:
            p = ctx.Process(target=target, args=(logargs, 4))
            p.start()  # beside the Pool's worker: PyPy spawns each in about a second
            pool = ctx.Pool(1, initializer=send_logs_to, initargs=logargs)
            pool.map(work, range(4))
            pool.close()
            pool.join()
            p.join()
"""
    + _TAIL
)


def _worker_logging(variant: str) -> str:
    if variant == "thread-fork":
        return _THREAD_FORK
    if variant == "vetted":
        return _VETTED
    return _HEAD + _BODY[variant] + _TAIL


#: Row -> its template for a variant.
MODES: Dict[str, Callable[[str], str]] = {"worker-logging": _worker_logging}
