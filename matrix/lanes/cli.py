"""``python -m matrix.lanes install|remove|list|test``: the commands and their exit codes."""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
from typing import Callable, Sequence

from matrix.lanes.debian import install_host_pypy, install_sid, remove_host_pypy, remove_sid
from matrix.lanes.discover import discover_lanes, lane_version
from matrix.lanes.model import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    GROUPS,
    ON_LINUX,
    Lane,
    LaneError,
    Progress,
    check_cache_outside_repo,
    known_lane_names,
    lanes_dir,
)
from matrix.lanes.mounts import safe_rmtree
from matrix.lanes.system import err, locked, say
from matrix.lanes.venv import run_tests


def split_pytest_args(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split ``argv`` at the first ``--``: (our args, pytest args)."""
    args = list(argv)
    if "--" in args:
        i = args.index("--")
        return args[:i], args[i + 1 :]
    return args, []


def format_lane_line(lane: Lane, version: str) -> str:
    where = f"host {lane.interpreter}" if lane.root is None else f"chroot {lane.root} {lane.interpreter}"
    return f"{lane.name:<16} {version:<32} {where}"


def install(which: Sequence[str] | None = None, *, progress: Progress = print) -> int:
    """Install the lanes of ``which`` (``"pypy"``, ``"sid"``; default all). Returns an exit code."""
    groups = list(GROUPS) if not which else list(which)
    bad = [g for g in groups if g not in GROUPS]
    if bad:
        err(f"unknown lane group(s) {', '.join(bad)}; choose from {', '.join(GROUPS)}")
        return EXIT_USAGE
    if not ON_LINUX:
        err("lanes need Linux")
        return EXIT_FAILED
    try:
        check_cache_outside_repo()
    except LaneError as exc:
        err(str(exc))
        return EXIT_USAGE
    steps = {"pypy": install_host_pypy, "sid": install_sid}
    failed = False
    try:
        lanes_dir().mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        err(f"cannot create {lanes_dir()}: {exc}")
        return EXIT_FAILED
    with locked(lanes_dir() / ".lock"):
        for group in groups:
            try:
                steps[group](progress)
            except LaneError as exc:
                err(f"install {group}: {exc}")
                failed = True
            except (OSError, subprocess.SubprocessError) as exc:
                err(f"install {group}: {type(exc).__name__}: {exc}")
                failed = True
    return EXIT_FAILED if failed else EXIT_OK


def remove(*, progress: Progress = print) -> int:
    """Unmount and delete every lane (and PyPy on the host if we installed it)."""
    base = lanes_dir()
    if not base.exists():
        say(progress, f"nothing to remove ({base} does not exist)")
        return EXIT_OK
    failed = False
    steps: list[tuple[str, Callable[[], None]]] = [
        ("sid", lambda: remove_sid(progress)),
        ("pypy", lambda: remove_host_pypy(progress)),
        ("venvs", lambda: safe_rmtree(base / "venvs")),
        ("logs", lambda: safe_rmtree(base / "logs")),
    ]
    with locked(base / ".lock"):
        for what, step in steps:
            try:
                step()
            except (LaneError, OSError) as exc:
                err(f"remove {what}: {exc}")
                failed = True
    if failed:
        return EXIT_FAILED
    for leftover in (base / ".lock", base / ".mount.lock", base):
        with contextlib.suppress(OSError):
            if leftover.is_dir():
                leftover.rmdir()
            else:
                leftover.unlink()
    say(progress, "all lanes removed")
    return EXIT_OK


def list_lanes() -> int:
    lanes = discover_lanes()
    if not lanes:
        print("no lanes installed (run python -m matrix.lanes install)", file=sys.stderr)
        return EXIT_OK
    status = EXIT_OK
    for lane in lanes:
        try:
            version = lane_version(lane)
        except (LaneError, OSError, subprocess.SubprocessError) as exc:
            err(str(exc))
            status = EXIT_FAILED
            continue
        print(format_lane_line(lane, version), flush=True)
    return status


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise _UsageError(f"{self.prog}: error: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m matrix.lanes", description="Install, list, test and remove interpreter lanes."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    p_install = sub.add_parser("install", help="install lanes (idempotent)")
    p_install.add_argument("--only", choices=GROUPS, action="append", help="only this group (repeatable)")
    sub.add_parser("remove", help="unmount and delete all lanes")
    sub.add_parser("list", help="list installed lanes with versions")
    p_test = sub.add_parser("test", help="run the repo's pytest suite in a lane; pytest args go after --")
    p_test.add_argument("lane", metavar="LANE", help=f"one of: {', '.join(known_lane_names())}")
    p_test.add_argument("--start-method", dest="start_method", default=None, help="passed to pytest")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    own, extra = split_pytest_args(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(own)
    except _UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    command: str | None = args.command
    problem = None
    if command is None:
        problem = "a command is required"
    elif extra and command != "test":
        problem = "only 'test' takes arguments after --"
    if command is None or problem is not None:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    commands: dict[str, Callable[[], int]] = {
        "install": lambda: install(args.only),
        "remove": remove,
        "list": list_lanes,
        "test": lambda: run_tests(args.lane, args.start_method, extra),
    }
    try:
        return commands[command]()
    except KeyboardInterrupt:
        err("interrupted")
        return EXIT_FAILED
    except LaneError as exc:
        err(str(exc))
        return EXIT_FAILED
