"""Failure-mode and claim rows of the matrix: how multiprocessing breaks, measured by real runs.

Each row is a :class:`FailureMode` with stable id (the matrix anchor), citations, variants and the
remedy. :func:`failure_script` returns the source of one standalone case script, run like the
pattern cases (``matrix/cases.py``) as ``python -W default case.py`` by a fresh interpreter, with
``reference/`` importable from the working directory. A case runs in well under 1 s when it
finishes; a stuck one is caught by the runner's 3 s deadline (``hang``).

Scripts run on Python 3.6+ (no ``from __future__``, no walrus, no ``f"{x=}"``), except the
variants that import ``reference`` (3.8+): ``terminate-mid-put/vetted``. Every script keeps its
work under ``if __name__ == "__main__":`` (spawned children re-import it) except
``missing-guard``, whose point is the missing guard. ``{method}`` below is the start method, or
``None`` for ``default`` (the interpreter's own: ``mp.get_context(None)``).

Rows:

* ``killed-worker``: a worker dies by SIGKILL in the middle of a map. ``pool``: ``Pool.map`` waits
  forever for the lost task (hang; python/cpython gh-66587). ``vetted``: ``pool_return.vetted``
  (``reference/_pool_watch.py``) raises ``ChildProcessError``. ``executor``:
  ``ProcessPoolExecutor`` raises ``BrokenProcessPool``.
* ``pool-with-async``: ``apply_async`` results still outstanding when ``with Pool()`` exits
  (``__exit__`` is ``terminate()``): ``exact`` raises ``multiprocessing.TimeoutError`` from
  ``get(timeout=0.5)`` with "results lost"; ``vetted`` collects inside the block, then
  ``close()``/``join()``.
* ``terminate-mid-put``: ``terminate()`` a sender while its feeder thread writes a 1 MiB item:
  ``exact`` reports (``RuntimeError``) whether the queue's write lock is still held by the dead
  process and whether ``get(timeout=...)`` blocks on a torn message; ``vetted`` stops the sender
  as ``reference/queue_function.py`` does (a stop pipe, a sentinel, drain, join) and checks the
  items arrived intact.
* ``join-before-drain``: ``join()`` a child that put a 1 MiB item before taking it: the child
  cannot exit until the pipe is drained (hang); ``vetted``: ``get()`` then ``join()``.
* ``fork-with-threads``: a thread is running when a process is forked: 3.12+ emits
  ``DeprecationWarning: This process (pid=N) is multi-threaded, use of fork() may lead to
  deadlocks in the child.`` (fork and default only).
* ``unpicklable``: a lambda, a closure, an instance of a local class, an open file as ``Process``
  target/argument: fine under fork (nothing is pickled), a pickling error under spawn/forkserver.
* ``missing-guard``: ``Process``/``Pool`` started at module level without the ``__main__`` guard:
  spawn/forkserver children re-run the module and fail with "... before the current process has
  finished its bootstrapping phase" (``pool``: a respawn loop).
* ``gil-speedup`` (claim): CPU-bound pure-Python work, serial vs 2 threads vs 2 processes; prints
  one ``MATRIX-MEASURE {json}`` line (see :data:`MEASURE_PREFIX`) and exits 0; each figure
  is the best of 5 interleaved rounds (a shared machine's noise only ever slows a run down, and a
  change of load hits all three alike).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Dict, List, Tuple

START_METHODS: Tuple[str, ...] = ("default", "fork", "forkserver", "spawn")

#: A claim script prints exactly one line starting with this, then a JSON object.
MEASURE_PREFIX = "MATRIX-MEASURE "

_MP_DOCS = "https://docs.python.org/3/library/multiprocessing.html"


@dataclass(frozen=True)
class FailureMode:
    id: str  # stable: the matrix anchor
    title: str
    citations: Tuple[str, ...]  # URLs
    variants: Tuple[str, ...]
    remedy: str  # the reference/ module (and name) whose vetted form avoids it, or the stdlib alternative
    start_methods: Tuple[str, ...] = START_METHODS  # where the row applies
    claim: bool = False  # a measurement (MATRIX-MEASURE line), not a failure


FAILURE_MODES: Dict[str, FailureMode] = {
    m.id: m
    for m in (
        FailureMode(
            "killed-worker",
            "A worker killed (SIGKILL) in the middle of a map",
            (
                "https://github.com/python/cpython/issues/66587",
                "https://docs.python.org/3/library/concurrent.futures.html"
                "#concurrent.futures.process.BrokenProcessPool",
            ),
            ("pool", "vetted", "executor"),
            "reference/pool_return.py:vetted",
        ),
        FailureMode(
            "pool-with-async",
            "apply_async results outstanding when `with Pool()` exits",
            (
                "https://github.com/python/cpython/issues/126743",
                _MP_DOCS + "#multiprocessing.pool.Pool",
            ),
            ("exact", "vetted"),
            "reference/pool_with.py:vetted",
        ),
        FailureMode(
            "terminate-mid-put",
            "terminate() of a process in the middle of Queue.put()",
            (
                _MP_DOCS + "#multiprocessing.Process.terminate",
                _MP_DOCS + "#pipes-and-queues",
            ),
            ("exact", "vetted"),
            "reference/queue_function.py:vetted",
        ),
        FailureMode(
            "join-before-drain",
            "join() a process before taking what it put on a Queue",
            (_MP_DOCS + "#programming-guidelines",),
            ("exact", "vetted"),
            "reference/queue_function.py:stop_and_join",
        ),
        FailureMode(
            "fork-with-threads",
            "fork() while another thread runs",
            (
                "https://github.com/python/cpython/issues/100228",
                "https://docs.python.org/3/library/os.html#os.fork",
            ),
            ("exact",),
            "reference/start_method.py:context_for",
            start_methods=("default", "fork"),
        ),
        FailureMode(
            "unpicklable",
            "An unpicklable Process target or argument",
            (
                _MP_DOCS + "#the-spawn-and-forkserver-start-methods",
                "https://docs.python.org/3/library/pickle.html#what-can-be-pickled-and-unpickled",
            ),
            ("lambda", "closure", "local-class", "open-file"),
            "reference/queue_class.py:Receiver",
        ),
        FailureMode(
            "missing-guard",
            "No `if __name__ == '__main__':` guard",
            (_MP_DOCS + "#the-spawn-and-forkserver-start-methods",),
            ("process", "pool"),
            "reference/pool_close_join.py:vetted",
        ),
        FailureMode(
            "gil-speedup",
            "CPU-bound pure Python: 2 threads vs 2 processes vs serial",
            (
                "https://docs.python.org/3/glossary.html#term-global-interpreter-lock",
                "https://docs.python.org/3/howto/free-threading-python.html",
            ),
            ("measure",),
            "reference/pool_return.py:vetted",
            claim=True,
        ),
    )
}


def applies(mode: str, variant: str, start_method: str) -> bool:
    """Whether the cell exists (``fork-with-threads`` is for fork and default only)."""
    row = FAILURE_MODES.get(mode)
    return row is not None and variant in row.variants and start_method in row.start_methods


def all_failure_cells() -> List[Tuple[str, str, str]]:
    """Every (mode, variant, start method) cell, in table order."""
    return [
        (m.id, v, s)
        for m in FAILURE_MODES.values()
        for v in m.variants
        for s in START_METHODS
        if applies(m.id, v, s)
    ]


def parse_measure(stdout: str) -> Dict[str, object] | None:
    """The JSON object of a claim script's ``MATRIX-MEASURE`` line, or None."""
    for line in stdout.splitlines():
        if line.startswith(MEASURE_PREFIX):
            data = json.loads(line[len(MEASURE_PREFIX) :])
            if isinstance(data, dict):
                return {str(k): v for k, v in data.items()}
    return None


