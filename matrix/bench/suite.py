"""The benchmark suite: runs inside one interpreter (CPython 3.8+, PyPy) under pyperf.

``python -m matrix.bench.suite [pyperf options] --bench-methods fork,spawn --bench-summary OUT.json``

pyperf runs every benchmark in fresh worker processes (``--processes``), each taking ``--warmups``
unrecorded values and then ``--values`` values of a calibrated number of loops; the main process
writes one summary JSON (min, median, mean, max, stdev per benchmark, plus what failed and why) for
the orchestrator, :mod:`matrix.bench.run`. Needs the repo root on ``sys.path`` (run it from there):
the children import :mod:`matrix.bench._children` and :mod:`reference`.

Benchmark names are ``<scope>/<group>``; ``scope`` is a start method, or ``floor``/``thread`` for
what does not depend on one, or ``loky`` (loky brings its own). Every value is seconds per
operation, or per item for the throughput groups (pyperf ``inner_loops``).
"""

from __future__ import annotations

import contextlib
import fnmatch
import importlib
import io
import json
import multiprocessing
import os
import platform
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Sequence, Tuple

from matrix.bench._children import SYNC, consume, echo, noop, send_n
from matrix.bench.floor import t_subprocess_pass
from matrix.bench.helpers import channel, pipe_echo, warm_pool
from matrix.bench.peers import t_peer_futures, t_peer_loky, t_peer_mpire, t_peer_multiprocess
from matrix.bench.workload import (
    BATCH_LARGE,
    BATCH_SMALL,
    CHUNKSIZES,
    JOIN_TIMEOUT,
    LARGE,
    LIFECYCLE_ITEMS,
    MAP_ITEMS,
    POOL_PROCESSES,
    perf_counter,
    time_pool_lifecycle,
)
from reference import pool_close_join, pool_return, pool_with, queue_function
from reference._work import f
from reference.start_method import context_for, default_start_method

if sys.platform != "win32":
    from matrix.bench.floor import t_fork, t_pipe_round_trip, t_posix_spawn

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

TimeFunc = Callable[..., float]


@dataclass(frozen=True)
class Bench:
    """One benchmark: ``func(loops, *args)`` returns the seconds that ``loops`` operations took."""

    group: str
    scope: str  # a start method, "floor", "thread" or "loky"
    kind: str  # "primitive", "floor", "thread", "vetted" or "peer"
    func: TimeFunc
    args: Tuple[Any, ...] = ()
    inner_loops: int | None = None  # items per operation (throughput groups)

    @property
    def name(self) -> str:
        return f"{self.scope}/{self.group}"


def _checked(elapsed: float, process: BaseProcess) -> float:
    """``elapsed``, the loop's time (taken before this call), once its last process exited 0."""
    if process.exitcode != 0:
        raise ChildProcessError(f"{process.name} exited with code {process.exitcode}")
    return elapsed


# ---------------------------------------------------------------------------
# Start methods: Process, Pool, Queue (the primitives) and the vetted forms
# ---------------------------------------------------------------------------


def t_process_start_join(loops: int, method: str) -> float:
    ctx = context_for(method)
    t0 = perf_counter()
    for _ in range(loops):
        p = ctx.Process(target=noop)
        p.start()
        p.join()
    return _checked(perf_counter() - t0, p)


def t_pool_create(loops: int, method: str) -> float:
    """``Pool(8)`` up, then ``close()`` + ``join()``: the fixed cost of a pool."""
    ctx = context_for(method)
    t0 = perf_counter()
    for _ in range(loops):
        pool = ctx.Pool(POOL_PROCESSES)
        pool.close()
        pool.join()
    return perf_counter() - t0


def t_pool_map(loops: int, method: str, chunksize: int | None) -> float:
    """``map(f, range(1024))`` on a live ``Pool(8)``: the per-call cost, creation excluded."""
    pool = warm_pool(method)
    items = range(MAP_ITEMS)
    t0 = perf_counter()
    for _ in range(loops):
        pool.map(f, items, chunksize)
    return perf_counter() - t0


