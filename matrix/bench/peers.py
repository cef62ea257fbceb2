"""Peers: the same Pool(8) lifecycle with the libraries users pick instead (part of the suite)."""

from __future__ import annotations

import importlib
from typing import Any

from matrix.bench.workload import MAP_ITEMS, POOL_PROCESSES, perf_counter, time_pool_lifecycle
from reference._work import f
from reference.start_method import context_for


def t_peer_futures(loops: int, method: str) -> float:
    from concurrent.futures import ProcessPoolExecutor

    ctx = context_for(method)
    t0 = perf_counter()
    for _ in range(loops):
        with ProcessPoolExecutor(POOL_PROCESSES, mp_context=ctx) as ex:
            list(ex.map(f, range(MAP_ITEMS)))
    return perf_counter() - t0


def t_peer_loky(loops: int) -> float:
    loky: Any = importlib.import_module("loky")
    t0 = perf_counter()
    for _ in range(loops):
        ex = loky.ProcessPoolExecutor(max_workers=POOL_PROCESSES)
        list(ex.map(f, range(MAP_ITEMS)))
        ex.shutdown(wait=True)
    return perf_counter() - t0


def t_peer_mpire(loops: int, method: str) -> float:
    mpire: Any = importlib.import_module("mpire")
    t0 = perf_counter()
    for _ in range(loops):
        with mpire.WorkerPool(n_jobs=POOL_PROCESSES, start_method=method) as pool:
            pool.map(f, range(MAP_ITEMS))
    return perf_counter() - t0


def t_peer_multiprocess(loops: int, method: str) -> float:
    multiprocess: Any = importlib.import_module("multiprocess")
    return time_pool_lifecycle(multiprocess.get_context(method), loops)
