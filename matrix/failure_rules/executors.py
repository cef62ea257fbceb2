"""The cited rules of the claim row ``gil-speedup`` (which executor speeds up CPU-bound work).

A claim case exits 0 and prints its figures wherever it runs, so every rule expects ``ok``; what
differs is the figures the sources lead one to expect, which the notes say (the README lists them
under the measured table, marked expected). No rule names a version: the notes say where
``InterpreterPoolExecutor`` (3.14+) applies, so the expected columns stay whole.
"""

from __future__ import annotations

from typing import Tuple

from matrix.rule import DOCS_CONTEXTS, DOCS_FREE_THREADING, DOCS_GIL, Rule

PEP_703 = "https://peps.python.org/pep-0703/"
PEP_684 = "https://peps.python.org/pep-0684/"
PEP_734 = "https://peps.python.org/pep-0734/"
DOCS_INTERPRETER_POOL = "https://docs.python.org/3/library/concurrent.futures.html#interpreterpoolexecutor"

RULES: Tuple[Rule, ...] = (
    Rule(
        ("ok",),
        DOCS_FREE_THREADING,
        "free-threaded build: threads run Python code in parallel (PEP 703), so ThreadPoolExecutor is "
        "expected to scale like ProcessPoolExecutor (toward ×2 with two idle cores), with some "
        "single-threaded overhead and no worker start cost; InterpreterPoolExecutor from 3.14",
        gil=False,
        patterns=("gil-speedup",),
    ),
    Rule(
        ("ok",),
        DOCS_CONTEXTS,
        "spawn only (the default on macOS from 3.8 and on Windows): each ProcessPoolExecutor worker is "
        "a fresh interpreter that imports the main module, rather slow to start compared to fork or "
        "forkserver (the docs), so a larger start cost than Linux's fork and the same warm speedup; "
        "ThreadPoolExecutor about ×1 with the GIL; InterpreterPoolExecutor (3.14+, PEP 734: a "
        "subinterpreter per worker, each with its own GIL, PEP 684) scales without starting processes",
        os=("darwin", "win32"),
        patterns=("gil-speedup",),
    ),
    Rule(
        ("ok",),
        DOCS_GIL,
        "a measurement: the script exits 0 and prints its figures; with the GIL, ThreadPoolExecutor "
        "stays near ×1 while ProcessPoolExecutor and InterpreterPoolExecutor (3.14+, PEP 734) approach "
        "×2 with two idle cores",
        patterns=("gil-speedup",),
    ),
)
