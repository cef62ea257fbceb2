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

from dataclasses import dataclass
from typing import List, Sequence, Tuple

from matrix.model import PATTERN_IDS, Record

Version = Tuple[int, int]

DOCS_CONTEXTS = "https://docs.python.org/3/library/multiprocessing.html#contexts-and-start-methods"
DOCS_MAIN = "https://docs.python.org/3/library/multiprocessing.html#the-spawn-and-forkserver-start-methods"
DOCS_SET_START = "https://docs.python.org/3/library/multiprocessing.html#multiprocessing.set_start_method"
DOCS_PICKLE = "https://docs.python.org/3/library/pickle.html#what-can-be-pickled-and-unpickled"
DOCS_THREADING = "https://docs.python.org/3/library/threading.html#event-objects"
DOCS_POOL = "https://docs.python.org/3/library/multiprocessing.html#multiprocessing.pool.Pool"
WHATSNEW_38 = "https://docs.python.org/3/whatsnew/3.8.html#multiprocessing"
WHATSNEW_314 = "https://docs.python.org/3/whatsnew/3.14.html#multiprocessing"
GH_84559 = "https://github.com/python/cpython/issues/84559"
GH_100228 = "https://github.com/python/cpython/issues/100228"
GH_126743 = "https://github.com/python/cpython/issues/126743"
PEP_563 = "https://peps.python.org/pep-0563/"
GH_66587 = "https://github.com/python/cpython/issues/66587"
DOCS_BROKEN_POOL = (
    "https://docs.python.org/3/library/concurrent.futures.html#concurrent.futures.process.BrokenProcessPool"
)
DOCS_TERMINATE = "https://docs.python.org/3/library/multiprocessing.html#multiprocessing.Process.terminate"
DOCS_GUIDELINES = "https://docs.python.org/3/library/multiprocessing.html#programming-guidelines"
DOCS_GIL = "https://docs.python.org/3/glossary.html#term-global-interpreter-lock"
DOCS_FREE_THREADING = "https://docs.python.org/3/howto/free-threading-python.html"

POOLS = ("pool-close-join", "pool-with", "pool-return")
MULTIPROCESS = ("set-start-method", *POOLS, "queue-function", "queue-class")


@dataclass(frozen=True)
class Platform:
    """What a rule can match on besides the cell."""

    os: str  # sys.platform
    implementation: str  # "cpython" | "pypy"
    version: Version  # (major, minor)
    gil: bool | None
    default_start_method: str
    start_methods: Tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    outcomes: Tuple[str, ...]
    cite: str
    note: str
    exception: str | None = None
    message: str | None = None  # fragment the message must contain
    os: Tuple[str, ...] | None = None
    implementation: Tuple[str, ...] | None = None
    since: Version | None = None  # inclusive
    before: Version | None = None  # exclusive
    gil: bool | None = None
    patterns: Tuple[str, ...] | None = None
    variants: Tuple[str, ...] | None = None
    setting: str | None = None  # "default" | "explicit"
    methods: Tuple[str, ...] | None = None  # the start method actually used
    warning: str | None = None  # fragment one of the warnings must contain (when the case exits 0)

    def matches(self, plat: Platform, pattern: str, variant: str, start_method: str) -> bool:
        used = plat.default_start_method if start_method == "default" else start_method
        setting = "default" if start_method == "default" else "explicit"
        return (
            (self.os is None or plat.os in self.os)
            and (self.implementation is None or plat.implementation in self.implementation)
            and (self.since is None or plat.version >= self.since)
            and (self.before is None or plat.version < self.before)
            and (self.gil is None or plat.gil == self.gil)
            and (self.patterns is None or pattern in self.patterns)
            and (self.variants is None or variant in self.variants)
            and (self.setting is None or setting == self.setting)
            and (self.methods is None or used in self.methods)
        )


SPAWNLIKE = ("spawn", "forkserver")

