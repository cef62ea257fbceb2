"""The expectations of the failure-mode and claim rows (matrix/failure_modes.py), cited."""

from __future__ import annotations

from typing import Tuple

from matrix import rule
from matrix.rule import (
    DOCS_BROKEN_POOL,
    DOCS_CONTEXTS,
    DOCS_EXECUTOR,
    DOCS_GIL,
    DOCS_GUIDELINES,
    DOCS_MAIN,
    DOCS_PICKLE,
    DOCS_POOL,
    DOCS_PROTOCOL,
    DOCS_TERMINATE,
    DOCS_USING_POOL,
    GH_66587,
    GH_75880,
    GH_83285,
    GH_90622,
    GH_100228,
    GH_115634,
    GH_116685,
    GH_122311,
    GH_126743,
    SPAWNLIKE,
    SRC_GETSTATE,
    SRC_SPAWN,
    Rule,
)

#: map-unpicklable: the callables that cannot be pickled, and the calls given them.
_UNPICKLABLE_KINDS = ("lambda", "local", "method")
_EXECUTOR_UNPICKLABLE = tuple(f"executor-{kind}" for kind in _UNPICKLABLE_KINDS)
#: The variants whose callable is a lambda: pickle says PicklingError for it in every version.
_MAP_LAMBDAS = ("pool-lambda", "executor-lambda", "vetted-lambda")
#: A local function or a bound method of a local class: AttributeError up to 3.13 (gh-122311).
_MAP_LOCALS = tuple(f"{call}-{kind}" for call in ("pool", "executor") for kind in ("local", "method"))

