"""The expectations of the failure-mode and claim rows (matrix/failure_modes.py), cited: one module
per group of rows (the same groups as :mod:`matrix.failure_scripts`)."""

from __future__ import annotations

from typing import Tuple

from matrix.failure_rules import executors, logs, memory, notes, pools, signals, starts
from matrix.rule import Rule

FAILURE_RULES: Tuple[Rule, ...] = (
    *notes.RULES,
    *pools.RULES,
    *starts.RULES,
    *executors.RULES,
    *memory.RULES,
    *logs.RULES,
    *signals.RULES,
)
RELIED_ON_FORK_RULES: Tuple[Rule, ...] = starts.RELIED_ON_FORK_RULES
