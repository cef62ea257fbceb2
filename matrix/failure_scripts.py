"""The case scripts of the failure-mode and claim rows (:mod:`matrix.failure_modes`), as templates.

Scripts run on Python 3.6+ (no ``from __future__``, no walrus, no ``f"{x=}"``), except the
variants that import ``reference`` (3.8+): the ``vetted`` variants of ``killed-worker``,
``terminate-mid-put``, ``map-unpicklable`` and ``main-not-importable``. Every script keeps its work
under ``if __name__ == "__main__":`` (spawned children re-import it) except ``missing-guard``,
whose point is the missing guard. ``{method}`` is the start method, or ``None`` for ``default``
(the interpreter's own: ``mp.get_context(None)``).

``main-not-importable`` scripts are launchers: they replace themselves (``os.execv``: same pid,
process group and pipes, so the runner sees the program as if it had started it) with
``python -W default -c PROGRAM [METHOD]`` or ``python -W default - [METHOD]`` reading PROGRAM
from a pipe on stdin. PROGRAM starts with the case prelude (:data:`matrix.stderr.PRELUDE`), so the
parent's traceback is still told from the children's.
"""

from __future__ import annotations

from typing import Dict, Tuple

from matrix.stderr import PRELUDE

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


# --- map-unpicklable: the callable given to Pool.map / ProcessPoolExecutor.map is pickled with
# every task, so what cannot be pickled fails under every start method, fork included ------------

_MAP_HEAD = """\
import functools
import sys
import multiprocessing as mp


def scale(factor, x):
    return factor * x


def double(x):
    return 2 * x


def local_function():
    def double_locally(x):
        return 2 * x

    return double_locally


def local_method():
    class Doubler:
        def double(self, x):
            return 2 * x

    return Doubler().double


if __name__ == "__main__":
    method = {method}
"""

#: The callable per kind of variant (``pool-lambda``, ``executor-lambda``: ``lambda``).
_MAP_WORK: Dict[str, str] = {
    "lambda": "    work = lambda x: 2 * x  # noqa: E731\n",
    "local": "    work = local_function()\n",
    "method": "    work = local_method()  # a bound method of a local class\n",
    "partial": "    work = functools.partial(scale, 2)  # pickled as (scale, (2,)): works\n",
}

_MAP_CALL: Dict[str, str] = {
    "pool": """\
    with mp.get_context(method).Pool(2) as pool:
        results = pool.map(work, range(8))  # the callable is pickled with every chunk of tasks
""",
    "executor": """\
    from concurrent.futures import ProcessPoolExecutor

    options = {{}}
    if method is not None and sys.version_info < (3, 7):  # no mp_context before 3.7
        mp.set_start_method(method)
    elif method is not None:
        options["mp_context"] = mp.get_context(method)
    with ProcessPoolExecutor(2, **options) as executor:
        results = list(executor.map(work, range(8)))  # the callable is pickled with every task
""",
    "vetted": """\
    from reference.pool_return import vetted

    results = vetted(work, range(8), 2, start_method=method)  # checks that work pickles first
""",
}

_MAP_TAIL = """\
    assert results == [2 * x for x in range(8)], results
    print(results)
"""


def _map_unpicklable(variant: str) -> str:
    if variant == "vetted":  # the fix: a module-level function
        return _MAP_HEAD + "    work = double\n" + _MAP_CALL["vetted"] + _MAP_TAIL
    call, _, kind = variant.partition("-")  # "pool-lambda", "vetted-lambda" ...
    return _MAP_HEAD + _MAP_WORK[kind] + _MAP_CALL[call] + _MAP_TAIL


# --- main-not-importable: the guarded pool-return program, run as `python -c` or from stdin -----

_MAIN_EXACT = """\
from multiprocessing import Pool
import sys


def f(x):
    return x


if __name__ == "__main__":
    if len(sys.argv) > 1:  # matrix: the start method under test
        import multiprocessing as mp

        mp.set_start_method(sys.argv[1])
    with Pool(2) as p:
        res = p.map(f, list(range(64)))
    print("res: [%d, %d, %d, ..., %d]" % (res[0], res[1], res[2], res[-1]))
"""

_MAIN_VETTED = """\
import sys

from reference._work import f  # the work function in an importable module
from reference.pool_return import vetted

if __name__ == "__main__":
    method = sys.argv[1] if len(sys.argv) > 1 else None  # matrix: the start method under test
    res = vetted(f, range(64), 2, start_method=method)
    assert res == list(range(64)), res
    print("res: [%d, %d, %d, ..., %d]" % (res[0], res[1], res[2], res[-1]))
"""

_MAIN_LAUNCHER = """\
import os
import sys

PROGRAM = {program}
READ_FROM_STDIN = {stdin}

if __name__ == "__main__":
    method = {{method}}
    argv = [sys.executable, "-W", "default"]
    args = [] if method is None else [method]
    if READ_FROM_STDIN:  # python - < script.py: the program read from a pipe on stdin
        read, write = os.pipe()
        os.write(write, PROGRAM.encode("utf-8"))  # far less than a pipe holds
        os.close(write)
        os.dup2(read, 0)
        os.close(read)
        os.execv(sys.executable, argv + ["-"] + args)
    os.execv(sys.executable, argv + ["-c", PROGRAM] + args)  # python -c "..."
"""


