"""Every committed measured record agrees with the first applicable cited expectation."""

from __future__ import annotations

import pytest

from matrix import cases, expectations, model, store


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
    import dataclasses

    wrong = dataclasses.replace(rec, outcome="ok", exception=None, message=None)
    assert "outcome 'ok'" in (expectations.contradiction(rule, wrong) or "")


@pytest.mark.parametrize(("version", "default"), [((3, 13), "fork"), ((3, 14), "forkserver")])
def test_linux_default_changes_at_314(version: tuple, default: str) -> None:  # type: ignore[type-arg]
    plat = expectations.Platform("linux", "cpython", version, True, default, ("fork", "spawn", "forkserver"))
    rule = expectations.expectation(plat, "pool-with", "verbatim", "default")
    assert rule is not None
    assert rule.outcomes == (("ok",) if default == "fork" else ("error",))