#: The failure-mode and claim rows (matrix/failure_modes.py), before the patterns' rules.
FAILURE_RULES: Tuple[Rule, ...] = (
    # --- killed-worker: SIGKILL does not exist on Windows, so no rule there ----------------------
    Rule(
        ("hang",),
        GH_66587,
        "Pool.map waits forever for the task of a worker that was killed (the pool replaces the "
        "worker but never fails the lost task)",
        os=("linux", "darwin"),
        patterns=("killed-worker",),
        variants=("pool",),
    ),
    Rule(
        ("error",),
        GH_66587,
        "reference/pool_return.py's vetted map checks the pool's workers while it waits: a dead one "
        "raises ChildProcessError and the pool is terminated",
        exception="builtins.ChildProcessError",
        message="exited with code -9 during map()",
        os=("linux", "darwin"),
        since=(3, 8),
        patterns=("killed-worker",),
        variants=("vetted",),
    ),
    Rule(
        ("error", "hang"),
        DOCS_BROKEN_POOL,
        "PyPy under spawn/forkserver: not asserted beyond error-or-hang (PyPy 3.9: AttributeError "
        "'_adjust_process_count'; PyPy 3.11: a hang or BrokenProcessPool, varying by start method)",
        os=("linux", "darwin"),
        implementation=("pypy",),
        patterns=("killed-worker",),
        variants=("executor",),
        methods=SPAWNLIKE,
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
        PEP_563,
        "the reference package needs Python >= 3.8",
        patterns=("terminate-mid-put", "killed-worker"),
        variants=("vetted",),
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
        DOCS_PICKLE,
        "spawn/forkserver pickle the target and arguments: an open file cannot be pickled",
        exception="builtins.TypeError",
        patterns=("unpicklable",),
        variants=("open-file",),
        methods=SPAWNLIKE,
    ),
    Rule(
        ("error",),
        DOCS_PICKLE,
        "spawn/forkserver pickle the target and arguments: a lambda, closure or local class is "
        "pickled by reference and cannot be found (the exception type varies by version: "
        "PicklingError or AttributeError)",
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
        ("error",),
        DOCS_MAIN,
        "safe importing of the main module: spawn/forkserver children re-run the unguarded module "
        "and fail in the bootstrapping check",
        exception="builtins.RuntimeError",
        message="bootstrapping phase",
        patterns=("missing-guard",),
        methods=SPAWNLIKE,
    ),
    # --- gil-speedup (claim) ----------------------------------------------------------------------
    Rule(
        ("ok",),
        DOCS_GIL,
        "a measurement: the script exits 0 and prints its figures",
        patterns=("gil-speedup",),
    ),
)

