"""The case scripts of the rows about what a pool or executor is given: an unpicklable callable
(map-unpicklable), an unpicklable argument (submit-unpicklable) and worker recycling (max-tasks)."""

from __future__ import annotations

from typing import Callable, Dict

from matrix.failure_scripts._shared import EXECUTOR_OPTIONS

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

"""
    + EXECUTOR_OPTIONS
    + """    with ProcessPoolExecutor(2, **options) as executor:
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

_EXECUTOR_OPTIONS = (
    """\
    from concurrent.futures import ProcessPoolExecutor

"""
    + EXECUTOR_OPTIONS
)

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

"""
_MAX_TASKS_MAIN = """
if __name__ == "__main__":
    method = {method}
"""
#: The vetted variant's worker death: SIGKILL (the OOM killer, a crash in C code; os._exit on Windows).
_KILLED = """
def killed(x):
    import signal

    if x == 2 and hasattr(signal, "SIGKILL"):
        os.kill(os.getpid(), signal.SIGKILL)
    elif x == 2:  # Windows
        os._exit(9)
    return x

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
    # reference/recycle.py (its own workers, no max_tasks_per_child): three tasks on two workers, one
    # task each, then a worker killed mid-task, which must raise BrokenProcessPool where
    # Pool(maxtasksperchild=1) would hang. Five process starts: a spawned PyPy worker takes ~0.5 s to
    # start, and seven (with gh-115634's form too) took 2.7-3.4 s at load 5, past the 3 s deadline
    # (tests/reference/test_recycle.py runs that form)
    "vetted": """\
    from concurrent.futures.process import BrokenProcessPool

    from reference.recycle import vetted

    check(vetted(pid, range(3), 2, 1, start_method=method), 2)
    try:
        vetted(killed, range(3), 2, 3, start_method=method)
    except BrokenProcessPool as exc:
        print("a killed worker: BrokenProcessPool:", exc)
    else:
        print("MATRIX-WRONG a killed worker went unnoticed")
""",
}

# --- code that relied on fork: each case checks its result and prints MATRIX-WRONG (exit 0) if it
# is not the promised one (matrix/runner.py: WRONG_PREFIX) -------------------------------------------


def submit_unpicklable(variant: str) -> str:
    return _SUBMIT_HEAD + _SUBMIT[variant]


def max_tasks(variant: str) -> str:
    return _MAX_TASKS_HEAD + (_KILLED if variant == "vetted" else "") + _MAX_TASKS_MAIN + _MAX_TASKS[variant]


#: Row -> its template for a variant.
MODES: Dict[str, Callable[[str], str]] = {
    "map-unpicklable": _map_unpicklable,
    "submit-unpicklable": submit_unpicklable,
    "max-tasks": max_tasks,
}
