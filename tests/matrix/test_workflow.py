"""The GitHub Actions workflow that measures macOS, Windows and free-threaded builds stays valid."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path
from typing import List

import pytest

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"


def actionlint() -> str | None:
    scripts = Path(sysconfig.get_path("scripts"))
    for candidate in (scripts / "actionlint", scripts / "actionlint.exe"):
        if candidate.exists():
            return str(candidate)
    return shutil.which("actionlint")


@pytest.mark.skipif(sys.platform == "win32", reason="the actionlint wheel used here is POSIX-only")
def test_actionlint_passes() -> None:
    exe = actionlint()
    if exe is None:
        pytest.skip("actionlint is not installed (dependency group 'test' installs it on Linux/macOS)")
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert files, "no workflow found"
    result = subprocess.run([exe, *files], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# --- the workflow's shape -----------------------------------------------------------------------

REPO = WORKFLOWS.parents[1]
MATRIX_YML = WORKFLOWS / "matrix.yml"


def workflow() -> str:
    return MATRIX_YML.read_text(encoding="utf-8")


def step_block(name: str, key: str) -> str:
    """The text of ``key:`` (a ``|`` block or a one-line value) in the step named ``name``.

    A small reader for this file's layout (PyYAML is not a test dependency)."""
    lines = workflow().splitlines()
    start = next(i for i, ln in enumerate(lines) if re.fullmatch(rf"\s*- name: {re.escape(name)}", ln))
    step_indent = len(lines[start]) - len(lines[start].lstrip())
    for i in range(start + 1, len(lines)):
        line = lines[i]
        indent = len(line) - len(line.lstrip())
        if line.strip() and indent <= step_indent:
            break  # the next step
        m = re.fullmatch(rf"(\s*){key}: ?(.*)", line)
        if not m:
            continue
        if m.group(2) not in ("|", ">"):
            return m.group(2).strip()
        body = []
        for cont in lines[i + 1 :]:
            if cont.strip() and len(cont) - len(cont.lstrip()) <= len(m.group(1)):
                break
            body.append(cont)
        return textwrap.dedent("\n".join(body)).strip() + "\n"
    raise AssertionError(f"step {name!r} has no {key!r}")


def test_workflow_shape() -> None:
    text = workflow()
    assert re.search(r"^concurrency:\n  group: .+\n  cancel-in-progress: true$", text, re.M)
    assert "fail-fast: false" in text
    assert "cache: pip" in text
    jobs = re.findall(r"^  (\w[\w-]*):\n((?:    .*\n|\n)+)", text.split("\njobs:\n", 1)[1], re.M)
    assert [name for name, _ in jobs] == ["measure", "merge"]
    for name, body in jobs:
        assert re.search(r"^    timeout-minutes: \d+$", body, re.M), f"job {name} has no timeout"
    for os_name in ("ubuntu-latest", "macos-latest", "windows-latest"):
        assert os_name in text
    install = step_block("Install the test dependencies", "run").splitlines()
    assert install == ["python -m pip install --upgrade pip", "python -m pip install --group test"]
    assert step_block("Merge the records into matrix/results and re-render", "run") == (
        "python -m matrix merge incoming"
    )
    assert "path: incoming" in text


def probe_command(python: str, extra: str = "") -> str:
    script = step_block("Probe the matrix on this platform", "run")
    script = script.replace("${{ steps.python.outputs.python-path }}", python)
    assert "${{" not in script, script
    return script.rstrip("\n") + extra + "\n"


def test_probe_step_flags_exist_in_the_cli() -> None:
    from matrix import cli

    lines = probe_command("/py").replace("\\\n", " ").splitlines()
    assert shlex.split(lines[0], comments=True) == ["mkdir", "-p", "artifacts/results"]  # run needs it
    words = shlex.split(lines[1])
    assert words[:4] == ["python", "-m", "matrix", "run"]
    args = cli.build_parser().parse_args(words[3:])
    assert (args.no_lanes, args.no_render, args.interpreter) == (True, True, ["/py"])
    assert args.results_dir == Path("artifacts/results")


