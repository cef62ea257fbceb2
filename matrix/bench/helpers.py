"""The suite's long-lived helpers: a warm ``Pool``, queue channels and a ``Pipe`` echo child per start
method, set up on first use inside a pyperf worker and torn down at its exit (part of the suite)."""

from __future__ import annotations

import atexit
import queue
import threading
from typing import TYPE_CHECKING, Any, Callable, Dict, Protocol, Tuple

from matrix.bench._children import echo_pipe
from matrix.bench.workload import JOIN_TIMEOUT, POOL_PROCESSES
from reference.start_method import context_for

if TYPE_CHECKING:
    from multiprocessing.pool import Pool
    from multiprocessing.process import BaseProcess


_POOLS: Dict[str, Pool] = {}
_CHANNELS: Dict[Tuple[str, str], Channel] = {}


def warm_pool(method: str) -> Pool:
    pool = _POOLS.get(method)
    if pool is None:
        pool = context_for(method).Pool(POOL_PROCESSES)
        _POOLS[method] = pool

        def close() -> None:
            pool.close()
            pool.join()

        atexit.register(close)
    return pool


class Channel:
    """Two queues and a child (process or thread) serving them with ``target``."""

    def __init__(self, scope: str, target: Callable[[Any, Any], None]) -> None:
        self.inbox: Any
        self.outbox: Any
        self.worker: BaseProcess | threading.Thread
        if scope == "thread":
            self.inbox, self.outbox = queue.Queue(), queue.Queue()
            self.worker = threading.Thread(target=target, args=(self.inbox, self.outbox), daemon=True)
        else:
            ctx = context_for(scope)
            self.inbox, self.outbox = ctx.Queue(), ctx.Queue()
            self.worker = ctx.Process(target=target, args=(self.inbox, self.outbox))
        self.worker.start()
        atexit.register(self.close)

    @property
    def process(self) -> BaseProcess:
        assert not isinstance(self.worker, threading.Thread)
        return self.worker

    def close(self) -> None:
        self.inbox.put(None)
        self.worker.join(JOIN_TIMEOUT)
        if not isinstance(self.worker, threading.Thread):
            if self.worker.is_alive():
                self.worker.terminate()
                self.worker.join()
            for q in (self.inbox, self.outbox):
                q.close()
                q.join_thread()


def channel(scope: str, target: Callable[[Any, Any], None]) -> Channel:
    key = (scope, target.__name__)
    chan = _CHANNELS.get(key)
    if chan is None:
        chan = _CHANNELS[key] = Channel(scope, target)
    return chan


class Duplex(Protocol):
    """One end of a duplex ``Pipe`` (``Connection``; ``PipeConnection`` on Windows)."""

    def send(self, obj: object) -> None: ...
    def poll(self, timeout: float | None = ...) -> bool: ...
    def recv(self) -> object: ...
    def close(self) -> None: ...


_PIPES: Dict[str, Duplex] = {}


def pipe_echo(method: str) -> Duplex:
    """One end of a duplex ``Pipe`` whose other end a child echoes (closed and joined at exit)."""
    conn = _PIPES.get(method)
    if conn is None:
        ctx = context_for(method)
        conn, child_end = ctx.Pipe()
        process = ctx.Process(target=echo_pipe, args=(child_end,))
        process.start()
        child_end.close()
        _PIPES[method] = conn

        def close() -> None:
            conn.send(None)
            process.join(JOIN_TIMEOUT)
            if process.is_alive():
                process.kill()
                process.join()
            conn.close()

        atexit.register(close)
    return conn
