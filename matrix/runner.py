"""Run one script in a fresh process group and classify what happened (stdlib only).

The outcome is what the user's program does, decided by its main process (the *parent*); where
children failed, their exception is the separate *cause* (:mod:`matrix.stderr` tells them apart):

* ``ok``: exit 0 and no uncaught traceback, the parent's or a child's.
* ``wrong``: exit 0 without the parent's traceback, but the case found its own result wrong and
  said so in a :data:`WRONG_PREFIX` line on stdout (``message``: what it expected and got) -- the
  program "works" and computes something else (a child reading a global the parent changed).
* ``error``: the parent exits with an uncaught exception (``exception``/``message`` are the
  parent's, e.g. ``EOFError`` when the forkserver died), or exits 0 while a child died with one
  (``exception`` null, the cause set).
* ``hang``: it never exits on its own: still running at the deadline (default 3 s; detection
  ``deadline``, or ``asleep`` when :mod:`matrix.asleep` ended a confirming run), or a respawn loop
  (detection ``respawn-loop``): the same child exception twice while the parent runs -- a ``Pool``
  respawning workers that die on start, which it does forever -- ends the case at once.
* ``crash``: killed by a signal, or a non-zero exit without the parent's traceback.

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
from typing import Callable, Dict, List, Mapping, Sequence

from matrix.stderr import MARKER, Exc, cause_of, first_sentence, mask_block_names, parse_exceptions, split
from matrix.supervise import EXIT_GRACE, SHM, Session, remove_semaphores

DEADLINE = 3.0

#: The same child exception this many times while the parent runs: a Pool respawning workers that
#: die on start (a Pool starts all its workers at once, so even Pool(2) shows two at once; a lone
#: child shows one, and its parent may still exit on its own: it is not stopped early).
RESPAWN_COUNT = 2
_WARNING_LINE = re.compile(r"^(?:.+?):\d+: ([A-Za-z_]\w*Warning): (.*)$")
_PID = re.compile(r"pid=\d+")
#: A case that checks its own result prints this, then what it expected and what it got, on one
#: stdout line (the first such line counts) and exits 0: the outcome is ``wrong``.
WRONG_PREFIX = "MATRIX-WRONG "


@dataclass
class RunResult:
    outcome: str
    exception: str | None = None  # the parent's (the main process's) uncaught exception
    message: str | None = None
    exit_code: int | None = None
    warnings: List[str] = field(default_factory=list)
    seconds: float = 0.0
    cleanup: List[str] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    pgid: int | None = None  # the process group the case ran in (all gone when this returns)
    cause: str | None = None  # the children's exception, where children failed
    cause_message: str | None = None
    detection: str = "exit"

    @property
    def cause_known(self) -> bool:
        """For a hang: a child's traceback explains it."""
        return self.cause is not None


# ---------------------------------------------------------------------------
# stderr parsing (matrix.stderr: whose exception is whose)
# ---------------------------------------------------------------------------


def parse_warnings(stderr: str) -> List[str]:
    """``Category: message`` for each warning printed on stderr (deduplicated; pids and shared
    memory block names masked)."""
    out: List[str] = []
    for line in stderr.splitlines():
        m = _WARNING_LINE.match(line.strip())
        if m:
            text = f"{m.group(1)}: {mask_block_names(_PID.sub('pid=N', m.group(2).strip()))}"
            if text not in out:
                out.append(text)
    for exc in parse_exceptions(stderr):
        if exc.ignored:
            text = f"Exception ignored: {exc.type}: {exc.message}"
            if text not in out:
                out.append(text)
    return out


def respawn_loop(stderr: str) -> Exc | None:
    """The children's exception of a respawn loop (the same one :data:`RESPAWN_COUNT` times)."""
    counts: Dict[Exc, int] = {}
    for e in split(stderr).children:
        counts[e] = counts.get(e, 0) + 1
        if counts[e] >= RESPAWN_COUNT:
            return e
    return None


def wrong_result(stdout: str) -> str | None:
    """What a case reported about its wrong result (its first :data:`WRONG_PREFIX` line), or None."""
    for line in stdout.splitlines():
        if line.startswith(WRONG_PREFIX):
            return line[len(WRONG_PREFIX) :].strip() or "wrong result"
    return None


def classify(  # noqa: PLR0911 (one return per outcome)
    returncode: int | None,
    stderr: str,
    *,
    timed_out: bool,
    loop: Exc | None,
    detection: str = "deadline",
    stdout: str = "",
) -> RunResult:
    """The outcome the user sees (the parent's), and the children's failure as the cause.

    ``detection``: how a timed-out case was ended (``deadline`` or ``asleep``). ``stdout``: where a
    case that exits 0 reports a wrong result (:data:`WRONG_PREFIX`)."""
    found = split(stderr)
    cause = loop if loop is not None else cause_of(found.children)
    why = (cause.type, cause.message) if cause is not None else (None, None)
    if loop is not None:  # the parent respawns children forever: it never exits on its own
        return RunResult("hang", cause=why[0], cause_message=why[1], detection="respawn-loop")
    if timed_out:
        return RunResult("hang", cause=why[0], cause_message=why[1], detection=detection)
    assert returncode is not None
    parent = found.parent
    exc = (parent.type, parent.message) if parent is not None else (None, None)
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return RunResult("crash", None, f"killed by {name}", returncode, cause=why[0], cause_message=why[1])
    wrong = wrong_result(stdout) if parent is None and returncode == 0 else None
    if wrong is not None:  # what the case computed, checked by itself: a child's failure is its cause
        return RunResult("wrong", None, wrong, 0, cause=why[0], cause_message=why[1])
    if parent is None and returncode == 0:  # a child's failure does not change the exit status
        outcome = "ok" if cause is None else "error"
        return RunResult(outcome, None, None, 0, cause=why[0], cause_message=why[1])
    if parent is None:
        tail = [ln.strip() for ln in stderr.splitlines() if ln.strip() and MARKER not in ln]
        msg = f"exit code {returncode}" + (f": {tail[-1]}" if tail else " without a traceback")
        return RunResult("crash", None, first_sentence(msg), returncode, cause=why[0], cause_message=why[1])
    return RunResult("error", exc[0], exc[1], returncode, cause=why[0], cause_message=why[1])


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
    detection = "deadline"
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
                detection = "asleep"
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
    result = classify(
        None if ended_by_runner else proc.returncode,
        stderr,
        timed_out=timed_out,
        loop=loop,
        detection=detection,
        stdout=stdout,
    )
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
