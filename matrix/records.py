"""A case's :class:`matrix.runner.RunResult` as a :class:`matrix.model.Record` (the engine's)."""

from __future__ import annotations

from typing import Tuple

from matrix import cases, model
from matrix.failure_modes import parse_measure
from matrix.model import TOOL_VERSION, Facts, Measure, Record
from matrix.runner import RunResult

Cell = Tuple[str, str, str]  # pattern, variant, start method

#: The message of a cell not run: the reference package uses ``typing.Protocol`` (new in 3.8).
UNSUPPORTED = "the reference package needs Python >= 3.8; not run"


def measure_of(stdout: str) -> Measure | None:
    """The figures of a claim case's ``MATRIX-MEASURE`` line (None if absent or malformed)."""
    try:
        data = parse_measure(stdout)
        if data is None:
            return None
        measure = model.parse_measure(data, "MATRIX-MEASURE")
    except (ValueError, model.ResultsError):
        return None
    return measure


def make_record(facts: Facts, cell: Cell, result: RunResult, attempts: int, measured_at: str) -> Record:
    pattern, variant, method = cell
    measure = measure_of(result.stdout) if cases.is_claim(pattern) and result.outcome == "ok" else None
    return Record(
        pattern=pattern,
        variant=variant,
        start_method=method,
        resolved_start_method=facts.default_start_method if method == "default" else method,
        os=facts.os,
        implementation=facts.implementation,
        version=facts.version,
        build=facts.build,
        gil=facts.gil,
        interpreter=facts.name,
        outcome=result.outcome,
        exception=result.exception,
        message=_portable(result.message),
        cause=result.cause,
        cause_message=_portable(result.cause_message),
        detection=result.detection,
        exit_code=result.exit_code,
        warnings=list(result.warnings),
        seconds=result.seconds,
        attempts=attempts,
        cleanup=list(result.cleanup),
        measured_at=measured_at,
        tool_version=TOOL_VERSION,
        measure=measure,
    )


def _portable(message: str | None) -> str | None:
    """An exception's message with the home directory written ``~`` (an ImportError names the
    interpreter's file: a recorded message must name no machine)."""
    return None if message is None else model.portable(message)
