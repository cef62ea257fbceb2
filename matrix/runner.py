"""Run one script in a fresh process group and classify what happened (stdlib only).

* ``ok``: exit 0 and no uncaught traceback on stderr.
* ``error``: a traceback: the parent's, or the child's when the parent only saw a broken pipe /
  EOFError, exited 0 anyway, or sat in a respawn loop. Known endless-loop signatures on stderr (the
  "bootstrapping phase" RuntimeError, or the same child exception twice: a ``Pool``
  respawning workers that die on start) end the case at once.
* ``hang``: no exit before the deadline (default 3 s).
* ``crash``: killed by a signal, or a non-zero exit without a traceback.

Every case runs in a process group of its own (:class:`matrix.supervise.Session`); when it ends
(or is killed) no process of its group may survive, and POSIX semaphores that the group had open
and that outlive it (``/dev/shm/sem.mp-*``, Linux) are removed; both are reported in
``RunResult.cleanup``. This module reads stderr and words the outcome; :mod:`matrix.supervise`
starts, reads and ends the processes.
"""

from __future__ import annotations

import re
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Sequence, Tuple

from matrix.supervise import EXIT_GRACE, SHM, Session, remove_semaphores

DEADLINE = 3.0

BOOTSTRAP_SIGNATURE = "finished its bootstrapping phase"
#: The same child exception this many times: a Pool respawning workers that die on start (a Pool
#: starts all its workers at once, so even Pool(2) shows two at once; a lone child shows one).
RESPAWN_COUNT = 2
#: Exceptions a parent sees when the real failure happened in a child.
SECONDARY = frozenset(
    {
        "builtins.BrokenPipeError",
        "builtins.EOFError",
        "builtins.ConnectionResetError",
        "builtins.ConnectionRefusedError",
        "builtins.ConnectionAbortedError",
        "builtins.KeyboardInterrupt",
    }
)

_EXC_LINE = re.compile(r"^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?::(?: (.*))?)?$")
_WARNING_LINE = re.compile(r"^(?:.+?):\d+: ([A-Za-z_]\w*Warning): (.*)$")
_PID = re.compile(r"pid=\d+")


@dataclass(frozen=True)
class Exc:
    """One exception found on stderr."""

    type: str  # qualified: builtins.RuntimeError
    message: str  # first paragraph of the message, whitespace collapsed
    ignored: bool  # printed by "Exception ignored in ..." (not fatal)


@dataclass
class RunResult:
    outcome: str
    exception: str | None = None
    message: str | None = None
    origin: str | None = None  # "parent" | "child"
    exit_code: int | None = None
    warnings: List[str] = field(default_factory=list)
    seconds: float = 0.0
    cleanup: List[str] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    cause_known: bool = False  # for a hang: a child traceback explains it
    pgid: int | None = None  # the process group the case ran in (all gone when this returns)


# ---------------------------------------------------------------------------
# stderr parsing
# ---------------------------------------------------------------------------


def qualify(name: str) -> str:
    return name if "." in name else "builtins." + name


def parse_exceptions(stderr: str) -> List[Exc]:
    """Exceptions that ended tracebacks on ``stderr``, in order (tolerates interleaved lines)."""
    lines = stderr.splitlines()
    found: List[Exc] = []
    in_tb = False
    ignored = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("Exception ignored"):
            ignored = True
        if line.startswith("Traceback (most recent call last):"):
            in_tb = True
            i += 1
            continue
        if in_tb and line and not line[0].isspace():
            m = _EXC_LINE.match(line.rstrip())
            if m and not line.startswith(("Traceback", "During handling", "The above exception")):
                parts = [m.group(2) or ""]
                j = i + 1
                # continuation lines of a multi-line message are indented (or follow an empty head)
                while (
                    j < len(lines)
                    and lines[j].strip()
                    and lines[j][:1].isspace()
                    and not lines[j].lstrip().startswith("File ")
                ):
                    parts.append(lines[j])
                    j += 1
                text = " ".join(p.strip() for p in parts if p.strip())
                found.append(Exc(qualify(m.group(1)), first_sentence(text), ignored))
                in_tb = False
                ignored = False
                i = j
                continue
        i += 1
    return found


_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
#: "pool worker ForkPoolWorker-3 (pid 1234)": which worker and pid vary from run to run.
_WORKER_ID = re.compile(r"\b(\w*PoolWorker)-\d+\b|\b(pid) \d+\b")


def first_sentence(text: str) -> str:
    """Whitespace collapsed; memory addresses, pids and Pool worker numbers masked (stable across
    runs); at most 300 chars."""
    text = _ADDRESS.sub("0x…", " ".join(text.split()))
    text = _WORKER_ID.sub(lambda m: f"{m.group(1)}-N" if m.group(1) else "pid N", text)
    if len(text) > 300:
        text = text[:297] + "..."
    return text


def parse_warnings(stderr: str) -> List[str]:
    """``Category: message`` for each warning printed on stderr (deduplicated, pids masked)."""
    out: List[str] = []
    for line in stderr.splitlines():
        m = _WARNING_LINE.match(line.strip())
        if m:
            text = f"{m.group(1)}: {_PID.sub('pid=N', m.group(2).strip())}"
            if text not in out:
                out.append(text)
    for exc in parse_exceptions(stderr):
        if exc.ignored:
            text = f"Exception ignored: {exc.type}: {exc.message}"
            if text not in out:
                out.append(text)
    return out


