"""Evidence that a case's process group is asleep for good: confirm a hang without a second full deadline.

A case that missed its deadline once is run again to rule out a slow machine (:func:`matrix.engine.run_cell`).
A machine that is merely slow shows it: some process of the case is runnable (``R``) or in disk wait
(``D``), its CPU time grows, or it writes output. A deadlocked case shows none of that. So the
confirming run ends, as a hang, once every process of the group has been asleep (``S``) with no
CPU tick and no new output for :data:`ASLEEP_SECONDS`; otherwise it gets its full deadline.

Why :data:`ASLEEP_SECONDS` is safe: the longest deliberate sleep in a case script is 0.2 s
(``matrix/failure_modes.py``), Pool's worker handler polls every 0.1 s, and the evidence restarts at
every state change, tick or byte. Linux only (``/proc``); elsewhere the confirming run keeps its
full deadline.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable, Dict, Tuple

from matrix.supervise.procfs import HAVE_PROC

#: How long the whole group must have been asleep (no tick, no byte, every process ``S``).
ASLEEP_SECONDS = 1.0
#: A case asleep this long is waiting, not computing: it gives its CPU slot to the next case
#: (the slot is a CPU share, :func:`matrix.engine.measure`); a wrong guess costs only some overlap.
WAITING_SECONDS = 0.3
#: How often /proc is read (a scan of /proc costs about a millisecond).
SAMPLE_SECONDS = 0.1


def scan_groups() -> Dict[int, Dict[int, Tuple[str, int]]]:
    """pgid -> pid -> (state, utime + stime in ticks) of every live process /proc lists."""
    groups: Dict[int, Dict[int, Tuple[str, int]]] = {}
    try:
        entries = [p.name for p in Path("/proc").iterdir() if p.name.isdigit()]
    except OSError:
        return groups
    for entry in entries:
        try:
            data = Path(f"/proc/{entry}/stat").read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        fields = data[data.rfind(")") + 2 :].split()
        if len(fields) < 13 or fields[0] in ("Z", "X"):
            continue
        groups.setdefault(int(fields[2]), {})[int(entry)] = (fields[0], int(fields[11]) + int(fields[12]))
    return groups


_scan_lock = threading.Lock()
_last_scan: Tuple[float, Dict[int, Dict[int, Tuple[str, int]]]] = (float("-inf"), {})


def group_sample(pgid: int) -> Dict[int, Tuple[str, int]]:
    """pid -> (state, CPU ticks) of group ``pgid``'s live processes. One scan of /proc serves every
    case of a run for :data:`SAMPLE_SECONDS` (a scan costs a few ms on a busy machine)."""
    global _last_scan  # noqa: PLW0603 (one shared snapshot for every case's thread)
    with _scan_lock:
        now = time.monotonic()
        if now - _last_scan[0] >= SAMPLE_SECONDS:
            _last_scan = (now, scan_groups())
        return _last_scan[1].get(pgid, {})


class AsleepFor:
    """``run_script(give_up=AsleepFor())``: True once the group has been asleep for ``seconds``."""

    def __init__(
        self,
        seconds: float = ASLEEP_SECONDS,
        *,
        sample_every: float = SAMPLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sampler: Callable[[int], Dict[int, Tuple[str, int]]] = group_sample,
    ) -> None:
        self.seconds = seconds
        self.sample_every = sample_every
        self.clock = clock
        self.sampler = sampler
        self.last: Tuple[Dict[int, Tuple[str, int]], int] | None = None
        self.asleep_since: float | None = None
        self.sampled_at = float("-inf")

    def __call__(self, pgid: int, output_bytes: int) -> bool:
        if not HAVE_PROC and self.sampler is group_sample:
            return False
        now = self.clock()
        if now - self.sampled_at < self.sample_every:
            return self.asleep_since is not None and now - self.asleep_since >= self.seconds
        self.sampled_at = now
        sample = self.sampler(pgid)
        current = (sample, output_bytes)
        all_asleep = bool(sample) and all(state == "S" for state, _ in sample.values())
        if not all_asleep or current != self.last:
            self.asleep_since = now if all_asleep else None
        self.last = current
        return self.asleep_since is not None and now - self.asleep_since >= self.seconds
