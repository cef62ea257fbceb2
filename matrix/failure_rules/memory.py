"""The cited rules of the shared-memory rows: who unlinks a ``multiprocessing.shared_memory`` block.

POSIX (Linux, macOS): every ``SharedMemory`` registers its block with a resource tracker process,
which unlinks what is still registered, with a warning, when the last process holding its pipe
exits (``Lib/multiprocessing/resource_tracker.py``). A process started by ``multiprocessing``
shares its parent's tracker: ``fork`` copies the pipe, ``spawn`` and ``forkserver`` pass it on
(``popen_spawn_posix.py``, ``forkserver.py``); a process forked *before* the parent had a tracker,
or a program started otherwise, has one of its own (python/cpython gh-82300). The tracker's cache is
a set: a second registration changes nothing, one ``unregister`` removes the name for everyone.
``track=`` is new in 3.13 (gh-82300, PR 110778). Windows has no tracker: a block lives while a
handle to it is open and ``unlink()`` does nothing (the docs). macOS and the free-threaded builds
follow the same code as Linux, so the rules go by start method (macOS: spawn by default).
"""

from __future__ import annotations

from typing import Tuple

from matrix.rule import Rule, needs_38

DOCS_SHM = "https://docs.python.org/3/library/multiprocessing.shared_memory.html"
DOCS_SHM_CLASS = DOCS_SHM + "#multiprocessing.shared_memory.SharedMemory"
GH_82300 = "https://github.com/python/cpython/issues/82300"
PR_110778 = "https://github.com/python/cpython/pull/110778"
SRC_TRACKER = "https://github.com/python/cpython/blob/main/Lib/multiprocessing/resource_tracker.py"
#: PyPy 3.11's tracker (8.0.1): ``cache[rtype].discard(name)`` where CPython has ``remove``.
PYPY_TRACKER = "https://github.com/pypy/pypy/blob/py3.11/lib-python/3/multiprocessing/resource_tracker.py"

_ROWS = ("shared-memory", "shared-memory-other")
_POSIX = ("linux", "darwin")
_LEAKED = "leaked shared_memory objects"

RULES: Tuple[Rule, ...] = (
    needs_38(_ROWS, more="; multiprocessing.shared_memory is new in 3.8 too"),
    Rule(
        ("error",),
        DOCS_SHM,
        "multiprocessing.shared_memory is new in 3.8: the import fails",
        exception="builtins.ImportError",
        message="shared_memory",
        patterns=_ROWS,
        before=(3, 8),
    ),
    Rule(
        ("error",),
        PR_110778,
        "track= is new in 3.13: the attaching process raises TypeError (the creator's block stays)",
        cause="builtins.TypeError",
        cause_message="track",
        patterns=_ROWS,
        variants=("track-false",),
        before=(3, 13),
    ),
    Rule(
        ("ok",),
        PR_110778,
        "3.13+: an attacher with track=False registers nothing, so its exit unlinks nothing",
        patterns=_ROWS,
        variants=("track-false",),
    ),
    Rule(
        ("ok",),
        DOCS_SHM_CLASS,
        "vetted: the creator creates the block before it starts the attachers, unlinks it in a "
        "finally; attachers only close (track=False on 3.13+)",
        patterns=("shared-memory",),
        variants=("vetted",),
    ),
    # --- Windows: no resource tracker -------------------------------------------------------------
    Rule(
        ("error",),
        SRC_TRACKER,
        "Windows: resource_tracker.unregister() starts a tracker with spawnv_passfds, which is POSIX "
        "only: the attaching child fails (read from the sources, not measured)",
        os=("win32",),
        patterns=("shared-memory",),
        variants=("unregister", "unregister-leak"),
    ),
    Rule(
        ("ok",),
        DOCS_SHM_CLASS,
        "Windows: no resource tracker; the block lives while a handle to it is open and is freed "
        "with the last one, unlink() does nothing: never unlinked early, never leaked",
        os=("win32",),
        patterns=_ROWS,
    ),
    # --- POSIX ---------------------------------------------------------------------------------------
    Rule(
        ("ok",),
        SRC_TRACKER,
        "a child shares its creator's resource tracker (fork copies its pipe, spawn/forkserver pass "
        "it): its registration is a duplicate, its exit unlinks nothing",
        os=_POSIX,
        patterns=("shared-memory",),
        variants=("attach-exit",),
    ),
    Rule(
        ("wrong",),
        GH_82300,
        "fork: a Pool forked before the block existed (before the creator had a resource tracker): "
        "each worker that attaches starts a tracker of its own, which unlinks the block when the "
        "worker exits",
        os=_POSIX,
        patterns=("shared-memory",),
        variants=("pool-first",),
        methods=("fork",),
    ),
    Rule(
        ("ok",),
        SRC_TRACKER,
        "spawn/forkserver: the workers are given the creator's tracker when they start (the parent "
        "starts it then if it has none): the same tracker, nothing unlinked early",
        os=_POSIX,
        patterns=("shared-memory",),
        variants=("pool-first",),
    ),
    Rule(
        ("ok",),
        DOCS_SHM_CLASS,
        "the creator never unlinks: its resource tracker unlinks the block when the program ends, "
        "with a warning",
        warning=_LEAKED,
        os=_POSIX,
        patterns=("shared-memory",),
        variants=("no-unlink",),
    ),
    Rule(
        ("ok",),
        PYPY_TRACKER,
        "PyPy 3.11: the shared tracker discards an unknown name silently (CPython: KeyError), but "
        "the child's unregister still removed the creator's registration (unregister-leak)",
        implementation=("pypy",),
        since=(3, 11),
        os=_POSIX,
        patterns=("shared-memory",),
        variants=("unregister",),
    ),
    Rule(
        ("error",),
        SRC_TRACKER,
        "the child's unregister removed the name from the shared tracker's set; the creator's "
        "unlink() unregisters it again and the tracker prints a KeyError traceback",
        cause="builtins.KeyError",
        cause_message="psm_",
        os=_POSIX,
        patterns=("shared-memory",),
        variants=("unregister",),
    ),
    Rule(
        ("wrong",),
        SRC_TRACKER,
        "the child's unregister removed the creator's registration: a creator that ends without "
        "unlink() (its work raised) leaves the block in shared memory until reboot",
        os=_POSIX,
        patterns=("shared-memory",),
        variants=("unregister-leak",),
    ),
    Rule(
        ("wrong",),
        GH_82300,
        "another program (not started by multiprocessing) attaches: it registers the block with a "
        "resource tracker of its own, which unlinks it when that program exits",
        os=_POSIX,
        patterns=("shared-memory-other",),
        variants=("attach-exit",),
    ),
)