#: The failure-mode and claim rows (matrix/failure_modes.py), before the patterns' rules.
FAILURE_RULES: Tuple[Rule, ...] = (
    # --- killed-worker: SIGKILL does not exist on Windows, so no rule there ----------------------
    Rule(
        ("hang",),
        GH_66587,
        GH_75880,
        "Pool.map waits forever for the task of a worker that was killed (the pool replaces the "
        "worker but never fails the lost task)",
        os=("linux", "darwin"),
        patterns=("killed-worker",),
        variants=("pool",),
    ),
    Rule(
        ("error",),
        DOCS_BROKEN_POOL,
        "the vetted map runs on ProcessPoolExecutor: a killed worker breaks the pool and every "
        "pending future fails with BrokenProcessPool",
        exception="concurrent.futures.process.BrokenProcessPool",
        os=("linux", "darwin"),
        since=(3, 8),
        patterns=("killed-worker",),
        variants=("vetted",),
    ),
    Rule(
        ("error", "hang"),
        DOCS_BROKEN_POOL,
        "PyPy: not asserted beyond error-or-hang (PyPy 3.9: AttributeError '_adjust_process_count' "
        "under spawn/forkserver, BrokenProcessPool or a hang under fork, varying by run; PyPy 3.11: a "
        "hang or BrokenProcessPool, varying by start method)",
        os=("linux", "darwin"),
        implementation=("pypy",),
        patterns=("killed-worker",),
        variants=("executor",),
    ),
    Rule(
        ("error",),
        DOCS_BROKEN_POOL,
        "ProcessPoolExecutor notices the dead worker and fails every pending future",
        exception="concurrent.futures.process.BrokenProcessPool",
        os=("linux", "darwin"),
        patterns=("killed-worker",),
        variants=("executor",),
    ),
    # --- pool-with-async -----------------------------------------------------------------------
    Rule(
        ("error",),
        GH_126743,
        "`with Pool()` exits with terminate(): the outstanding apply_async results never arrive",
        exception="multiprocessing.context.TimeoutError",
        message="results lost",
        patterns=("pool-with-async",),
        variants=("exact",),
    ),
    # --- terminate-mid-put: the lock and pipe state after terminate() is Linux-measured only -------
    Rule(
        ("error", "ok"),
        DOCS_TERMINATE,
        "PyPy: not asserted (whether terminate() catches the feeder inside a write varies by run: "
        "PyPy 3.11 under fork was measured intact)",
        os=("linux",),
        implementation=("pypy",),
        patterns=("terminate-mid-put",),
        variants=("exact",),
    ),
    Rule(
        ("error",),
        DOCS_TERMINATE,
        "terminate() of a process using a queue may corrupt it: the dead sender's feeder held the "
        "write lock (and left a partial message)",
        exception="builtins.RuntimeError",
        message="queue corrupted",
        os=("linux",),
        patterns=("terminate-mid-put",),
        variants=("exact",),
    ),
    Rule(
        ("unsupported",),
        DOCS_PROTOCOL,
        "the reference package needs Python >= 3.8 (it uses typing.Protocol, new in 3.8)",
        patterns=("terminate-mid-put", "killed-worker", "map-unpicklable", "main-not-importable"),
        variants=("vetted", "vetted-lambda"),
        before=(3, 8),
    ),
    # --- join-before-drain ------------------------------------------------------------------------
    Rule(
        ("hang",),
        DOCS_GUIDELINES,
        "joining processes that use queues: the child cannot exit before its buffered item is "
        "taken, so join() before get() deadlocks",
        patterns=("join-before-drain",),
        variants=("exact",),
    ),
    Rule(
        ("ok",),
        DOCS_GUIDELINES,
        "vetted: drain the queue before joining; stop a sender with a message, not terminate()",
        patterns=("terminate-mid-put", "join-before-drain"),
        variants=("vetted",),
    ),
    Rule(
        ("ok",),
        DOCS_POOL,
        "vetted: collect the results inside the `with` block, then close() and join()",
        patterns=("pool-with-async",),
        variants=("vetted",),
    ),
    # --- fork-with-threads ------------------------------------------------------------------------
    Rule(
        ("ok",),
        GH_100228,
        "fork() in a multi-threaded process works here but warns from 3.12 (the child may deadlock)",
        implementation=("cpython",),
        since=(3, 12),
        patterns=("fork-with-threads",),
        methods=("fork",),
        warning="DeprecationWarning: This process",
    ),
    Rule(
        ("ok",),
        GH_100228,
        "no warning before 3.12 (or on PyPy), and none when the default method does not fork",
        patterns=("fork-with-threads",),
    ),
    # --- unpicklable ------------------------------------------------------------------------------
    Rule(
        ("ok",),
        DOCS_CONTEXTS,
        "fork: nothing is pickled, the child inherits the objects",
        patterns=("unpicklable",),
        methods=("fork",),
    ),
    Rule(
        ("error",),
        SRC_GETSTATE,
        "spawn/forkserver pickle the target and arguments: an open file cannot be pickled (the "
        "TypeError \"cannot pickle '...' object\" of object.__reduce_ex__, Objects/typeobject.c)",
        exception="builtins.TypeError",
        patterns=("unpicklable",),
        variants=("open-file",),
        methods=SPAWNLIKE,
    ),
    Rule(
        ("error",),
        GH_122311,
        "spawn/forkserver pickle the target and arguments: a lambda, closure or local class is "
        "pickled by reference and cannot be found (AttributeError or PicklingError up to 3.13, "
        "PicklingError from 3.14: gh-122311)",
        patterns=("unpicklable",),
        methods=SPAWNLIKE,
    ),
    # --- missing-guard ----------------------------------------------------------------------------
    Rule(
        ("ok",),
        DOCS_CONTEXTS,
        "fork: the child is a copy of the parent, the module is not re-run",
        patterns=("missing-guard",),
        methods=("fork",),
    ),
    Rule(
        ("hang",),
        DOCS_MAIN,
        "safe importing of the main module: spawned workers re-run the unguarded module and die in "
        "the bootstrapping check; the Pool respawns them forever",
        cause="builtins.RuntimeError",
        cause_message="bootstrapping phase",
        patterns=("missing-guard",),
        variants=("pool",),
        methods=("spawn",),
    ),
    Rule(
        ("hang", "error"),
        DOCS_MAIN,
        "safe importing of the main module: forkserver workers die in the bootstrapping check and "
        "the Pool respawns them forever, or the forkserver itself dies and the parent raises "
        "EOFError (3.13.x) or ConnectionResetError (3.14)",
        cause="builtins.RuntimeError",
        cause_message="bootstrapping phase",
        patterns=("missing-guard",),
        variants=("pool",),
        methods=("forkserver",),
    ),
    Rule(
        ("crash", "error"),
        DOCS_MAIN,
        "safe importing of the main module: the child dies in the bootstrapping check and the script "
        "exits 1 with its SystemExit message (no traceback: recorded as crash), or the forkserver "
        "died and the parent raises EOFError (3.13.x) or ConnectionResetError (3.14)",
        cause="builtins.RuntimeError",
        cause_message="bootstrapping phase",
        patterns=("missing-guard",),
        methods=SPAWNLIKE,
    ),
    # --- map-unpicklable: the callable is pickled with every task, whatever the start method ------
    Rule(
        ("ok",),
        DOCS_PICKLE,
        "functools.partial of a module-level function pickles as the function (by reference) and "
        "its arguments; a module-level function is what the vetted form gets",
        patterns=("map-unpicklable",),
        variants=("pool-partial", "executor-partial", "vetted"),
    ),
    Rule(
        ("hang",),
        GH_83285,
        "ProcessPoolExecutor up to 3.8: the pickling error reaches the future (3.7+, gh-75880) or is "
        "only printed by the queue's feeder thread (3.6), but leaving the `with` block waits forever "
        "for the task that never left (3.9 fixed it: gh-83285)",
        implementation=("cpython",),
        before=(3, 9),
        patterns=("map-unpicklable",),
        variants=_EXECUTOR_UNPICKLABLE,
    ),
    *(
        Rule(
            ("error", "hang"),
            GH_116685,
            f"executor.map raises the {what}'s pickling error ({exception.rsplit('.', 1)[1]}), or "
            "sometimes hangs instead: the main thread waits in shutdown() for the executor's manager "
            "thread, which waits for a wakeup (measured on 3.9.18 and 3.11.2, never in 30 runs of "
            "3.12.1; gh-116685: shutdown after pickling failures hangs up to 3.11, fixed in 3.12)",
            exception=exception,
            implementation=("cpython",),
            since=(3, 9),
            before=(3, 12),
            patterns=("map-unpicklable",),
            variants=variants,
        )
        for what, variants, exception in (
            ("lambda", _EXECUTOR_UNPICKLABLE[:1], "_pickle.PicklingError"),
            ("local function or class", _EXECUTOR_UNPICKLABLE[1:], "builtins.AttributeError"),
        )
    ),
    *(
        Rule(
            ("error",),
            GH_122311,
            f"a {what} cannot be pickled by reference: {exception.rsplit('.', 1)[1]} (gh-122311 made "
            "every such error PicklingError in 3.14); Pool.map, executor.map and the vetted check raise it",
            exception=exception,
            implementation=("cpython",),
            since=since,
            before=before,
            patterns=("map-unpicklable",),
            variants=variants,
        )
        for what, variants, exception, since, before in (
            ("lambda", _MAP_LAMBDAS, "_pickle.PicklingError", None, None),
            ("local function or class", _MAP_LOCALS, "builtins.AttributeError", None, (3, 14)),
            ("local function or class", _MAP_LOCALS, "_pickle.PicklingError", (3, 14), None),
        )
    ),
    Rule(
        ("error",),
        DOCS_PICKLE,
        "PyPy's pure-Python pickler: PicklingError for a lambda, a local function and a local class "
        "alike (PyPy 3.9: pickle.PicklingError, PyPy 3.11: _pickle.PicklingError)",
        message="Can't pickle",
        implementation=("pypy",),
        patterns=("map-unpicklable",),
    ),
    # --- main-not-importable: the children cannot re-create __main__ -----------------------------
    Rule(
        ("ok",),
        DOCS_CONTEXTS,
        "fork: the child is a copy of the parent, __main__ and f included",
        patterns=("main-not-importable",),
        methods=("fork",),
    ),
    Rule(
        ("ok",),
        DOCS_USING_POOL,
        "vetted: f comes from an importable module (reference._work), so the children import it",
        patterns=("main-not-importable",),
        variants=("vetted",),
    ),
    Rule(
        ("hang",),
        SRC_SPAWN,
        "python -c: __main__ has no file, so the children's __main__ lacks f; every task fails to "
        "unpickle (AttributeError), the worker dies and the Pool replaces it forever",
        cause="builtins.AttributeError",
        cause_message="'f'",
        patterns=("main-not-importable",),
        variants=("dash-c",),
        methods=SPAWNLIKE,
    ),
    Rule(
        ("hang",),
        SRC_SPAWN,
        "python - < script.py: __main__.__file__ is '<stdin>', which each spawned worker tries to run "
        "(FileNotFoundError); the Pool replaces its dying workers forever",
        cause="builtins.FileNotFoundError",
        cause_message="<stdin>",
        patterns=("main-not-importable",),
        variants=("stdin",),
        methods=("spawn",),
    ),
    Rule(
        ("hang", "error"),
        SRC_SPAWN,
        "python - < script.py: the forkserver and its workers try to run '<stdin>' "
        "(FileNotFoundError); the Pool replaces its dying workers forever, or the forkserver itself "
        "died and the parent raises EOFError (3.13.18) or ConnectionResetError (3.14.10)",
        cause="builtins.FileNotFoundError",
        cause_message="<stdin>",
        patterns=("main-not-importable",),
        variants=("stdin",),
        methods=("forkserver",),
    ),
    # --- submit-unpicklable: the arguments are pickled in a thread of the parent --------------------
    Rule(
        ("error",),
        DOCS_PICKLE,
        "Pool's task handler thread cannot pickle the lock and fails the task: get() raises TypeError "
        "(its wording changed in 3.8)",
        exception="builtins.TypeError",
        implementation=("cpython",),
        patterns=("submit-unpicklable",),
        variants=("pool-apply",),
    ),
    Rule(
        ("hang",),
        GH_75880,
        "ProcessPoolExecutor on 3.6: the queue's feeder thread prints the pickling error and the future "
        "never completes (3.7 sets the error on the future: gh-75880)",
        implementation=("cpython",),
        before=(3, 7),
        patterns=("submit-unpicklable",),
        variants=("executor-submit", "executor-cancel"),
    ),
    Rule(
        ("error",),
        GH_75880,
        "the pickling error is set on the future: result() raises TypeError (3.7+, gh-75880)",
        exception="builtins.TypeError",
        implementation=("cpython",),
        patterns=("submit-unpicklable",),
        variants=("executor-submit",),
    ),
    Rule(
        ("hang",),
        GH_83285,
        "3.7-3.8: result() raises, shutdown(cancel_futures=True) does not exist yet (TypeError in the "
        "`finally`), and leaving the `with` block waits forever for the tasks that never left (3.9 "
        "fixed that wait: gh-83285)",
        implementation=("cpython",),
        before=(3, 9),
        patterns=("submit-unpicklable",),
        variants=("executor-cancel",),
    ),
    Rule(
        ("error", "hang"),
        GH_116685,
        "result() raises TypeError, then shutdown(wait=True, cancel_futures=True) sometimes never "
        "returns: gh-116685, closed as fixed in 3.12, but measured here on every release from 3.9.18 to "
        "3.15.2 (it varies by run: 2 to 9 hangs in 10 runs)",
        exception="builtins.TypeError",
        implementation=("cpython",),
        patterns=("submit-unpicklable",),
        variants=("executor-cancel",),
    ),
    *(
        Rule(
            outcomes,
            DOCS_PICKLE,
            "PyPy's pickler: PicklingError (\"Can't pickle <class '_thread.lock'>\")"
            + (
                "; shutdown(cancel_futures=True) hung once on PyPy 3.9 under fork"
                if len(outcomes) > 1
                else ""
            ),
            message="Can't pickle",
            implementation=("pypy",),
            patterns=("submit-unpicklable",),
            variants=variants,
        )
        for outcomes, variants in (
            (("error",), ("pool-apply", "executor-submit")),
            (("error", "hang"), ("executor-cancel",)),
        )
    ),
    # --- max-tasks: worker recycling --------------------------------------------------------------
    Rule(
        ("ok",),
        DOCS_POOL,
        "Pool(maxtasksperchild=1) replaces each worker after one task (a chunk), on every version",
        patterns=("max-tasks",),
        variants=("pool",),
    ),
    Rule(
        ("error",),
        DOCS_EXECUTOR,
        "max_tasks_per_child is new in 3.11: TypeError (unexpected keyword argument) before",
        exception="builtins.TypeError",
        message="max_tasks_per_child",
        before=(3, 11),
        patterns=("max-tasks",),
    ),
    Rule(
        ("error",),
        GH_90622,
        "max_tasks_per_child refuses an explicit fork context (ValueError, gh-90622); without one it "
        "uses spawn",
        exception="builtins.ValueError",
        message="incompatible with the 'fork'",
        setting="explicit",
        methods=("fork",),
        patterns=("max-tasks",),
    ),
    Rule(
        ("hang",),
        GH_115634,
        "one worker, two tasks each, a backlog: the executor does not replace the worker that exited "
        "at its limit and waits forever (gh-115634, fixed in November 2025, not in 3.11 or 3.12)",
        implementation=("cpython",),
        before=(3, 13),
        patterns=("max-tasks",),
        variants=("executor-two",),
    ),
    Rule(
        ("ok", "hang"),
        GH_115634,
        "gh-115634 was fixed in a patch release: measured to hang on 3.13.0, not on 3.13.18 or 3.14.10",
        implementation=("cpython",),
        before=(3, 15),
        patterns=("max-tasks",),
        variants=("executor-two",),
    ),
    Rule(
        ("hang",),
        GH_115634,
        "PyPy 3.11: gh-115634's hang (its stdlib predates the fix): the exited worker is never replaced",
        implementation=("pypy",),
        since=(3, 10),
        patterns=("max-tasks",),
        variants=("executor-two",),
    ),
    Rule(
        ("ok",),
        DOCS_EXECUTOR,
        "ProcessPoolExecutor(max_tasks_per_child=N) replaces each worker after N tasks (3.11+)",
        patterns=("max-tasks",),
    ),
    # --- gil-speedup (claim) ----------------------------------------------------------------------
    Rule(
        ("ok",),
        DOCS_GIL,
        "a measurement: the script exits 0 and prints its figures",
        patterns=("gil-speedup",),
    ),
)

