"""What the documentation says each cell should do: a cited table of rules (first match wins).

A rule matches a *platform* (OS, implementation, version range, GIL build) and a *cell*
(pattern, variant, whether the start method is the default or set explicitly, and the method
actually used). It states the expected outcome(s), the exception (qualified type) and optionally a
message fragment, with the URL that documents it.

``tests/matrix/test_matrix_expectations.py`` fails when a committed measured record contradicts the first
applicable rule. The renderer uses the same rules to show platforms that are not measured here
(macOS, Windows, free-threaded builds) as "expected, not measured".
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import List, Sequence, Tuple

from matrix.failure_rules import FAILURE_RULES, RELIED_ON_FORK_RULES
from matrix.model import Record
from matrix.rows import MULTIPROCESS, PATTERN_IDS, POOLS, ROW_VARIANTS, START_METHODS
from matrix.rule import (
    DOCS_CONTEXTS,
    DOCS_FREE_THREADING,
    DOCS_GIL,
    DOCS_MAIN,
    DOCS_PICKLE,
    DOCS_POOL,
    DOCS_SET_START,
    DOCS_THREADING,
    GH_84559,
    GH_100228,
    GH_122311,
    GH_126743,
    SPAWNLIKE,
    SRC_POPEN_WIN32,
    TEST_FORKSERVER,
    WHATSNEW_38,
    WHATSNEW_314,
    Platform,
    Rule,
    Version,
    needs_38,
    pypy_executor_spawnlike,
)

#: Re-exported: the platforms and rules, and the sources other modules cite.
__all__ = [
    "DOCS_FREE_THREADING",
    "DOCS_GIL",
    "DOCS_PICKLE",
    "DOCS_SET_START",
    "EXPECTED_PLATFORMS",
    "GH_84559",
    "GH_100228",
    "GH_122311",
    "GH_126743",
    "POOLS",
    "TEST_FORKSERVER",
    "WHATSNEW_38",
    "WHATSNEW_314",
    "ExpectedPlatform",
    "Platform",
    "Rule",
    "Version",
    "all_citations",
    "contradiction",
    "expectation",
    "platform_of_record",
    "version_of",
]

#: The bootstrapping check's message (multiprocessing/spawn.py, _check_not_importing_main).
BOOTSTRAP = "bootstrapping phase"

RULES: Tuple[Rule, ...] = (
    needs_38(PATTERN_IDS),
    pypy_executor_spawnlike(
        (*POOLS, "killed-worker", "map-unpicklable", "main-not-importable", "submit-unpicklable"),
        (
            "vetted",
            *(f"executor-{kind}" for kind in ("lambda", "local", "method", "partial", "submit", "cancel")),
        ),
        "; the vetted Pool forms use it",
    ),
    *FAILURE_RULES,
    *RELIED_ON_FORK_RULES,
    # --- threads: the start method does not matter -------------------------------------------
    Rule(
        ("ok",),
        DOCS_THREADING,
        "threads share memory: nothing is pickled, no process started",
        patterns=("thread-event",),
    ),
    # --- set_start_method ------------------------------------------------------------------------
    Rule(
        ("error",),
        DOCS_SET_START,
        "set_start_method() may be called once only",
        exception="builtins.RuntimeError",
        message="context has already been set",
        variants=("twice",),
    ),
    Rule(
        ("error",),
        DOCS_MAIN,
        "the spawned child re-imports the main module, which calls set_start_method() again: the "
        "child dies, the parent exits 0",
        cause="builtins.RuntimeError",
        cause_message="context has already been set",
        patterns=("set-start-method",),
        variants=("verbatim",),
        methods=("spawn",),
    ),
    Rule(
        ("error",),
        DOCS_MAIN,
        "the forkserver process imports the main module, which calls set_start_method() again (the "
        "parent exits 0), or some releases' bootstrapping check kills the forkserver and the parent "
        "raises EOFError (3.13.x) or ConnectionResetError (3.14)",
        cause="builtins.RuntimeError",
        patterns=("set-start-method",),
        variants=("verbatim",),
        methods=("forkserver",),
    ),
    # --- a closure as Process target: the pickling error's type is the implementation's ----------
    *(
        Rule(
            ("error",),
            SRC_POPEN_WIN32,
            "Windows starts the child before pickling the process object: the parent's pickling "
            "error (AttributeError up to 3.13, PicklingError from 3.14: gh-122311), and the child "
            + (
                "re-runs the unguarded module and fails in the bootstrapping check"
                if variant == "verbatim"
                else "finds no process object to unpickle (EOFError: read from the sources, not measured)"
            ),
            exception=exception,
            message="local object",
            cause="builtins.RuntimeError" if variant == "verbatim" else "builtins.EOFError",
            cause_message=BOOTSTRAP if variant == "verbatim" else None,
            os=("win32",),
            implementation=("cpython",),
            since=since,
            before=before,
            patterns=("queue-class",),
            variants=(variant,),
        )
        for variant in ("verbatim", "guarded")
        for exception, since, before in (
            ("builtins.AttributeError", None, (3, 14)),
            ("_pickle.PicklingError", (3, 14), None),
        )
    ),
    Rule(
        ("error",),
        GH_122311,
        "a local function cannot be pickled: PicklingError from 3.14 (gh-122311 unified the "
        "pickling errors), before the child starts (POSIX pickles first)",
        exception="_pickle.PicklingError",
        message="local object",
        implementation=("cpython",),
        since=(3, 14),
        patterns=("queue-class",),
        variants=("verbatim", "guarded"),
        methods=SPAWNLIKE,
    ),
    Rule(
        ("error",),
        GH_122311,
        "a local function cannot be pickled: AttributeError up to 3.13 (gh-122311 made it "
        "PicklingError in 3.14), before the child starts (POSIX pickles first)",
        exception="builtins.AttributeError",
        message="local object",
        implementation=("cpython",),
        before=(3, 14),
        patterns=("queue-class",),
        variants=("verbatim", "guarded"),
        methods=SPAWNLIKE,
    ),
    Rule(
        ("error",),
        DOCS_PICKLE,
        "a local function cannot be pickled (PyPy's pure-Python pickle)",
        message="A.__init__.<locals>.sender",
        implementation=("pypy",),
        patterns=("queue-class",),
        variants=("verbatim", "guarded"),
        methods=SPAWNLIKE,
    ),
    # --- unguarded module-level code under spawn/forkserver: the parent never exits, or it dies --
    Rule(
        ("hang",),
        DOCS_MAIN,
        "explicit spawn: each child re-imports the main module and its set_start_method() call "
        "raises; the Pool respawns its workers forever, the Queue receiver waits in q.get() forever",
        cause="builtins.RuntimeError",
        cause_message="context has already been set",
        patterns=(*POOLS, "queue-function"),
        variants=("verbatim",),
        setting="explicit",
        methods=("spawn",),
    ),
    Rule(
        ("hang", "error"),
        DOCS_MAIN,
        "explicit forkserver: the forkserver process imports the main module and its children die "
        "(set_start_method() again), so the parent waits forever; or some releases' bootstrapping "
        "check kills the forkserver and the parent raises EOFError (3.13.x) or "
        "ConnectionResetError (3.14)",
        cause="builtins.RuntimeError",
        patterns=(*POOLS, "queue-function"),
        variants=("verbatim",),
        setting="explicit",
        methods=("forkserver",),
    ),
    Rule(
        ("hang", "error"),
        WHATSNEW_314,
        "Linux defaults to forkserver from 3.14 (gh-84559): children of unguarded code die in the "
        "bootstrapping check; the parent waits forever (3.15) or its forkserver connection breaks "
        "(ConnectionResetError, 3.14)",
        cause="builtins.RuntimeError",
        cause_message=BOOTSTRAP,
        os=("linux",),
        since=(3, 14),
        patterns=(*POOLS, "queue-function"),
        variants=("verbatim",),
        setting="default",
    ),
    Rule(
        ("hang",),
        WHATSNEW_38,
        "macOS defaults to spawn since 3.8: children of unguarded code die in the bootstrapping "
        "check; a Pool respawns them forever, the Queue receiver waits in q.get() forever (measured "
        "on Linux under spawn: missing-guard)",
        cause="builtins.RuntimeError",
        cause_message=BOOTSTRAP,
        os=("darwin",),
        since=(3, 8),
        patterns=(*POOLS, "queue-function"),
        variants=("verbatim",),
        setting="default",
    ),
    Rule(
        ("hang",),
        DOCS_MAIN,
        "Windows only has spawn: children of unguarded code die in the bootstrapping check; a Pool "
        "respawns them forever, the Queue receiver waits in q.get() forever",
        cause="builtins.RuntimeError",
        cause_message=BOOTSTRAP,
        os=("win32",),
        patterns=(*POOLS, "queue-function"),
        variants=("verbatim",),
        setting="default",
    ),
    # --- fork copies the parent: unguarded code and closures work --------------------------------
    Rule(
        ("ok",),
        DOCS_CONTEXTS,
        "fork: the child is a copy of the parent, nothing is re-imported; but the docs call fork "
        "unsafe on macOS (system libraries can crash the child): expected for these pure-Python "
        "cells, not promised",
        os=("darwin",),
        patterns=MULTIPROCESS,
        methods=("fork",),
    ),
    Rule(
        ("ok",),
        DOCS_CONTEXTS,
        "fork: the child is a copy of the parent, nothing is re-imported",
        patterns=MULTIPROCESS,
        methods=("fork",),
    ),
    Rule(
        ("ok",),
        TEST_FORKSERVER,
        "macOS forkserver: offered where file descriptors can be passed (multiprocessing/context.py), "
        "and CPython's own forkserver tests run there (skipped only on Windows); guarded code runs "
        "as under spawn",
        os=("darwin",),
        patterns=MULTIPROCESS,
        variants=("guarded", "vetted"),
        methods=("forkserver",),
    ),
    # --- the fixes ----------------------------------------------------------------------------------
    Rule(
        ("ok",),
        DOCS_MAIN,
        "guarded: children import the main module without re-running it",
        patterns=("set-start-method", *POOLS, "queue-function"),
        variants=("guarded",),
    ),
    Rule(
        ("ok",),
        DOCS_POOL,
        "vetted: explicit context, module-level targets, clean shutdown",
        patterns=PATTERN_IDS,  # the failure rows' vetted cells have rules of their own (or none)
        variants=("vetted",),
    ),
)


def expectation(plat: Platform, pattern: str, variant: str, start_method: str) -> Rule | None:
    for rule in RULES:
        if rule.matches(plat, pattern, variant, start_method):
            return rule
    return None


def version_of(text: str) -> Version:
    parts = text.split(".")
    return (int(parts[0]), int(parts[1]))


def platform_of_record(rec: Record, default_start_method: str, start_methods: Sequence[str]) -> Platform:
    return Platform(
        rec.os.platform,
        rec.implementation,
        version_of(rec.version),
        rec.gil,
        default_start_method,
        tuple(start_methods),
    )


def contradiction(rule: Rule, rec: Record) -> str | None:  # noqa: PLR0911 (one return per field)
    """Why ``rec`` contradicts ``rule``, or None when it agrees."""
    if rec.outcome not in rule.outcomes:
        return f"outcome {rec.outcome!r}, expected {' or '.join(rule.outcomes)}"
    if rule.exception is not None and rec.outcome == "error" and rec.exception != rule.exception:
        return f"exception {rec.exception!r}, expected {rule.exception!r}"
    if rule.message is not None and rec.outcome == "error" and rule.message not in (rec.message or ""):
        return f"message {rec.message!r} lacks {rule.message!r}"
    if rule.cause is not None and rec.outcome != "ok" and rec.cause != rule.cause:
        return f"cause {rec.cause!r}, expected {rule.cause!r}"
    if rule.cause_message is not None and rule.cause_message not in (rec.cause_message or ""):
        return f"cause message {rec.cause_message!r} lacks {rule.cause_message!r}"
    if rule.warning is not None and rec.outcome == "ok" and not any(rule.warning in w for w in rec.warnings):
        return f"no warning contains {rule.warning!r}"
    return None


@dataclass(frozen=True)
class ExpectedPlatform:
    """A column shown in the tables but not measured here: every version of ``versions`` has the
    same rule for every cell (so the column's cells are right for each version its label names)."""

    label: str
    platform: Platform  # at the first of ``versions``
    note: str
    versions: Tuple[Version, ...] = ()  # every minor version the column claims

    def at(self, version: Version) -> Platform:
        return dataclasses.replace(self.platform, version=version)


#: The expected families: label, the platform (its version is set per column), note, versions.
EXPECTED_FAMILIES: Tuple[Tuple[str, Platform, str, Tuple[Version, ...]], ...] = (
    (
        "macOS CPython",
        Platform("darwin", "cpython", (3, 9), True, "spawn", ("spawn", "fork", "forkserver")),
        "default spawn since 3.8 (fork available but unsafe)",
        tuple((3, m) for m in range(9, 15)),
    ),
    (
        "Windows CPython",
        Platform("win32", "cpython", (3, 9), True, "spawn", ("spawn",)),
        "spawn only",
        tuple((3, m) for m in range(9, 15)),
    ),
    (
        "Linux CPython",
        Platform("linux", "cpython", (3, 13), False, "fork", ("fork", "spawn", "forkserver")),
        "free-threaded build (PEP 703), default fork",
        ((3, 13),),
    ),
    (
        "Linux CPython",
        Platform("linux", "cpython", (3, 14), False, "forkserver", ("forkserver", "fork", "spawn")),
        "free-threaded build (PEP 779), default forkserver",
        ((3, 14),),
    ),
)

#: Every cell a rule can be asked about (some do not exist: they have no rule or are not shown).
_CELLS = tuple((row, v, m) for row, vs in ROW_VARIANTS.items() for v in vs for m in START_METHODS)


def _rules_at(plat: Platform) -> Tuple[Rule | None, ...]:
    """The rule of every cell the platform offers (a method it lacks shows "—" at any version)."""
    offered = [c for c in _CELLS if c[2] == "default" or c[2] in plat.start_methods]
    return tuple(expectation(plat, *cell) for cell in offered)


def _label(name: str, first: Version, last: Version, gil: bool | None) -> str:
    t = "t" if gil is False else ""
    span = f"{first[0]}.{first[1]}{t}" + (f"–{last[0]}.{last[1]}{t}" if last != first else "")
    return f"{name} {span}"


def expected_columns() -> Tuple[ExpectedPlatform, ...]:
    """One column per run of consecutive versions of a family where every cell's rule is the same."""
    out: List[ExpectedPlatform] = []
    for name, plat, note, versions in EXPECTED_FAMILIES:
        runs: List[List[Version]] = []
        for v in versions:
            if runs and _rules_at(dataclasses.replace(plat, version=v)) == _rules_at(
                dataclasses.replace(plat, version=runs[-1][0])
            ):
                runs[-1].append(v)
            else:
                runs.append([v])
        for run in runs:
            label = _label(name, run[0], run[-1], plat.gil)
            out.append(ExpectedPlatform(label, dataclasses.replace(plat, version=run[0]), note, tuple(run)))
    return tuple(out)


EXPECTED_PLATFORMS: Tuple[ExpectedPlatform, ...] = expected_columns()


def all_citations() -> List[str]:
    seen: List[str] = []
    for r in RULES:
        if r.cite not in seen:
            seen.append(r.cite)
    for extra in (GH_84559, GH_100228, GH_126743, DOCS_FREE_THREADING):
        if extra not in seen:
            seen.append(extra)
    return seen
