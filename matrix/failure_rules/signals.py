"""The cited rules of the rows about signals: Ctrl-C during a map (ctrl-c) and
``Process.interrupt()`` (process-interrupt)."""

from __future__ import annotations

from typing import Tuple

from matrix.rule import SRC_POPEN_WIN32, Rule, needs_38, pypy_executor_spawnlike

BPO_8296 = "https://bugs.python.org/issue8296"
GH_125886 = "https://github.com/python/cpython/issues/125886"
GH_131913 = "https://github.com/python/cpython/issues/131913"
DOCS_SIGNAL_EXCEPTIONS = (
    "https://docs.python.org/3/library/signal.html#note-on-signal-handlers-and-exceptions"
)
DOCS_CTRL_C_EVENT = "https://docs.python.org/3/library/signal.html#signal.CTRL_C_EVENT"
DOCS_INTERRUPT = "https://docs.python.org/3/library/multiprocessing.html#multiprocessing.Process.interrupt"
SRC_POPEN_WIN32_314 = "https://github.com/python/cpython/blob/3.14/Lib/multiprocessing/popen_spawn_win32.py"
POSIX = ("linux", "darwin")

RULES: Tuple[Rule, ...] = (
    needs_38(("ctrl-c", "process-interrupt")),
    # --- ctrl-c: SIGINT to the whole process group while the workers are busy --------------------
    pypy_executor_spawnlike(("ctrl-c",), ("executor-map", "vetted")),
    *(
        Rule(
            outcomes,
            DOCS_CTRL_C_EVENT,
            "Windows has no process groups to signal: a console's Ctrl-C is CTRL_C_EVENT, which "
            f"reaches every process attached to the console, workers included, so {what} (the "
            "case itself sends SIGINT with os.killpg, POSIX only: not measurable as it is)",
            os=("win32",),
            patterns=("ctrl-c",),
            variants=(variant,),
        )
        for variant, outcomes, what in (
            ("pool-map", ("wrong", "ok"), "each worker prints its KeyboardInterrupt traceback as on POSIX"),
            ("executor-map", ("hang",), "the queued tasks still run to the end as on POSIX"),
            (
                "vetted",
                ("ok",),
                "the initializer's SIG_IGN protects the workers (not while one starts: Windows has no "
                "signal mask) and the parent's flag ends them",
            ),
        )
    ),
    Rule(
        ("wrong", "ok"),
        BPO_8296,
        "Pool.map: the parent raises KeyboardInterrupt once, but every worker got the SIGINT too and "
        "prints its own KeyboardInterrupt traceback (a traceback storm), unless the pool's "
        "terminate() (with Pool's __exit__) kills it first: some runs show none",
        os=POSIX,
        patterns=("ctrl-c",),
        variants=("pool-map",),
    ),
    Rule(
        ("hang",),
        GH_125886,
        "ProcessPoolExecutor.map: the running tasks get KeyboardInterrupt (a worker returns it as "
        "the task's result: no traceback), but the tasks already queued to the workers run to the "
        "end before shutdown() returns: a long task makes Ctrl-C look ignored",
        os=POSIX,
        patterns=("ctrl-c",),
        variants=("executor-map",),
    ),
    Rule(
        ("ok",),
        DOCS_SIGNAL_EXCEPTIONS,
        "the workers ignore SIGINT (started with it blocked, then SIG_IGN); the parent's SIGINT "
        "sets a flag, the parent terminates the workers and raises KeyboardInterrupt once",
        os=POSIX,
        patterns=("ctrl-c",),
        variants=("vetted",),
    ),
    # --- process-interrupt: Process.interrupt(), new in 3.14 -------------------------------------
    Rule(
        ("error",),
        DOCS_INTERRUPT,
        "Process.interrupt() is new in 3.14 (gh-131913): before, AttributeError",
        exception="builtins.AttributeError",
        message="has no attribute 'interrupt'",
        before=(3, 14),
        patterns=("process-interrupt",),
        variants=("exact", "uncaught"),
    ),
    Rule(
        ("error",),
        SRC_POPEN_WIN32,
        "Windows: the docs call interrupt() undefined there; the spawn Popen (3.14) has no "
        "interrupt method, so Process.interrupt() raises AttributeError from inside",
        exception="builtins.AttributeError",
        message="interrupt",
        os=("win32",),
        patterns=("process-interrupt",),
        variants=("exact", "uncaught"),
    ),
    Rule(
        ("error",),
        DOCS_INTERRUPT,
        "Windows: no SIGINT for one process; reference.interruptible.interrupt raises "
        "NotImplementedError naming the alternative (an Event the child checks)",
        exception="builtins.NotImplementedError",
        os=("win32",),
        patterns=("process-interrupt",),
        variants=("vetted",),
    ),
    Rule(
        ("ok",),
        DOCS_INTERRUPT,
        "3.14+: SIGINT to the child, which raises KeyboardInterrupt where it is; caught, its "
        "teardown runs and it exits 0",
        since=(3, 14),
        patterns=("process-interrupt",),
        variants=("exact",),
    ),
    Rule(
        ("error",),
        GH_131913,
        "3.14+: the child's uncaught KeyboardInterrupt is printed by multiprocessing (a traceback) "
        "and its exit code is 1, as the docs say; the parent exits 0",
        cause="builtins.KeyboardInterrupt",
        since=(3, 14),
        patterns=("process-interrupt",),
        variants=("uncaught",),
    ),
    Rule(
        ("ok",),
        DOCS_INTERRUPT,
        "reference.interruptible.interrupt: Process.interrupt() on 3.14+, os.kill(pid, SIGINT) "
        "before; the child's except KeyboardInterrupt runs and it exits 0",
        patterns=("process-interrupt",),
        variants=("vetted",),
    ),
)
