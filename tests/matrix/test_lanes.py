"""Pure-logic tests for the matrix.lanes package: no root, no network, no real lanes.

Runs on CPython 3.8+ and PyPy; skipped off Linux (lanes are Linux-only).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ON_LINUX: bool = sys.platform.startswith("linux")  # a bool: mypy checks the rest on every platform
if not ON_LINUX:
    pytest.skip("interpreter lanes are Linux-only", allow_module_level=True)

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from matrix import lanes  # noqa: E402 - after the platform skip above
from matrix.lanes import discover, rootconfig  # noqa: E402


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache dir that every lanes function uses."""
    path = tmp_path / "cache"
    monkeypatch.setenv(lanes.CACHE_ENV, str(path))
    return path


def chroot_lane(root: Path) -> lanes.Lane:
    return lanes.Lane("sid-python3.14", ("chroot", str(root), "/usr/bin/python3.14"), root)


# -- path mapping -------------------------------------------------------------


def test_host_lane_paths_are_identity(tmp_path: Path) -> None:
    lane = lanes.Lane("host-pypy3", ("/usr/bin/pypy3",), None)
    assert lane.host_path("/tmp/x.py") == Path("/tmp/x.py")
    assert lane.inner_path(tmp_path / "x.py") == str(tmp_path / "x.py")
    assert lane.interpreter == "/usr/bin/pypy3"


def test_chroot_lane_path_round_trip(tmp_path: Path) -> None:
    root = tmp_path / "root"
    lane = chroot_lane(root)
    assert lane.host_path("/tmp/mp-matrix/a.py") == root / "tmp" / "mp-matrix" / "a.py"
    assert lane.inner_path(root / "tmp" / "mp-matrix" / "a.py") == "/tmp/mp-matrix/a.py"
    assert lane.host_path("/") == root
    assert lane.inner_path(root) == "/"
    for inner in ("/opt/v/bin/python", "/mnt/repo/tests", "/a b/c"):
        assert lane.inner_path(lane.host_path(inner)) == inner


def test_chroot_lane_host_path_cannot_escape_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    lane = chroot_lane(root)
    assert lane.host_path("/../../etc/passwd") == root / "etc" / "passwd"
    assert lane.host_path("relative/x") == root / "relative" / "x"


def test_chroot_lane_inner_path_rejects_outside(tmp_path: Path) -> None:
    lane = chroot_lane(tmp_path / "root")
    with pytest.raises(ValueError, match="is not under the root"):
        lane.inner_path(tmp_path / "elsewhere" / "x.py")
    with pytest.raises(ValueError, match="is not under the root"):
        lane.inner_path(tmp_path / "rootx")


def test_lane_is_frozen_and_hashable(tmp_path: Path) -> None:
    lane = chroot_lane(tmp_path)
    with pytest.raises(AttributeError):
        lane.name = "other"  # type: ignore[misc]
    assert {lane: 1}[chroot_lane(tmp_path)] == 1


def test_scratch_dir_is_inside_the_lane(tmp_path: Path) -> None:
    root = tmp_path / "root"
    lane = chroot_lane(root)
    scratch = lanes.lane_scratch_dir(lane)
    assert scratch.is_dir()
    assert lane.inner_path(scratch) == "/tmp/mp-matrix"
    host = lanes.lane_scratch_dir(lanes.Lane("host-pypy3", ("/usr/bin/pypy3",), None))
    assert host.is_dir()


# -- cache dir ----------------------------------------------------------------


def test_cache_dir_from_env(cache: Path) -> None:
    assert lanes.cache_dir() == cache
    assert lanes.lanes_dir() == cache / "lanes"
    assert lanes.sid_root() == cache / "lanes" / "sid-root"


