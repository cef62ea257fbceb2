"""The matrix's rows, in one place: every other module reads them from here.

A row is a *pattern* (registered once, with its module, title and what to copy, in
:mod:`reference._patterns`) or a *failure/claim row* (registered in :mod:`matrix.failure_modes`).
This module joins the two and adds what only the matrix needs: the variants measured per row, the
start methods, and the one paragraph the README and the page show under a pattern's table. Adding a
pattern is one entry in ``reference._patterns`` (plus its case in :mod:`matrix.cases`); adding a
failure row is one entry in ``matrix.failure_modes``, plus its case script
(:mod:`matrix.failure_scripts`), its cited expectations (:mod:`matrix.failure_rules`) and the
paragraph under its table (:mod:`matrix.failure_texts`).
"""

from __future__ import annotations

import importlib
from typing import Dict, Tuple

from matrix.failure_modes import FAILURE_MODES
from matrix.rule import DOCS_PICKLE, DOCS_SET_START, GH_126743
from reference._patterns import PATTERNS

#: The notes' patterns, in the order the notes give them (and the README shows them). The forms
#: beyond the notes in the registry are measured by their failure row's ``vetted`` variant.
PATTERN_IDS: Tuple[str, ...] = tuple(p for p, entry in PATTERNS.items() if entry.from_notes)
#: ``Pool`` patterns: the same vetted executor form, the same failure rules.
POOLS: Tuple[str, ...] = tuple(p for p in PATTERN_IDS if PATTERNS[p].module.startswith("reference.pool_"))
#: Patterns that start processes (the start method applies); the rest use threads only.
MULTIPROCESS: Tuple[str, ...] = tuple(p for p in PATTERN_IDS if PATTERNS[p].multiprocess)
THREADS_ONLY: Tuple[str, ...] = tuple(p for p in PATTERN_IDS if not PATTERNS[p].multiprocess)
#: The pattern whose rows choose the start method themselves: the only one with a ``twice`` variant.
CHOOSES_START_METHOD = "set-start-method"

#: ``verbatim``: the notes as written; ``guarded``: plus a ``__main__`` guard; ``vetted``: the form
#: to copy; ``twice``: ``set_start_method`` called a second time (that pattern only).
PATTERN_VARIANTS: Tuple[str, ...] = ("verbatim", "guarded", "vetted", "twice")
#: The failure-mode and claim rows (matrix/failure_modes.py): their ids are record patterns too.
FAILURE_IDS: Tuple[str, ...] = tuple(FAILURE_MODES)
ROW_IDS: Tuple[str, ...] = PATTERN_IDS + FAILURE_IDS
#: The variants of each row id.
ROW_VARIANTS: Dict[str, Tuple[str, ...]] = {
    **dict.fromkeys(PATTERN_IDS, PATTERN_VARIANTS[:3]),
    CHOOSES_START_METHOD: PATTERN_VARIANTS,
    **{m.id: m.variants for m in FAILURE_MODES.values()},
}
VARIANTS: Tuple[str, ...] = PATTERN_VARIANTS + tuple(
    dict.fromkeys(v for m in FAILURE_MODES.values() for v in m.variants if v not in PATTERN_VARIANTS)
)
#: ``default``: whatever the interpreter picks when the code names none.
START_METHODS: Tuple[str, ...] = ("default", "fork", "forkserver", "spawn")
MP_METHODS: Tuple[str, ...] = START_METHODS[1:]


def _copy_label(pattern: str) -> str:
    """What to copy, as the tables name it: the registry's name, and ``vetted`` beside it where
    the module also has the ``vetted`` function the rows run."""
    p = PATTERNS[pattern]
    if p.copy == "vetted" or not hasattr(importlib.import_module(p.module), "vetted"):
        return p.copy
    return f"{p.copy} / vetted"


#: Per pattern: the reference file (under ``reference/``) holding both forms.
REFERENCE_FILES: Dict[str, str] = {p: PATTERNS[p].module.rsplit(".", 1)[1] + ".py" for p in PATTERN_IDS}
#: Per pattern: (title, what to copy).
TITLES: Dict[str, Tuple[str, str]] = {p: (PATTERNS[p].title, _copy_label(p)) for p in PATTERN_IDS}

#: Per pattern, the paragraph under its table (Markdown): what the cells cannot show.
NOTES: Dict[str, str] = {
    "set-start-method": "`set_start_method()` sets a process-global default once; a second call raises "
    f"`RuntimeError: context has already been set` unless `force=True` (<{DOCS_SET_START}>).",
    "pool-with": "`Pool.__exit__` calls `terminate()`, not `close()` + `join()`: work submitted with "
    f"`apply_async`/`map_async`/`imap` and not yet collected is killed (<{GH_126743}>). "
    "The measured `map` blocks until all results are in, so these cells do not show it.",
    "queue-function": "`terminate()` on a process that uses a queue may leave the queue corrupted "
    "(<https://docs.python.org/3/library/multiprocessing.html#programming-guidelines>); without a guard "
    "under `spawn`/`forkserver` the parent waits in `q.get()` for a child that died on start.",
    "queue-class": "The `Process` target is a closure: it cannot be pickled, so only `fork` runs it "
    f"(<{DOCS_PICKLE}>). The exception type and message changed between versions: "
    "see the version ranges.",
    "thread-event": "Threads only: the start method does not matter (the rows just call "
    "`set_start_method` first). The GIL lets one thread run Python bytecode at a time; free-threaded "
    "builds (3.13t, 3.14t) run them in parallel.",
}