def t_pool_return_raw(loops: int, method: str) -> float:
    """The primitive under ``pool_return.vetted``: ``Pool(8).map`` + ``close()`` + ``join()``."""
    return time_pool_lifecycle(context_for(method), loops)


def t_pool_return_vetted(loops: int, method: str) -> float:
    t0 = perf_counter()
    for _ in range(loops):
        pool_return.vetted(f, range(MAP_ITEMS), POOL_PROCESSES, start_method=method)
    return perf_counter() - t0


def t_pool_with_vetted(loops: int, method: str) -> float:
    t0 = perf_counter()
    for _ in range(loops):
        pool_with.vetted(f, POOL_PROCESSES, MAP_ITEMS, start_method=method)
    return perf_counter() - t0


def t_pool_close_join_vetted(loops: int, method: str) -> float:
    t0 = perf_counter()
    for _ in range(loops):
        pool_close_join.vetted(f, POOL_PROCESSES, MAP_ITEMS, start_method=method)
    return perf_counter() - t0


def t_queue_latency(loops: int, scope: str, item: object) -> float:
    """One round trip of ``item`` through an echo child (process, or thread for "thread")."""
    chan = channel(scope, echo)
    put, get = chan.inbox.put, chan.outbox.get
    t0 = perf_counter()
    for _ in range(loops):
        put(item)
        get()
    return perf_counter() - t0


def t_queue_latency_vetted(loops: int, method: str) -> float:
    """The same round trip as the vetted sender forms receive: ``poll(timeout)`` + ``recv()`` on a Pipe."""
    conn = pipe_echo(method)
    send, poll, recv = conn.send, conn.poll, conn.recv
    t0 = perf_counter()
    for _ in range(loops):
        send(1)
        if not poll(JOIN_TIMEOUT):  # queue_function.vetted's bounded wait
            raise TimeoutError(f"the echo child sent nothing for {JOIN_TIMEOUT} s")
        recv()
    return perf_counter() - t0


def t_queue_throughput(loops: int, scope: str, item: object, batch: int) -> float:
    """``batch`` items to a consumer, then one acknowledged sync (per item: ``inner_loops``)."""
    chan = channel(scope, consume)
    put, get = chan.inbox.put, chan.outbox.get
    t0 = perf_counter()
    for _ in range(loops):
        for _ in range(batch):
            put(item)
        put(SYNC)
        get()
    return perf_counter() - t0


def t_queue_lifecycle_raw(loops: int, method: str) -> float:
    """Start a sender, receive 16 items and its ``None``, join: the raw ``Queue`` + ``Process``."""
    ctx = context_for(method)
    t0 = perf_counter()
    for _ in range(loops):
        q = ctx.Queue()
        p = ctx.Process(target=send_n, args=(q, LIFECYCLE_ITEMS))
        p.start()
        while q.get() is not None:
            pass
        p.join()
        q.close()
        q.join_thread()
    return _checked(perf_counter() - t0, p)


def t_queue_lifecycle_vetted(loops: int, method: str) -> float:
    """``queue_function.vetted(16, interval=0)``: a Pipe sender, 16 items, its end closed, joined."""
    sink = io.StringIO()
    t0 = perf_counter()
    for _ in range(loops):
        with contextlib.redirect_stdout(sink):  # vetted prints each item, as the notes do
            queue_function.vetted(LIFECYCLE_ITEMS, 0.0, start_method=method)
        sink.seek(0)
        sink.truncate()
    return perf_counter() - t0


def t_thread_start_join(loops: int) -> float:
    t0 = perf_counter()
    for _ in range(loops):
        t = threading.Thread(target=noop)
        t.start()
        t.join()
    return perf_counter() - t0


# ---------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------


def available_methods() -> List[str]:
    return list(multiprocessing.get_all_start_methods())


