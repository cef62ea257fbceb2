"""The cited rules of the rows about how a child starts and what it gets: main-not-importable and
code that relied on ``fork``."""

from __future__ import annotations

from typing import Tuple

from matrix import rule
from matrix.rule import (
    DOCS_CONTEXTS,
    DOCS_MAIN,
    DOCS_USING_POOL,
    GH_122311,
    SPAWNLIKE,
    SRC_GETSTATE,
    SRC_SPAWN,
    Rule,
)

RULES: Tuple[Rule, ...] = (
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
