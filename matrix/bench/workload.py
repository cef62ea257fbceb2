"""The sizes every benchmark uses, and its clock (imported by the suite and its parts)."""

from __future__ import annotations

import time
from typing import Tuple

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