def test_cache_dir_from_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(lanes.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert lanes.cache_dir() == tmp_path / "xdg" / "mp-matrix"


def test_cache_dir_default_and_relative_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(lanes.CACHE_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    expected = tmp_path / "home" / ".cache" / "mp-matrix"
    assert lanes.cache_dir() == expected
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")  # invalid per the XDG spec
    assert lanes.cache_dir() == expected


def test_cache_inside_repo_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(lanes.CACHE_ENV, str(lanes.REPO_ROOT / "cache-here"))
    with pytest.raises(lanes.LaneError):
        lanes.check_cache_outside_repo()
    assert lanes.install(["pypy"], progress=lambda line: None) == lanes.EXIT_USAGE


# -- markers --------------------------------------------------------------------


def test_root_state(tmp_path: Path) -> None:
    root = tmp_path / "sid-root"
    assert lanes.root_state(root) == "absent"
    (root / "usr" / "bin").mkdir(parents=True)
    assert lanes.root_state(root) == "partial"
    lanes.write_marker(root, {"interpreters": ["python3.14"]})
    assert lanes.root_state(root) == "complete"
    assert lanes.read_marker(root) == {"interpreters": ["python3.14"]}
    assert not (root / (lanes.MARKER_NAME + ".tmp")).exists()


def test_root_state_file_or_symlink_is_partial(tmp_path: Path) -> None:
    root = tmp_path / "sid-root"
    root.write_text("not a dir")
    assert lanes.root_state(root) == "partial"
    root.unlink()
    real = tmp_path / "real"
    real.mkdir()
    lanes.write_marker(real, {})
    root.symlink_to(real)
    assert lanes.root_state(root) == "partial"


def test_read_marker_garbage(tmp_path: Path) -> None:
    (tmp_path / lanes.MARKER_NAME).write_text("{not json")
    assert lanes.read_marker(tmp_path) == {}
    (tmp_path / lanes.MARKER_NAME).write_text("[1, 2]")
    assert lanes.read_marker(tmp_path) == {}


def test_half_made_root_is_not_discovered(cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = lanes.sid_root()
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / "python3.14").write_text("")
    names = [lane.name for lane in lanes.discover_lanes()]
    assert not [n for n in names if n.startswith("sid-")]
    assert "half-made" in capsys.readouterr().err


def test_sid_lanes_follow_marker(tmp_path: Path) -> None:
    root = tmp_path / "sid-root"
    (root / "usr" / "bin").mkdir(parents=True)
    for name in ("python3.14", "pypy3"):
        (root / "usr" / "bin" / name).write_text("")
    lanes.write_marker(root, {"interpreters": ["python3.14", "python3.15", "pypy3"]})
    found = discover._sid_lanes(root)
    assert [lane.name for lane in found] == ["sid-python3.14", "sid-pypy3"]
    assert found[0].argv == ("chroot", str(root), "/usr/bin/python3.14")
    assert found[0].root == root


# -- mounts and other helpers -------------------------------------------------------


def test_parse_mountinfo_unescapes() -> None:
    text = (
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
        "40 22 0:5 / /tmp/a\\040b/proc rw - proc proc rw\n"
    )
    assert lanes.parse_mountinfo(text) == ["/", "/tmp/a b/proc"]


def test_mounts_under_is_empty_for_fresh_dir(tmp_path: Path) -> None:
    assert lanes.mounts_under(tmp_path / "nothing-mounted") == []


def test_safe_rmtree(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    (victim / "a" / "b").mkdir(parents=True)
    (victim / "a" / "b" / "f").write_text("x")
    lanes.safe_rmtree(victim)
    assert not victim.exists()
    lanes.safe_rmtree(victim)  # absent: no error


def test_split_pytest_args() -> None:
    assert lanes.split_pytest_args(["test", "x", "--", "-x", "--", "-k"]) == (
        ["test", "x"],
        ["-x", "--", "-k"],
    )
    assert lanes.split_pytest_args(["list"]) == (["list"], [])


def test_requirements_hash_is_stable() -> None:
    assert lanes.requirements_hash() == lanes.requirements_hash(list(lanes.VENV_REQUIREMENTS))
    assert lanes.requirements_hash(["pytest"]) != lanes.requirements_hash(["pytest", "coverage"])
    assert "pytest" in lanes.VENV_REQUIREMENTS


def test_venv_locations(cache: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    inner = lanes.venv_inner_dir(chroot_lane(root))
    assert inner.startswith("/opt/mp-matrix/venvs/python3.14-")
    host = lanes.venv_inner_dir(lanes.Lane("host-pypy3", ("/usr/bin/pypy3",), None))
    assert host.startswith(str(cache / "lanes" / "venvs" / "host-pypy3-"))


def test_pytest_command_shapes(tmp_path: Path) -> None:
    root = tmp_path / "root"
    cmd = lanes.pytest_command(chroot_lane(root), "/opt/v/bin/python", "spawn", ["-x"])
    assert cmd[:3] == ["chroot", str(root), "/bin/sh"]
    assert "cd /mnt/repo" in cmd[4]
    assert cmd[5:] == [
        "/opt/v/bin/python",
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "tests",
        "--start-method",
        "spawn",
        "-x",
    ]
    host = lanes.pytest_command(lanes.Lane("h", ("/usr/bin/pypy3",), None), "/v/bin/python", None, [])
    assert host == ["/v/bin/python", "-m", "pytest", "-p", "no:cacheprovider", "tests"]


def test_chroot_env_drops_host_pip_settings(tmp_path: Path) -> None:
    base = {"PIP_FIND_LINKS": "/opt/wheels", "PATH": "/host/bin", "KEEP": "1", "PYTHONPATH": "/x"}
    env = lanes.lane_env(chroot_lane(tmp_path), base)
    assert "PIP_FIND_LINKS" not in env
    assert "PYTHONPATH" not in env
    assert env["KEEP"] == "1"
    assert "/usr/bin" in env["PATH"].split(":")
    assert lanes.lane_env(lanes.Lane("h", ("/usr/bin/pypy3",), None), base) == base


def test_parse_sources() -> None:
    deb822 = (
        "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm\n\n"
        "Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\n"
    )
    assert rootconfig._parse_sources(deb822) == ["http://deb.debian.org/debian"]
    one_line = "deb [arch=amd64] http://mirror.example/debian bookworm main\n"
    assert rootconfig._parse_sources(one_line) == ["http://mirror.example/debian"]


def test_format_lane_line(tmp_path: Path) -> None:
    line = lanes.format_lane_line(chroot_lane(tmp_path), "CPython 3.14.0")
    assert line.startswith("sid-python3.14")
    assert "CPython 3.14.0" in line
    assert str(tmp_path) in line


# -- CLI ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["install", "--only", "nonsense"],
        ["test"],
        ["list", "--", "-x"],
        ["remove", "extra"],
    ],
)
def test_cli_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert lanes.main(argv) == lanes.EXIT_USAGE
    assert "error" in capsys.readouterr().err


def test_install_rejects_unknown_group(cache: Path) -> None:
    assert lanes.install(["bogus"], progress=lambda line: None) == lanes.EXIT_USAGE


def test_missing_lane_exits_3(
    cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(lanes.ALLOW_MISSING_ENV, raising=False)
    assert lanes.main(["test", "no-such-lane", "--start-method", "spawn", "--", "-x"]) == lanes.EXIT_MISSING
    out = capsys.readouterr().out
    assert "SKIPPED lane no-such-lane: not installed (run python -m matrix.lanes install)" in out


def test_missing_lane_allowed(
    cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(lanes.ALLOW_MISSING_ENV, "1")
    assert lanes.main(["test", "no-such-lane"]) == lanes.EXIT_OK
    assert lanes.missing_lane_message("no-such-lane") in capsys.readouterr().out


def test_remove_on_empty_cache(cache: Path) -> None:
    assert lanes.remove(progress=lambda line: None) == lanes.EXIT_OK
    assert not (cache / "lanes").exists()


def test_module_has_no_side_effects_on_import(cache: Path) -> None:
    assert not cache.exists()
    assert (lanes.REPO_ROOT / "matrix").is_dir()


# -- the pytest run is ended with the runner -----------------------------------------------------

#: The lane's pytest stands in as a child that starts a grandchild deaf to SIGINT (as a stuck case
#: would be), writes both pids, and waits.
_CHILD = r"""
import os, signal, subprocess, sys, time
deaf = "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(120)"
grandchild = subprocess.Popen([sys.executable, "-c", deaf])
with open(sys.argv[1], "w") as f:
    f.write(f"{os.getpid()} {grandchild.pid}")
time.sleep(120)
"""

_RUNNER = (
    "import os, sys; from matrix.lanes.venv import run_supervised; "
    "sys.exit(run_supervised([sys.executable, '-c', sys.argv[1], sys.argv[2]], env=dict(os.environ)))"
)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is as good as gone


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT", "SIGHUP"])
def test_a_stopped_runner_ends_the_whole_pytest_group(tmp_path: Path, signame: str) -> None:
    """tox and CI time-outs signal the runner alone: before, the lane's pytest ran on as an orphan
    and the repo bind stayed mounted. Now the runner passes SIGINT on and kills what remains."""
    pids_file = tmp_path / "pids"
    repo = str(Path(__file__).resolve().parents[2])
    runner = subprocess.Popen(
        [sys.executable, "-c", _RUNNER, _CHILD, str(pids_file)], cwd=repo, start_new_session=True
    )
    pids: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while not pids_file.exists() or not pids_file.read_text(encoding="utf-8"):
            assert time.monotonic() < deadline, "the child never started"
            time.sleep(0.05)
        pids = [int(pid) for pid in pids_file.read_text(encoding="utf-8").split()]
        child, grandchild = pids
        runner.send_signal(getattr(signal, signame))  # the runner alone, as tox does
        code = runner.wait(timeout=30)  # the child dies of SIGINT at once: no STOP_GRACE wait
        assert code == 128 + getattr(signal, signame)
        deadline = time.monotonic() + 5
        while _alive(child) or _alive(grandchild):
            assert time.monotonic() < deadline, (
                f"left behind: child {_alive(child)}, grandchild {_alive(grandchild)}"
            )
            time.sleep(0.05)
    finally:
        for pgid in (runner.pid, *pids[:1]):  # the child leads the pytest group
            if sys.platform != "win32":  # the module is skipped off Linux; this keeps mypy's win32 run
                with contextlib.suppress(OSError):
                    os.killpg(pgid, signal.SIGKILL)
        runner.wait(timeout=30)
