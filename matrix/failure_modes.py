"""Failure-mode and claim rows of the matrix: how multiprocessing breaks, measured by real runs.

Each row is a :class:`FailureMode` with stable id (the matrix anchor), citations, variants and the
remedy. :func:`failure_script` returns the source of one standalone case script, run like the
pattern cases (``matrix/cases.py``) as ``python -W default case.py`` by a fresh interpreter, with
``reference/`` importable from the working directory. A case runs in well under 1 s when it
finishes; a stuck one is caught by the runner's 3 s deadline (``hang``).

The scripts themselves (Python 3.6+) are templates in :mod:`matrix.failure_scripts`.

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


#: What each failure-mode / claim row shows (the scripts: matrix/failure_scripts.py).
WHAT_HAPPENS: Dict[str, str] = {
    "killed-worker": "A worker is killed with SIGKILL (as the OOM killer or a crash in C code would) in "
    "the middle of a map. `pool`: `multiprocessing.Pool.map` replaces the worker but waits forever for "
    "the lost task (a hang). `vetted`: `reference/pool_return.py`'s `vetted`, a "
    "`concurrent.futures.ProcessPoolExecutor` with `Pool.map`'s chunk size, raises `BrokenProcessPool`. "
    "`executor`: a plain `ProcessPoolExecutor.map`, the same detection. No Windows expectation: there "
    "is no SIGKILL there.",
    "pool-with-async": "`apply_async` results are still outstanding when `with Pool()` exits: "
    "`Pool.__exit__` calls `terminate()`, so the tasks are killed and `get(timeout=0.5)` raises "
    "`multiprocessing.TimeoutError` (`exact`). `vetted` collects the results inside the block, then "
    "calls `close()` and `join()`.",
    "terminate-mid-put": "`terminate()` of a sender while its feeder thread writes a 1 MiB item: the "
    "queue's write lock stays held by the dead process and a reader may block in a partial message "
    "(`exact` raises `RuntimeError` with what it found). `vetted` stops the sender with a stop pipe and "
    "a sentinel, drains, then joins. Expected only on Linux, where it is measured: the lock and pipe "
    "state after `terminate()` depends on the platform.",
    "join-before-drain": "`join()` of a child that put a 1 MiB item on a queue before the parent takes "
    "it: the child cannot exit until its item is flushed into the pipe, so `join()` deadlocks (`exact`, "
    "a hang). `vetted`: `get()` first, then `join()`.",
    "fork-with-threads": "A process is forked while another thread runs: from 3.12 CPython warns "
    "`DeprecationWarning: This process (pid=N) is multi-threaded, use of fork() may lead to deadlocks in "
    "the child.` (an explicit `fork`, or the default where it is fork). Only `fork` and *default* rows.",
    "unpicklable": "A lambda, a closure, an instance of a local class or an open file as `Process` "
    "target or argument: fine under `fork` (nothing is pickled), a pickling error under `spawn` and "
    "`forkserver` (and the default where it is one of them). The exception type changed between "
    "versions (`AttributeError`, `PicklingError`, `TypeError`).",
    "missing-guard": "`Process`/`Pool` started at module level without `if __name__ == '__main__':`: "
    "`spawn`/`forkserver` children re-run the module and fail in the bootstrapping check (the "
    "cause); `pool`: the parent respawns its workers forever (a hang, stopped at the first repeat), "
    "`process`: it exits 1 with its own message, unless the forkserver died (`EOFError`, "
    "`ConnectionResetError`).",
    "map-unpicklable": "A lambda, a local function or a bound method of a local class given to "
    "`Pool.map` (`pool-*`) or `ProcessPoolExecutor.map` (`executor-*`): the callable is pickled with "
    "every task, so it fails under **every** start method, `fork` included (unlike a lambda as "
    "`Process` target, which `fork` runs: `unpicklable`). `Pool.map` raises the pickling error: "
    "`PicklingError` for a lambda, `AttributeError: Can't pickle local object` (up to 3.12) or "
    "`Can't get local object` (3.13) for the others, `PicklingError` for all from 3.14 (gh-122311); "
    "PyPy's pickler says `PicklingError` throughout. `ProcessPoolExecutor.map` hangs up to 3.8: "
    "leaving the `with` block waits forever for the task that never left (the error reaches the "
    "future from 3.7, gh-75880; 3.9 fixed the wait, gh-83285). From 3.9 it raises the same errors, "
    "but up to 3.11 it sometimes hangs instead: `shutdown()` waits for the executor's manager "
    "thread, which waits for a wakeup that never comes (measured on 3.9.18: 2 and 7 of 10 runs of "
    "two cells; 3.11.2: 6 of 10; never in 30 runs of 3.12.1; gh-116685 reports the same versions "
    "hanging in `shutdown(cancel_futures=True)` after pickling failures, fixed in 3.12). "
    "`functools.partial` of a module-level function pickles as the function and its arguments and "
    "works (`*-partial`). "
    "`vetted`: `reference/pool_return.py`'s `vetted` with a module-level function; `vetted-lambda`: "
    "the same given a lambda raises the pickling error at once, before any worker starts, on every "
    "version. PyPy 3.9 (7.3.11): its executor fails under `spawn`/`forkserver` before pickling "
    "anything (`_adjust_process_count`, pypy#4922).",
    "main-not-importable": 'The guarded `pool-return` program run as `python -c "..."` (`dash-c`) '
    "or read from stdin as `python - < script.py` (`stdin`). `fork` copies the parent: both work. "
    "Under `spawn` and `forkserver` each worker re-creates `__main__` "
    "(`multiprocessing/spawn.py`): with `-c` there is no file, so the worker's `__main__` has no `f` "
    "and every task fails to unpickle (`AttributeError: Can't get attribute 'f' on <module "
    "'__main__' (built-in)>`; from 3.14 `module '__main__' has no attribute 'f'`); from stdin, "
    "`__main__.__file__` is `'<stdin>'` and the worker tries to run a file of that name "
    "(`FileNotFoundError`). Either way the worker dies and the `Pool` replaces it forever: a hang, "
    "on every version (the Linux default from 3.14) — except where the forkserver itself dies "
    "running `<stdin>` and the parent raises `EOFError` (3.13.18) or `ConnectionResetError` "
    "(3.14.10). `vetted`: `f` imported from a module (`reference._work`) and "
    "`reference/pool_return.py`'s `vetted`, run with `-c`: works under every start method (the "
    "docs: the children must be able to import `__main__`'s functions). No vetted form from stdin: "
    "the workers try to run `'<stdin>'` before the program's first line, so no code in it can help; "
    "save it to a file (the guarded `pool-return` row).",
    "submit-unpicklable": "A `threading.Lock` (what cannot be pickled: a lock, a socket, an open file, "
    "a connection) as the argument of `Pool.apply_async` (`pool-apply`) or "
    "`ProcessPoolExecutor.submit` (`executor-submit`), and gh-116685's form (`executor-cancel`): ten "
    "submits, the results read in a `try` and `shutdown(wait=True, cancel_futures=True)` in its "
    "`finally`. The arguments are pickled in a thread of the parent, so the start method does not "
    "matter. `Pool.apply_async(...).get()` raises `TypeError` on every version (PyPy: "
    "`PicklingError`). `submit(...).result()` hangs on 3.6 (the queue's feeder thread only prints "
    "the error) and raises `TypeError` from 3.7 (gh-75880). `executor-cancel` hangs on 3.6-3.8 "
    "(`cancel_futures` is new in 3.9, and leaving the `with` block waits for the tasks that never "
    "left: gh-83285) and from 3.9 raises `TypeError` or hangs in `shutdown()`, varying by run, on "
    "**every** version measured up to 3.15.2 (hangs in 10 runs of the default cell: 3.9.18 7, "
    "3.12.1 6, 3.13.18 9, 3.15.2 2): gh-116685 was closed as fixed in 3.12, but its own "
    "reproducer (a lambda submitted ten times) hung here in 10 of 10 runs on each of 3.11.2, "
    "3.12.1, 3.14.10 and 3.15.2 (the main thread waits in `shutdown()` for the executor's manager "
    "thread, which waits for a wakeup). "
    "PyPy 3.9's executor fails under `spawn`/`forkserver` before pickling anything "
    "(`_adjust_process_count`, pypy#4922). No vetted variant: the fix is to pass something "
    "picklable (create the lock, file or connection in the worker), which no wrapper can do for "
    "the caller.",
    "max-tasks": "Recycling workers. `pool`: `Pool(2, maxtasksperchild=1)` maps four tasks with "
    "`chunksize=1`: each runs in a fresh process, on every version. `executor-one`: "
    "`ProcessPoolExecutor(2, max_tasks_per_child=1)` with four submits; `executor-two`: gh-115634's "
    "form, `ProcessPoolExecutor(1, max_tasks_per_child=2)` with a backlog of six submits. Before "
    "3.11 (and on PyPy 3.9) `max_tasks_per_child` does not exist (`TypeError`); from 3.11 it "
    "refuses an explicit `fork` context (`ValueError`, gh-90622) and, given none, uses `spawn` "
    "(so the Linux *default* cells up to 3.13 work). `executor-one` works; `executor-two` hangs "
    "on 3.11.2, 3.11.7, 3.12.1 and 3.13.0 and on PyPy 3.11: the worker exits at its limit and the "
    "executor never starts another (gh-115634, fixed in November 2025: 3.13.18, 3.14.10 and 3.15.2 "
    "work). `vetted`: `reference/recycle.py`, which starts its own workers (one `Pipe` each, sent one "
    "task at a time, exiting after `max_tasks`) instead of trusting either: three tasks on two workers, "
    "one task each, then a worker killed mid-task, which must raise `BrokenProcessPool` (where "
    "`Pool(maxtasksperchild=1)` waits forever, `killed-worker`).",
    "gil-speedup": "Which `concurrent.futures` executor speeds up CPU-bound pure-Python work: the same "
    "work (a loop of integer arithmetic) on `ThreadPoolExecutor(2)`, `ProcessPoolExecutor(2)` (given the "
    "cell's start method; none for `default`) and `InterpreterPoolExecutor(2)` (new in 3.14, PEP 734: "
    "one subinterpreter per worker thread; **not offered** before 3.14 and on PyPy, recorded as such), "
    "against running it serially. Each executor is started and warmed first; then interleaved rounds run "
    "the serial work and every executor once each, in an order that rotates per round. A round's "
    "speedup is its serial time over the executor's time in the same round; a cell shows the median "
    "round and, in brackets, the lowest and highest round (the spread), then `start`: the seconds from "
    "creating the executor to its first results (starting its workers). The case also records the GIL "
    "state (`sys._is_gil_enabled()` where it exists, 3.13+; before, and on PyPy, a GIL by version) and "
    "the 1-minute load average before and after the rounds (the Load column: the range over the "
    "platform's cells). An executor that fails is shown with its error (3.6's `ProcessPoolExecutor` "
    "takes no `mp_context`; PyPy 7.3.11's fails under `forkserver`/`spawn`, pypy#4922). The script "
    "prints one `MATRIX-MEASURE {json}` line, stored in the record's `measure` field.",
    "fork-global": "Code that relied on `fork`: a `Process` target reads a module-level global "
    "(`SCALE = 1`) that the parent set (`SCALE = 10`) before `start()`. Under `fork` the child is a "
    "copy of the parent and computes 40. Under `spawn` and `forkserver` it re-imports the module and "
    "reads `SCALE = 1`: the program exits 0 and prints 4 — **`wrong`**, on every version measured "
    "(CPython 3.6–3.15, PyPy 3.9/3.11), and by *default* on Linux from 3.14, where the default became "
    "`forkserver` (gh-84559): code that worked on 3.13 gives a different answer with no error "
    '(the docs warn of it under "Global variables"; a report: '
    "<https://github.com/ungoogled-software/ungoogled-chromium/pull/3866>, an option parsed into a "
    "global lost in the workers on Python 3.14 only; more in gh-125714). `vetted` passes the value as "
    "an argument with an explicit context: 40 under every start method.",
    "fork-handle": "Code that relied on `fork`: an object that cannot cross a process boundary passed "
    "as a `Process` argument. Under `fork` the child inherits it. Under `spawn`/`forkserver` the "
    "arguments are pickled in `start()`: a `threading.Lock` (`lock`) and a `select.epoll` (`epoll`) "
    'raise `TypeError` ("cannot pickle" the `_thread.lock` or `select.epoll` object; worded '
    "\"can't pickle\" up to 3.7; PyPy: `PicklingError` for the lock) — but PyPy's epoll "
    "pickles as a *new, empty* epoll, so the child's has lost the parent's registrations: exit 0, "
    "**`wrong`**. A socket (`socket`) works under every start method: `multiprocessing` registers a "
    'reducer that passes its descriptor (`Lib/multiprocessing/reduction.py`), so "a socket cannot '
    'be pickled" is not what breaks; a lock is, also inside an object passed along (a 3.14 report: '
    "<https://github.com/pythongssapi/httpx-gssapi/pull/61>). `vetted`: a context's `Lock` (kept referenced "
    "by the parent: `start()` drops its reference to the arguments, and a collected lock's semaphore "
    "is gone before a spawned child opens it), the socket, and a selector made in the child "
    "(`selectors.DefaultSelector`: epoll, kqueue or select per platform). `epoll` on macOS and "
    "Windows: `select.epoll` does not exist there (expected `AttributeError`).",
    "ctrl-c": "Ctrl-C while a map runs: once every worker is busy with a 30 s task, the case sends "
    "SIGINT to its whole process group, as a terminal does (the case runs in a session of its own), "
    "and counts the tracebacks the workers print (their stderr goes to a file, copied back behind "
    "`| `). `pool-map`: `with Pool(2): pool.map(...)`: the parent raises `KeyboardInterrupt` once "
    "and `__exit__` terminates the pool, but each worker got the SIGINT too and prints its own "
    "`KeyboardInterrupt` traceback: **`wrong`** (a traceback storm; the bpo-8296 family), on every "
    "version 3.6-3.15 and PyPy — in some runs `terminate()` kills the workers before they print "
    "(`ok` in 12 of 224 cells over four measurements, scattered over versions and start methods). "
    "`executor-map`: `ProcessPoolExecutor.map`: the "
    "running tasks end (a worker returns the `KeyboardInterrupt` as the task's result, so nothing "
    "is printed) but the tasks already queued to the workers run to the end before `shutdown()` "
    "returns, on every version: a **hang** here (by hand: 30.4-30.9 s, one more task, on 3.6, 3.8, "
    "3.11 and 3.14; gh-125886). `vetted`: `reference/interruptible.py`: the workers start with "
    "SIGINT blocked and ignore it; the parent's SIGINT sets a flag, the parent terminates the "
    "workers and raises `KeyboardInterrupt` once, no traceback. Windows has no process groups to "
    "signal: Ctrl-C is a console event for every process of the console (expected, not measured).",
    "process-interrupt": "`Process.interrupt()` (new in 3.14, gh-131913): SIGINT to one child "
    "busy in `time.sleep(30)`. `exact`: the child catches `KeyboardInterrupt`, runs its teardown "
    "and exits 0: `ok` from 3.14, `AttributeError: '...Process' object has no attribute "
    "'interrupt'` before. `uncaught`: the child lets it propagate: multiprocessing prints its "
    "traceback and the exit code is 1, as the docs say (`error` with the child's "
    "`KeyboardInterrupt` as cause, 3.14+). `vetted`: `reference/interruptible.py`'s `interrupt(p)`: "
    "`p.interrupt()` on 3.14+, `os.kill(p.pid, SIGINT)` before: `ok` on every version (POSIX; "
    "Windows has no SIGINT for one process and the docs call `interrupt()` undefined there).",
    "fork-nested": "Code that relied on `fork`: a function defined inside `main()`, seeing its "
    "locals (a queue, a factor), as `Process` target. `fork` runs it. `spawn`/`forkserver` pickle "
    "the target by reference and cannot find it: `AttributeError: Can't pickle local object` (up to "
    "3.12), `Can't get local object` (3.13), `_pickle.PicklingError: Can't pickle local object` "
    "(3.14+, gh-122311), PyPy's `PicklingError` — so it broke by default on Linux at 3.14. `vetted`: "
    "a module-level function given the queue and the factor as arguments.",
    "shared-memory": "A `multiprocessing.shared_memory.SharedMemory` block created by the parent and "
    "attached by name in its children: who unlinks it? On POSIX every `SharedMemory` registers its "
    "block with a resource tracker, which unlinks what is still registered when the last process "
    "using it exits (gh-82300). `attach-exit`: a child attaches, reads, closes and exits: the parent "
    "still has its block, under every start method (children share the parent's tracker: `fork` "
    "copies its pipe, `spawn`/`forkserver` are given it). `pool-first`: a `Pool` made *before* the "
    "block: under `fork` each worker starts a tracker of its own, which unlinks the block when the "
    "worker exits (**`wrong`**, with the tracker's `There appear to be 1 leaked shared_memory "
    "objects` warning), on every version measured (3.8-3.15, PyPy) — and so by *default* on Linux "
    "up to 3.13; `spawn`/`forkserver` workers share the parent's tracker. `no-unlink`: the creator "
    "never unlinks: its tracker unlinks the block when the program ends, with that warning (nothing "
    "left in `/dev/shm`). `unregister`: the common workaround, "
    '`resource_tracker.unregister(shm._name, "shared_memory")` in the child: the tracker is '
    "shared and its cache a set, so the child removed the *creator's* registration; the creator's "
    "`unlink()` then makes the tracker print a `KeyError` traceback (PyPy 3.11 discards silently) "
    "and `unregister-leak`: a creator that ends without `unlink()` leaks the block until reboot "
    "(**`wrong`** everywhere). `track-false`: `SharedMemory(name, track=False)` in the child: "
    "`TypeError` before 3.13, fine from 3.13. `vetted`: `reference/shared_memory.py` (`owned_block` "
    "first, then the attachers; they use `attached`: `track=False` on 3.13+): readable while owned, "
    "gone after, no warning. Python 3.6/3.7: no `shared_memory` (`ImportError`). Windows: no "
    "tracker; a block lives while a handle is open (expected, not measured).",
    "shared-memory-other": "gh-82300 as reported: another program (started with `subprocess`, not "
    "by `multiprocessing`) attaches to the block by name, reads, closes and exits. It registered "
    "the block with a resource tracker of its own, which unlinks it when that program exits: the "
    "creator's block is gone (**`wrong`**) on every POSIX version measured, with the attacher's "
    "`leaked shared_memory objects` warning. `track-false`: the attacher passes `track=False`: "
    "`TypeError` before 3.13, fine from 3.13 (the only way for a program the creator did not start; "
    "before 3.13 no public API avoids it). The start method does not apply (*default* only).",
    "worker-logging": "Logging from workers. `pool`/`process`: the parent calls "
    "`logging.basicConfig(level=logging.INFO)` (to a file the script reads back, standing for "
    "stderr) and a `Pool(2)` worker (4 tasks) or two `Process` targets log with "
    "`logging.getLogger(__name__).info(...)`; the script counts the workers' records in the "
    "parent's log. Under `fork` the worker is a copy of the parent, handlers and level included: "
    "every record arrives. Under `spawn` and `forkserver` the worker starts with the root logger "
    "unconfigured (no handler, level `WARNING`): its `INFO` records vanish, no error, exit 0 — "
    "**`wrong`** (0 of 4, 0 of 2) on every version measured (CPython 3.6–3.15, PyPy 3.9/3.11), so "
    "by *default* on Linux from 3.14 (forkserver, gh-84559), macOS and Windows. `thread-fork`: "
    "bpo-6721 (gh-50970): a thread logs in a loop through a handler that sleeps 2 ms inside its "
    "lock while the main thread starts three children that log. On 3.6 the forked child inherits "
    "the lock held by a thread it does not have and blocks forever (**hang**, under `fork` and the "
    "default); from 3.7 logging holds its locks across `fork()` and re-creates its handlers' locks "
    "in the child (GH-4071, bpo-36533): ok (3.12+ warn that `fork()` in a multi-threaded process "
    "may deadlock, gh-100228); `spawn`/`forkserver` children never inherit a parent thread's lock. "
    "`vetted`: `reference/log_queue.py` (the docs' cookbook recipe, \"Logging to a single file from "
    'multiple processes") — `with worker_logs(ctx) as logargs:` runs a `QueueListener` handing the '
    "records on a manager's queue to the root logger's handlers; each worker calls "
    "`send_logs_to(*logargs)` (a `Pool` initializer, the first line of a `Process` target), which puts "
    "a `QueueHandler` in place of its handlers: 5 of 5 records (a `Pool(1)` of 4 tasks and a "
    "`Process`) under every start method on 3.8–3.15 and PyPy, up to 2.5 s under spawn (the manager, "
    "the worker and the process are three more interpreters). A manager's queue, not a "
    "`multiprocessing.Queue`: a worker SIGKILLed while logging left the latter's shared write lock "
    "held in 33 of 54 runs (3.11, 18 per start method), and the other worker could neither send nor "
    "exit (0 of 54 with the manager's queue, tests/reference/test_log_queue.py); the listener is "
    "stopped by an event, since `QueueListener.stop()` puts a sentinel on the queue, which then waits "
    "forever for that lock.",
}
