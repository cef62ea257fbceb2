"""Run one script in a fresh process group and classify what happened (stdlib only).

* ``ok``: exit 0 and no uncaught traceback on stderr.
* ``error``: a traceback: the parent's, or the child's when the parent only saw a broken pipe /
  EOFError, exited 0 anyway, or sat in a respawn loop. Known endless-loop signatures on stderr (the
  "bootstrapping phase" RuntimeError, or the same child exception twice: a ``Pool``
  respawning workers that die on start) end the case at once.
* ``hang``: no exit before the deadline (default 3 s).
* ``crash``: killed by a signal, or a non-zero exit without a traceback.

Every case runs with ``start_new_session=True``; when it ends (or is killed) no process of its
group may survive (``/proc/*/stat`` is scanned, or ``ps`` where there is no ``/proc``: macOS, BSD;
survivors get SIGKILL), and POSIX semaphores that the group had open and that outlive it
(``/dev/shm/sem.mp-*``, Linux) are removed; both are reported in ``RunResult.cleanup``.

Windows has no sessions nor ``select()`` on pipes: a case gets ``CREATE_NEW_PROCESS_GROUP``, its
pipes are read by threads, and ``taskkill /T /F`` ends its process tree.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import selectors
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Collection, Dict, List, Mapping, Sequence, Set, Tuple

#: Not ``sys.platform == "win32"`` at each use: a variable keeps both paths type-checked everywhere.
ON_WINDOWS: bool = sys.platform == "win32"
#: Linux: process groups and mapped semaphores are read from /proc; macOS/BSD ask ps(1).
HAVE_PROC: bool = Path("/proc/self").is_dir()

DEADLINE = 3.0
#: Seconds an unmapped new semaphore must outlive before it counts as orphaned (a resource tracker
#: unlinks what it tracks within milliseconds of its program's exit).
ORPHAN_GRACE = 1.0
#: Where glibc keeps POSIX semaphores (``sem.<name>``); inside a chroot lane, the root's own.
SHM = "/dev/shm"  # noqa: S108 (not a temp file: the semaphores' fixed location)
#: How long stderr may stay open after the main process exited (resource tracker, forkserver).
EXIT_GRACE = 1.0

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
# Process groups (/proc on Linux, ps(1) on macOS/BSD) and POSIX semaphores (/dev/shm)
# ---------------------------------------------------------------------------


def group_members(pgid: int) -> List[Tuple[int, str, str]]:
    """(pid, comm, state) of every process whose process group is ``pgid`` (zombies excluded).

    Linux: ``/proc/*/stat``; elsewhere (macOS, BSD: no ``/proc``) ``ps -A -o pid=,pgid=,stat=,comm=``.
    """
    if HAVE_PROC:
        return _proc_group_members(pgid)
    return _ps_group_members(pgid)


def _proc_group_members(pgid: int) -> List[Tuple[int, str, str]]:
    out: List[Tuple[int, str, str]] = []
    try:
        entries = [p.name for p in Path("/proc").iterdir()]
    except OSError:
        return out
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            data = Path(f"/proc/{entry}/stat").read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        lp, rp = data.find("("), data.rfind(")")
        fields = data[rp + 2 :].split()
        if len(fields) < 3:
            continue
        state, pgrp = fields[0], fields[2]
        if pgrp == str(pgid) and state not in ("Z", "X"):
            out.append((int(entry), data[lp + 1 : rp], state))
    return out


PS_COMMAND = ("ps", "-A", "-o", "pid=,pgid=,stat=,comm=")


def _ps_group_members(pgid: int) -> List[Tuple[int, str, str]]:
    try:
        proc = subprocess.run(
            list(PS_COMMAND), capture_output=True, text=True, errors="replace", timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return parse_ps(proc.stdout, pgid)


def parse_ps(text: str, pgid: int) -> List[Tuple[int, str, str]]:
    """The members of group ``pgid`` in the output of :data:`PS_COMMAND` (zombies excluded)."""
    out: List[Tuple[int, str, str]] = []
    for line in text.splitlines():
        fields = line.split(None, 3)
        if len(fields) < 3 or not fields[0].isdigit() or fields[1] != str(pgid):
            continue
        state = fields[2][:1]
        comm = fields[3].strip() if len(fields) > 3 else "?"
        if state not in ("Z", "X"):
            out.append((int(fields[0]), comm.rsplit("/", 1)[-1] or comm, state))
    return out


def open_semaphores(pids: Sequence[int]) -> Set[Tuple[str, int]]:
    """(device "maj:min", inode) of the POSIX semaphores mapped by ``pids`` (Linux: ``/proc``).

    glibc creates a semaphore under a temporary name, maps it, then links it to ``sem.mp-...``:
    the mapping shows the temporary name as deleted, so files are matched by inode, not by name.
    Without ``/proc`` (macOS: named semaphores live in the kernel, not in a file) the set is empty.
    """
    sems: Set[Tuple[str, int]] = set()
    if not HAVE_PROC:
        return sems
    for pid in pids:
        try:
            with Path(f"/proc/{pid}/maps").open(encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    if SHM + "/sem." in line:
                        parts = line.split(None, 5)
                        if len(parts) >= 5 and parts[4].isdigit():
                            sems.add((parts[3], int(parts[4])))
        except OSError:
            continue
    return sems


def orphaned_semaphores(shm: Path = Path(SHM), *, since: float = 0.0) -> List[Path]:
    """``sem.mp-*`` files in ``shm`` created at or after ``since`` that no live process maps (Linux).

    multiprocessing unlinks its semaphores when they are finalized, or its resource tracker does
    when the program exits; one that outlives every process that mapped it was leaked (its
    program was killed along with its tracker). Empty without ``/proc``.
    """
    if sys.platform == "win32":  # no POSIX semaphore files on Windows
        return []
    else:  # the body: skipped by type checkers for win32
        if not HAVE_PROC:
            return []
        mapped = open_semaphores([int(d.name) for d in Path("/proc").iterdir() if d.name.isdigit()])
        out: List[Path] = []
        for path in sorted(shm.glob("sem.mp*")):
            try:
                st = path.stat()
            except OSError:  # unlinked meanwhile
                continue
            key = (f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}", st.st_ino)
            if st.st_ctime >= since and key not in mapped:
                out.append(path)
        return out


def still_orphaned(candidates: Collection[Path]) -> List[Path]:
    """Those of ``candidates`` (``sem.mp-*`` paths) that no live process maps once
    :data:`ORPHAN_GRACE` has passed: a resource tracker may be unlinking them right now."""
    wanted = set(candidates)
    if not wanted:
        return []
    time.sleep(ORPHAN_GRACE)
    return [p for shm in sorted({c.parent for c in wanted}) for p in orphaned_semaphores(shm) if p in wanted]


def unlink_semaphores(paths: Sequence[Path]) -> List[Path]:
    """Unlink ``paths``; return those this call removed."""
    removed: List[Path] = []
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def remove_semaphores(shm: Path, owned: Set[Tuple[str, int]], label: str = SHM) -> List[str]:
    """Unlink ``sem.mp-*`` files in ``shm`` whose (device, inode) is in ``owned``."""
    if sys.platform == "win32":  # no POSIX semaphore files on Windows
        return []
    else:  # the body: skipped by type checkers for win32
        removed: List[str] = []
        count = 0
        if not owned:
            return removed
        try:
            entries = sorted(shm.iterdir())
        except OSError:
            return removed
        for path in entries:
            if not path.name.startswith("sem.mp"):
                continue
            try:
                st = path.stat()
            except OSError:
                continue
            key = (f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}", st.st_ino)
            if key in owned:
                try:
                    path.unlink()
                except OSError as exc:
                    removed.append(f"could not remove leaked semaphore {path.name}: {exc}")
                    continue
                count += 1
        if count:
            removed.append(f"removed {count} leaked POSIX semaphore(s) {label}/sem.mp-*")
        return removed


def group_alive(pgid: int) -> bool:
    """Whether any process (zombies included) is in group ``pgid``: one cheap syscall."""
    if sys.platform == "win32":  # POSIX only: process groups
        raise OSError("process groups are POSIX only (Windows: kill_tree)")
    else:  # the body: skipped by type checkers for win32
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def reap_group(pgid: int, timeout: float = 2.0) -> List[str]:
    """SIGKILL every process of group ``pgid`` until none is left; return the names killed.

    Survivors are looked for with :func:`group_members` (zombies do not count: they are dead).
    """
    if sys.platform == "win32":  # POSIX only: process groups
        raise OSError("process groups are POSIX only (Windows: kill_tree)")
    else:  # the body: skipped by type checkers for win32
        killed: List[str] = []
        if not group_alive(pgid):
            return killed
        seen: Set[int] = set()
        deadline = time.monotonic() + timeout
        while True:
            members = group_members(pgid)
            if not members:
                return killed
            for pid, comm, _ in members:
                if pid not in seen:
                    seen.add(pid)
                    killed.append(comm)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
            if time.monotonic() > deadline:
                raise RuntimeError(f"processes of group {pgid} survive SIGKILL: {members}")
            time.sleep(0.01)


def _signal_group(pgid: int, stop: bool) -> None:
    """SIGSTOP (``stop``) or SIGKILL the whole group ``pgid`` (POSIX)."""
    if sys.platform == "win32":  # POSIX only: process groups
        raise OSError("process groups are POSIX only (Windows: kill_tree)")
    else:  # the body: skipped by type checkers for win32
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGSTOP if stop else signal.SIGKILL)


# ---------------------------------------------------------------------------
# Windows: process trees
# ---------------------------------------------------------------------------


def kill_tree_command(pid: int) -> List[str]:
    """End ``pid`` and every process it started, at once (Windows has no process groups to kill)."""
    return ["taskkill", "/T", "/F", "/PID", str(pid)]


_TASKKILL_PID = re.compile(r"\bPID (\d+)")


def parse_taskkill(output: str) -> List[str]:
    """``pid N`` for each process taskkill reports as ended (the first PID of each SUCCESS line)."""
    killed: List[str] = []
    for line in output.splitlines():
        m = _TASKKILL_PID.search(line)
        if m and line.lstrip().upper().startswith("SUCCESS"):
            killed.append(f"pid {m.group(1)}")
    return killed


def kill_tree(pid: int) -> List[str]:
    """Windows: ``taskkill /T /F`` the case's process tree; return ``pid N`` for each process ended."""
    try:
        proc = subprocess.run(
            kill_tree_command(pid), capture_output=True, text=True, errors="replace", timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return parse_taskkill(proc.stdout)


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------


def popen_options() -> Dict[str, Any]:
    """How a case is set apart: POSIX, a new session (``os.killpg`` ends all it started); Windows,
    a new process group (Ctrl-C in the runner's console does not reach it; ``kill_tree`` ends it)."""
    if ON_WINDOWS:
        return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0x200)}
    return {"start_new_session": True}


class _Pipes:
    """A case's stdout and stderr, read as the data comes, into ``bufs["out"]`` / ``bufs["err"]``."""

    def __init__(self) -> None:
        self.bufs: Dict[str, bytearray] = {"out": bytearray(), "err": bytearray()}

    def open(self) -> bool:  # pragma: no cover (overridden)
        """Whether a stream has not reached EOF yet (a process still holds it)."""
        raise NotImplementedError

    def read(self, timeout: float) -> List[str]:  # pragma: no cover (overridden)
        """Wait up to ``timeout`` s for data; return the names of the streams that got some."""
        raise NotImplementedError

    def drain(self, wait: float) -> None:  # pragma: no cover (overridden)
        """Collect what is still buffered (every writer is dead by now): at most ``wait`` s."""
        raise NotImplementedError

    def close(self) -> bool:
        """Release the reader; return whether the pipes may be closed now."""
        return True


def _set_nonblocking(fd: int) -> None:
    if sys.platform == "win32":  # pipes cannot be non-blocking before 3.12, nor selected
        raise OSError("select() on pipes needs POSIX")
    else:  # the body: skipped by type checkers for win32
        os.set_blocking(fd, False)


class _SelectorPipes(_Pipes):
    """POSIX: both pipes non-blocking in one selector."""

    def __init__(self, out: IO[bytes], err: IO[bytes]) -> None:
        super().__init__()
        self._names = {out.fileno(): "out", err.fileno(): "err"}
        self._sel = selectors.DefaultSelector()
        for fd in self._names:
            _set_nonblocking(fd)
            self._sel.register(fd, selectors.EVENT_READ)

    def open(self) -> bool:
        return bool(self._sel.get_map())

    def read(self, timeout: float) -> List[str]:
        got: List[str] = []
        for key, _ in self._sel.select(timeout=timeout):
            fd = key.fd
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                self._sel.unregister(fd)
                continue
            self.bufs[self._names[fd]] += chunk
            got.append(self._names[fd])
        return got

    def drain(self, wait: float) -> None:  # non-blocking reads: nothing to wait for
        for key in list(self._sel.get_map().values()):
            while True:
                try:
                    chunk = os.read(key.fd, 65536)
                except (BlockingIOError, OSError):
                    break
                if not chunk:
                    break
                self.bufs[self._names[key.fd]] += chunk

    def close(self) -> bool:
        self._sel.close()
        return True


class _ThreadPipes(_Pipes):
    """Windows (``select()`` takes sockets only): one daemon thread per pipe, blocking reads."""

    def __init__(self, out: IO[bytes], err: IO[bytes]) -> None:
        super().__init__()
        self._queue: queue.Queue[Tuple[str, bytes]] = queue.Queue()
        self._open = {"out", "err"}
        self._threads = [
            threading.Thread(target=self._pump, args=(name, stream), daemon=True)
            for name, stream in (("out", out), ("err", err))
        ]
        for t in self._threads:
            t.start()

    def _pump(self, name: str, stream: IO[bytes]) -> None:
        fd = stream.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            self._queue.put((name, chunk))
            if not chunk:
                with contextlib.suppress(OSError):
                    stream.close()  # here: the pipe may outlive run_script (see close())
                return

    def open(self) -> bool:
        return bool(self._open)

    def read(self, timeout: float) -> List[str]:
        got: List[str] = []
        try:
            item = self._queue.get(timeout=timeout) if timeout > 0 else self._queue.get_nowait()
        except queue.Empty:
            return got
        while True:
            name, chunk = item
            if chunk:
                self.bufs[name] += chunk
                got.append(name)
            else:
                self._open.discard(name)
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return got

    def drain(self, wait: float) -> None:
        end = time.monotonic() + wait
        for t in self._threads:
            t.join(timeout=max(0.0, end - time.monotonic()))
        self.read(0)

    def close(self) -> bool:
        # Closing a pipe that a thread is blocked reading can block too (Windows): such a pipe
        # (a process the runner could not see still holds its other end) is closed by its thread.
        return not any(t.is_alive() for t in self._threads)


def _end_group(pgid: int, exited_at: float | None) -> Tuple[List[str], Set[Tuple[str, int]]]:
    """POSIX: let the helpers exit, freeze what is left, note its semaphores, kill it all."""
    if exited_at is not None:
        # helpers (resource tracker, forkserver) exit by themselves once the main process is
        # gone; give them the grace period before killing them (the tracker unlinks semaphores)
        while group_alive(pgid) and time.monotonic() - exited_at < EXIT_GRACE:
            time.sleep(0.005)
    members = group_members(pgid) if group_alive(pgid) else []
    if members:
        # Freeze the group first, so that nothing creates a semaphore between the scan of
        # what it has mapped and the kill.
        _signal_group(pgid, stop=True)
        members = group_members(pgid)
    sems = open_semaphores([pid for pid, _, _ in members])
    return reap_group(pgid), sems


def end_group(pgid: int, *, since: float | None = None, shm: Path = Path(SHM)) -> List[str]:
    """POSIX: kill what is left of group ``pgid`` and unlink the POSIX semaphores it had mapped,
    and with ``since`` (a ``time.time()``) the orphaned ones created since then.

    For callers that start a process group themselves (the tests): a group killed with SIGKILL
    takes its resource tracker along, so nothing else would unlink its ``sem.mp-*`` files.
    Returns notes of what was done, as :attr:`RunResult.cleanup` words them.
    """
    killed, sems = _end_group(pgid, None)
    notes = [f"killed {len(killed)} process(es): {', '.join(sorted(killed))}"] if killed else []
    notes += remove_semaphores(shm, sems)
    if since is not None:  # what a member that exited before the scan left to the killed tracker
        orphans = orphaned_semaphores(shm, since=since)
        if orphans:
            gone = unlink_semaphores(still_orphaned(orphans))
            notes.append(f"removed {len(gone)} orphaned POSIX semaphore(s) {shm}/sem.mp-*")
    return notes


def _end_now(proc: subprocess.Popen[bytes]) -> None:
    """Kill everything the case started, at once (an interrupted runner)."""
    if ON_WINDOWS:
        kill_tree(proc.pid)
    else:
        _signal_group(proc.pid, stop=False)
        reap_group(proc.pid)


def run_script(  # noqa: PLR0912, PLR0915 (one loop: read, watch, kill, reap, classify)
    argv: Sequence[str],
    cwd: str,
    *,
    env: Mapping[str, str] | None = None,
    deadline: float = DEADLINE,
    host_path: Callable[[str], Path] = Path,
    on_slow: Callable[[], None] | None = None,
    slow_after: float = 1.0,
) -> RunResult:
    """Run ``argv`` in its own session (Windows: process group); classify; leave nothing behind.

    ``host_path`` maps a path as the processes see it (chroot lanes) to the host. ``on_slow`` is
    called once when the case has run ``slow_after`` seconds (a likely hang: mostly idle waiting),
    so the caller can let another case use the CPU meanwhile.
    """
    start = time.monotonic()
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=None if env is None else dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **popen_options(),
    )
    pgid = proc.pid
    assert proc.stdout is not None
    assert proc.stderr is not None
    pipes: _Pipes = (
        _ThreadPipes(proc.stdout, proc.stderr) if ON_WINDOWS else _SelectorPipes(proc.stdout, proc.stderr)
    )
    timed_out = False
    loop: Exc | None = None
    exited_at: float | None = None
    sems: Set[Tuple[str, int]] = set()
    slow_reported = False
    held_open = False
    try:
        while True:
            now = time.monotonic()
            if exited_at is None and proc.poll() is not None:
                exited_at = now
                if on_slow is not None and not slow_reported:
                    slow_reported = True  # what is left is idle waiting for helpers to exit
                    on_slow()
            if exited_at is not None and (not pipes.open() or now - exited_at > EXIT_GRACE):
                break
            if exited_at is None and now - start > deadline:
                timed_out = True
                break
            if on_slow is not None and not slow_reported and now - start > slow_after:
                slow_reported = True
                on_slow()
            got = pipes.read(0.02)
            if "err" in got and exited_at is None:
                text = pipes.bufs["err"].decode("utf-8", "replace")
                if "Traceback" in text:
                    loop = respawn_loop(text)
                    if loop is not None:
                        break
        if ON_WINDOWS:
            # No process groups: a tree kill while the main process lives (it started the rest);
            # after it exited, a process still holding its pipes cannot be found by its parent.
            held_open = exited_at is not None and pipes.open()
            killed = kill_tree(proc.pid) if proc.poll() is None else []
        else:
            killed, sems = _end_group(pgid, exited_at)
        if proc.poll() is None:
            proc.wait()
        pipes.drain(0.0 if held_open else EXIT_GRACE)  # what is still buffered (the writers are dead)
    finally:
        may_close = pipes.close()
        if proc.poll() is None:  # e.g. KeyboardInterrupt while waiting
            _end_now(proc)
            proc.wait()
        if may_close:
            proc.stdout.close()
            proc.stderr.close()
    seconds = time.monotonic() - start
    stderr = pipes.bufs["err"].decode("utf-8", "replace")
    stdout = pipes.bufs["out"].decode("utf-8", "replace")
    ended_by_runner = timed_out or loop is not None
    result = classify(None if ended_by_runner else proc.returncode, stderr, timed_out=timed_out, loop=loop)
    if ended_by_runner:
        result.exit_code = None
    cleanup: List[str] = []
    if killed:
        why = "ended by the runner" if ended_by_runner else "left after the main process exited"
        cleanup.append(f"killed {len(killed)} process(es) {why}: {', '.join(sorted(killed))}")
    if held_open:
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
    result.pgid = pgid
    return result
