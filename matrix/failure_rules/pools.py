"""The cited rules of the rows about what a pool or executor is given: map-unpicklable,
submit-unpicklable, max-tasks."""

from __future__ import annotations

from typing import Tuple

from matrix.rule import (
    DOCS_EXECUTOR,
    DOCS_PICKLE,
    DOCS_POOL,
    GH_75880,
    GH_83285,
    GH_90622,
    GH_115634,
    GH_116685,
    GH_122311,
    Rule,
    needs_38,
)

#: map-unpicklable: the callables that cannot be pickled, and the calls given them.
_UNPICKLABLE_KINDS = ("lambda", "local", "method")
_EXECUTOR_UNPICKLABLE = tuple(f"executor-{kind}" for kind in _UNPICKLABLE_KINDS)
#: The variants whose callable is a lambda: pickle says PicklingError for it in every version.
_MAP_LAMBDAS = ("pool-lambda", "executor-lambda", "vetted-lambda")
#: A local function or a bound method of a local class: AttributeError up to 3.13 (gh-122311).
_MAP_LOCALS = tuple(f"{call}-{kind}" for call in ("pool", "executor") for kind in ("local", "method"))

#: max-tasks/vetted: the parent waits on its workers' pipes, whose end a dead worker closes.
DOCS_CONNECTION_WAIT = (
    "https://docs.python.org/3/library/multiprocessing.html#multiprocessing.connection.wait"
)

#: The failure-mode and claim rows (matrix/failure_modes.py), before the patterns' rules.

RULES: Tuple[Rule, ...] = (
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
    needs_38(("max-tasks",)),
    Rule(
        ("ok",),
        DOCS_CONNECTION_WAIT,
        "reference/recycle.py starts its own workers, one Pipe each, and waits on the pipes: it "
        "recycles under every start method (no max_tasks_per_child), and a worker's death ends its "
        "pipe, so a killed worker raises BrokenProcessPool",
        patterns=("max-tasks",),
        variants=("vetted",),
    ),
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
)
