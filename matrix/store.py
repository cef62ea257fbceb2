"""Reading and writing ``matrix/results/*.json``: validated on read and write, written atomically."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Dict, List

from matrix.model import ResultsError, ResultsFile, parse_results, results_to_json

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
    atomic_write_text(path, dumps(results))


def read_results(path: Path) -> ResultsFile:
    """Load and validate one results file; :class:`ResultsError` names the file and the field."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ResultsError(str(path), "<file>", f"cannot read: {exc}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ResultsError(str(path), "<json>", f"not valid JSON: {exc}") from None
    return parse_results(data, str(path))


def results_files(directory: Path = RESULTS_DIR) -> List[Path]:
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


def load_all(directory: Path = RESULTS_DIR) -> Dict[str, ResultsFile]:
    """File name -> results, for every results file (the first malformed one raises)."""
    return {p.name: read_results(p) for p in results_files(directory)}
