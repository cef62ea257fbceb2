"""Comparing a generated file with what it should be, without pytest's diff of the whole text.

The rendered matrix is ~650 kB: pytest's rewritten ``assert actual == expected`` computes a full
``difflib`` diff when they differ, which took over two minutes on CPython 3.8 and hit the test
timeout instead of saying "stale". This reports the first difference, with some context.
"""

from __future__ import annotations

import pytest

CONTEXT = 160  # characters shown each side of the first difference


def assert_same_text(actual: str, expected: str, stale: str) -> None:
    """Fail with ``stale`` and the first differing excerpt unless ``actual == expected``."""
    if actual == expected:
        return
    shorter = min(len(actual), len(expected))
    at = next((i for i, (a, e) in enumerate(zip(actual, expected)) if a != e), shorter)
    lo = max(0, at - CONTEXT)
    pytest.fail(
        f"{stale}\nfirst difference at character {at} (lengths {len(actual)} vs {len(expected)}):\n"
        f"  actual:   {actual[lo : at + CONTEXT]!r}\n  expected: {expected[lo : at + CONTEXT]!r}",
        pytrace=False,
    )
