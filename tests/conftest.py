"""Shared fixtures: the start method under test, and the guarantee that no test leaves a child behind.

The start method comes from ``--start-method`` (``default``, ``fork``, ``forkserver``, ``spawn``), or
from ``$MP_START_METHOD`` (set by the tox factor). ``default`` means: set nothing, use the
interpreter's own default (``fork`` on Linux up to 3.13, ``forkserver`` from 3.14, ``spawn`` on
macOS and Windows). Naming the default method is the same as ``default``: the tests pass no start
method, so one env covers both (``py312-fork`` tests what a program that chooses nothing gets).

The test group comes from ``--test-group`` or ``$MP_TEST_GROUP``: ``versioned`` (the tests whose
outcome depends on the interpreter or start method: ``reference/`` and the engine's
version-dependent parts), ``tooling`` (the rest of ``tests/matrix/``: run once, tox env
``tooling``) or ``all`` (default). The other group's tests are deselected, not skipped.

The slow tests (``slow``: stress, kill, failure modes, the hostile tests' repeats) are shared out
among the CPython versions' envs of each start method (issue 18: no env is the critical path): the
env whose version factor is ``k``-th of ``$MP_SLOW_POOL`` (tox.ini: ``py38,...,py313``;
``python -m matrix test`` passes the versions it found) runs the slow tests whose share is ``k``:
repeat ``run`` of a repeated test in share ``(run + crc32(test name)) mod n``, any other slow
test in share ``crc32(node id) mod n``. Every slow test still runs once per start method. Outside
tox (no ``$TOX_ENV_NAME``) or in an env outside the pool, every selected test runs.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import time
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from expected import executor_without_dynamic_spawn

from matrix import supervise

if TYPE_CHECKING:
    from collections.abc import Iterator

TESTS = Path(__file__).resolve().parent
KNOWN_METHODS = ("default", "fork", "forkserver", "spawn")
TEST_GROUPS = ("all", "versioned", "tooling")
#: Tests under tests/matrix/ whose outcome depends on the interpreter and start method under test
#: (they run real child processes and classify what that interpreter prints): they run in every
#: version x start-method env. Every other file under tests/matrix/ is tooling and runs once.
VERSION_DEPENDENT_TOOLING = ("test_matrix_runner.py", "test_failure_modes.py")

#: The variable listing the version factors of the envs that share the slow tests (tox.ini sets it).
SLOW_POOL_ENV = "MP_SLOW_POOL"

#: How long a test's children get to exit after the test, before they are killed and the test fails.
CHILD_GRACE_SECONDS = 5.0
#: When the session started (``time.time()``): semaphores created since then are this run's.
SESSION_START = pytest.StashKey[float]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--start-method",
        default=os.environ.get("MP_START_METHOD", "default"),
        help="multiprocessing start method to test under: default (the interpreter's own), "
        + ", ".join(KNOWN_METHODS[1:])
        + " (env: MP_START_METHOD)",
    )
    parser.addoption(
        "--test-group",
        default=os.environ.get("MP_TEST_GROUP", "all"),
        choices=TEST_GROUPS,
        help="versioned: the interpreter/start-method dependent tests; tooling: the rest, run once; "
        "all (env: MP_TEST_GROUP)",
    )


def pytest_configure(config: pytest.Config) -> None:
    method = config.getoption("--start-method")
    if method not in KNOWN_METHODS:
        raise pytest.UsageError(
            f"unknown start method {method!r}: choose one of {', '.join(KNOWN_METHODS)} "
            f"(this platform offers {', '.join(multiprocessing.get_all_start_methods())})"
        )


def test_group_of(path: Path) -> str:
    """``tooling`` for tests/matrix/ files not in VERSION_DEPENDENT_TOOLING, else ``versioned``."""
    tooling = TESTS / "matrix" in path.parents and path.name not in VERSION_DEPENDENT_TOOLING
    return "tooling" if tooling else "versioned"


def method_dependent(item: pytest.Item) -> bool:
    """Whether the test runs under the start method under test: it asks for it (a fixture)."""
    names = getattr(item, "fixturenames", ())
    return "start_method" in names or "vetted_runs" in names


def slow_share() -> tuple[int, int] | None:
    """``(k, n)``: this tox env runs share ``k`` of ``n`` of the slow tests; None: all of them."""
    env_name = os.environ.get("TOX_ENV_NAME", "")
    pool = [name for name in os.environ.get(SLOW_POOL_ENV, "").split(",") if name]
    version = env_name.split("-", 1)[0]
    if version not in pool:
        return None
    return pool.index(version), len(pool)


def share_of(item: pytest.Item, shares: int) -> int:
    """Which of ``shares`` envs runs this slow test (see the module docstring)."""
    callspec = getattr(item, "callspec", None)
    run = callspec.params.get("run") if callspec is not None else None
    if callspec is not None and isinstance(run, int):
        # The same test's other parameters (a scenario) shift its runs to other envs too.
        # Only values whose repr is the same in every process (no object addresses).
        plain = (str, int, float, bool, type(None))
        others = sorted(
            (key, repr(value) if isinstance(value, plain) else type(value).__name__)
            for key, value in callspec.params.items()
            if key != "run"
        )
        name = f"{item.path.name}::{getattr(item, 'originalname', item.name)}{others}"
        return (run + zlib.crc32(name.encode())) % shares
    return zlib.crc32(f"{item.path.name}::{item.name}".encode()) % shares


def in_this_share(item: pytest.Item, share: tuple[int, int] | None) -> bool:
    if share is None or item.get_closest_marker("slow") is None:
        return True
    return share_of(item, share[1]) == share[0]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    group = config.getoption("--test-group")
    if group == "all":
        return
    share = slow_share()
    kept = [item for item in items if test_group_of(item.path) == group and in_this_share(item, share)]
    if group == "versioned" and config.getoption("--start-method") not in ("default", interpreter_default()):
        # A test that does not ask for the start method does the same under every one: it runs in
        # the env of the interpreter's default method only (once per version, not three times).
        kept = [item for item in kept if method_dependent(item)]
    if len(kept) < len(items):
        chosen = set(map(id, kept))
        config.hook.pytest_deselected(items=[item for item in items if id(item) not in chosen])
        items[:] = kept


def pytest_report_header(config: pytest.Config) -> str:
    method = config.getoption("--start-method")
    effective = interpreter_default() if method == "default" else method
    offered = multiprocessing.get_all_start_methods()
    group = config.getoption("--test-group")
    return f"start method: {method} (effective: {effective}); offered: {offered}; test group: {group}"


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[SESSION_START] = time.time()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if a POSIX semaphore created meanwhile outlives every process (Linux).

    The per-test check above sees processes and threads; a semaphore outlives them when a process
    group is killed with its resource tracker. Concurrent tox envs share /dev/shm, so a leak is
    attributed to "this run or a concurrent one"; a semaphore still mapped is never counted.
    """
    since = session.config.stash.get(SESSION_START, None)
    if since is None:
        return
    leaked = supervise.still_orphaned(supervise.orphaned_semaphores(since=since - 1.0))
    if leaked:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        names = ", ".join(p.name for p in leaked[:10])
        message = (
            f"{len(leaked)} POSIX semaphore(s) created during this run (or a concurrent one) "
            f"outlive every process: {names}"
        )
        if reporter is not None:
            reporter.write_line("")
            reporter.write_sep("=", "leaked semaphores", red=True)
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def interpreter_default() -> str:
    """This interpreter's default start method (listed first by ``get_all_start_methods``)."""
    return multiprocessing.get_all_start_methods()[0]