@pytest.mark.skipif(sys.platform == "win32", reason="runs the step with bash and a POSIX shim for python")
def test_probe_and_upload_steps_then_merge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The probe step as the workflow runs it (one pattern and start method, to be quick), its
    upload pattern, then ``merge`` of that artifact into a copy of matrix/results."""
    from matrix import cli, statements, store

    checkout = tmp_path / "checkout"
    checkout.mkdir()
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "python").write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n', encoding="utf-8")
    (shim / "python").chmod(0o755)
    env = dict(os.environ)
    env["PATH"] = f"{shim}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(REPO)  # the checkout is the working directory in the workflow
    script = probe_command(sys.executable, " --pattern thread-event --start-method spawn")
    ran = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr

    upload = step_block("Upload this platform's records", "path")
    artifact = sorted(checkout.glob(upload))
    assert len(artifact) == 1, (upload, ran.stderr)
    produced = store.read_results(artifact[0])
    assert [r.outcome for r in produced.records] == ["ok", "ok", "ok"]
    assert not produced.complete  # 3 cells of this platform's many

    # The merge job: the artifact into matrix/results (a copy without this platform).
    downloaded = tmp_path / "incoming"
    downloaded.mkdir()
    shutil.copy(str(artifact[0]), str(downloaded / artifact[0].name))
    results = tmp_path / "results"
    shutil.copytree(str(store.RESULTS_DIR), str(results))
    (results / artifact[0].name).unlink(missing_ok=True)
    readme = tmp_path / "README.md"
    assert cli.main(["render", "--results-dir", str(results), "--readme", str(readme)]) == 0
    column = f"| {produced.facts.label} |"
    assert f"`{artifact[0].name}`" not in readme.read_text(encoding="utf-8")
    argv = ["merge", str(downloaded), "--results-dir", str(results), "--readme", str(readme)]
    assert cli.main(argv) == 0
    assert f"added: {downloaded / artifact[0].name} -> {artifact[0].name}" in capsys.readouterr().out
    text = readme.read_text(encoding="utf-8")
    assert f"`{artifact[0].name}`" in text
    header = next(ln for ln in text.splitlines() if ln.startswith("| Variant | Start method |"))
    pf = produced.facts
    assert f" {statements.family_of(pf.os.platform, pf.implementation, pf.gil).label} |" in header, header
    assert column in text
    assert store.read_results(results / artifact[0].name) == produced
    # the same artifact again: identical, kept
    before = (results / artifact[0].name).read_bytes()
    assert cli.main(argv) == 0
    assert "identical:" in capsys.readouterr().out
    assert (results / artifact[0].name).read_bytes() == before


# --- the runner off Linux: branch selection, parsers, the Windows path run on POSIX -----------------


def test_popen_options_per_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    from matrix.supervise import session, taskkill

    monkeypatch.setattr(session, "ON_WINDOWS", False)
    assert session.popen_options() == {"start_new_session": True}
    monkeypatch.setattr(session, "ON_WINDOWS", True)
    assert session.popen_options() == {"creationflags": 0x200}  # CREATE_NEW_PROCESS_GROUP
    assert taskkill.kill_tree_command(42) == ["taskkill", "/T", "/F", "/PID", "42"]


def test_parse_taskkill_and_ps() -> None:
    from matrix.supervise import ps, taskkill

    out = (
        "SUCCESS: The process with PID 5120 (child process of PID 4000) has been terminated.\n"
        "SUCCESS: The process with PID 4000 (child process of PID 3000) has been terminated.\n"
        "ERROR: The process with PID 77 (child process of PID 4000) could not be terminated.\n"
    )
    assert taskkill.parse_taskkill(out) == ["pid 5120", "pid 4000"]
    listing = (
        "    1     1 Ss   /sbin/launchd\n"
        "  501   500 S+   /Library/Frameworks/Python.framework/Versions/3.12/bin/python3.12\n"
        "  502   500 Z    (python3.12)\n"
        "  503   500 R    /usr/bin/my tool\n"
        "  600   501 S    python3\n"
    )
    assert ps.parse_ps(listing, 500) == [(501, "python3.12", "S"), (503, "my tool", "R")]


def test_non_linux_labels_name_the_os() -> None:
    from matrix import interpreters

    interp = interpreters.Interpreter(("/x/python3",), "/x")
    probe = {
        "implementation": "cpython",
        "version": "3.13.1",
        "implementation_version": "3.13.1",
        "build": "b",
        "platform": "darwin",
        "release": "24",
        "gil": False,
        "default_start_method": "spawn",
        "start_methods": ["spawn", "fork", "forkserver"],
    }
    assert interpreters.facts_from_probe(interp, probe).label == "macOS CPython 3.13.1t"
    assert (
        interpreters.facts_from_probe(interp, {**probe, "platform": "win32"}).label
        == "Windows CPython 3.13.1t"
    )
    assert (
        interpreters.facts_from_probe(interp, {**probe, "platform": "linux", "gil": True}).label
        == "CPython 3.13.1"
    )


HANG_WITH_GRANDCHILD = """\
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
time.sleep(60)
"""


def run_case(tmp_path: Path, source: str, deadline: float = 1.0):  # type: ignore[no-untyped-def]
    from matrix.runner import run_script
    from matrix.stderr import PRELUDE

    script = tmp_path / "case.py"
    script.write_text(PRELUDE + source, encoding="utf-8")  # as every case script starts
    return run_script([sys.executable, "-W", "default", str(script)], str(tmp_path), deadline=deadline)


@pytest.mark.skipif(sys.platform == "win32" or shutil.which("ps") is None, reason="POSIX ps(1) and groups")
def test_process_groups_without_proc_use_ps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS/BSD have no /proc: group members come from ps, and the group is still reaped."""
    from matrix import supervise
    from matrix.supervise import groups, ps

    monkeypatch.setattr(groups, "NATIVE", ps)
    res = run_case(tmp_path, HANG_WITH_GRANDCHILD)
    assert res.outcome == "hang"
    assert any("killed 2 process(es) ended by the runner" in c for c in res.cleanup), res.cleanup
    assert res.pgid is not None
    assert supervise.group_members(res.pgid) == []
    assert supervise.open_semaphores([os.getpid()]) == set()
    ok = run_case(tmp_path, "print('hi')\n")
    assert (ok.outcome, ok.stdout, ok.cleanup) == ("ok", "hi\n", [])


