"""The claim row ``gil-speedup``: the committed figures are what each interpreter offers, and the
README shows every measured figure with its spread (no figure without its noise)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Tuple

import pytest

from matrix import render, speedup, store
from matrix.model import Measure, Record, ResultsFile, Speedup
from matrix.rule import DOCS_CONTEXTS, DOCS_FREE_THREADING

ROW = "gil-speedup"


def _results() -> List[Tuple[str, ResultsFile]]:
    return render.sorted_results({p.name: store.read_results(p) for p in store.results_files()})


def _claims() -> List[Tuple[ResultsFile, Record]]:
    return [(rf, r) for _, rf in _results() for r in rf.records if r.pattern == ROW]


def _version(rf: ResultsFile) -> Tuple[int, int]:
    major, minor = rf.facts.version.split(".")[:2]
    return int(major), int(minor)


def test_figure_shows_the_median_its_spread_and_the_start_cost() -> None:
    measured = Speedup("processes", "measured", 0.153, 1.85, 1.62, 1.97)
    assert speedup.figure(measured) == "×1.85 (1.62–1.97), start 0.15 s"
    assert speedup.figure(Speedup("interpreters", "not offered")) == "not offered"
    failed = Speedup(
        "processes", "error: TypeError: __init__() got an unexpected keyword argument 'mp_context'"
    )
    assert speedup.figure(failed) == "❌ TypeError"


def test_every_committed_claim_cell_has_its_figures() -> None:
    claims = _claims()
    assert len(claims) >= 4 * 14, len(claims)  # every start method of every interpreter measured here
    for rf, rec in claims:
        where = f"{rf.facts.label} {rec.start_method}"
        assert rec.outcome == "ok", where
        assert rec.measure is not None, where
        assert [s.executor for s in rec.measure.executors] == list(speedup.EXECUTORS), where


def _expected_status(rf: ResultsFile, rec: Record, executor: str) -> str:
    """Derived from the interpreter's facts, not from the records."""
    pypy = rf.facts.implementation == "pypy"
    version = _version(rf)
    if executor == "interpreters":  # concurrent.futures.InterpreterPoolExecutor: CPython 3.14+
        return "measured" if not pypy and version >= (3, 14) else "not offered"
    if executor == "processes":
        if rec.start_method != "default" and version < (3, 7):  # mp_context= is new in 3.7
            return "error: TypeError"
        if pypy and version < (3, 10) and rec.resolved_start_method in ("spawn", "forkserver"):  # pypy#4922
            return "error: AttributeError"
    return "measured"


@pytest.mark.parametrize("executor", list(speedup.EXECUTORS))
def test_each_executor_is_measured_where_offered_and_not_offered_where_absent(executor: str) -> None:
    for rf, rec in _claims():
        assert rec.measure is not None
        sp = next(s for s in rec.measure.executors if s.executor == executor)
        expected = _expected_status(rf, rec, executor)
        assert sp.status.startswith(expected), (rf.facts.label, rec.start_method, sp.status)
        if sp.status == "measured":
            assert sp.low is not None
            assert sp.median is not None
            assert sp.high is not None
            assert 0 < sp.low <= sp.median <= sp.high
        else:
            assert sp.median is None


def test_the_gil_state_is_read_where_it_can_be() -> None:
    """``sys._is_gil_enabled()`` exists in CPython 3.13+; elsewhere the GIL is known by version."""
    for rf, rec in _claims():
        m: Measure | None = rec.measure
        assert m is not None
        readable = rf.facts.implementation == "cpython" and _version(rf) >= (3, 13)
        assert m.gil_from == ("sys._is_gil_enabled()" if readable else "version"), rf.facts.label
        assert m.gil is rf.facts.gil  # the case agrees with the interpreter's probe
        assert len(m.load) == 2  # Linux: the load average before and after
        assert m.rounds % 2 == 1


def test_the_readme_shows_every_measured_figure_with_its_spread_and_the_load() -> None:
    text = (Path(render.__file__).parent / "README.md").read_text(encoding="utf-8")
    section = text[text.index(f'<a id="{ROW}">') :]
    section = section[: section.index("<a id=", 10)]
    for rf, rec in _claims():
        assert rec.measure is not None
        for sp in rec.measure.executors:
            if sp.status == "measured":
                assert f"×{sp.median:.2f} ({sp.low:.2f}–{sp.high:.2f})" in section, (rf.facts.label, sp)
        line = next(x for x in section.splitlines() if x.startswith(f"| {rf.facts.label} |"))
        assert re.search(r"\| \d+\.\d–\d+\.\d \|$", line), line  # the load column
    assert "not offered" in section
    for line in speedup.expected_lines(ROW):
        assert line in section
    assert "Load (1 min)" in section


def test_expected_lines_cite_the_free_threading_howto_and_the_start_method_docs() -> None:
    lines = speedup.expected_lines(ROW)
    free = next(x for x in lines if "3.13t" in x)
    assert DOCS_FREE_THREADING in free
    assert "ThreadPoolExecutor is expected to scale" in free
    spawn = next(x for x in lines if "macOS" in x)
    assert DOCS_CONTEXTS in spawn
    assert "Windows" in spawn
    assert all("(expected, not measured)" in x for x in lines)


def test_measure_text_names_every_executor() -> None:
    rec = next(r for rf, r in _claims() if rf.facts.version.startswith("3.14"))
    assert rec.measure is not None
    text = speedup.measure_text(rec.measure)
    for cls in speedup.EXECUTORS.values():
        assert cls in text
    assert "load" in text
