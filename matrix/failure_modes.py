"""Failure-mode and claim rows of the matrix: how multiprocessing breaks, measured by real runs.

Each row is a :class:`FailureMode` with stable id (the matrix anchor), citations, variants and the
remedy. :func:`failure_script` returns the source of one standalone case script, run like the
pattern cases (``matrix/cases.py``) as ``python -W default case.py`` by a fresh interpreter, with
``reference/`` importable from the working directory. A case runs in well under 1 s when it
finishes; a stuck one is caught by the runner's 3 s deadline (``hang``).

The scripts themselves (Python 3.6+) are templates in :mod:`matrix.failure_scripts`; what each row
shows under its table is in :mod:`matrix.failure_texts`.

Rows:

* ``killed-worker``: a worker dies by SIGKILL in the middle of a map. ``pool``: ``Pool.map`` waits
  forever for the lost task (hang; python/cpython gh-66587). ``vetted``: ``pool_return.vetted`` (an
  executor with ``Pool.map``'s chunk size) raises ``BrokenProcessPool``. ``executor``:
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
* ``map-unpicklable``: a lambda, a local function, a bound method of a local class given to
  ``Pool.map`` (``pool-*``) or ``ProcessPoolExecutor.map`` (``executor-*``): the callable is
  pickled with every task, so it fails under every start method, fork included (``Pool.map``
  raises; the executor hangs up to 3.8 and sometimes up to 3.11);
  ``functools.partial`` of a module-level function (``*-partial``) works. ``vetted``:
  ``pool_return.vetted`` with a module-level function; ``vetted-lambda``: the same given a lambda
  (it checks that the work pickles before it starts the executor).
* ``main-not-importable``: the guarded ``pool-return`` program run as ``python -c "..."``
  (``dash-c``) and as ``python - < script.py`` (``stdin``): spawn/forkserver children cannot find
  ``f`` (``-c``: no file to re-import) or try to run a file named ``<stdin>``. ``vetted``: the
  work function in an importable module (``reference._work.f``) and ``pool_return.vetted``, run as
  ``python -c``. No vetted form read from stdin: ``python -`` sets ``__main__.__file__`` to
  ``'<stdin>'`` and spawn/forkserver children run that path (``FileNotFoundError``) before any line
  of the program, so no code in it can help; the fix is a file (the guarded ``pool-return`` row).
* ``submit-unpicklable``: a ``threading.Lock`` (what cannot be pickled: a lock, a socket, a file)
  as the argument of ``Pool.apply_async`` (``pool-apply``), ``ProcessPoolExecutor.submit``
  (``executor-submit``), and python/cpython gh-116685's form: ten submits and
  ``shutdown(wait=True, cancel_futures=True)`` in a ``finally`` (``executor-cancel``). No vetted
  variant: the fix is to pass something else, which no wrapper can do for the caller.
* ``max-tasks``: worker recycling: ``Pool(2, maxtasksperchild=1).map(..., chunksize=1)`` of four
  tasks (``pool``), ``ProcessPoolExecutor(2, max_tasks_per_child=1)`` with four submits
  (``executor-one``) and python/cpython gh-115634's form ``ProcessPoolExecutor(1,
  max_tasks_per_child=2)`` with six submits (``executor-two``); each script checks that the tasks
  ran in more processes than there are workers (``RuntimeError`` if not). ``max_tasks_per_child``
  is new in 3.11 and refuses ``fork`` (gh-90622). ``vetted``: ``reference/recycle.py`` (its own
  workers, one pipe each): three tasks, one per worker, then a worker killed mid-task
  (``BrokenProcessPool``).
* ``ctrl-c``: Ctrl-C (SIGINT to the case's whole process group, sent by the case itself once every
  worker is busy) during ``Pool.map`` (``pool-map``), ``ProcessPoolExecutor.map``
  (``executor-map``) and ``interruptible.vetted`` (``vetted``). The workers' stderr goes to a file
  the case reads: a ``KeyboardInterrupt`` in the parent plus worker tracebacks (a traceback storm)
  is ``wrong`` (its ``MATRIX-WRONG`` line); the runner would otherwise call the storm a child's
  ``error`` or, two identical tracebacks while the parent runs, a respawn-loop ``hang``.
* ``process-interrupt``: ``Process.interrupt()`` (3.14+) of a child whose target catches
  ``KeyboardInterrupt`` (``exact``) or not (``uncaught``); ``vetted``: ``interruptible.interrupt``.
* ``gil-speedup`` (claim): which executor speeds up CPU-bound pure-Python work: the same work on
  ``ThreadPoolExecutor``, ``ProcessPoolExecutor`` (the cell's start method) and
  ``InterpreterPoolExecutor`` (3.14+; ``not offered`` before), two workers each, against serial;
  prints one ``MATRIX-MEASURE {json}`` line (see :data:`MEASURE_PREFIX` and
  :mod:`matrix.failure_scripts.executors`) and exits 0: per executor the median of interleaved
  rounds and their spread, the GIL state and the load average.

Code that silently relied on ``fork`` (the Linux default up to 3.13; ``forkserver`` from 3.14,
gh-84559; reports collected in gh-125714). Each case checks its own result and prints a
``MATRIX-WRONG`` line (:data:`matrix.runner.WRONG_PREFIX`) when it is not the promised one:

* ``fork-global``: a ``Process`` target reads a module-level global that the parent set before
  ``start()``: ``exact`` exits 0 with the initial value under spawn/forkserver (``wrong``);
  ``vetted`` passes the value as an argument.
* ``fork-handle``: a ``threading.Lock``, a socket, a ``select.epoll`` as ``Process`` argument
  (``lock``, ``socket``, ``epoll``): under spawn/forkserver the lock and the epoll cannot be pickled;
  the socket can (multiprocessing passes its descriptor). ``vetted``: a context's ``Lock``, the
  socket, and a selector made in the child.
* ``fork-nested``: a function nested in ``main()`` (seeing its locals) as ``Process`` target;
  ``vetted``: a module-level function given its state as arguments.

Logging from workers (issue 17 item 3), each case counting the records that reached the parent:

* ``worker-logging``: the parent calls ``logging.basicConfig(level=INFO)``; a ``Pool`` worker
  (``pool``) or a ``Process`` (``process``) logs with ``logging.getLogger(__name__).info``:
  ``wrong`` (the records vanished) under spawn/forkserver. ``thread-fork``: bpo-6721, a thread
  logging through a handler whose lock it holds most of the time while the main thread starts
  children that log (hang where the child inherits the lock held). ``vetted``:
  ``reference/log_queue.py`` (``QueueHandler`` per worker, ``QueueListener`` in the parent).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Dict, List, Tuple

from matrix import failure_scripts

START_METHODS: Tuple[str, ...] = ("default", "fork", "forkserver", "spawn")

#: The deadline of a claim case (seconds): it times about 3 s of work (9 rounds of about 0.25 s,
#: the executors' start-up, calibration), and more on a loaded machine; it is no hang test.
CLAIM_DEADLINE = 30.0

#: A claim script prints exactly one line starting with this, then a JSON object.
MEASURE_PREFIX = "MATRIX-MEASURE "

_MP_DOCS = "https://docs.python.org/3/library/multiprocessing.html"
_SHM_DOCS = "https://docs.python.org/3/library/multiprocessing.shared_memory.html"
#: map-unpicklable: the callables given to the maps (matrix/failure_scripts/).
_MAP_KINDS = ("lambda", "local", "method", "partial")


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
            "map-unpicklable",
            "A lambda or local function given to Pool.map / ProcessPoolExecutor.map",
            (
                "https://docs.python.org/3/library/pickle.html#what-can-be-pickled-and-unpickled",
                _MP_DOCS + "#multiprocessing.pool.Pool.map",
                "https://github.com/python/cpython/issues/83285",
            ),
            (
                *(f"{call}-{kind}" for call in ("pool", "executor") for kind in _MAP_KINDS),
                "vetted",
                "vetted-lambda",
            ),
            "reference/pool_return.py:vetted",
        ),
        FailureMode(
            "main-not-importable",
            "`__main__` that cannot be re-imported: `python -c` and `python - < script.py`",
            (
                _MP_DOCS + "#using-a-pool-of-workers",
                _MP_DOCS + "#the-spawn-and-forkserver-start-methods",
                "https://github.com/python/cpython/blob/main/Lib/multiprocessing/spawn.py",
            ),
            ("dash-c", "stdin", "vetted"),
            "reference/pool_return.py:vetted",
        ),
        FailureMode(
            "submit-unpicklable",
            "An unpicklable argument given to apply_async / ProcessPoolExecutor.submit",
            (
                "https://github.com/python/cpython/issues/116685",
                "https://github.com/python/cpython/issues/83285",
                "https://docs.python.org/3/library/pickle.html#what-can-be-pickled-and-unpickled",
            ),
            ("pool-apply", "executor-submit", "executor-cancel"),
            "pass picklable arguments (plain data, module-level functions); create locks, files and "
            "connections in the worker",
        ),
        FailureMode(
            "max-tasks",
            "Recycling workers: Pool(maxtasksperchild=1), ProcessPoolExecutor(max_tasks_per_child=)",
            (
                _MP_DOCS + "#multiprocessing.pool.Pool",
                "https://docs.python.org/3/library/concurrent.futures.html"
                "#concurrent.futures.ProcessPoolExecutor",
                "https://github.com/python/cpython/issues/90622",
                "https://github.com/python/cpython/issues/115634",
            ),
            ("pool", "executor-one", "executor-two", "vetted"),
            "reference/recycle.py:vetted",
        ),
        FailureMode(
            "gil-speedup",
            "Which executor for CPU-bound pure Python: threads, processes, interpreters vs serial",
            (
                "https://docs.python.org/3/glossary.html#term-global-interpreter-lock",
                "https://docs.python.org/3/howto/free-threading-python.html",
                "https://peps.python.org/pep-0703/",
                "https://peps.python.org/pep-0734/",
                "https://docs.python.org/3/library/concurrent.futures.html#interpreterpoolexecutor",
            ),
            ("measure",),
            "reference/pool_return.py:vetted",
            claim=True,
        ),
        FailureMode(
            "fork-global",
            "Relied on fork: a module-level global the parent changed before start()",
            (
                _MP_DOCS + "#the-spawn-and-forkserver-start-methods",
                "https://github.com/python/cpython/issues/84559",
                "https://github.com/python/cpython/issues/125714",
            ),
            ("exact", "vetted"),
            "reference/start_method.py:context_for",
        ),
        FailureMode(
            "fork-handle",
            "Relied on fork: a lock, socket or epoll object as Process argument",
            (
                _MP_DOCS + "#the-spawn-and-forkserver-start-methods",
                "https://github.com/python/cpython/blob/main/Lib/multiprocessing/reduction.py",
                "https://github.com/python/cpython/issues/125714",
            ),
            ("lock", "socket", "epoll", "vetted"),
            "reference/start_method.py:context_for",
        ),
        FailureMode(
            "fork-nested",
            "Relied on fork: a nested function as Process target",
            (
                _MP_DOCS + "#the-spawn-and-forkserver-start-methods",
                "https://docs.python.org/3/library/pickle.html#what-can-be-pickled-and-unpickled",
                "https://github.com/python/cpython/issues/125714",
            ),
            ("exact", "vetted"),
            "reference/start_method.py:context_for",
        ),
        FailureMode(
            "shared-memory",
            "Shared memory attached by the creator's children: who unlinks it",
            (
                _SHM_DOCS,
                "https://github.com/python/cpython/issues/82300",
                "https://github.com/python/cpython/pull/110778",
            ),
            (
                "attach-exit",
                "pool-first",
                "no-unlink",
                "unregister",
                "unregister-leak",
                "track-false",
                "vetted",
            ),
            "reference/shared_memory.py:owned_block",
        ),
        FailureMode(
            "shared-memory-other",
            "Shared memory attached by another program: its exit unlinks it (gh-82300)",
            (
                "https://github.com/python/cpython/issues/82300",
                "https://github.com/python/cpython/pull/110778",
                _SHM_DOCS,
            ),
            ("attach-exit", "track-false"),
            "SharedMemory(name, track=False) in the attaching program (3.13+)",
            start_methods=("default",),
        ),
        FailureMode(
            "worker-logging",
            "Logging from workers: the parent's logging config, and a lock held across fork",
            (
                "https://docs.python.org/3/howto/logging-cookbook.html"
                "#logging-to-a-single-file-from-multiple-processes",
                "https://github.com/python/cpython/issues/50970",
                "https://github.com/python/cpython/pull/4071",
                "https://docs.python.org/3/library/logging.handlers.html#queuelistener",
            ),
            ("pool", "process", "thread-fork", "vetted"),
            "reference/log_queue.py:worker_logs",
        ),
        FailureMode(
            "ctrl-c",
            "Ctrl-C (SIGINT to the process group) during Pool.map / ProcessPoolExecutor.map",
            (
                "https://bugs.python.org/issue8296",
                "https://github.com/python/cpython/issues/125886",
                "https://docs.python.org/3/library/signal.html#note-on-signal-handlers-and-exceptions",
            ),
            ("pool-map", "executor-map", "vetted"),
            "reference/interruptible.py:vetted",
        ),
        FailureMode(
            "process-interrupt",
            "Process.interrupt() (new in 3.14): SIGINT to one child",
            (
                _MP_DOCS + "#multiprocessing.Process.interrupt",
                "https://docs.python.org/3/whatsnew/3.14.html#multiprocessing",
                "https://github.com/python/cpython/issues/131913",
            ),
            ("exact", "uncaught", "vetted"),
            "reference/interruptible.py:interrupt",
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


def failure_script(mode: str, variant: str, start_method: str) -> str:
    """The source of one failure-mode (or claim) case script."""
    if start_method not in START_METHODS:
        raise ValueError(f"unknown start method {start_method!r}: one of {', '.join(START_METHODS)}")
    if not applies(mode, variant, start_method):
        raise ValueError(f"no case {mode}/{variant}/{start_method}")
    method = None if start_method == "default" else start_method
    head = f"# matrix failure mode: {mode} / {variant} / start method {start_method}\n"
    return head + failure_scripts.template(mode, variant).format(method=repr(method))
