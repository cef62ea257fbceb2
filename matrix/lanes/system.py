"""The host-side plumbing every lane step uses: progress lines, commands, root, locks."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Iterator, Sequence

from matrix.lanes.model import LaneError, Progress


def stamp(msg: str) -> str:
    return f"[{time.strftime('%H:%M:%S')}] {msg}"


def say(progress: Progress, msg: str) -> None:
    progress(stamp(msg))


def err(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr, flush=True)


def warn(msg: str) -> None:
    print(f"warning: {msg}", file=sys.stderr, flush=True)


def run(
    cmd: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    log: IO[str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd``; output goes to ``log`` when given, else is captured."""
    if log is not None:
        log.write(stamp("$ " + " ".join(cmd)) + "\n")
        log.flush()
        return subprocess.run(
            list(cmd), env=env, stdout=log, stderr=subprocess.STDOUT, text=True, timeout=timeout, check=False
        )
    return subprocess.run(list(cmd), env=env, capture_output=True, text=True, timeout=timeout, check=False)


def last_line(text: str | None) -> str:
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    return lines[-1] if lines else "(no output)"


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def require_root(what: str) -> None:
    if not is_root():
        uid = os.geteuid() if hasattr(os, "geteuid") else "?"
        raise LaneError(f"{what} needs root (running as uid {uid})")


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``path`` (serialises installs, venv builds)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if sys.platform == "win32":  # no flock there; lanes are Linux-only and never get this far
        yield
    else:
        import fcntl

        with path.open("a+", encoding="utf-8") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
