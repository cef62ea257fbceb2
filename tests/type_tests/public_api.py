"""Type tests for the public API, checked by mypy (``tox -e type``: pyproject's mypy ``files``
include ``tests``), never run: pytest collects no file here (no ``test_*.py``), and the functions
are never called. ``assert_type`` fails mypy when an inferred type drifts; a ``type: ignore`` on a
call that must be rejected fails mypy (``warn_unused_ignores``, part of ``--strict``) when the
call is accepted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, List

import workers

from reference import pool_close_join, pool_return, pool_with, queue_class, queue_function, thread_event
from reference._work import f
from reference.start_method import context_for

if TYPE_CHECKING:
    from multiprocessing.context import DefaultContext

    from typing_extensions import assert_type  # typing.assert_type is 3.11+; mypy checks 3.10 too


def generic_map() -> None:
    """``pool_return.vetted(work: T -> R, Iterable[T]) -> list[R]``."""
    assert_type(pool_return.vetted(workers.square, [1, 2]), List[int])
    assert_type(pool_return.vetted(str, range(3)), List[str])
    assert_type(pool_return.vetted(f, ["a", "b"]), List[str])  # f: T -> T
    assert_type(pool_return.vetted(len, [b"x"], 2, start_method="spawn"), List[int])
    pool_return.vetted(workers.square, ["not an int"])  # type: ignore[arg-type]
    pool_return.vetted(workers.square, [1], start_method=3)  # type: ignore[arg-type]


def pool_forms() -> None:
    assert_type(pool_close_join.vetted(workers.square, 2, 16), None)
    assert_type(pool_with.vetted(workers.square, 2, 16, start_method=None), None)
    pool_with.vetted(str.upper)  # type: ignore[arg-type]  # work takes the ints of range(items)


def receivers(receiver: queue_class.Receiver, sender: thread_event.ThreadedSender) -> None:
    assert_type(receiver.receive(), int)
    assert_type(sender.receive(), int)
    assert_type(queue_function.vetted(3, 0.01, start_method="spawn", timeout=5.0), List[int])
    assert_type(queue_class.vetted(3), List[int])
    assert_type(thread_event.vetted(3), List[int])
    with queue_class.Receiver(0.01, "spawn", 5.0) as r:
        assert_type(r, queue_class.Receiver)
    with thread_event.ThreadedSender(0.01, timeout=5.0) as s:
        assert_type(s, thread_event.ThreadedSender)
    queue_class.Receiver(0.01, start_method=1)  # type: ignore[arg-type]


def start_methods() -> None:
    assert_type(context_for("spawn"), DefaultContext)