# --- code that relied on fork (fork-global, fork-handle, fork-nested) -----------------------------
# Linux's default was fork up to 3.13 and is forkserver from 3.14 (gh-84559); macOS's is spawn since
# 3.8; Windows has spawn only. Free-threaded builds offer the same start methods with the same
# defaults (the docs name no difference), so the rules below, by start method, cover them too.

#: multiprocessing registers a reducer for sockets (their descriptor crosses, not the object).
SRC_REDUCTION = "https://github.com/python/cpython/blob/main/Lib/multiprocessing/reduction.py"
#: "Availability: Linux" (select.epoll).
DOCS_EPOLL = "https://docs.python.org/3/library/select.html#select.epoll"
_RELIED_ON_FORK = ("fork-global", "fork-handle", "fork-nested")
#: Windows starts the child before it pickles the process object: the child reads nothing.
_WIN32_CHILD = (
    "; the child, started first (popen_spawn_win32), finds nothing to unpickle (EOFError: read from "
    "the sources, not measured)"
)

RELIED_ON_FORK_RULES: Tuple[Rule, ...] = (
    Rule(
        ("ok",),
        DOCS_MAIN,
        "vetted: an explicit context, and what the child needs passed as picklable arguments (the "
        "value itself, a context's Lock, the socket, a selector made in the child)",
        patterns=_RELIED_ON_FORK,
        variants=("vetted",),
    ),
    Rule(
        ("error",),
        DOCS_EPOLL,
        "select.epoll exists on Linux only: the script fails before it starts a process",
        exception="builtins.AttributeError",
        message="epoll",
        os=("darwin", "win32"),
        patterns=("fork-handle",),
        variants=("epoll",),
    ),
    Rule(
        ("ok",),
        SRC_REDUCTION,
        "a socket crosses every start method: multiprocessing registers a reducer that passes its "
        "descriptor to the child (POSIX: DupFd; Windows: the socket shared through resource_sharer)",
        patterns=("fork-handle",),
        variants=("socket",),
    ),
    Rule(
        ("ok",),
        DOCS_CONTEXTS,
        "fork: the child is a copy of the parent: it sees the changed global, the lock, the epoll and "
        "the nested function (on macOS fork is unsafe: expected for these cells, not promised)",
        patterns=_RELIED_ON_FORK,
        methods=("fork",),
    ),
    Rule(
        ("wrong",),
        rule.WHATSNEW_314,
        "Linux defaults to forkserver from 3.14 (gh-84559): the child re-imports the module and reads "
        "the global's initial value; the program exits 0 with a wrong result",
        os=("linux",),
        since=(3, 14),
        patterns=("fork-global",),
        variants=("exact",),
        setting="default",
    ),
    Rule(
        ("wrong",),
        rule.WHATSNEW_38,
        "macOS defaults to spawn since 3.8: the child re-imports the module and reads the global's "
        "initial value; the program exits 0 with a wrong result",
        os=("darwin",),
        since=(3, 8),
        patterns=("fork-global",),
        variants=("exact",),
        setting="default",
    ),
    Rule(
        ("wrong",),
        DOCS_CONTEXTS,
        "Windows has spawn only: the child re-imports the module and reads the global's initial "
        "value; the program exits 0 with a wrong result",
        os=("win32",),
        patterns=("fork-global",),
        variants=("exact",),
    ),
    Rule(
        ("wrong",),
        DOCS_MAIN,
        'spawn/forkserver (the docs\' "Global variables"): the child re-imports the module, so it '
        "reads the global's value at import, not the parent's at start(); the program exits 0 with a "
        "wrong result",
        patterns=("fork-global",),
        variants=("exact",),
        methods=SPAWNLIKE,
    ),
    Rule(
        ("error",),
        rule.SRC_POPEN_WIN32,
        "Windows: a threading.Lock cannot be pickled (TypeError, its type refuses it)" + _WIN32_CHILD,
        exception="builtins.TypeError",
        message="_thread.lock",
        cause="builtins.EOFError",
        os=("win32",),
        implementation=("cpython",),
        patterns=("fork-handle",),
        variants=("lock",),
    ),
    *(
        Rule(
            ("error",),
            rule.SRC_POPEN_WIN32,
            f"Windows: a nested function cannot be pickled ({why})" + _WIN32_CHILD,
            exception=exception,
            message="local object",
            cause="builtins.EOFError",
            os=("win32",),
            implementation=("cpython",),
            since=since,
            before=before,
            patterns=("fork-nested",),
            variants=("exact",),
        )
        for exception, why, since, before in (
            ("builtins.AttributeError", "AttributeError up to 3.13", None, (3, 14)),
            ("_pickle.PicklingError", "PicklingError from 3.14: gh-122311", (3, 14), None),
        )
    ),
    Rule(
        ("error",),
        SRC_GETSTATE,
        "spawn/forkserver pickle the arguments: a threading.Lock cannot be pickled (TypeError from "
        'object.__reduce_ex__, worded "can\'t pickle" up to 3.7 and "cannot pickle" since)',
        exception="builtins.TypeError",
        message="_thread.lock",
        implementation=("cpython",),
        patterns=("fork-handle",),
        variants=("lock",),
        methods=SPAWNLIKE,
    ),
    Rule(
        ("error",),
        SRC_GETSTATE,
        "spawn/forkserver pickle the arguments: an epoll object cannot be pickled (TypeError from "
        'object.__reduce_ex__, worded "can\'t pickle" up to 3.7 and "cannot pickle" since)',
        exception="builtins.TypeError",
        message="select.epoll",
        implementation=("cpython",),
        patterns=("fork-handle",),
        variants=("epoll",),
        methods=SPAWNLIKE,
    ),
    Rule(
        ("error",),
        rule.DOCS_PICKLE,
        'PyPy: its pure-Python pickler refuses the lock (PicklingError "not found as _thread.lock")',
        message="_thread.lock",
        implementation=("pypy",),
        patterns=("fork-handle",),
        variants=("lock",),
        methods=SPAWNLIKE,
    ),
    Rule(
        ("wrong",),
        DOCS_MAIN,
        "PyPy (measured, 3.9 and 3.11): an epoll pickles as a new, empty epoll, so the child's has lost "
        "the parent's registrations and sees no event; the program exits 0 with a wrong result",
        implementation=("pypy",),
        patterns=("fork-handle",),
        variants=("epoll",),
        methods=SPAWNLIKE,
    ),
    Rule(
        ("error",),
        GH_122311,
        "spawn/forkserver pickle the target: a nested function cannot be (PicklingError from 3.14: "
        "gh-122311), before the child starts (POSIX pickles first)",
        exception="_pickle.PicklingError",
        message="local object",
        implementation=("cpython",),
        since=(3, 14),
        patterns=("fork-nested",),
        variants=("exact",),
        methods=SPAWNLIKE,
    ),
    Rule(
        ("error",),
        GH_122311,
        "spawn/forkserver pickle the target: a nested function cannot be (AttributeError \"Can't "
        'pickle local object", "Can\'t get local object" in 3.13; gh-122311 made it PicklingError '
        "in 3.14), before the child starts (POSIX pickles first)",
        exception="builtins.AttributeError",
        message="local object",
        implementation=("cpython",),
        before=(3, 14),
        patterns=("fork-nested",),
        variants=("exact",),
        methods=SPAWNLIKE,
    ),
    Rule(
        ("error",),
        rule.DOCS_PICKLE,
        'PyPy: its pure-Python pickler refuses the nested function (PicklingError "not found as '
        '__main__.main.<locals>.work")',
        message="main.<locals>.work",
        implementation=("pypy",),
        patterns=("fork-nested",),
        variants=("exact",),
        methods=SPAWNLIKE,
    ),
)
