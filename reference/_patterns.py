"""The registry of patterns: stable ids (matrix anchors) -> reference modules.

Two kinds share it. The notes' patterns (``row == ""``) are the matrix's pattern rows: each module
holds the notes' form verbatim (``exact``) and the form to copy (``vetted``). A form *beyond the
notes* names the failure row of :mod:`matrix.failure_modes` that measures it (its ``vetted``
variant): its module holds only the form to copy, the row's case scripts hold the code people
actually write.
"""

from __future__ import annotations

from typing import NamedTuple


class Pattern(NamedTuple):
    id: str  # stable: used as the matrix anchor and on the command line
    module: str  # the reference module holding the exact and the vetted form
    title: str
    copy: str  # the name in ``module`` to copy
    multiprocess: bool  # False: threads only, the start method does not apply
    #: "": one of the notes' patterns; else the failure row whose ``vetted`` variant measures it
    row: str = ""

    @property
    def from_notes(self) -> bool:
        return not self.row


PATTERNS: dict[str, Pattern] = {
    p.id: p
    for p in (
        Pattern("set-start-method", "reference.start_method", "Choosing a start method", "context_for", True),
        Pattern(
            "pool-close-join", "reference.pool_close_join", "Pool with close() and join()", "vetted", True
        ),
        Pattern("pool-with", "reference.pool_with", "Pool as a context manager", "vetted", True),
        Pattern("pool-return", "reference.pool_return", "Pool.map with return values", "vetted", True),
        Pattern(
            "queue-function", "reference.queue_function", "Queue sender function, terminate()", "vetted", True
        ),
        Pattern(
            "queue-class",
            "reference.queue_class",
            "Queue sender class with a closure target",
            "Receiver",
            True,
        ),
        Pattern(
            "thread-event",
            "reference.thread_event",
            "Threaded sender stopped by an Event",
            "ThreadedSender",
            False,
        ),
        Pattern(
            "shared-memory",
            "reference.shared_memory",
            "Shared memory with one owner: never leaked, never unlinked early",
            "owned_block",
            True,
            row="shared-memory",
        ),
        Pattern(
            "log-queue",
            "reference.log_queue",
            "Logging from worker processes",
            "worker_logs",
            True,
            row="worker-logging",
        ),
        Pattern(
            "interruptible",
            "reference.interruptible",
            "Ctrl-C during a process pool's map",
            "vetted",
            True,
            row="ctrl-c",
        ),
        Pattern("recycle", "reference.recycle", "Recycling workers", "vetted", True, row="max-tasks"),
    )
}
