"""``python -m matrix test``'s report: tox's parallel output sorted by env, failed envs shown whole."""

from __future__ import annotations

import io
import threading
from typing import List

import pytest

from matrix import _testrun as testrun

# What tox run-parallel (no spinner, no --parallel-live) printed for a passing env, a failing env
# that ended before the last one, and a failing last env, which only the final report mentions.
TOX_OUTPUT = """\
zz-ok: OK \u2714 in 1 minute 2.5 seconds
.pkg: build_editable> python backend.py True hatchling.build
zz-bad: FAIL \u2716 in 3.1 seconds
zz-bad: commands[0]> python -m pytest
FAILED tests/test_x.py::test_one - AssertionError: boom
zz-bad: exit 1 (3.00 seconds) /repo> python -m pytest pid=1
zz-last: commands[0]> python -m pytest
AssertionError: zz-ok: not an env line
zz-last: exit 1 (2.00 seconds) /repo> python -m pytest pid=2
  zz-ok: OK (62.50=setup[1.00]+cmd[61.50] seconds)
  zz-bad: FAIL code 1 (3.10=setup[0.10]+cmd[3.00] seconds)
  zz-last: FAIL code 1 (2.20=setup[0.20]+cmd[2.00] seconds)
  evaluation failed :( (65.00 seconds)
"""


def test_output_is_sorted_by_env_and_every_env_ends_once(capsys: pytest.CaptureFixture[str]) -> None:
    runs = {name: testrun.EnvRun(name) for name in ("zz-ok", "zz-bad", "zz-last")}
    other: List[str] = []
    testrun.read_tox_output(io.StringIO(TOX_OUTPUT), runs, other, threading.Lock())
    assert [(r.status, r.took) for r in runs.values()] == [
        ("passed", "1 minute 2.5 seconds"),
        ("FAILED", "3.1 seconds"),
        ("FAILED", "2.20 seconds"),
    ]
    assert runs["zz-ok"].output == []
    assert "".join(runs["zz-bad"].output).count("\n") == 3
    assert "boom" in "".join(runs["zz-bad"].output)
    assert "AssertionError: zz-ok" in "".join(runs["zz-last"].output)
    assert other == [
        ".pkg: build_editable> python backend.py True hatchling.build\n",
        "  evaluation failed :( (65.00 seconds)\n",
    ]
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "test: passed  zz-ok in 1 minute 2.5 seconds",
        "test: FAILED  zz-bad in 3.1 seconds",
        "test: FAILED  zz-last in 2.20 seconds",
    ]


def test_report_shows_only_failed_envs_output_and_how_to_enable_skipped_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ok = testrun.EnvRun("zz-ok", status="passed", took="1 s", output=["quiet\n"])
    bad = testrun.EnvRun("zz-bad", status="FAILED", took="2 s", output=["the failure\n"])
    skipped = {"py37-fork": testrun.missing_reason("py37-fork", "", set()) or ""}
    testrun.report([ok, bad], skipped, [], 1, 60.0)
    out = capsys.readouterr().out
    assert "quiet" not in out
    assert "===== zz-bad: full output =====\nthe failure\n" in out
    assert "SKIPPED env py37-fork: no python3.7 on PATH or under pyenv (enable: pyenv install 3.7)" in out
    lines = out.splitlines()
    table = lines[lines.index("") + 1 :]
    assert table[0].split() == ["env", "result", "passed", "failed", "skipped", "time"]
    assert table[2].split()[:2] == ["zz-bad", "FAILED"]


def test_the_slow_tests_are_shared_among_the_cpython_versions_found() -> None:
    envs = ["tooling", "py313-fork", "py38-spawn", "py310-fork", "pypy3-fork", "sid313-fork", "lint"]
    assert testrun.slow_pool(envs) == "py38,py310,py313"
    assert testrun.slow_pool(["tooling", "sid314-fork"]) == ""
