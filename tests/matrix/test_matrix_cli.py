"""`python -m matrix`: bad input exits 2 with the valid names; interpreter selection."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from matrix import cli, interpreters, model, plan
from matrix.failure_modes import FAILURE_MODES


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--pattern", "nope"], "pool-with"),
        (["run", "--variant", "nope"], "verbatim"),
        (["--start-method", "fast"], "forkserver"),
        (["frobnicate"], "render"),
        (["--pattern", "pool-with", "--variant", "twice"], "no cell matches"),
        (["--jobs", "x"], "invalid int"),
    ],
)
def test_bad_input_exits_2(argv: list, needle: str, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[type-arg]
    assert cli.main(argv) == 2
    assert needle in capsys.readouterr().err


def fake(name: str, exe: str) -> interpreters.Interpreter:
    facts = model.Facts(
        name=name,
        label=name.upper(),
        location="pyenv",
        executable=exe,
        os=model.OsInfo("linux", "6"),
        implementation="cpython",
        version="3.12.1",
        implementation_version="3.12.1",
        build="b",
        gil=True,
        default_start_method="fork",
        start_methods=["fork", "spawn", "forkserver"],
    )
    return interpreters.Interpreter((exe,), "pyenv", facts=facts)


def test_select_interpreters() -> None:
    found = [fake("cpython-3.12.1@pyenv", "/x/python3.12"), fake("cpython-3.13.0@pyenv", "/x/python3.13")]
    assert plan.select_interpreters(found, []) == found
    assert plan.select_interpreters(found, ["cpython-3.13.0@pyenv"]) == [found[1]]
    assert plan.select_interpreters(found, ["/x/python3.12"]) == [found[0]]
    with pytest.raises(plan.Refused, match=re.escape("cpython-3.12.1@pyenv, cpython-3.13.0@pyenv")):
        plan.select_interpreters(found, ["python9"])


def test_unknown_interpreter_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        interpreters, "discover", lambda include_lanes=True, jobs=None: [fake("a@b", "/x/py")]
    )
    rc = cli.main(["--interpreter", "nope", "--no-lanes", "--no-render", "--results-dir", str(tmp_path)])
    assert rc == 2
    assert "valid: a@b" in capsys.readouterr().err


def test_results_filename_is_per_platform() -> None:
    f = fake("a", "/x/py").facts
    assert f is not None
    name = interpreters.results_filename(f)
    assert name.startswith("linux-cpython-3.12.1-")
    assert name.endswith(".json")


def test_an_interpreter_that_cannot_start_gets_facts_error(tmp_path: Path) -> None:
    broken = interpreters.probe(interpreters.Interpreter((str(tmp_path / "python3"),), "nowhere"))
    assert broken.facts is not None
    assert broken.facts.error is not None
    assert broken.facts.start_methods == []
    assert interpreters.results_filename(broken.facts).endswith(".json")
    from matrix.cases import all_cells, cells_for

    assert cells_for(broken.facts, all_cells()) == []  # recorded as the interpreter's failure, no cells


def test_failure_mode_ids_are_patterns_too() -> None:
    import argparse

    args = argparse.Namespace(pattern=["killed-worker", "gil-speedup"], variant=[], start_method=[])
    cells = cli.select_cells(args)
    assert {c[0] for c in cells} == {"killed-worker", "gil-speedup"}
    assert ("killed-worker", "pool", "spawn") in cells
    assert ("gil-speedup", "measure", "default") in cells
    exact = argparse.Namespace(pattern=[], variant=["exact"], start_method=["fork"])
    with_exact = {m.id for m in FAILURE_MODES.values() if "exact" in m.variants and "fork" in m.start_methods}
    assert {c[0] for c in cli.select_cells(exact)} == with_exact
    assert {"pool-with-async", "fork-with-threads"} <= with_exact
    with pytest.raises(plan.Refused):
        cli.select_cells(
            argparse.Namespace(pattern=["fork-with-threads"], variant=[], start_method=["spawn"])
        )
