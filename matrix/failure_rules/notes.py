"""The cited rules of the failure rows around the notes' patterns."""

from __future__ import annotations

from typing import Tuple

from matrix.rule import (
    DOCS_BROKEN_POOL,
    DOCS_CONTEXTS,
    DOCS_GUIDELINES,
    DOCS_MAIN,
    DOCS_POOL,
    DOCS_TERMINATE,
    GH_66587,
    GH_75880,
    GH_100228,
    GH_122311,
    GH_126743,
    SPAWNLIKE,
    SRC_GETSTATE,
    Rule,
    needs_38,
)

RULES: Tuple[Rule, ...] = (
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
    needs_38(
        ("terminate-mid-put", "killed-worker", "map-unpicklable", "main-not-importable"),
        ("vetted", "vetted-lambda"),
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
)