RULES: Tuple[Rule, ...] = (
    Rule(
        ("unsupported",),
        PEP_563,
        "the reference package needs Python >= 3.8",
        patterns=PATTERN_IDS,
        variants=("vetted",),
        before=(3, 8),
    ),
    *FAILURE_RULES,
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
        "the spawned child re-imports the main module, which calls set_start_method() again",
        exception="builtins.RuntimeError",
        message="context has already been set",
        patterns=("set-start-method",),
        variants=("verbatim",),
        methods=("spawn",),
    ),
    Rule(
        ("error",),
        DOCS_MAIN,
        "the forkserver process imports the main module, which calls set_start_method() again "
        "(newer releases fail earlier, in the bootstrapping check)",
        exception="builtins.RuntimeError",
        patterns=("set-start-method",),
        variants=("verbatim",),
        methods=("forkserver",),
    ),
    # --- a closure as Process target -------------------------------------------------------------
    Rule(
        ("error",),
        DOCS_PICKLE,
        "a local function cannot be pickled; 3.14 raises PicklingError",
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
        DOCS_PICKLE,
        "a local function cannot be pickled (AttributeError up to 3.13)",
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
    # --- unguarded module-level code under spawn/forkserver --------------------------------------
    Rule(
        ("error",),
        DOCS_MAIN,
        "explicit spawn: each child re-imports the main module and its set_start_method() call "
        "raises; the Pool keeps respawning workers",
        exception="builtins.RuntimeError",
        message="context has already been set",
        patterns=POOLS,
        variants=("verbatim",),
        setting="explicit",
        methods=("spawn",),
    ),
    Rule(
        ("hang",),
        DOCS_MAIN,
        "explicit spawn: the child dies re-importing the main module; the parent waits in q.get() forever",
        exception="builtins.RuntimeError",
        message="context has already been set",
        patterns=("queue-function",),
        variants=("verbatim",),
        setting="explicit",
        methods=("spawn",),
    ),
    Rule(
        ("error", "hang"),
        DOCS_MAIN,
        "explicit forkserver: the forkserver process imports the main module and fails "
        "(set_start_method() again, or the bootstrapping check in newer releases)",
        exception="builtins.RuntimeError",
        patterns=(*POOLS, "queue-function"),
        variants=("verbatim",),
        setting="explicit",
        methods=("forkserver",),
    ),
    Rule(
        ("error",),
        WHATSNEW_314,
        "Linux defaults to forkserver from 3.14 (gh-84559): unguarded code starting processes "
        "fails in the bootstrapping check",
        exception="builtins.RuntimeError",
        message="bootstrapping phase",
        os=("linux",),
        since=(3, 14),
        patterns=(*POOLS, "queue-function"),
        variants=("verbatim",),
        setting="default",
    ),
    Rule(
        ("error",),
        WHATSNEW_38,
        "macOS defaults to spawn since 3.8: unguarded code starting processes fails in the "
        "bootstrapping check",
        exception="builtins.RuntimeError",
        message="bootstrapping phase",
        os=("darwin",),
        since=(3, 8),
        patterns=(*POOLS, "queue-function"),
        variants=("verbatim",),
        setting="default",
    ),
    Rule(
        ("error",),
        DOCS_MAIN,
        "Windows only has spawn: unguarded code starting processes fails in the bootstrapping check",
        exception="builtins.RuntimeError",
        message="bootstrapping phase",
        os=("win32",),
        patterns=(*POOLS, "queue-function"),
        variants=("verbatim",),
        setting="default",
    ),
    # --- fork copies the parent: unguarded code and closures work --------------------------------
    Rule(
        ("ok",),
        DOCS_CONTEXTS,
        "fork: the child is a copy of the parent, nothing is re-imported",
        patterns=MULTIPROCESS,
        methods=("fork",),
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


def contradiction(rule: Rule, rec: Record) -> str | None:
    """Why ``rec`` contradicts ``rule``, or None when it agrees."""
    if rec.outcome not in rule.outcomes:
        return f"outcome {rec.outcome!r}, expected {' or '.join(rule.outcomes)}"
    if rule.exception is not None and rec.outcome in ("error", "hang") and rec.exception != rule.exception:
        return f"exception {rec.exception!r}, expected {rule.exception!r}"
    if (
        rule.message is not None
        and rec.outcome in ("error", "hang")
        and rule.message not in (rec.message or "")
    ):
        return f"message {rec.message!r} lacks {rule.message!r}"
    if rule.warning is not None and rec.outcome == "ok" and not any(rule.warning in w for w in rec.warnings):
        return f"no warning contains {rule.warning!r}"
    return None


@dataclass(frozen=True)
class ExpectedPlatform:
    """A platform shown in the tables but not measured here."""

    label: str
    platform: Platform
    note: str


EXPECTED_PLATFORMS: Tuple[ExpectedPlatform, ...] = (
    ExpectedPlatform(
        "macOS CPython 3.9–3.14",
        Platform("darwin", "cpython", (3, 12), True, "spawn", ("spawn", "fork", "forkserver")),
        "default spawn since 3.8 (fork available but unsafe)",
    ),
    ExpectedPlatform(
        "Windows CPython 3.9–3.14",
        Platform("win32", "cpython", (3, 12), True, "spawn", ("spawn",)),
        "spawn only",
    ),
    ExpectedPlatform(
        "Linux CPython 3.13t",
        Platform("linux", "cpython", (3, 13), False, "fork", ("fork", "spawn", "forkserver")),
        "free-threaded build (PEP 703), default fork",
    ),
    ExpectedPlatform(
        "Linux CPython 3.14t",
        Platform("linux", "cpython", (3, 14), False, "forkserver", ("forkserver", "fork", "spawn")),
        "free-threaded build (PEP 779), default forkserver",
    ),
)


def all_citations() -> List[str]:
    seen: List[str] = []
    for r in RULES:
        if r.cite not in seen:
            seen.append(r.cite)
    for extra in (GH_84559, GH_100228, GH_126743, DOCS_FREE_THREADING):
        if extra not in seen:
            seen.append(extra)
    return seen
