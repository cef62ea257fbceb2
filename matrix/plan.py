"""Which interpreters a run measures: discovered, or exactly the paths named; never one that is
no supported Python (``/bin/true``, a shell script, Python 2.7: refused, nothing written)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Sequence, Tuple

from matrix import interpreters
from matrix.interpreters import PROBE_TIMEOUT, Interpreter
from matrix.model import Facts


class Refused(Exception):
    """The run cannot start (nothing was measured or written); ``exit_code`` 2: bad usage."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def facts_of(i: Interpreter) -> Facts:
    assert i.facts is not None
    return i.facts


def select_interpreters(found: Sequence[Interpreter], wanted: Sequence[str]) -> List[Interpreter]:
    """The interpreters named by ``wanted`` (name, label, path, location or lane name)."""
    if not wanted:
        return list(found)
    out: List[Interpreter] = []
    for w in wanted:
        real = os.path.realpath(w) if os.path.sep in w else None
        match = [
            i
            for i in found
            if w
            in (i.name, facts_of(i).label, facts_of(i).executable, i.location, getattr(i.lane, "name", None))
            or w == i.executable
            or (real is not None and i.root is None and os.path.realpath(i.executable) == real)
        ]
        if not match:
            raise Refused(f"unknown interpreter {w!r}; valid: {', '.join(i.name for i in found)}")
        out.extend(m for m in match if m not in out)
    return out


def plan_interpreters(
    wanted: Sequence[str], include_lanes: bool, probe_timeout: float = PROBE_TIMEOUT
) -> Tuple[List[Interpreter], List[str]]:
    """The interpreters to measure and notes on those skipped. Paths are probed directly (no
    discovery); one that is no supported Python is refused (:class:`Refused`)."""
    if wanted and all(os.path.sep in w for w in wanted):
        missing = [w for w in wanted if not (Path(w).is_file() and os.access(w, os.X_OK))]
        if missing:
            raise Refused(f"--interpreter {missing[0]}: no such executable file")
        by_real = {os.path.realpath(w): w for w in reversed(wanted)}  # the first spelling of each
        paths = list(dict.fromkeys(by_real[os.path.realpath(w)] for w in wanted))
        found = [
            interpreters.probe(Interpreter((w,), interpreters.location_of(Path(w))), probe_timeout)
            for w in paths
        ]
    else:
        found = interpreters.discover(include_lanes)
    chosen = select_interpreters(found, wanted)
    refused = [i for i in chosen if facts_of(i).error is not None]
    if wanted and refused:
        i = refused[0]
        raise Refused(
            f"--interpreter {i.executable}: not a Python the matrix can measure: {facts_of(i).error}"
        )
    notes = [f"skipped {i.executable}: {facts_of(i).error}" for i in refused]
    return [i for i in chosen if facts_of(i).error is None], notes
