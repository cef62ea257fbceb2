"""Worker functions for tests/reference/test_log_queue.py, importable by name under every start method."""

from __future__ import annotations

import logging
import os
import time
from typing import Tuple

from reference.log_queue import LogArgs, send_logs_to

log = logging.getLogger("log_workers")


def log_item(tagged: Tuple[str, int]) -> int:
    """Log one record ``"<tag> <x>"`` and return ``x``."""
    tag, x = tagged
    log.info("%s %d", tag, x)
    return x


def log_item_fail_on_13(tagged: Tuple[str, int]) -> int:
    """:func:`log_item`, but item 13 raises ``ValueError`` after it logged."""
    if log_item(tagged) == 13:
        raise ValueError("bad item 13")
    return tagged[1]


def log_many(logargs: LogArgs, tag: str, count: int) -> None:
    """A Process target: install the form, then log ``count`` records ``"<tag> <i>"`` as fast as it can."""
    send_logs_to(*logargs)
    for i in range(count):
        log.info("%s %d", tag, i)


def log_then_sleep(logargs: LogArgs, tag: str, seconds: float) -> None:
    """A Process target that logs once, then sleeps (a worker that outlives the block)."""
    send_logs_to(*logargs)
    log.info("%s %d", tag, os.getpid())
    time.sleep(seconds)
