"""The coverage of ``reference/`` per Python version, from the tox envs' data files (tox env ``coverage``).

``python tests/coverage_by_version.py DATA_DIR --fail-under 95``: DATA_DIR holds the files the test
envs wrote (``.coverage.<env>.<host>.<pid>...``, children included); the files of each version
factor (``py38``, ``py313``, ...) are combined apart (the files are kept) and reported as one line
per version. Exits 1 when a version is under the bar or has no data at all.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Sequence

import coverage

#: ".coverage.py311-fork.host.pid123.Xabc" -> "py311"
VERSION = re.compile(r"^\.coverage\.(?P<version>[a-z]+[0-9]+)-")


def data_files_by_version(data_dir: Path) -> Dict[str, List[Path]]:
    found: Dict[str, List[Path]] = {}
    for path in sorted(data_dir.glob(".coverage.*")):
        match = VERSION.match(path.name)
        if match:
            found.setdefault(match.group("version"), []).append(path)
    return found


def percent(files: Sequence[Path]) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        cov = coverage.Coverage(data_file=str(Path(scratch) / ".coverage"))
        cov.combine([str(path) for path in files], keep=True)
        cov.save()
        return float(cov.report(file=io.StringIO()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--fail-under", type=float, default=95.0)
    args = parser.parse_args(argv)
    by_version = data_files_by_version(args.data_dir)
    if not by_version:
        print(f"coverage: no data files in {args.data_dir}", file=sys.stderr)
        return 1
    low = []
    for version, files in sorted(by_version.items(), key=lambda item: int(re.sub(r"\D", "", item[0]))):
        share = percent(files)
        verdict = "ok" if share >= args.fail_under else f"UNDER {args.fail_under:g} %"
        print(f"coverage of reference/ on {version}: {share:.1f} % ({len(files)} data files) {verdict}")
        if share < args.fail_under:
            low.append(version)
    if low:
        print(f"coverage: under {args.fail_under:g} % on {', '.join(low)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
