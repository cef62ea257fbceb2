"""Targets the benchmarks run in child processes and threads.

Module-level (so ``spawn`` and ``forkserver`` can pickle them by reference) and stdlib-only.
"""

from __future__ import annotations

from typing import Protocol

#: Asks a consumer to acknowledge everything received so far.
SYNC = "sync"
ACK = "ack"


class _Channel(Protocol):
    def get(self) -> object: ...
    def put(self, obj: object) -> None: ...


def noop() -> None:
    """The target of a ``Process``/``Thread`` that only starts and ends."""


def echo(inbox: _Channel, outbox: _Channel) -> None:
    """Send every item back until ``None``."""
    while True:
        item = inbox.get()
        if item is None:
            return
        outbox.put(item)


class _Duplex(Protocol):
    def recv(self) -> object: ...
    def send(self, obj: object) -> None: ...


def echo_pipe(conn: _Duplex) -> None:
    """:func:`echo` on one end of a duplex ``Pipe``: the vetted sender forms' transport."""
    while True:
        item = conn.recv()
        if item is None:
            return
        conn.send(item)


def consume(inbox: _Channel, outbox: _Channel) -> None:
    """Take items until ``None``; answer each :data:`SYNC` with :data:`ACK`."""
    while True:
        item = inbox.get()
        if item is None:
            return
        if isinstance(item, str) and item == SYNC:
            outbox.put(ACK)


def send_n(outbox: _Channel, count: int) -> None:
    """The raw sender: ``0 .. count-1``, then ``None``; then exit."""
    for x in range(count):
        outbox.put(x)
    outbox.put(None)