def _main_not_importable(variant: str) -> str:
    program = PRELUDE + (_MAIN_VETTED if variant == "vetted" else _MAIN_EXACT)
    literal = repr(program).replace("{", "{{").replace("}", "}}")
    return _MAIN_LAUNCHER.format(program=literal, stdin=variant == "stdin")


# --- submit-unpicklable: an argument that cannot be pickled, given to apply_async / submit -------

_SUBMIT_HEAD = """\
import sys
import threading
import multiprocessing as mp


def work(item):
    return repr(item)


if __name__ == "__main__":
    method = {method}
    item = threading.Lock()  # a lock, a socket, an open file, a connection: cannot be pickled
"""

_EXECUTOR_OPTIONS = """\
    from concurrent.futures import ProcessPoolExecutor

    options = {{}}
    if method is not None and sys.version_info < (3, 7):  # no mp_context before 3.7
        mp.set_start_method(method)
    elif method is not None:
        options["mp_context"] = mp.get_context(method)
"""

_SUBMIT: Dict[str, str] = {
    "pool-apply": """\
    with mp.get_context(method).Pool(2) as pool:
        result = pool.apply_async(work, (item,))
        print(result.get())  # the task handler thread pickles the arguments
""",
    "executor-submit": _EXECUTOR_OPTIONS
    + """\
    with ProcessPoolExecutor(2, **options) as executor:
        future = executor.submit(work, item)
        print(future.result())  # the queue's feeder thread pickles the arguments
""",
    # python/cpython gh-116685's form: many futures, and an explicit shutdown that cancels the rest
    # (cancel_futures is new in 3.9: before, shutdown() raises TypeError in the `finally`)
    "executor-cancel": _EXECUTOR_OPTIONS
    + """\
    with ProcessPoolExecutor(1, **options) as executor:
        futures = [executor.submit(work, item) for _ in range(10)]
        try:
            print([f.result() for f in futures])
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
""",
}


# --- max-tasks: worker recycling (Pool(maxtasksperchild=), ProcessPoolExecutor(max_tasks_per_child=))

_MAX_TASKS_HEAD = """\
import os
import multiprocessing as mp


def pid(_):
    return os.getpid()


def check(pids, workers):
    print("tasks %d, worker processes %d" % (len(pids), len(set(pids))))
    if len(set(pids)) <= workers:
        raise RuntimeError("workers not recycled: %d tasks ran in %d processes" % (len(pids), len(set(pids))))


if __name__ == "__main__":
    method = {method}
"""

_MAX_TASKS: Dict[str, str] = {
    "pool": """\
    with mp.get_context(method).Pool(2, maxtasksperchild=1) as pool:
        pids = pool.map(pid, range(4), chunksize=1)  # a chunk is a task: one per worker
    check(pids, 2)
""",
    # max_tasks_per_child is new in 3.11 (a TypeError before); with it, the default context is spawn
    # and an explicit fork context is refused (gh-90622)
    "executor-one": """\
    from concurrent.futures import ProcessPoolExecutor

    options = {{}} if method is None else {{"mp_context": mp.get_context(method)}}
    with ProcessPoolExecutor(2, max_tasks_per_child=1, **options) as executor:
        pids = [f.result() for f in [executor.submit(pid, i) for i in range(4)]]
    check(pids, 2)
""",
    # python/cpython gh-115634's form: one worker, two tasks each, a backlog (six, not the issue's ten:
    # a spawned PyPy worker takes about 0.5 s to start, and each task here needs a new one)
    "executor-two": """\
    from concurrent.futures import ProcessPoolExecutor

    options = {{}} if method is None else {{"mp_context": mp.get_context(method)}}
    with ProcessPoolExecutor(1, max_tasks_per_child=2, **options) as executor:
        pids = [f.result() for f in [executor.submit(pid, i) for i in range(6)]]
    check(pids, 1)
""",
}

# --- code that relied on fork: each case checks its result and prints MATRIX-WRONG (exit 0) if it
# is not the promised one (matrix/runner.py: WRONG_PREFIX) -------------------------------------------

