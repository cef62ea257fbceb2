"""The case scripts of the failure rows around the notes' patterns: a killed worker, results lost
by ``with Pool``, terminate() mid-put, join before drain, fork beside threads, a missing guard,
unpicklable Process arguments (templates: see :mod:`matrix.failure_scripts`)."""

from __future__ import annotations

import functools
from typing import Callable, Dict, Tuple

from matrix.failure_scripts._shared import EXECUTOR_OPTIONS


def _apply_async_in_with(delay: str) -> str:
    """The head of a ``pool-with-async`` script: four ``apply_async`` tasks of ``delay`` seconds
    each, submitted inside ``with Pool(2)``; the variant says what happens to their results."""
    return f"""\
import time
import multiprocessing as mp


def slow_square(x):
    time.sleep({delay})
    return x * x


if __name__ == "__main__":
    with mp.get_context({{method}}).Pool(2) as pool:
        results = [pool.apply_async(slow_square, (i,)) for i in range(4)]
"""


_KILLED_WORKER_WORK = """\
import os
import signal
import multiprocessing as mp


def work(x):
    if x == 5:
        os.kill(os.getpid(), signal.SIGKILL)  # the OOM killer, a crash in C code, kill -9
    return x

"""

_SCRIPTS: Dict[Tuple[str, str], str] = {
    ("killed-worker", "pool"): _KILLED_WORKER_WORK
    + """
if __name__ == "__main__":
    with mp.get_context({method}).Pool(2) as pool:
        print(pool.map(work, range(20)))  # waits for item 5's result forever
""",
    ("killed-worker", "vetted"): _KILLED_WORKER_WORK
    + """
if __name__ == "__main__":
    from reference.pool_return import vetted

    print(vetted(work, range(20), 2, start_method={method}))  # BrokenProcessPool: a worker died
""",
    ("killed-worker", "executor"): _KILLED_WORKER_WORK
    + """
if __name__ == "__main__":
    from concurrent.futures import ProcessPoolExecutor

    import sys

    method = {method}
"""
    + EXECUTOR_OPTIONS
    + """    with ProcessPoolExecutor(2, **options) as executor:
        print(list(executor.map(work, range(20))))  # BrokenProcessPool
""",
    ("pool-with-async", "exact"): _apply_async_in_with("0.2")
    + """\
    # __exit__ called terminate(): the tasks were killed, their results never come
    arrived = [r for r in results if r.ready()]
    print("results arrived: %d of %d" % (len(arrived), len(results)))
    try:
        print([r.get(timeout=0.5) for r in results])
    except mp.TimeoutError:
        raise mp.TimeoutError(
            "results lost: %d of %d apply_async results never arrived; `with Pool()` exited "
            "(terminate()) before they were collected" % (len(results) - len(arrived), len(results))
        ) from None
""",
    ("pool-with-async", "vetted"): _apply_async_in_with("0.05")
    + """\
        squares = [r.get(timeout=30) for r in results]  # collect inside the block
        pool.close()
        pool.join()
    print("results arrived: %d of %d" % (len(squares), len(results)))
    assert squares == [0, 1, 4, 9], squares
""",
    ("terminate-mid-put", "exact"): """\
import queue
import threading
import time
import multiprocessing as mp

SIZE = 1 << 20  # 1 MiB: many times a pipe buffer, so the feeder thread is inside a write


def sender(q):
    for i in range(50):
        q.put((i, bytes([i]) * SIZE))


if __name__ == "__main__":
    ctx = mp.get_context({method})
    q = ctx.Queue()
    p = ctx.Process(target=sender, args=(q,))
    p.start()
    first = q.get(timeout=30)
    time.sleep(0.05)  # the sender's feeder thread is now blocked writing item 1 into the full pipe
    p.terminate()
    p.join()
    print("sender exit code", p.exitcode)
    # put() never blocks on an unbounded queue (the parent's feeder thread would block instead),
    # so the write lock is probed directly: the dead sender's feeder held it while writing.
    lock_free = q._wlock is None or q._wlock.acquire(timeout=0.1)
    if lock_free and q._wlock is not None:
        q._wlock.release()
    got = []
    ended = []

    def drain():
        try:
            while True:
                i, data = q.get(timeout=0.1)
                got.append((i, len(data) == SIZE and data == bytes([i]) * SIZE))
        except queue.Empty:
            ended.append("raised Empty")
        except Exception as error:  # a torn message that unpickles to garbage
            ended.append("raised %s: %s" % (type(error).__name__, error))

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    reader.join(0.4)
    stuck = reader.is_alive()
    intact = [first[0]] + [i for i, ok in got if ok]
    torn = [i for i, ok in got if not ok]
    report = "write lock %s; items received intact: %s; torn: %s; get(timeout=0.1) %s" % (
        "free" if lock_free else "still held by the terminated sender",
        intact,
        torn,
        "still blocked after 0.4 s inside a partial message" if stuck else ended[0],
    )
    print(report)
    if stuck or torn or not lock_free:
        q.cancel_join_thread()
        # The message names the first symptom only: what the next get() does after it varies by
        # run (the report above, on stdout, has it all), and a cell's message must not.
        first_symptom = (
            "write lock still held by the terminated sender"
            if not lock_free
            else "torn message received" if torn else "get() blocked inside a partial message"
        )
        raise RuntimeError("queue corrupted by terminate(): " + first_symptom)
""",
    ("terminate-mid-put", "vetted"): """\
import multiprocessing as mp

from reference.queue_function import receive, stop_and_join

SIZE = 1 << 20


def sender(q, stop_requests):
    i = 0
    while not stop_requests.poll() and i < 20:
        q.put((i, bytes([i]) * SIZE))
        i += 1
    q.put(None)  # the sentinel: the stream ends here


if __name__ == "__main__":
    ctx = mp.get_context({method})
    q = ctx.Queue()
    stop_requests, stop = ctx.Pipe(duplex=False)  # as reference.queue_function.vetted
    p = ctx.Process(target=sender, args=(q, stop_requests), name="sender")
    p.start()
    got = [receive(q, p, 30), receive(q, p, 30)]
    stop_and_join(q, stop, p, 30)  # stop, drain to the sentinel, join: no terminate()
    assert [i for i, _ in got] == [0, 1], "lost or reordered"
    assert all(data == bytes([i]) * SIZE for i, data in got), "torn"
    print("sender exit code %s; items received intact: %d" % (p.exitcode, len(got)))
""",
    ("join-before-drain", "exact"): """\
import multiprocessing as mp


def child(q):
    q.put(b"x" * (1 << 20))  # more than the pipe holds: the child's feeder thread waits for a reader


if __name__ == "__main__":
    ctx = mp.get_context({method})
    q = ctx.Queue()
    p = ctx.Process(target=child, args=(q,))
    p.start()
    p.join()  # the child cannot exit before its item is flushed: deadlock
    print(len(q.get()))
""",
    ("join-before-drain", "vetted"): """\
import multiprocessing as mp


def child(q):
    q.put(b"x" * (1 << 20))


if __name__ == "__main__":
    ctx = mp.get_context({method})
    q = ctx.Queue()
    p = ctx.Process(target=child, args=(q,))
    p.start()
    data = q.get(timeout=30)  # drain first ...
    p.join(30)  # ... then join
    print(len(data), p.exitcode)
    assert p.exitcode == 0
""",
    ("fork-with-threads", "exact"): """\
import threading
import multiprocessing as mp


def child():
    pass


if __name__ == "__main__":
    stop = threading.Event()
    helper = threading.Thread(target=stop.wait)
    helper.start()
    try:
        p = mp.get_context({method}).Process(target=child)
        p.start()  # fork() with two threads: 3.12+ DeprecationWarning
        p.join()
    finally:
        stop.set()
        helper.join()
    print("child exit code", p.exitcode)
    if p.exitcode != 0:
        raise SystemExit("child exited with %r" % p.exitcode)
""",
    ("missing-guard", "process"): """\
import multiprocessing as mp


def child():
    print("child ran")


# no `if __name__ == "__main__":` -- spawn/forkserver children re-run this module
p = mp.get_context({method}).Process(target=child)
p.start()
p.join()
if p.exitcode != 0:
    raise SystemExit("child exited with %r" % p.exitcode)
""",
    ("missing-guard", "pool"): """\
import multiprocessing as mp


def square(x):
    return x * x


# no `if __name__ == "__main__":` -- spawn/forkserver workers re-run this module
with mp.get_context({method}).Pool(2) as pool:
    print(pool.map(square, range(8)))
""",
}