def peer_status() -> Dict[str, str]:
    """Peer -> its version, or ``"not installed: <reason>"`` (as seen by this interpreter)."""
    out: Dict[str, str] = {}
    for name in ("loky", "mpire", "multiprocess"):
        try:
            module: Any = importlib.import_module(name)
        except Exception as exc:
            out[name] = f"not installed: {type(exc).__name__}: {exc}"
            continue
        out[name] = str(getattr(module, "__version__", "unknown version"))
    return out


def plan(methods: Sequence[str], peers: Dict[str, str]) -> List[Bench]:
    """Every benchmark for ``methods`` (in a fixed order: pyperf numbers its worker tasks)."""
    usable = {name for name, status in peers.items() if not status.startswith("not installed")}
    out: List[Bench] = []
    if sys.platform != "win32":
        out.append(Bench("fork_waitpid", "floor", "floor", t_fork))
        if hasattr(os, "posix_spawn"):
            out.append(Bench("posix_spawn_pass", "floor", "floor", t_posix_spawn))
        out.append(Bench("pipe_round_trip", "floor", "floor", t_pipe_round_trip))
    out.append(Bench("subprocess_pass", "floor", "floor", t_subprocess_pass))
    out.append(Bench("thread_start_join", "thread", "thread", t_thread_start_join))
    out.append(Bench("queue_latency_int", "thread", "thread", t_queue_latency, ("thread", 1)))
    out.append(
        Bench(
            "queue_throughput_int",
            "thread",
            "thread",
            t_queue_throughput,
            ("thread", 1, BATCH_SMALL),
            BATCH_SMALL,
        )
    )
    big = b"\0" * LARGE
    for m in methods:
        out += [
            Bench("process_start_join", m, "primitive", t_process_start_join, (m,)),
            Bench("pool_create", m, "primitive", t_pool_create, (m,)),
        ]
        for c in CHUNKSIZES:
            out.append(Bench(f"pool_map_c{c or 'default'}", m, "primitive", t_pool_map, (m, c)))
        out += [
            Bench("queue_latency_int", m, "primitive", t_queue_latency, (m, 1)),
            Bench("queue_latency_1mb", m, "primitive", t_queue_latency, (m, big)),
            Bench(
                "queue_throughput_int", m, "primitive", t_queue_throughput, (m, 1, BATCH_SMALL), BATCH_SMALL
            ),
            Bench(
                "queue_throughput_1mb", m, "primitive", t_queue_throughput, (m, big, BATCH_LARGE), BATCH_LARGE
            ),
            Bench("pool_return_raw", m, "primitive", t_pool_return_raw, (m,)),
            Bench("pool_return_vetted", m, "vetted", t_pool_return_vetted, (m,)),
            Bench("pool_with_vetted", m, "vetted", t_pool_with_vetted, (m,)),
            Bench("pool_close_join_vetted", m, "vetted", t_pool_close_join_vetted, (m,)),
            Bench("queue_latency_int_vetted", m, "vetted", t_queue_latency_vetted, (m,)),
            Bench("queue_lifecycle_raw", m, "primitive", t_queue_lifecycle_raw, (m,)),
            Bench("queue_lifecycle_vetted", m, "vetted", t_queue_lifecycle_vetted, (m,)),
            Bench("peer_futures", m, "peer", t_peer_futures, (m,)),
        ]
        if "mpire" in usable:
            out.append(Bench("peer_mpire", m, "peer", t_peer_mpire, (m,)))
        if "multiprocess" in usable:
            out.append(Bench("peer_multiprocess", m, "peer", t_peer_multiprocess, (m,)))
    if "loky" in usable:
        out.append(Bench("peer_loky", "loky", "peer", t_peer_loky))
    return out


def select(benches: Sequence[Bench], patterns: Sequence[str]) -> List[Bench]:
    """The benchmarks whose name matches one of the glob ``patterns`` (all when there are none)."""
    if not patterns:
        return list(benches)
    return [b for b in benches if any(fnmatch.fnmatchcase(b.name, p) for p in patterns)]


