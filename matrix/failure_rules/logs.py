"""The cited rules of the row about logging from workers (worker-logging).

Where they apply beyond this machine: macOS defaults to spawn since 3.8, Windows has spawn only,
Linux defaults to forkserver from 3.14 (gh-84559); free-threaded builds offer the same start methods
with the same defaults and the same ``logging`` module, so the rules below, by start method, cover
them too. The bpo-6721 deadlock needs ``fork`` and a thread holding a handler's lock: logging
sanitises its locks across ``fork()`` since 3.7 (GH-4071, reworked by bpo-36533 into re-creating
them in the child).
"""

from __future__ import annotations

from typing import Tuple

from matrix import rule
from matrix.rule import DOCS_CONTEXTS, GH_100228, SPAWNLIKE, Rule, needs_38

#: "Logging to a single file from multiple processes": a QueueHandler per process, one listener.
DOCS_COOKBOOK = (
    "https://docs.python.org/3/howto/logging-cookbook.html#logging-to-a-single-file-from-multiple-processes"
)
#: The root logger's level is WARNING until configured; with no handler, logging.lastResort writes
#: WARNING and above to stderr.
DOCS_LAST_RESORT = "https://docs.python.org/3/library/logging.html#logging.lastResort"
#: bpo-6721 "Locks in the standard library should be sanitized on fork" (now gh-50970).
GH_50970 = "https://github.com/python/cpython/issues/50970"
#: bpo-6721's logging part: hold logging's locks across fork() (merged for 3.7).
GH_4071 = "https://github.com/python/cpython/pull/4071"

_ROW = ("worker-logging",)
_UNCONFIGURED = (
    "the child starts with the root logger unconfigured (no handler, level WARNING): its INFO "
    "records vanish and the program exits 0 with fewer records than logged"
)

RULES: Tuple[Rule, ...] = (
    needs_38(_ROW),
    Rule(
        ("ok",),
        GH_100228,
        "vetted, fork: the workers are forked while the listener's thread runs, which 3.12+ warn "
        "about; logging re-creates its handlers' locks in the child, so every record arrives",
        implementation=("cpython",),
        since=(3, 12),
        patterns=_ROW,
        variants=("vetted",),
        methods=("fork",),
        warning="DeprecationWarning: This process",
    ),
    Rule(
        ("ok",),
        DOCS_COOKBOOK,
        "vetted: a QueueHandler in each worker (Pool initializer, first line of a Process target) "
        "and a QueueListener in the parent: the queue is passed, not inherited, so every start "
        "method delivers every record",
        patterns=_ROW,
        variants=("vetted",),
    ),
    # --- thread-fork: bpo-6721 ----------------------------------------------------------------------
    Rule(
        ("hang",),
        GH_50970,
        "before 3.7: a child forked while another thread holds a logging handler's lock inherits "
        "the lock held, with no thread to release it; its first log call blocks forever",
        before=(3, 7),
        patterns=_ROW,
        variants=("thread-fork",),
        methods=("fork",),
    ),
    Rule(
        ("ok",),
        GH_100228,
        "3.7+: logging sanitises its locks across fork() (bpo-6721); 3.12+ warn that fork() in a "
        "multi-threaded process may deadlock the child",
        implementation=("cpython",),
        since=(3, 12),
        patterns=_ROW,
        variants=("thread-fork",),
        methods=("fork",),
        warning="DeprecationWarning: This process",
    ),
    Rule(
        ("ok",),
        GH_4071,
        "3.7+: logging holds its locks across fork() and re-creates its handlers' locks in the "
        "child (bpo-6721, bpo-36533), so the child's log call does not block",
        since=(3, 7),
        patterns=_ROW,
        variants=("thread-fork",),
        methods=("fork",),
    ),
    Rule(
        ("ok",),
        DOCS_CONTEXTS,
        "spawn/forkserver: the child is a fresh interpreter (spawn) or forked from the "
        "single-threaded server (forkserver), so no lock of the parent's threads reaches it",
        patterns=_ROW,
        variants=("thread-fork",),
        methods=SPAWNLIKE,
    ),
    # --- pool/process: the parent's basicConfig ------------------------------------------------------
    Rule(
        ("ok",),
        DOCS_CONTEXTS,
        "fork: the child is a copy of the parent, its logging configuration included: the "
        "worker's records reach the parent's handler (on macOS fork is unsafe: expected, not "
        "promised)",
        patterns=_ROW,
        variants=("pool", "process"),
        methods=("fork",),
    ),
    Rule(
        ("wrong",),
        rule.WHATSNEW_314,
        "Linux defaults to forkserver from 3.14 (gh-84559): " + _UNCONFIGURED,
        os=("linux",),
        since=(3, 14),
        patterns=_ROW,
        variants=("pool", "process"),
        setting="default",
    ),
    Rule(
        ("wrong",),
        rule.WHATSNEW_38,
        "macOS defaults to spawn since 3.8: " + _UNCONFIGURED,
        os=("darwin",),
        since=(3, 8),
        patterns=_ROW,
        variants=("pool", "process"),
        setting="default",
    ),
    Rule(
        ("wrong",),
        DOCS_CONTEXTS,
        "Windows has spawn only: " + _UNCONFIGURED,
        os=("win32",),
        patterns=_ROW,
        variants=("pool", "process"),
    ),
    Rule(
        ("wrong",),
        DOCS_LAST_RESORT,
        "spawn/forkserver: " + _UNCONFIGURED + " (a WARNING would reach stderr through "
        "logging.lastResort, unformatted, never the parent's handlers)",
        patterns=_ROW,
        variants=("pool", "process"),
        methods=SPAWNLIKE,
    ),
)