_UNPICKLABLE_HEAD = """\
import multiprocessing as mp


OPENED = []


def child(arg=None):
    if hasattr(arg, "readline"):
        arg.readline()  # the inherited file works under fork


def open_file():
    fh = open(__file__)
    OPENED.append(fh)
    return fh


def make_closure():
    def closure():
        pass

    return closure


def make_local():
    class Local:
        pass

    return Local()


if __name__ == "__main__":
    ctx = mp.get_context({method})
"""

_UNPICKLABLE: Dict[str, str] = {
    "lambda": "    p = ctx.Process(target=lambda: None)\n",
    "closure": "    p = ctx.Process(target=make_closure())\n",
    "local-class": "    p = ctx.Process(target=child, args=(make_local(),))\n",
    "open-file": "    p = ctx.Process(target=child, args=(open_file(),))\n",
}

_UNPICKLABLE_TAIL = """\
    try:
        p.start()  # spawn/forkserver pickle the target and args here
        p.join()
    finally:
        for fh in OPENED:
            fh.close()
    print("child exit code", p.exitcode)
    if p.exitcode != 0:
        raise SystemExit("child exited with %r" % p.exitcode)
"""


# --- map-unpicklable: the callable given to Pool.map / ProcessPoolExecutor.map is pickled with
# every task, so what cannot be pickled fails under every start method, fork included ------------


def unpicklable(variant: str) -> str:
    return _UNPICKLABLE_HEAD + _UNPICKLABLE[variant] + _UNPICKLABLE_TAIL


def _script(mode: str, variant: str) -> str:
    return _SCRIPTS[(mode, variant)]


#: Row -> its template for a variant.
MODES: Dict[str, Callable[[str], str]] = {
    **{mode: functools.partial(_script, mode) for mode, _ in _SCRIPTS},
    "unpicklable": unpicklable,
}
