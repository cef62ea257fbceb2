"""The GitHub Actions workflow that measures macOS, Windows and free-threaded builds stays valid."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

WORKFLOWS = Path(__file__).resolve().parents[1] / ".github" / "workflows"


def actionlint() -> str | None:
    scripts = Path(sysconfig.get_path("scripts"))
    for candidate in (scripts / "actionlint", scripts / "actionlint.exe"):
        if candidate.exists():
            return str(candidate)
    return shutil.which("actionlint")


@pytest.mark.skipif(sys.platform == "win32", reason="the actionlint wheel used here is POSIX-only")
def test_actionlint_passes() -> None:
    exe = actionlint()
    if exe is None:
        pytest.skip("actionlint is not installed (dependency group 'test' installs it on Linux/macOS)")
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert files, "no workflow found"
    result = subprocess.run([exe, *files], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
