"""``python -m reference``: list the patterns, show a runnable snippet, run it here.

* ``list`` — every pattern and variant: the name to copy and where the form works.
* ``show NAME [--variant exact|vetted] [--start-method M] [--quick]`` — a complete, self-contained,
  stdlib-only script cut from the tested source (see :mod:`reference._snippets`); highlighted when
  ``rich`` imports and stdout is a terminal, plain otherwise (``show NAME > snippet.py`` works).
* ``run NAME [...] [--timeout S] [-v]`` — runs that script in a fresh interpreter and reports the
  outcome in the matrix's words: ``ok``, ``error <qualified type>: <message>``, ``hang`` or
  ``crash``, with seconds. The run has its own session (process group); on timeout, and after the
  script ends, the whole group is killed, so nothing it started outlives it. ``reference`` is a
  leaf: it imports nothing from ``matrix``.

Unknown names (pattern, variant, start method) are usage errors: exit code 2, the valid names on
stderr.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, TextIO

from reference._patterns import PATTERNS
from reference._recipes import QUICK_TEXT, VARIANTS, copy_name, variants_of, where
from reference._snippets import build
from reference.start_method import default_start_method

#: Seconds before ``run`` calls a case a hang: the notes' sizes take up to ~6 s (10 items, 0.5 s).
TIMEOUT = 30.0
QUICK_TIMEOUT = 10.0
#: Seconds the script's helper processes get to end by themselves after it exits, before the kill.
LEFTOVER_GRACE = 5.0


# ---------------------------------------------------------------------------------------------
# Arguments
# ---------------------------------------------------------------------------------------------


def _chooser(kind: str, valid: Callable[[], Sequence[str]]) -> Callable[[str], str]:
    """An argparse ``type`` accepting one of ``valid()``; the error lists them all (exit 2)."""

    def choose(value: str) -> str:
        names = list(valid())
        if value in names:
            return value
        close = difflib.get_close_matches(value, names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise argparse.ArgumentTypeError(f"unknown {kind} {value!r}{hint}: choose one of {', '.join(names)}")

    choose.__name__ = kind  # argparse names the type in some messages
    return choose


def start_methods() -> List[str]:
    """``default`` (the interpreter's own) and the methods this platform offers."""
    return ["default", *multiprocessing.get_all_start_methods()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m reference",
        description="The notes' multiprocessing/threading patterns: list them, show a runnable "
        "snippet to copy, or run one here.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    commands.add_parser("list", help="every pattern and variant: the name to copy, where it works")

    def snippet_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "name",
            metavar="NAME",
            type=_chooser("pattern", lambda: list(PATTERNS)),
            help="pattern id: " + ", ".join(PATTERNS),
        )
        p.add_argument(
            "--variant",
            type=_chooser("variant", lambda: VARIANTS),
            default="vetted",
            help="vetted (default): the form to copy; exact: the notes' form, verbatim",
        )
        p.add_argument(
            "--start-method",
            type=_chooser("start method", start_methods),
            default="default",
            help="default (the interpreter's own; the default) or one of "
            + ", ".join(multiprocessing.get_all_start_methods()),
        )
        p.add_argument("--quick", action="store_true", help=f"shrink counts and intervals: {QUICK_TEXT}")

    show = commands.add_parser("show", help="print the pattern as a complete, runnable script")
    snippet_options(show)
    run = commands.add_parser("run", help="run the script here in a fresh interpreter; report the outcome")
    snippet_options(run)
    run.add_argument(
        "--timeout",
        type=positive_seconds,
        default=None,
        help=f"seconds before the run counts as a hang (default {TIMEOUT:g}, {QUICK_TIMEOUT:g} with --quick)",
    )
    run.add_argument("-v", "--verbose", action="store_true", help="also print the script's output")
    return parser


def positive_seconds(value: str) -> float:
    """``--timeout``: a finite number of seconds > 0 (argparse turns the ValueError into exit 2)."""
    seconds = float(value)
    if not (0 < seconds < float("inf")):  # also refuses nan
        raise ValueError(value)
    return seconds


positive_seconds.__name__ = "number of seconds > 0"  # argparse names the type in its error


def _method(value: str) -> str | None:
    return None if value == "default" else value


# ---------------------------------------------------------------------------------------------
# list, show
# ---------------------------------------------------------------------------------------------


def list_lines() -> List[str]:
    """One line per pattern and variant: id, variant, the name to copy, where it works."""
    rows = [(p, v, copy_name(p, v), where(p, v)) for p in PATTERNS for v in variants_of(p)]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3] for row in rows
    ]