def _split(text: str) -> List[str]:
    return [part for part in (p.strip() for p in text.split(",")) if part]


def _stats(bench: Any) -> Dict[str, Any]:  # noqa: ANN401 - a pyperf.Benchmark (untyped)
    values: List[float] = list(bench.get_values())
    loops: int | None
    try:
        loops = int(bench.get_loops())
    except Exception:
        loops = None
    return {
        "unit": str(bench.get_unit()),
        "min": min(values),
        "median": float(bench.median()),
        "mean": float(bench.mean()),
        "max": max(values),
        "stdev": float(bench.stdev()) if len(values) > 1 else 0.0,
        "values": len(values),
        "loops": loops,
    }


def _describe() -> Dict[str, Any]:
    pyperf: Any = importlib.import_module("pyperf")
    return {
        "python": sys.executable,
        "implementation": platform.python_implementation().lower(),
        "version": platform.python_version(),
        "build": " ".join(sys.version.split()),
        "harness": f"pyperf {pyperf.__version__}",
        "cpu_count": os.cpu_count(),
        "start_methods": available_methods(),
        "default_start_method": default_start_method(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    pyperf: Any = importlib.import_module("pyperf")

    def forward(cmd: List[str], args: Any) -> None:  # noqa: ANN401 - workers get the same plan
        cmd.extend(["--bench-methods", args.bench_methods, "--bench-only", args.bench_only])

    runner = pyperf.Runner(program_args=("-m", "matrix.bench.suite"), add_cmdline_args=forward)
    parser = runner.argparser
    parser.add_argument("--bench-methods", default="", help="start methods, comma-separated (default: all)")
    parser.add_argument("--bench-only", default="", help="benchmark name globs, comma-separated")
    parser.add_argument("--bench-summary", default=None, help="write the summary JSON here")
    args = runner.parse_args(None if argv is None else list(argv))
    methods = _split(args.bench_methods) or available_methods()
    unknown = [m for m in methods if m not in available_methods()]
    if unknown:
        print(f"unknown start method(s) here: {', '.join(unknown)}", file=sys.stderr)
        return 2
    peers = peer_status()
    benches = select(plan(methods, peers), _split(args.bench_only))
    results: List[Dict[str, Any]] = []
    started = time.time()
    for b in benches:
        entry: Dict[str, Any] = {
            "name": b.name,
            "group": b.group,
            "scope": b.scope,
            "kind": b.kind,
            "inner_loops": b.inner_loops or 1,
        }
        if args.worker:  # a failure here must end this worker with an error: let it propagate
            runner.bench_time_func(b.name, b.func, *b.args, inner_loops=b.inner_loops)
            continue
        try:
            bench = runner.bench_time_func(b.name, b.func, *b.args, inner_loops=b.inner_loops)
        except (Exception, SystemExit) as exc:
            # pyperf counts worker tasks only when one succeeds: keep the next task ids aligned.
            runner._worker_task += 1
            entry["error"] = f"{type(exc).__name__}: {exc}"
            print(f"{b.name}: FAILED: {entry['error']}", flush=True)
        else:
            entry.update(_stats(bench))
        results.append(entry)
    if args.bench_summary is None:
        return 0
    summary = {
        "describe": _describe(),
        "settings": {
            "processes": args.processes,
            "values": args.values,
            "warmups": args.warmups,
            "min_time": args.min_time,
            "loops": args.loops,
            "fast": bool(args.fast),
            "start_methods": methods,
            "pool_processes": POOL_PROCESSES,
            "map_items": MAP_ITEMS,
            "large_item_bytes": LARGE,
            "lifecycle_items": LIFECYCLE_ITEMS,
        },
        "peers": peers,
        "seconds": round(time.time() - started, 1),
        "benchmarks": results,
    }
    with Path(args.bench_summary).open("w", encoding="utf-8") as fh:
        json.dump(summary, fh, indent=1)
        fh.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
