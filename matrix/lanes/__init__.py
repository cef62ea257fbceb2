"""Extra Python interpreter "lanes" for the matrix engine.

A *lane* is one interpreter the matrix can run code on:

* ``host-pypy3``: Debian's PyPy installed on the host with apt (``/usr/bin/pypy3``).
* ``sid-python3.13``, ``sid-python3.14``, ``sid-python3.15``, ``sid-pypy3``:
  interpreters inside a Debian sid root made with ``debootstrap`` and entered
  with ``chroot``.

Everything lives in a cache dir outside the repo (``$MP_MATRIX_CACHE``, else
``${XDG_CACHE_HOME:-~/.cache}/mp-matrix``), lanes under ``<cache>/lanes/``.
The sid root is ``<cache>/lanes/sid-root``; it counts as installed only when
its completion marker (written as the very last install step) is present.  A
root without the marker is half-made: it is unmounted, deleted and rebuilt by
``install`` and never used by ``discover_lanes``.

The mounts a chroot lane needs (proc, sys, dev, a private tmpfs on /dev/shm
for POSIX semaphores) are made on demand by :func:`ensure_mounted` and all
torn down by :func:`remove`; ``install`` never leaves a mount behind, whether
it worked or not.  ``test`` binds the repo at /mnt/repo-<pid> for the run only.

CLI::

    python -m matrix.lanes install [--only pypy|sid]
    python -m matrix.lanes remove
    python -m matrix.lanes list
    python -m matrix.lanes test LANE [--start-method M] [-- PYTEST ARGS...]

Exit codes: 0 ok, 1 some lane failed, 2 bad usage, 3 (``test`` only) lane
not installed.

Stdlib only; imports on Python 3.8+ on any OS (the commands need Linux).

Modules, each importing only those above it:

* :mod:`matrix.lanes.model` — the ``Lane`` value, names, cache paths, markers, environments.
* :mod:`matrix.lanes.system` — progress lines, running commands, root checks, file locks.
* :mod:`matrix.lanes.mounts` — the chroot mounts, the per-run repo bind, mount-safe deletion.
* :mod:`matrix.lanes.discover` — the installed, complete lanes and their versions.
* :mod:`matrix.lanes.rootconfig` — what a root takes from the host (mirror, apt, pip, CAs).
* :mod:`matrix.lanes.debian` — PyPy on the host with apt; the sid root with debootstrap.
* :mod:`matrix.lanes.venv` — each lane's test venv and the pytest run in it.
* :mod:`matrix.lanes.cli` — ``install``, ``remove``, ``list``, ``test`` and their exit codes.

The names below are what the rest of the repository uses (``matrix.interpreters``,
``matrix._testrun``, ``matrix.bench.run``, the tests); everything else is reached through its module.
"""

from __future__ import annotations

from matrix.lanes.cli import format_lane_line, install, list_lanes, main, remove, split_pytest_args
from matrix.lanes.discover import discover_lanes, find_lane, lane_version
from matrix.lanes.model import (
    ALLOW_MISSING_ENV,
    CACHE_ENV,
    DEFAULT_MIRROR,
    EXIT_FAILED,
    EXIT_MISSING,
    EXIT_OK,
    EXIT_USAGE,
    MARKER_NAME,
    REPO_ROOT,
    VENV_REQUIREMENTS,
    Lane,
    LaneError,
    cache_dir,
    check_cache_outside_repo,
    lane_env,
    lane_scratch_dir,
    lanes_dir,
    missing_lane_message,
    read_marker,
    requirements_hash,
    root_state,
    sid_root,
    write_marker,
)
from matrix.lanes.mounts import ensure_mounted, mounts_under, parse_mountinfo, repo_bind, safe_rmtree
from matrix.lanes.rootconfig import configure_root, sync_ca_certificates
from matrix.lanes.venv import pytest_command, run_tests, venv_inner_dir

__all__ = [
    "ALLOW_MISSING_ENV",
    "CACHE_ENV",
    "DEFAULT_MIRROR",
    "EXIT_FAILED",
    "EXIT_MISSING",
    "EXIT_OK",
    "EXIT_USAGE",
    "MARKER_NAME",
    "REPO_ROOT",
    "VENV_REQUIREMENTS",
    "Lane",
    "LaneError",
    "cache_dir",
    "check_cache_outside_repo",
    "configure_root",
    "discover_lanes",
    "ensure_mounted",
    "find_lane",
    "format_lane_line",
    "install",
    "lane_env",
    "lane_scratch_dir",
    "lane_version",
    "lanes_dir",
    "list_lanes",
    "main",
    "missing_lane_message",
    "mounts_under",
    "parse_mountinfo",
    "pytest_command",
    "read_marker",
    "remove",
    "repo_bind",
    "requirements_hash",
    "root_state",
    "run_tests",
    "safe_rmtree",
    "sid_root",
    "split_pytest_args",
    "sync_ca_certificates",
    "venv_inner_dir",
    "write_marker",
]
