"""Reading and writing ``matrix/results/*.json``: validated on read and write, written atomically."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, Iterator, List

from matrix import validate
from matrix.model import Record, ResultsFile, results_to_json

PACKAGE_DIR = Path(__file__).resolve().parent
RESULTS_DIR = PACKAGE_DIR / "results"
README = PACKAGE_DIR / "README.md"


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file in the same dir + ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        tmp_path = Path(tmp)
        tmp_path.chmod(0o666 & ~umask)  # mkstemp makes 0600; results are ordinary repo files
        tmp_path.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise


def dumps(results: ResultsFile) -> str:
    """Validated, stable JSON text of ``results``."""
    return json.dumps(results_to_json(results), indent=1, ensure_ascii=False) + "\n"


def write_results(path: Path, results: ResultsFile) -> None:
    """Validate, then atomically replace ``path``. Nothing is written if validation fails."""
    text = dumps(results)
    validate.parse_bytes(text.encode("utf-8"), str(path))  # the limits a reader will apply
    atomic_write_text(path, text)


def save(results_dir: Path, results: ResultsFile) -> Path:
    """Write ``results`` under the file name its validated facts give, inside ``results_dir``."""
    path = validate.target_path(results_dir, results)
    write_results(path, results)
    return path


def read_results(path: Path) -> ResultsFile:
    """Load and validate one results file; :class:`ResultsError` names the file and the field."""
    return validate.read(path)


def results_files(directory: Path = RESULTS_DIR) -> List[Path]:
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


def load_all(directory: Path = RESULTS_DIR) -> Dict[str, ResultsFile]:
    """File name -> results, for every results file (the first malformed one raises)."""
    return {p.name: validate.read_stored(p) for p in results_files(directory)}


def is_committed(results_dir: Path) -> bool:
    """Whether ``results_dir`` is the repository's ``matrix/results`` (whose tables are
    ``matrix/README.md`` and ``matrix/index.html``)."""
    return results_dir.resolve() == RESULTS_DIR.resolve()


def check_writable(results_dir: Path) -> None:
    """Raise ``OSError`` (with the reason) unless a file can be created in ``results_dir``:
    asked before measuring, so that a read-only or full directory costs no measurement."""
    fd, tmp = tempfile.mkstemp(prefix=".writable.", suffix=".tmp", dir=str(results_dir))
    try:
        os.write(fd, b"x" * 4096)
        os.fsync(fd)
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            Path(tmp).unlink()


#: Beside the results files, untracked (.gitignore): the last run's per-cell details per platform.
RUN_LOG_DIRNAME = ".runs"


def write_run_log(results_dir: Path, name: str, records: List[Record]) -> Path:
    """Write what the results file leaves out (wall time, attempts, cleanup notes and timestamp
    of each cell measured by this run) to ``results_dir/.runs/name``; its path.

    Why a separate, untracked file: these differ on every run, so in the tracked file they would
    turn an unchanged re-measure into thousands of changed lines and bury the cells that changed.
    """
    cells = [
        {
            "pattern": r.pattern,
            "variant": r.variant,
            "start_method": r.start_method,
            "outcome": r.outcome,
            "seconds": r.seconds,
            "attempts": r.attempts,
            "cleanup": r.cleanup,
            "measured_at": r.measured_at,
        }
        for r in records
    ]
    path = results_dir / RUN_LOG_DIRNAME / name
    path.parent.mkdir(exist_ok=True)
    atomic_write_text(path, json.dumps({"cells": cells}, indent=1, ensure_ascii=False) + "\n")
    return path


def keep_unsaved(results: ResultsFile, name: str) -> Path:
    """Write ``results`` that could not be stored to a file in the temp directory; its path.

    ``python -m matrix merge PATH`` brings it in later (a complete, valid results file).
    """
    fd, tmp = tempfile.mkstemp(prefix=f"mp-matrix-unsaved-{Path(name).stem}-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(dumps(results))
    return Path(tmp)


#: How often a waiting run says it is still waiting for the lock (seconds).
LOCK_NOTICE = 10.0


@contextlib.contextmanager
def locked(results_dir: Path, say: Callable[[str], None] = lambda _: None) -> Iterator[None]:
    """Hold the lock of ``results_dir`` (one writer at a time: run, merge, render); while
    another process holds it, wait and ``say`` so."""
    if sys.platform == "win32":
        import msvcrt

        fh = (results_dir / ".lock").open("a+b")
        try:
            waited = False
            while True:
                try:
                    msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
                    break
                except OSError:
                    if not waited:
                        say(f"waiting: another matrix process holds the lock of {results_dir}")
                        waited = True
                    time.sleep(0.2)
            try:
                yield
            finally:
                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        finally:
            fh.close()
    else:
        import fcntl

        # flock on the directory itself: no lock file left in the results directory.
        fd = os.open(str(results_dir), os.O_RDONLY)
        try:
            next_notice = 0.0
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    now = time.monotonic()
                    if now >= next_notice:
                        say(f"waiting: another matrix process holds the lock of {results_dir}")
                        next_notice = now + LOCK_NOTICE
                    time.sleep(0.1)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