def respawn_loop(stderr: str) -> Exc | None:
    """The exception of a respawn loop or bootstrap error, if stderr shows one."""
    excs = [e for e in parse_exceptions(stderr) if not e.ignored]
    for e in excs:
        if BOOTSTRAP_SIGNATURE in e.message:
            return e
    counts: Dict[Tuple[str, str], int] = {}
    for e in excs:
        key = (e.type, e.message)
        counts[key] = counts.get(key, 0) + 1
        if counts[key] >= RESPAWN_COUNT:
            return e
    return None


def classify(  # noqa: PLR0911 (one return per outcome)
    returncode: int | None, stderr: str, *, timed_out: bool, loop: Exc | None
) -> RunResult:
    excs = [e for e in parse_exceptions(stderr) if not e.ignored]
    if loop is not None:
        return RunResult("error", loop.type, loop.message, "child", returncode)
    if timed_out:
        if excs:  # a child died and the parent waits for it forever
            return RunResult("hang", excs[0].type, excs[0].message, "child", None, cause_known=True)
        return RunResult("hang", None, None, None, None)
    assert returncode is not None
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return RunResult("crash", None, f"killed by {name}", None, returncode)
    if returncode == 0:
        if excs:  # the parent finished, but a child died with a traceback
            return RunResult("error", excs[0].type, excs[0].message, "child", 0)
        return RunResult("ok", exit_code=0)
    if not excs:
        tail = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
        msg = f"exit code {returncode}" + (f": {tail[-1]}" if tail else " without a traceback")
        return RunResult("crash", None, first_sentence(msg), None, returncode)
    last = excs[-1]
    if last.type in SECONDARY and len(excs) > 1:
        primary = (
            next(e for e in excs if e.type not in SECONDARY)
            if any(e.type not in SECONDARY for e in excs)
            else excs[0]
        )
        return RunResult("error", primary.type, primary.message, "child", returncode)
    return RunResult("error", last.type, last.message, "parent", returncode)


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------


def run_script(  # noqa: PLR0912, PLR0915 (one loop: read, watch, kill, reap, classify)
    argv: Sequence[str],
    cwd: str,
    *,
    env: Mapping[str, str] | None = None,
    deadline: float = DEADLINE,
    host_path: Callable[[str], Path] = Path,
    on_slow: Callable[[], None] | None = None,
    slow_after: float = 1.0,
    give_up: Callable[[int, int], bool] | None = None,
    waiting: Callable[[int, int], bool] | None = None,
) -> RunResult:
    """Run ``argv`` in its own session (Windows: process group); classify; leave nothing behind.

    ``host_path`` maps a path as the processes see it (chroot lanes) to the host. ``on_slow`` is
    called once when the case has run ``slow_after`` seconds (a likely hang: mostly idle waiting),
    so the caller can let another case use the CPU meanwhile. ``give_up(pgid, output bytes)``,
    asked while the case runs, ends it as a hang before the deadline when it returns True
    (:class:`matrix.asleep.AsleepFor`: a confirming run whose group is asleep for good).
    ``waiting(pgid, output bytes)`` returning True calls ``on_slow`` before ``slow_after``: the
    case is asleep, waiting, and needs no CPU.
    """
    start = time.monotonic()
    case = Session(argv, cwd, env=env)
    proc = case.proc
    timed_out = False
    loop: Exc | None = None
    exited_at: float | None = None
    slow_reported = False
    try:
        while True:
            now = time.monotonic()
            if exited_at is None and proc.poll() is not None:
                exited_at = now
                if on_slow is not None and not slow_reported:
                    slow_reported = True  # what is left is idle waiting for helpers to exit
                    on_slow()
            if exited_at is not None and (not case.open or now - exited_at > EXIT_GRACE):
                break
            if exited_at is None and now - start > deadline:
                timed_out = True
                break
            output = len(case.bufs["out"]) + len(case.bufs["err"])
            if exited_at is None and give_up is not None and give_up(case.pgid, output):
                timed_out = True
                break
            if (
                on_slow is not None
                and not slow_reported
                and exited_at is None
                and (now - start > slow_after or (waiting is not None and waiting(case.pgid, output)))
            ):
                slow_reported = True
                on_slow()
            got = case.read(0.02)
            if "err" in got and exited_at is None:
                text = case.bufs["err"].decode("utf-8", "replace")
                if "Traceback" in text:
                    loop = respawn_loop(text)
                    if loop is not None:
                        break
        killed, sems = case.end(exited_at)
    finally:
        case.close()
    seconds = time.monotonic() - start
    stderr = case.stderr
    stdout = case.stdout
    ended_by_runner = timed_out or loop is not None
    result = classify(None if ended_by_runner else proc.returncode, stderr, timed_out=timed_out, loop=loop)
    if ended_by_runner:
        result.exit_code = None
    cleanup: List[str] = []
    if killed:
        why = "ended by the runner" if ended_by_runner else "left after the main process exited"
        cleanup.append(f"killed {len(killed)} process(es) {why}: {', '.join(sorted(killed))}")
    if case.held_open:
        cleanup.append(
            f"stdout/stderr still open {EXIT_GRACE:g} s after the main process exited: "
            "a process it started may survive (not traceable on Windows)"
        )
    cleanup.extend(remove_semaphores(host_path(SHM), sems))
    result.cleanup = cleanup
    result.warnings = parse_warnings(stderr)
    result.seconds = round(seconds, 3)
    result.stdout = stdout
    result.stderr = stderr
    result.pgid = case.pgid
    return result
