"""The sizes every benchmark uses, its clock and the Pool lifecycle the vetted forms and peers are held to."""

from __future__ import annotations

import time
from typing import Any, Tuple

from reference._work import f

POOL_PROCESSES = 8
MAP_ITEMS = 1024
#: ``None``: ``Pool.map``'s own choice, ``ceil(items / (4 * processes))`` = 32 here.
CHUNKSIZES: Tuple[int | None, ...] = (1, None, 128)
LARGE = 1 << 20  # the large queue item: 1 MiB of bytes
BATCH_SMALL = 256  # items per throughput operation
BATCH_LARGE = 8
LIFECYCLE_ITEMS = 16  # items a queue lifecycle benchmark receives
JOIN_TIMEOUT = 30.0

perf_counter = time.perf_counter


def time_pool_lifecycle(ctx: Any, loops: int) -> float:  # noqa: ANN401 - a context, or multiprocess
    """``loops`` times ``ctx.Pool(8)``, ``map(f, range(1024))``, ``close()``, ``join()``.

    ``ctx`` is a ``multiprocessing`` context or a library with its API (``multiprocess``).
    """
    t0 = perf_counter()
    for _ in range(loops):
        pool = ctx.Pool(POOL_PROCESSES)
        pool.map(f, range(MAP_ITEMS))
        pool.close()
        pool.join()
    return perf_counter() - t0
