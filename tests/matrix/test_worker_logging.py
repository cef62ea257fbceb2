"""The cited expectations of row worker-logging, derived from the start method a platform uses.

Where the matrix does not measure (macOS, Windows, free-threaded builds) it shows these rules as
"expected, not measured": a worker's records reach the parent only when the worker is a fork of the
parent (its logging configuration copied), bpo-6721's deadlock needs fork before 3.7, and the
vetted form (the queue passed, not inherited) works wherever the reference package runs.
"""

from __future__ import annotations

import dataclasses

import pytest

from matrix import expectations
from matrix.expectations import EXPECTED_PLATFORMS, Platform, expectation
from matrix.failure_modes import FAILURE_MODES

ROW = "worker-logging"
LINUX_36 = Platform("linux", "cpython", (3, 6), True, "fork", ("fork", "spawn", "forkserver"))
LINUX_314 = Platform("linux", "cpython", (3, 14), True, "forkserver", ("forkserver", "fork", "spawn"))
MACOS = Platform("darwin", "cpython", (3, 9), True, "spawn", ("spawn", "fork", "forkserver"))
WINDOWS = Platform("win32", "cpython", (3, 9), True, "spawn", ("spawn",))
PYPY_39 = Platform("linux", "pypy", (3, 9), True, "fork", ("fork", "spawn", "forkserver"))
PLATFORMS = [LINUX_36, LINUX_314, MACOS, WINDOWS, PYPY_39, *(e.platform for e in EXPECTED_PLATFORMS)]


def derived(plat: Platform, variant: str, setting: str) -> str:
    used = plat.default_start_method if setting == "default" else setting
    if variant == "vetted":
        return "unsupported" if plat.version < (3, 8) else "ok"
    if variant == "thread-fork":
        return "hang" if used == "fork" and plat.version < (3, 7) else "ok"
    return "ok" if used == "fork" else "wrong"  # pool, process: only a fork copies the config


@pytest.mark.parametrize("plat", PLATFORMS, ids=lambda p: f"{p.os}-{p.implementation}-{p.version}-{p.gil}")
def test_every_cell_follows_from_the_start_method_used(plat: Platform) -> None:
    for variant in FAILURE_MODES[ROW].variants:
        for setting in ("default", *plat.start_methods):
            rule = expectation(plat, ROW, variant, setting)
            assert rule is not None, (plat, variant, setting)
            assert rule.outcomes == (derived(plat, variant, setting),), (plat, variant, setting, rule.note)
            assert rule.cite.startswith("https://"), rule


def test_the_version_where_the_deadlock_ends_is_3_7() -> None:
    for version, outcome in (((3, 6), "hang"), ((3, 7), "ok"), ((3, 15), "ok")):
        plat = dataclasses.replace(LINUX_36, version=version)
        rule = expectation(plat, ROW, "thread-fork", "fork")
        assert rule is not None
        assert rule.outcomes == (outcome,)
    assert expectation(LINUX_36, ROW, "thread-fork", "spawn").outcomes == ("ok",)  # type: ignore[union-attr]


def test_python_3_12_and_later_warn_about_forking_beside_the_thread() -> None:
    """gh-100228: the fork cells of CPython 3.12+ expect the DeprecationWarning, PyPy's do not."""
    for variant in ("thread-fork", "vetted"):
        warns = expectation(dataclasses.replace(LINUX_36, version=(3, 12)), ROW, variant, "fork")
        assert warns is not None
        assert warns.warning == "DeprecationWarning: This process"
        quiet = expectation(dataclasses.replace(PYPY_39, version=(3, 11)), ROW, variant, "fork")
        assert quiet is not None
        assert quiet.warning is None


def test_the_row_cites_the_cookbook_and_bpo_6721() -> None:
    cites = set(FAILURE_MODES[ROW].citations)
    assert any("logging-cookbook.html#logging-to-a-single-file-from-multiple-processes" in c for c in cites)
    assert "https://github.com/python/cpython/issues/50970" in cites
    assert set(expectations.all_citations()) >= {"https://github.com/python/cpython/issues/50970"}
