"""One interpreter's bench results (:class:`Entry`) and the number formats every table uses."""

from __future__ import annotations

import math
from typing import Any, Dict, List, Sequence

METHODS = ("fork", "forkserver", "spawn")


class Entry:
    """One interpreter's results, indexed by benchmark name."""

    def __init__(self, data: Dict[str, Any]) -> None:
        self.data = data
        facts = data["facts"]
        self.label: str = facts["label"]
        self.name: str = facts["name"]
        self.version: str = facts["version"]
        self.implementation: str = facts["implementation"]
        self.default: str | None = data.get("default_start_method") or facts.get("default_start_method")
        self.methods: List[str] = [m for m in METHODS if m in facts.get("start_methods", [])]
        self.benches: Dict[str, Dict[str, Any]] = {b["name"]: b for b in data.get("benchmarks", [])}
        self.error: str | None = data.get("error")
        self.peers: Dict[str, str] = data.get("peers", {})

    def median(self, name: str) -> float | None:
        return self._statistic(name, "median")

    def minimum(self, name: str) -> float | None:
        return self._statistic(name, "min")

    def _statistic(self, name: str, key: str) -> float | None:
        """``key`` (``median``, ``min``) of benchmark ``name``; None when it failed or did not run."""
        b = self.benches.get(name)
        if b is None or "error" in b:
            return None
        value: float = b[key]
        return value

    def spread(self, name: str) -> float | None:
        b = self.benches.get(name)
        if b is None or "error" in b or not b["min"]:
            return None
        value: float = b["median"] / b["min"] - 1.0
        return value


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")):
        if seconds >= scale or unit == "ns":
            value = seconds / scale
            digits = 0 if value >= 100 else 1 if value >= 10 else 2
            return f"{value:.{digits}f} {unit}"
    return "—"  # pragma: no cover


def fmt_ratio(num: float | None, den: float | None) -> str:
    if num is None or den is None or den <= 0:
        return "—"
    r = num / den
    return f"{r:.2f}×" if r < 10 else f"{r:.0f}×" if r >= 100 else f"{r:.1f}×"


def ratio(num: float | None, den: float | None) -> float | None:
    if num is None or den is None or den <= 0:
        return None
    return num / den


def fmt_rate(seconds_per_item: float | None, item_bytes: int = 0) -> str:
    if seconds_per_item is None or seconds_per_item <= 0:
        return "—"
    per_s = 1.0 / seconds_per_item
    if item_bytes:
        return f"{per_s * item_bytes / (1 << 20):,.0f} MiB/s"
    if per_s >= 1e6:
        return f"{per_s / 1e6:.2f} M/s"
    return f"{per_s / 1e3:,.0f} k/s"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> List[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return [*out, ""]


def geomean(values: Sequence[float]) -> float | None:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None