@pytest.fixture
def start_method(request: pytest.FixtureRequest) -> str | None:
    """The explicit start method under test, or ``None`` for the interpreter's default."""
    method: str = request.config.getoption("--start-method")
    if method in ("default", interpreter_default()):
        # The default's own path (no start method passed): the same start as naming it, so the env
        # of the interpreter's default method stands for both (issue 18: one env, not two).
        return None
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(
            f"start method {method!r} is not offered here ({multiprocessing.get_all_start_methods()})"
        )
    return method


@pytest.fixture
def effective_method(start_method: str | None) -> str:
    """The start method that will actually be used."""
    return start_method if start_method is not None else interpreter_default()


@pytest.fixture
def vetted_pool_runs(effective_method: str) -> None:
    """Skip a test of the vetted Pool forms where their executor cannot start at all (PyPy 7.3.11
    under forkserver/spawn, tests/expected.py); test_vetted_pool_fails_where_its_header_says pins it."""
    broken = executor_without_dynamic_spawn(effective_method)
    if broken is not None:
        pytest.skip(f"{broken.why}; pinned by test_vetted_pool_fails_where_its_header_says")


@pytest.fixture
def global_start_method(start_method: str | None) -> Iterator[str]:
    """Set the process-global start method for the notes' exact forms (as the notes do), then restore it."""
    previous = multiprocessing.get_start_method(allow_none=True)
    multiprocessing.set_start_method(start_method, force=True)
    try:
        yield multiprocessing.get_start_method()
    finally:
        multiprocessing.set_start_method(previous, force=True)


@pytest.fixture(autouse=True)
def no_leftovers() -> Iterator[None]:
    """Fail a test that leaves a child process or a thread running; kill what it left."""
    threads_before = set(threading.enumerate())
    yield
    # Run the finalizers of this test's garbage (semaphores of a failed Pool, ...) here, not inside
    # a later resource-tracker call: CPython 3.13.0-3.13.6 refuse a reentrant tracker call when GC
    # finalizes a semaphore while the tracker is busy in the same thread, and the semaphore may
    # leak (python/cpython gh-131788, fixed in 3.13.7; seen once under spawn on 3.13.0).
    gc.collect()
    deadline = time.monotonic() + CHILD_GRACE_SECONDS
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.02)  # active_children() also reaps (joins) the ones that have exited
    leftover = multiprocessing.active_children()
    for child in leftover:
        child.kill()
        child.join()
    while time.monotonic() < deadline and any(
        t.is_alive() for t in set(threading.enumerate()) - threads_before
    ):
        time.sleep(0.02)
    stray_threads = [t for t in set(threading.enumerate()) - threads_before if t.is_alive()]
    assert not leftover, f"test left child processes running: {leftover}"
    assert not stray_threads, f"test left threads running: {stray_threads}"
