"""Every ``python -m reference show`` output, saved as a file, passes ``mypy --strict`` as printed.

Both variants of every pattern (the exact forms are typed too), for each Python version and
platform the ``type`` tox env checks. One mypy process per (version, platform) over all the files
keeps this to a few seconds per combination. Tooling group: runs once, not in every version env.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reference import PATTERNS
from reference import _cli as cli
from reference._recipes import variants_of

VERSIONS = ("3.10", "3.11", "3.12", "3.13", "3.14")
PLATFORMS = ("linux", "darwin", "win32")

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None,
    reason="mypy is not installed here (dependency group `type`/`test` on CPython 3.10+)",
)


@pytest.fixture(scope="module")
def snippet_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("snippets")
    files = []
    for pattern in PATTERNS:
        for variant in variants_of(pattern):
            path = folder / f"{pattern.replace('-', '_')}_{variant}.py"
            path.write_text(cli.snippet(pattern, variant), encoding="utf-8")
            files.append(path)
    return files


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("version", VERSIONS)
def test_show_output_passes_mypy_strict(snippet_files: list[Path], version: str, platform: str) -> None:
    argv = [sys.executable, "-m", "mypy", "--strict", "--no-incremental"]
    argv += ["--python-version", version, "--platform", platform, "--config-file", os.devnull]
    # each file is its own script: no package, so two snippets' `vetted` never clash
    argv += ["--scripts-are-modules", *(str(p) for p in snippet_files)]
    folder = snippet_files[0].parent
    done = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=300, cwd=folder)
    assert done.returncode == 0, done.stdout + done.stderr
