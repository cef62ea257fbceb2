"""Every committed measured record agrees with the first applicable cited expectation."""

from __future__ import annotations

import dataclasses
import re
from typing import Dict, Tuple

import pytest

from matrix import cases, expectations, model, store, symptom


def test_measured_records_agree_with_expectations() -> None:
    problems = []
    for name, rf in store.load_all().items():
        facts = rf.facts
        if facts.error:
            continue
        for rec in rf.records:
            plat = expectations.platform_of_record(rec, facts.default_start_method or "", facts.start_methods)
            rule = expectations.expectation(plat, rec.pattern, rec.variant, rec.start_method)
            if rule is None:
                continue
            why = expectations.contradiction(rule, rec)
            if why:
                problems.append(
                    f"{name}: {rec.pattern}/{rec.variant}/{rec.start_method}: {why}\n"
                    f"    measured: {rec.outcome} {rec.exception} {rec.message!r}\n"
                    f"    expected: {rule.outcomes} {rule.exception} {rule.message!r}\n"
                    f"    because: {rule.note} ({rule.cite})"
                )
    assert not problems, "\n".join(problems)


def test_every_expected_platform_cell_has_a_rule() -> None:
    for exp in expectations.EXPECTED_PLATFORMS:
        for pattern, variant, method in cases.all_cells():
            if method != "default" and method not in exp.platform.start_methods:
                continue
            assert expectations.expectation(exp.platform, pattern, variant, method) is not None, (
                exp.label,
                pattern,
                variant,
                method,
            )


def test_rules_are_cited() -> None:
    for rule in expectations.RULES:
        assert rule.cite.startswith("https://"), rule
        assert set(rule.outcomes) <= set(model.OUTCOMES), rule


def test_a_contradiction_is_reported() -> None:
    rf = next(iter(store.load_all().values()))
    rec = next(r for r in rf.records if r.pattern == "set-start-method" and r.variant == "twice")
    plat = expectations.platform_of_record(rec, rf.facts.default_start_method or "", rf.facts.start_methods)
    rule = expectations.expectation(plat, rec.pattern, rec.variant, rec.start_method)
    assert rule is not None
    assert expectations.contradiction(rule, rec) is None
    wrong = dataclasses.replace(rec, outcome="ok", exception=None, message=None)
    assert "outcome 'ok'" in (expectations.contradiction(rule, wrong) or "")


@pytest.mark.parametrize(("version", "default"), [((3, 13), "fork"), ((3, 14), "forkserver")])
def test_linux_default_changes_at_314(version: tuple, default: str) -> None:  # type: ignore[type-arg]
    plat = expectations.Platform("linux", "cpython", version, True, default, ("fork", "spawn", "forkserver"))
    rule = expectations.expectation(plat, "pool-with", "verbatim", "default")
    assert rule is not None
    assert rule.outcomes == (("ok",) if default == "fork" else ("hang", "error"))
    assert rule.cause == (None if default == "fork" else "builtins.RuntimeError")


def _cell(exp: expectations.ExpectedPlatform, cell: Tuple[str, str, str]) -> str:
    """The expected cell as every view words it (matrix.symptom), with its note and source."""
    if cell[2] != "default" and cell[2] not in exp.platform.start_methods:
        return "—"
    rule = expectations.expectation(exp.platform, *cell)
    if rule is None:
        return "?"
    words = symptom.symptom(rule.outcomes, rule.exception, rule.cause, rule.cause_message, measured=False)
    return f"{words} | {rule.note} | {rule.cite}"


def test_every_expected_column_is_right_at_every_version_it_claims() -> None:
    """Each column's cells, evaluated at each version its label names, render the same."""
    claimed: Dict[Tuple[str, bool | None, Tuple[int, int]], str] = {}
    for exp in expectations.EXPECTED_PLATFORMS:
        assert exp.versions, exp.label
        assert exp.platform.version == exp.versions[0]
        names = [(int(a), int(b)) for a, b in re.findall(r"(\d+)\.(\d+)", exp.label)]
        assert names in ([exp.versions[0]], [exp.versions[0], exp.versions[-1]]), exp.label
        for version in exp.versions:
            at = dataclasses.replace(exp, platform=exp.at(version))
            for cell in cases.every_cell():
                assert _cell(at, cell) == _cell(exp, cell), (exp.label, version, cell)
            key = (exp.platform.os, exp.platform.gil, version)
            assert key not in claimed, f"{exp.label} and {claimed.get(key)} both claim {version}"
            claimed[key] = exp.label


@pytest.mark.parametrize(
    "cell",
    [
        *[
            ("darwin", "queue-class", v, m)
            for v in ("verbatim", "guarded")
            for m in ("default", "spawn", "forkserver")
        ],
        *[("win32", "queue-class", v, m) for v in ("verbatim", "guarded") for m in ("default", "spawn")],
    ],
)
def test_the_closure_cells_raise_picklingerror_from_314(cell: tuple) -> None:  # type: ignore[type-arg]
    os_name, pattern, variant, method = cell
    for exp in expectations.EXPECTED_PLATFORMS:
        if exp.platform.os != os_name:
            continue
        for version in exp.versions:
            rule = expectations.expectation(exp.at(version), pattern, variant, method)
            assert rule is not None
            want = "_pickle.PicklingError" if version >= (3, 14) else "builtins.AttributeError"
            assert (rule.outcomes, rule.exception) == (("error",), want), (exp.label, version, cell)
            if os_name == "win32":  # the child started before the pickling failed (popen_spawn_win32)
                assert rule.cause == (
                    "builtins.RuntimeError" if variant == "verbatim" else "builtins.EOFError"
                )
            else:  # POSIX pickles before it starts the child
                assert rule.cause is None


@pytest.mark.parametrize("os_name", ["darwin", "win32"])
def test_unguarded_pools_hang_on_macos_and_windows(os_name: str) -> None:
    for exp in expectations.EXPECTED_PLATFORMS:
        if exp.platform.os != os_name:
            continue
        for pattern, variant in [*((p, "verbatim") for p in expectations.POOLS), ("missing-guard", "pool")]:
            rule = expectations.expectation(exp.platform, pattern, variant, "default")
            assert rule is not None
            assert (rule.outcomes, rule.exception, rule.cause) == (("hang",), None, "builtins.RuntimeError")
            cell = _cell(exp, (pattern, variant, "default"))
            assert cell.startswith("⏳ hang · cause RuntimeError (bootstrapping) | "), cell


def test_citations_say_what_the_cells_claim() -> None:
    for rule in expectations.RULES:
        if rule.exception in ("builtins.AttributeError", "builtins.TypeError") and "local object" in (
            rule.message or ""
        ):
            assert rule.cite != expectations.DOCS_PICKLE, rule
        if rule.outcomes == ("unsupported",):
            assert "typing.Protocol" in rule.note, rule
            assert "pep-0563" not in rule.cite, rule
    mac = next(e for e in expectations.EXPECTED_PLATFORMS if e.platform.os == "darwin")
    fork = expectations.expectation(mac.platform, "pool-with", "verbatim", "fork")
    assert fork is not None
    assert "unsafe" in fork.note
    forkserver = expectations.expectation(mac.platform, "pool-with", "guarded", "forkserver")
    assert forkserver is not None
    assert forkserver.cite == expectations.TEST_FORKSERVER