def snippet(
    name: str, variant: str = "vetted", start_method: str | None = None, *, quick: bool = False
) -> str:
    """The script ``show`` prints."""
    return build(name, variant, start_method, quick=quick)


def snippet_markdown(name: str, variant: str = "vetted") -> str:
    """A fenced ``python`` block of the snippet, with the command that prints it (for READMEs)."""
    command = f"python3 -m reference show {name}" + ("" if variant == "vetted" else f" --variant {variant}")
    return f"`{command}`:\n\n```python\n{snippet(name, variant)}```\n"


def cog_snippet(name: str, variant: str = "vetted") -> None:
    """Write :func:`snippet_markdown` into a cog block: ``[[[cog import reference._cli as c;
    c.cog_snippet("pool-return") ]]]``."""
    cog: Any = importlib.import_module("cog")  # installed in sys.modules by cogapp while it runs
    cog.out(snippet_markdown(name, variant))


def _write(stream: TextIO, text: str) -> None:
    """Write ``text``; a console that cannot encode it gets UTF-8 bytes instead of an error."""
    try:
        stream.write(text)
    except UnicodeEncodeError:
        stream.flush()
        stream.buffer.write(text.encode("utf-8"))
    stream.flush()


def emit_code(code: str, stream: TextIO | None = None) -> None:
    """Print ``code``: highlighted by ``rich`` on a terminal (if it imports), else verbatim."""
    out = sys.stdout if stream is None else stream
    if out.isatty() and not os.environ.get("NO_COLOR"):
        try:
            console_module: Any = importlib.import_module("rich.console")
            syntax_module: Any = importlib.import_module("rich.syntax")
        except ImportError:
            pass
        else:
            console = console_module.Console(file=out)
            # soft_wrap: no cropping or wrapping by rich, so what is copied off the screen runs
            console.print(syntax_module.Syntax(code, "python", background_color="default"), soft_wrap=True)
            return
    _write(out, code)


# ---------------------------------------------------------------------------------------------
# run
# ---------------------------------------------------------------------------------------------


@dataclass
class RunResult:
    """How a run ended: ``ok``, ``error`` (with the last exception), ``hang`` or ``crash``."""

    outcome: str
    exception: str = ""  # qualified type name, e.g. "builtins.ValueError"
    message: str = ""  # the first line of the exception message, or the signal for a crash
    seconds: float = 0.0
    stdout: str = ""
    stderr: str = ""
    cleanup: List[str] = field(default_factory=list)  # what had to be killed after the script ended

    @property
    def warnings(self) -> List[str]:
        return [line.strip() for line in self.stderr.splitlines() if re.search(r"\w+Warning: ", line)]


_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Pool)): ?(.*)$")


def classify(returncode: int | None, stderr: str) -> RunResult:
    """``None`` (timed out): hang; 0: ok; killed by a signal: crash; else the last exception line."""
    if returncode is None:
        return RunResult("hang")
    if returncode == 0:
        return RunResult("ok")
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return RunResult("crash", message=f"killed by {name}")
    found = [m for m in map(_EXCEPTION_LINE.match, stderr.splitlines()) if m]
    if not found:
        return RunResult("error", message=f"exit code {returncode}")
    qualified, message = found[-1].group(1), found[-1].group(2)
    return RunResult("error", qualified if "." in qualified else f"builtins.{qualified}", message)