# ---------------------------------------------------------------------------------------------
# The scripts. ``{method}`` is replaced by the method's repr (None for default).
# ---------------------------------------------------------------------------------------------

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

    print(vetted(work, range(20), 2, start_method={method}))  # ChildProcessError: a worker died
""",
    ("killed-worker", "executor"): _KILLED_WORKER_WORK
    + """
if __name__ == "__main__":
    from concurrent.futures import ProcessPoolExecutor

    import sys

    method = {method}
    options = {{}}
    if method is not None and sys.version_info < (3, 7):  # no mp_context before 3.7
        mp.set_start_method(method)
    elif method is not None:
        options["mp_context"] = mp.get_context(method)
    with ProcessPoolExecutor(2, **options) as executor:
        print(list(executor.map(work, range(20))))  # BrokenProcessPool
""",
    ("pool-with-async", "exact"): """\
import time
import multiprocessing as mp


def slow_square(x):
    time.sleep(0.2)
    return x * x


if __name__ == "__main__":
    with mp.get_context({method}).Pool(2) as pool:
        results = [pool.apply_async(slow_square, (i,)) for i in range(4)]
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
    ("pool-with-async", "vetted"): """\
import time
import multiprocessing as mp


def slow_square(x):
    time.sleep(0.05)
    return x * x


if __name__ == "__main__":
    with mp.get_context({method}).Pool(2) as pool:
        results = [pool.apply_async(slow_square, (i,)) for i in range(4)]
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
        raise RuntimeError("queue corrupted by terminate(): " + report)
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
    ("gil-speedup", "measure"): """\
