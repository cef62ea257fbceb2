"""matrix.statements (version ranges from the records) and ``python -m matrix why``."""

from __future__ import annotations

import dataclasses
from typing import Dict, List

import pytest

from matrix import expectations, export, model, statements, store, symptom, why
from matrix.cli import main
from matrix.failure_rules import memory
from matrix.model import ResultsFile
from matrix.rows import PATTERN_IDS, ROW_IDS
from reference._patterns import PATTERNS


@pytest.fixture(scope="module")
def results() -> Dict[str, ResultsFile]:
    return store.load_all()


def _statement(
    results: Dict[str, ResultsFile], pattern: str, variant: str, method: str, family: str
) -> statements.Statement:
    fams, rels = statements.releases(results)
    fam = next(f for f in fams if f.id == family)
    return statements.statement(pattern, variant, method, fam, rels)


def _spans(st: statements.Statement) -> List[tuple[str, str | None, str, str]]:
    return [(s.source, s.exception, s.label, s.outcomes[0]) for s in st.spans]


def test_ranges_from_the_records(results: Dict[str, ResultsFile]) -> None:
    st = _statement(results, "queue-class", "guarded", "spawn", "linux-cpython")
    assert _spans(st) == [
        ("measured", "builtins.AttributeError", "3.6–3.13", "error"),
        ("measured", "_pickle.PicklingError", "3.14–3.15", "error"),
    ]
    assert st.last_verified is not None
    assert st.last_verified == max(rf.measured_at[:10] for rf in results.values())


def test_change_point_links_the_cpython_change(results: Dict[str, ResultsFile]) -> None:
    st = _statement(results, "pool-with", "verbatim", "default", "linux-cpython")
    # 3.14.10: the parent's ConnectionResetError; 3.15.2: a respawn loop (the program hangs)
    assert [s.outcomes for s in st.spans] == [("ok",), ("error",), ("hang",)]
    assert st.spans[0].change is None
    assert st.spans[1].change is not None
    assert st.spans[1].change[1] == expectations.GH_84559


def _with_outcome(rf: ResultsFile, pattern: str, outcome: str, exception: str | None) -> ResultsFile:
    recs = [
        dataclasses.replace(r, outcome=outcome, exception=exception) if r.pattern == pattern else r
        for r in rf.records
    ]
    return dataclasses.replace(rf, records=recs)


def test_patch_releases_stay_distinct_where_behaviour_differs(results: Dict[str, ResultsFile]) -> None:
    name = next(n for n, rf in results.items() if rf.facts.version == "3.13.0")
    changed = dict(results)
    changed[name] = _with_outcome(results[name], "queue-class", "hang", "builtins.EOFError")
    st = _statement(changed, "queue-class", "guarded", "spawn", "linux-cpython")
    assert [s.label for s in st.spans] == ["3.6–3.12", "3.13.0", "3.13.18", "3.14–3.15"]
    assert statements.outcome_text(st.spans[1]) == "⏳ hang (EOFError)"


def test_unmeasured_versions_are_not_interpolated(results: Dict[str, ResultsFile]) -> None:
    without = {n: rf for n, rf in results.items() if not rf.facts.version.startswith("3.10.")}
    st = _statement(without, "queue-class", "guarded", "spawn", "linux-cpython")
    assert st.spans[0].label == "3.6–3.9, 3.11–3.13"
    pypy = _statement(results, "queue-class", "guarded", "fork", "linux-pypy")
    assert [s.label for s in pypy.spans] == ["3.9, 3.11"]  # 3.10 never measured on PyPy


def test_expected_families_are_marked_and_cited(results: Dict[str, ResultsFile]) -> None:
    st = _statement(results, "queue-class", "guarded", "default", "darwin-cpython")
    assert {s.source for s in st.spans} == {"expected"}
    assert [s.label for s in st.spans] == ["3.9–3.13", "3.14"]
    assert all(s.cite == expectations.GH_122311 for s in st.spans)
    assert st.last_verified is None
    assert _statement(results, "queue-class", "guarded", "fork", "win32-cpython").spans == ()


def test_every_cell_has_a_statement_per_family(results: Dict[str, ResultsFile]) -> None:
    fams, _, sts = statements.all_statements(results)
    assert 0 < len(fams) <= 6
    assert len({(s.pattern, s.variant, s.start_method, s.family) for s in sts}) == len(sts)
    assert {s.pattern for s in sts} == set(ROW_IDS)


def test_cite_names() -> None:
    assert statements.cite_name(expectations.GH_84559) == "gh-84559"
    assert statements.cite_name(expectations.GH_122311) == "gh-122311"
    assert statements.cite_name(expectations.WHATSNEW_314) == "whatsnew-3.14"
    assert statements.cite_name(memory.PYPY_TRACKER) == "docs-pypy-resource_tracker.py"
    assert statements.cite_name(memory.SRC_TRACKER) == "docs-resource_tracker.py"
    names = {statements.cite_name(u) for u in expectations.all_citations()}
    assert len(names) == len(expectations.all_citations())  # a short name names one link


# ---------------------------------------------------------------------------
# why
# ---------------------------------------------------------------------------


