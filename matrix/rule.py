"""What an expectation is made of: the platform it matches, the rule, and the cited sources.

:mod:`matrix.expectations` holds the table of rules (the failure rows' in
:mod:`matrix.failure_rules`); this module has no rule of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

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
GH_66587 = "https://github.com/python/cpython/issues/66587"
DOCS_BROKEN_POOL = (
    "https://docs.python.org/3/library/concurrent.futures.html#concurrent.futures.process.BrokenProcessPool"
)
DOCS_TERMINATE = "https://docs.python.org/3/library/multiprocessing.html#multiprocessing.Process.terminate"
DOCS_GUIDELINES = "https://docs.python.org/3/library/multiprocessing.html#programming-guidelines"
DOCS_GIL = "https://docs.python.org/3/glossary.html#term-global-interpreter-lock"
DOCS_FREE_THREADING = "https://docs.python.org/3/howto/free-threading-python.html"

#: The CPython sources a rule cites where the documentation does not say it (the types of
#: pickling errors come from the implementation, not from the pickle page).
SRC_POPEN_WIN32 = "https://github.com/python/cpython/blob/main/Lib/multiprocessing/popen_spawn_win32.py"
SRC_GETSTATE = "https://github.com/python/cpython/blob/main/Objects/typeobject.c"
TEST_FORKSERVER = (
    "https://github.com/python/cpython/blob/main/Lib/test/test_multiprocessing_forkserver/__init__.py"
)
GH_122311 = "https://github.com/python/cpython/issues/122311"
#: ProcessPoolExecutor and pickling errors: the error reaches the future (3.7, gh-75880); the
#: executor's channels are closed by its manager thread, so shutdown no longer waits for a task that
#: never left (3.9, gh-83285); shutdown(cancel_futures=True) after pickling failures (gh-116685:
#: reported to hang up to 3.11 and closed as fixed in 3.12; measured here to hang on 3.12-3.15 too).
GH_75880 = "https://github.com/python/cpython/issues/75880"
GH_83285 = "https://github.com/python/cpython/issues/83285"
GH_116685 = "https://github.com/python/cpython/issues/116685"
#: Worker recycling: max_tasks_per_child (3.11) refuses fork (gh-90622); with a backlog the executor
#: stops replacing exited workers (gh-115634: 3.11 to 3.15.0b3, fixed in November 2025).
DOCS_EXECUTOR = (
    "https://docs.python.org/3/library/concurrent.futures.html#concurrent.futures.ProcessPoolExecutor"
)
GH_90622 = "https://github.com/python/cpython/issues/90622"
GH_115634 = "https://github.com/python/cpython/issues/115634"
#: How a spawned child re-creates ``__main__`` (``get_preparation_data``, ``_fixup_main_from_path``).
SRC_SPAWN = "https://github.com/python/cpython/blob/main/Lib/multiprocessing/spawn.py"
DOCS_USING_POOL = "https://docs.python.org/3/library/multiprocessing.html#using-a-pool-of-workers"
PYPY_4922 = "https://github.com/pypy/pypy/issues/4922"
DOCS_PROTOCOL = "https://docs.python.org/3/library/typing.html#typing.Protocol"


SPAWNLIKE = ("spawn", "forkserver")


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
    cause: str | None = None  # the children's exception (qualified type), where they fail
    cause_message: str | None = None  # fragment the cause's message must contain
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


def needs_38(patterns: Tuple[str, ...], variants: Tuple[str, ...] = ("vetted",), more: str = "") -> Rule:
    """A vetted form before 3.8: ``unsupported``, since the reference package needs ``typing.Protocol``
    (``more``: what else the form needs from 3.8, appended to the note)."""
    return Rule(
        ("unsupported",),
        DOCS_PROTOCOL,
        "the reference package needs Python >= 3.8 (it uses typing.Protocol, new in 3.8)" + more,
        patterns=patterns,
        variants=variants,
        before=(3, 8),
    )


def pypy_executor_spawnlike(patterns: Tuple[str, ...], variants: Tuple[str, ...], more: str = "") -> Rule:
    """PyPy 7.3.11's ``ProcessPoolExecutor`` under spawn/forkserver: an ``AttributeError`` before
    any work is pickled (pypy#4922); ``more`` is appended to the note."""
    return Rule(
        ("error",),
        PYPY_4922,
        "PyPy 7.3.11 (Python 3.9): ProcessPoolExecutor.submit calls a method its process.py lacks "
        "where workers are spawned on demand (spawn/forkserver)" + more,
        exception="builtins.AttributeError",
        message="_adjust_process_count",
        implementation=("pypy",),
        before=(3, 10),
        patterns=patterns,
        variants=variants,
        methods=SPAWNLIKE,
    )