import json
import sys
import threading
import time
import multiprocessing as mp


def burn(n):
    s = 0
    for i in range(n):
        s += i * i
    return s


def timed(fn, repeat=1):
    best = None
    for _ in range(repeat):  # the best of `repeat` runs: robust to a busy or noisy machine
        t = time.perf_counter()
        fn()
        took = time.perf_counter() - t
        best = took if best is None else min(best, took)
    return best


def threads(n):
    ts = [threading.Thread(target=burn, args=(n,)) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


if __name__ == "__main__":
    # Calibrate: one unit of work takes about 0.05 s here (5 rounds of everything: about 1.5 s).
    n = 20000
    while True:
        took = timed(lambda: burn(n))
        if took > 0.02:
            break
        n *= 4
    n = max(1, int(n * 0.05 / took))
    took = timed(lambda: burn(n), 3)  # again, warm (a JIT compiles burn() during the first pass)
    n = max(1, int(n * 0.05 / took))
    with mp.get_context({method}).Pool(2) as pool:
        pool.map(burn, [n, n], 1)  # both workers started and warm
        # Interleaved rounds, the best of each: a change in the machine's load during the run
        # slows all three alike instead of skewing one ratio.
        serial_s = threads_s = processes_s = float("inf")
        for _ in range(5):
            serial_s = min(serial_s, timed(lambda: (burn(n), burn(n))))
            threads_s = min(threads_s, timed(lambda: threads(n)))
            processes_s = min(processes_s, timed(lambda: pool.map(burn, [n, n], 1)))
        pool.close()
        pool.join()
    is_gil_enabled = getattr(sys, "_is_gil_enabled", None)
    print(
        "MATRIX-MEASURE "
        + json.dumps(
            {{
                "serial_s": round(serial_s, 4),
                "threads_s": round(threads_s, 4),
                "processes_s": round(processes_s, 4),
                "threads_speedup": round(serial_s / threads_s, 2),
                "processes_speedup": round(serial_s / processes_s, 2),
                "gil": True if is_gil_enabled is None else bool(is_gil_enabled()),
            }},
            sort_keys=False,
        )
    )
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


def failure_script(mode: str, variant: str, start_method: str) -> str:
    """The source of one failure-mode (or claim) case script."""
    if start_method not in START_METHODS:
        raise ValueError(f"unknown start method {start_method!r}: one of {', '.join(START_METHODS)}")
    if not applies(mode, variant, start_method):
        raise ValueError(f"no case {mode}/{variant}/{start_method}")
    method = None if start_method == "default" else start_method
    head = f"# matrix failure mode: {mode} / {variant} / start method {start_method}\n"
    if mode == "unpicklable":
        body = _UNPICKLABLE_HEAD + _UNPICKLABLE[variant] + _UNPICKLABLE_TAIL
    else:
        body = _SCRIPTS[(mode, variant)]
    return head + body.format(method=repr(method))