def _kill_group(proc: subprocess.Popen[bytes], grace: float = 0.0) -> bool:
    """Kill every process of ``proc``'s session still there after ``grace`` seconds; ``True`` if any was.

    The grace lets helpers that end by themselves once the script is gone (the resource tracker
    unlinking semaphores, the forkserver) finish their work instead of being killed mid-way.
    """
    if sys.platform == "win32":  # pragma: no cover - Windows
        done = subprocess.run(
            ["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True, check=False
        )
        return done.returncode == 0
    else:  # an else, so mypy's win32 pass skips (not flags) the POSIX branch
        deadline = time.monotonic() + grace
        try:
            while time.monotonic() < deadline:
                os.killpg(proc.pid, 0)  # raises once no process is left in the group
                time.sleep(0.02)
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:  # no process left in the group
            return False
        return True


def run_isolated(argv: Sequence[str], cwd: str, timeout: float) -> RunResult:
    """Run ``argv`` in a new session under ``timeout``; kill the whole group when it ends; classify."""
    kwargs: Dict[str, Any] = {}
    if sys.platform == "win32":  # pragma: no cover - Windows
        kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
    else:
        kwargs["start_new_session"] = True
    start = time.monotonic()
    cleanup: List[str] = []
    with subprocess.Popen(
        list(argv),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
            returncode: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            returncode = None if proc.poll() is None else proc.returncode
            if returncode is not None:  # it exited, but a child it left holds the pipes
                cleanup.append("killed the processes the script left holding its output")
            _kill_group(proc)
            out, err = proc.communicate()
        if returncode is not None and _kill_group(proc, LEFTOVER_GRACE):
            cleanup.append("killed processes the script left running")
    stderr = err.decode("utf-8", "replace")
    result = classify(returncode, stderr)
    result.seconds = round(time.monotonic() - start, 3)
    result.stdout = out.decode("utf-8", "replace")
    result.stderr = stderr
    result.cleanup = cleanup
    return result


def run_code(code: str, *, timeout: float) -> RunResult:
    """Run the script ``code`` in a fresh interpreter (``-W default``, as the matrix does).

    It runs from an empty temporary directory, so it cannot import ``reference`` by accident.
    """
    with tempfile.TemporaryDirectory(prefix="reference-run-") as tmp:
        script = Path(tmp) / "snippet.py"
        script.write_text(code, encoding="utf-8")
        return run_isolated([sys.executable, "-W", "default", str(script)], tmp, timeout)


def describe(result: RunResult) -> str:
    """The outcome as the matrix words it: ``ok``, ``error <type>: <message>``, ``hang``, ``crash``."""
    text = result.outcome
    if result.outcome == "error":
        text += f" {result.exception}: {result.message}" if result.exception else f" ({result.message})"
    elif result.outcome == "crash" and result.message:
        text += f": {result.message}"
    return f"{text} [{result.seconds:.2f} s]"


def _run(args: argparse.Namespace) -> int:
    method = _method(args.start_method)
    code = snippet(args.name, args.variant, method, quick=args.quick)
    timeout = args.timeout if args.timeout is not None else (QUICK_TIMEOUT if args.quick else TIMEOUT)
    label = args.start_method if method is not None else f"default ({default_start_method()})"
    result = run_code(code, timeout=timeout)
    print(f"{args.name} / {args.variant} / {label}: {describe(result)}")
    for line in result.warnings:
        print(f"  warning: {line}")
    for line in result.cleanup:
        print(f"  cleanup: {line}")
    if args.verbose:
        for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
            if text.strip():
                print(f"--- {name}")
                _write(sys.stdout, text if text.endswith("\n") else text + "\n")
    return 0 if result.outcome == "ok" else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "list" and args.variant not in variants_of(args.name):
        row = PATTERNS[args.name].row
        parser.error(
            f"{args.name} has no {args.variant} form in reference/: the code people write is the case "
            f"script of the matrix row {row} (python3 -m matrix why {row}); choose --variant "
            + " or ".join(variants_of(args.name))
        )
    if args.command == "list":
        for line in list_lines():
            print(line)
        return 0
    if args.command == "show":
        emit_code(snippet(args.name, args.variant, _method(args.start_method), quick=args.quick))
        return 0
    return _run(args)