_RELIED_ON_FORK: Dict[Tuple[str, str], str] = {
    ("fork-global", "exact"): """\
import multiprocessing as mp

SCALE = 1  # a module-level setting, changed by the program before it starts its workers


def child(q, x):
    q.put(x * SCALE)  # fork: the parent's SCALE; spawn/forkserver: the module's, re-imported


if __name__ == "__main__":
    SCALE = 10  # say, from the command line
    ctx = mp.get_context({method})
    q = ctx.Queue()
    p = ctx.Process(target=child, args=(q, 4))
    p.start()
    got = q.get(timeout=30)
    p.join()
    print("child computed", got)
    if got != 40:
        print("MATRIX-WRONG expected 40 (4 x SCALE 10), got %r" % (got,))
""",
    ("fork-global", "vetted"): """\
import multiprocessing as mp


def child(q, x, scale):
    q.put(x * scale)  # the setting arrives as an argument, pickled, under every start method


if __name__ == "__main__":
    scale = 10
    ctx = mp.get_context({method})
    q = ctx.Queue()
    p = ctx.Process(target=child, args=(q, 4, scale))
    p.start()
    got = q.get(timeout=30)
    p.join()
    print("child computed", got)
    if got != 40:
        print("MATRIX-WRONG expected 40 (4 x scale 10), got %r" % (got,))
""",
    ("fork-nested", "exact"): """\
import multiprocessing as mp


def main(method):
    ctx = mp.get_context(method)
    q = ctx.Queue()
    factor = 10

    def work(x):  # nested: it sees q and factor without being given them (fork copies them)
        q.put(x * factor)

    p = ctx.Process(target=work, args=(4,))
    p.start()  # spawn/forkserver pickle the target here: a local function cannot be
    got = q.get(timeout=30)
    p.join()
    print("child computed", got)
    if got != 40:
        print("MATRIX-WRONG expected 40 (4 x factor 10), got %r" % (got,))


if __name__ == "__main__":
    main({method})
""",
    ("fork-nested", "vetted"): """\
import multiprocessing as mp


def work(q, x, factor):  # module-level, its state passed as arguments
    q.put(x * factor)


def main(method):
    ctx = mp.get_context(method)
    q = ctx.Queue()
    factor = 10
    p = ctx.Process(target=work, args=(q, 4, factor))
    p.start()
    got = q.get(timeout=30)
    p.join()
    print("child computed", got)
    if got != 40:
        print("MATRIX-WRONG expected 40 (4 x factor 10), got %r" % (got,))


if __name__ == "__main__":
    main({method})
""",
}

_HANDLE_HEAD = """\
import multiprocessing as mp
import select
import selectors
import socket
import threading


def use_lock(q, lock):
    with lock:  # under fork: a copy of the parent's thread lock
        q.put("ping")


def use_socket(q, sock):
    sock.sendall(b"ping")
    sock.close()
    q.put("ping")


def use_epoll(q, ep):
    events = ep.poll(0.1)  # the parent registered a writable socket: one event, at once
    q.put("ping" if events else "no events: the epoll lost its registrations")


def vetted(q, lock, sock):
    selector = selectors.DefaultSelector()  # made here: epoll, kqueue or select, per platform
    selector.register(sock, selectors.EVENT_WRITE)
    ready = selector.select(timeout=10)
    selector.close()
    with lock:  # a lock of the context: it works across processes, under every start method
        sock.sendall(b"ping")
    sock.close()
    q.put("ping" if ready else "not writable")


if __name__ == "__main__":
    ctx = mp.get_context({method})
    q = ctx.Queue()
    mine, theirs = socket.socketpair()
"""

_HANDLE: Dict[str, str] = {
    "lock": "    p = ctx.Process(target=use_lock, args=(q, threading.Lock()))\n    via_socket = False\n",
    "socket": "    p = ctx.Process(target=use_socket, args=(q, theirs))\n    via_socket = True\n",
    "epoll": "    ep = select.epoll()\n    ep.register(theirs.fileno(), select.EPOLLOUT)\n"
    "    p = ctx.Process(target=use_epoll, args=(q, ep))\n    via_socket = False\n",
    # the lock held by a name: start() drops the Process's reference to its args, and a collected
    # lock's semaphore is gone before a spawned child opens it (FileNotFoundError in the child)
    "vetted": "    lock = ctx.Lock()\n"
    "    p = ctx.Process(target=vetted, args=(q, lock, theirs))\n    via_socket = True\n",
}

_HANDLE_TAIL = """\
    p.start()  # spawn/forkserver pickle the arguments here
    theirs.close()  # the child has its own copy (fork) or descriptor (passed by multiprocessing)
    got = [q.get(timeout=30)]
    if via_socket:
        mine.settimeout(30)
        got.append(mine.recv(4).decode())
    p.join()
    want = ["ping", "ping"] if via_socket else ["ping"]
    print("child exit code", p.exitcode, "got", got)
    if got != want or p.exitcode != 0:
        print("MATRIX-WRONG expected %r and exit code 0, got %r, %r" % (want, got, p.exitcode))
"""

_RELIED_ON_FORK.update(
    {("fork-handle", v): _HANDLE_HEAD + code + _HANDLE_TAIL for v, code in _HANDLE.items()}
)
_SCRIPTS.update(_RELIED_ON_FORK)  # template() finds them there


def template(mode: str, variant: str) -> str:
    """The script of ``mode``/``variant``, with ``{method}`` still to be filled in."""
    if mode == "unpicklable":
        return _UNPICKLABLE_HEAD + _UNPICKLABLE[variant] + _UNPICKLABLE_TAIL
    if mode == "map-unpicklable":
        return _map_unpicklable(variant)
    if mode == "main-not-importable":
        return _main_not_importable(variant)
    if mode == "submit-unpicklable":
        return _SUBMIT_HEAD + _SUBMIT[variant]
    if mode == "max-tasks":
        return _MAX_TASKS_HEAD + _MAX_TASKS[variant]
    return _SCRIPTS[(mode, variant)]
