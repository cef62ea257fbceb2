"""The cited expectations of the ctrl-c and process-interrupt rows, derived from what decides them:
``Process.interrupt`` exists from 3.14 (the docs), POSIX sends SIGINT to one process, Windows has
neither process groups nor SIGINT for one process, and the start method does not change either row
(the SIGINT reaches whatever started the workers). Each expectation is computed here from those
facts, then compared with the first rule that matches (matrix/failure_rules/signals.py)."""

from __future__ import annotations

import pytest

from matrix import expectations
from matrix.failure_modes import FAILURE_MODES
from matrix.rule import Platform

OSES = ("linux", "darwin", "win32")
VERSIONS = ((3, 8), (3, 13), (3, 14), (3, 15))


def platform(os_name: str, version: tuple[int, int], gil: bool = True) -> Platform:
    default = {"linux": "forkserver" if version >= (3, 14) else "fork"}.get(os_name, "spawn")
    methods = ("spawn",) if os_name == "win32" else ("fork", "forkserver", "spawn")
    return Platform(os_name, "cpython", version, gil, default, methods)


def methods_of(os_name: str) -> tuple[str, ...]:
    return ("default", "spawn") if os_name == "win32" else ("default", "fork", "forkserver", "spawn")


def expected_interrupt(os_name: str, version: tuple[int, int], variant: str) -> tuple[str, str | None]:
    """(outcome, exception) of a process-interrupt cell, from the facts above."""
    if variant == "vetted":
        return ("error", "builtins.NotImplementedError") if os_name == "win32" else ("ok", None)
    if version < (3, 14) or os_name == "win32":  # no method; Windows' Popen has no interrupt()
        return ("error", "builtins.AttributeError")
    return ("ok", None) if variant == "exact" else ("error", None)  # uncaught: the child's traceback


@pytest.mark.parametrize("os_name", OSES)
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("gil", [True, False])
def test_process_interrupt_expectations(os_name: str, version: tuple[int, int], gil: bool) -> None:
    plat = platform(os_name, version, gil)
    for variant in FAILURE_MODES["process-interrupt"].variants:
        outcome, exception = expected_interrupt(os_name, version, variant)
        for method in methods_of(os_name):
            rule = expectations.expectation(plat, "process-interrupt", variant, method)
            assert rule is not None, (os_name, version, variant, method)
            assert rule.outcomes == (outcome,), (os_name, version, variant, method, rule.note)
            assert rule.exception == exception, (os_name, version, variant, method, rule.note)


@pytest.mark.parametrize("os_name", OSES)
@pytest.mark.parametrize("version", VERSIONS)
def test_ctrl_c_expectations(os_name: str, version: tuple[int, int]) -> None:
    """Ctrl-C reaches every worker everywhere (a group's SIGINT on POSIX, the console's CTRL_C_EVENT
    on Windows): Pool.map's storm (racing terminate()), the executor's queued tasks, the vetted ok."""
    plat = platform(os_name, version)
    want = {"pool-map": {"wrong", "ok"}, "executor-map": {"hang"}, "vetted": {"ok"}}
    for variant in FAILURE_MODES["ctrl-c"].variants:
        for method in methods_of(os_name):
            rule = expectations.expectation(plat, "ctrl-c", variant, method)
            assert rule is not None
            assert set(rule.outcomes) == want[variant], (os_name, version, variant, method, rule.note)


def test_ctrl_c_before_38_the_vetted_form_is_not_run() -> None:
    rule = expectations.expectation(platform("linux", (3, 7)), "ctrl-c", "vetted", "fork")
    assert rule is not None
    assert rule.outcomes == ("unsupported",)