@pytest.mark.skipif(sys.platform == "win32", reason="fakes taskkill with POSIX process groups")
def test_windows_path_reader_threads_and_tree_kill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Windows code path (reader threads, kill_tree) run here, with taskkill faked by killpg."""
    from matrix import supervise
    from matrix.supervise import session

    killed_trees: List[int] = []

    def fake_kill_tree(pid: int) -> List[str]:
        killed_trees.append(pid)
        return supervise.reap_group(pid)  # the names of what it killed, as taskkill's "pid N" lines

    monkeypatch.setattr(session, "ON_WINDOWS", True)
    monkeypatch.setattr(session, "popen_options", lambda: {"start_new_session": True})
    monkeypatch.setattr(session, "kill_tree", fake_kill_tree)

    ok = run_case(tmp_path, "import sys\nprint('hi')\nsys.stderr.write('x' * 200000)\n")
    assert (ok.outcome, ok.stdout, len(ok.stderr), ok.cleanup) == ("ok", "hi\n", 200000, [])
    assert killed_trees == []

    err = run_case(tmp_path, "raise KeyError('nope')\n")
    assert (err.outcome, err.exception, err.exit_code) == ("error", "builtins.KeyError", 1)

    hang = run_case(tmp_path, HANG_WITH_GRANDCHILD)
    assert hang.outcome == "hang"
    assert killed_trees == [hang.pgid]
    assert hang.pgid is not None
    assert supervise.group_members(hang.pgid) == []
    assert any("killed" in c and "ended by the runner" in c for c in hang.cleanup), hang.cleanup

    boot = "Traceback (most recent call last):\nRuntimeError: x finished its bootstrapping phase.\n"
    loop = run_case(
        tmp_path,
        f"import sys, time\nsys.stderr.write({boot * 2!r})\nsys.stderr.flush()\ntime.sleep(60)\n",
        10.0,
    )  # the same child exception twice while the parent runs: a respawn loop, the program hangs
    assert (loop.outcome, loop.exception, loop.cause, loop.detection) == (
        "hang",
        None,
        "builtins.RuntimeError",
        "respawn-loop",
    )
    assert loop.seconds < 5

    # a process that outlives the main one and keeps its pipes: reported, not waited for
    left = run_case(
        tmp_path,
        "import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])\n",
        5.0,
    )
    assert left.outcome == "ok"
    assert any("still open" in c for c in left.cleanup), left.cleanup
    assert left.pgid is not None
    supervise.reap_group(left.pgid)


def test_windows_discovery_includes_the_running_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    from matrix import interpreters

    monkeypatch.setattr(interpreters, "pyenv_candidates", list)
    monkeypatch.setattr(interpreters, "path_candidates", list)
    monkeypatch.setattr(interpreters, "WINDOWS_NAMES", False)
    assert interpreters.host_candidates() == []
    monkeypatch.setattr(interpreters, "WINDOWS_NAMES", True)
    assert [i.executable for i in interpreters.host_candidates()] == [sys.executable]