def test_why_answers_every_pattern_here(results: Dict[str, ResultsFile]) -> None:
    lines = why.answer_all(why.Question(), results, ROW_IDS)
    heads = [line for line in lines if not line.startswith("  ")]
    assert [h.split(" ", 1)[0] for h in heads] == list(ROW_IDS)
    # the notes' patterns and the forms beyond the notes (reference/_patterns.py, row=...)
    assert sum(1 for line in lines if "copy: python3 -m reference show" in line) == len(PATTERNS)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(
            ["--os", "darwin", "--python", "3.14"],
            [
                *("macOS CPython 3.14", "expected, not measured", "_pickle.PicklingError"),
                *(expectations.GH_122311, "copy: python3 -m reference show queue-class"),
            ],
            id="an unmeasured platform: expected, with its source",
        ),
        pytest.param(
            ["--python", "3.14", "--start-method", "spawn"],
            [
                *("measured 20", "guarded   ❌ _pickle.PicklingError: Can't pickle local object"),
                "python3 -m reference show queue-class --start-method spawn",
            ],
            id="measured under spawn: the exception and the command",
        ),
    ],
)
def test_why_queue_class(argv: List[str], expected: List[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["why", "queue-class", *argv]) == 0
    out = capsys.readouterr().out
    assert [text for text in expected if text not in out] == []


def test_why_several_releases_show_each_span(results: Dict[str, ResultsFile]) -> None:
    name = next(n for n, rf in results.items() if rf.facts.version == "3.13.0")
    changed = dict(results)
    changed[name] = _with_outcome(results[name], "queue-class", "hang", "builtins.EOFError")
    lines = why.answer("queue-class", why.Question(python="3.13", start_method="spawn"), changed)
    assert "3.13.0, 3.13.18" in lines[0]
    guarded = next(line for line in lines if line.startswith("  guarded"))
    assert "⏳ hang (EOFError) on 3.13.0" in guarded
    assert "❌ AttributeError on 3.13.18" in guarded


@pytest.mark.parametrize(
    ("argv", "listed"),
    [
        (["why", "nope"], "queue-class"),
        (["why", "queue-class", "--python", "3.99"], "3.13.18"),
        (
            ["why", "queue-class", "--os", "darwin", "--implementation", "pypy"],
            "--os darwin --implementation cpython",
        ),
        (["why", "queue-class", "--os", "win32", "--start-method", "fork"], "spawn"),
        (["why", "queue-class", "--start-method", "vfork"], "forkserver"),
        (["why"], "--all"),
    ],
)
def test_why_unknown_is_one_line_listing_what_exists(
    argv: List[str], listed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("error: ")
    assert listed in captured.err


def test_why_all(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["why", "--all", "--implementation", "pypy"]) == 0
    out = capsys.readouterr().out
    assert out.count("on Linux PyPy") == len(PATTERN_IDS)


# ---------------------------------------------------------------------------
# wrong: the fifth outcome (exit 0, a result the pattern does not promise)
# ---------------------------------------------------------------------------


def test_every_view_words_every_outcome() -> None:
    """An outcome the model allows but a view cannot word would be a KeyError at render time."""
    outcomes = set(model.OUTCOMES)
    for table in (statements.ICON, statements.WORD, symptom.ICON, symptom.PAGE_TEXT, symptom.MEANING):
        assert set(table) == outcomes
    assert export.json_schema()["properties"]["cells"]["items"]["prefixItems"][5]["enum"] == list(
        model.OUTCOMES
    )


def _wrong_cells(results: Dict[str, ResultsFile]) -> List[tuple[str, str, str, str]]:
    return sorted(
        (rf.facts.version, r.pattern, r.variant, r.start_method)
        for rf in results.values()
        for r in rf.records
        if r.outcome == "wrong"
    )


def test_a_wrong_cell_reads_as_wrong_with_what_it_got(
    results: Dict[str, ResultsFile], capsys: pytest.CaptureFixture[str]
) -> None:
    """Where the records hold a wrong cell, why and the tables say "wrong" and what it got."""
    wrong = _wrong_cells(results)
    assert wrong, "no measured wrong cell: the fork-global rows were not measured"
    version, pattern, variant, method = wrong[0]
    assert main(["why", pattern, "--python", version, "--start-method", method]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith(f"  {variant} "))
    assert "❗ wrong result: expected " in line, line
    st = _statement(results, pattern, variant, method, "linux-cpython")
    assert any(s.outcomes == ("wrong",) for s in st.spans)


def test_the_global_a_child_reads_follows_the_default_start_method(results: Dict[str, ResultsFile]) -> None:
    """fork-global/exact by default: ok where the default is fork, wrong where it is not (the
    default's records, not a version list: Linux's default moved to forkserver at 3.14)."""
    seen = set()
    for rf in results.values():
        rec = next(
            (
                r
                for r in rf.records
                if (r.pattern, r.variant, r.start_method) == ("fork-global", "exact", "default")
            ),
            None,
        )
        if rec is None:
            continue
        want = "ok" if rec.resolved_start_method == "fork" else "wrong"
        assert rec.outcome == want, (rf.facts.label, rec.resolved_start_method, rec.outcome)
        seen.add(want)
    assert seen == {"ok", "wrong"}
