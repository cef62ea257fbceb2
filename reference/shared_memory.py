"""Shared memory with one owner: never leaked, never unlinked while in use — matrix row `shared-memory`_.

On POSIX every ``multiprocessing.shared_memory.SharedMemory`` registers its block with a resource
tracker process, which unlinks what is still registered when the last process using that tracker
exits, warning ``resource_tracker: There appear to be N leaked shared_memory objects``
(python/cpython gh-82300). A process that attaches with a tracker of its own therefore unlinks the
block when it exits, while the creator still uses it. The rules, all public API:

* the creator owns the block: :func:`owned_block` creates it and, in a ``finally``, closes and
  unlinks it, once, whatever the work raised;
* attachers only close: :func:`attached`. On 3.13+ it passes ``track=False`` (gh-82300), so no
  attacher registers anything. Before 3.13 that is a ``TypeError``: the attacher registers the
  name with the tracker it has, which is the creator's when the attacher is a process the creator
  started *after* creating the block (fork copies the tracker's pipe, spawn and forkserver are
  given it); the duplicate changes nothing and the creator's unlink removes it. So create the block
  first, then start the processes: on 3.8-3.12 a worker *forked* before any tracker existed (a
  ``Pool`` made before the block) starts one of its own and unlinks the block when it exits. A
  program the creator did not start cannot attach safely before 3.13.
* :func:`vetted` puts them together: processes started inside the block, each bounded by a timeout.

Threads: before 3.13 under ``fork``, a process forked while another thread is inside the resource
tracker (creating or unlinking a block) inherits the tracker's lock held, and hangs when it
attaches (it registers the name): :func:`vetted`'s timeout ends it (``RuntimeError``). Use
``spawn``/``forkserver`` in threaded programs (the docs call fork beside threads unsafe anyway).
Another thread's ``Process.start()`` may reap an attacher and lose its exit code (gh-148318, open
on every version): each attacher marks itself done in the block, and :func:`vetted` reads that.

A creator killed by SIGKILL leaves the block to its tracker, which unlinks it (with the warning).
Windows has no tracker: a block lives while a handle to it is open and ``unlink()`` does nothing.

Measured on Linux, CPython 3.8-3.15 and PyPy 3.9/3.11, every start method (matrix row
`shared-memory`_, variant ``vetted``: nothing left in /dev/shm, no tracker warning).

.. _shared-memory: ../matrix/README.md#shared-memory
"""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
from multiprocessing.context import DefaultContext
from multiprocessing.shared_memory import SharedMemory
from typing import Iterator, List, Sequence, cast


@contextlib.contextmanager
def owned_block(size: int) -> Iterator[SharedMemory]:
    """Create a block of ``size`` bytes; close and unlink it when the ``with`` block ends."""
    shm = SharedMemory(create=True, size=size)
    try:
        yield shm
    finally:
        try:
            shm.close()  # BufferError while a memoryview of shm.buf is alive: unlinked all the same
        finally:
            shm.unlink()


@contextlib.contextmanager
def attached(name: str) -> Iterator[SharedMemory]:
    """Attach to the block ``name`` without owning it: close it, never unlink it."""
    if sys.version_info >= (3, 13):
        shm = SharedMemory(name, track=False)  # registered nowhere: this exit cannot unlink it
    else:  # registered with the creator's tracker (see above): a duplicate its unlink removes
        shm = SharedMemory(name)
    try:
        yield shm
    finally:
        shm.close()


def _buf(shm: SharedMemory) -> memoryview:
    if shm.buf is None:  # typeshed: None once closed
        raise ValueError(f"shared memory {shm.name!r} is closed")
    return shm.buf


def _square(name: str, index: int, step: int, end: int) -> None:
    """An attacher: squares (mod 256) the bytes ``index``, ``index + step``, ... before ``end``."""
    with attached(name) as shm, _buf(shm)[:] as view:  # the view released before close()
        for i in range(index, end, step):
            view[i] = view[i] * view[i] % 256
        view[end + index] = 1  # done: its exit code can be lost to another thread (gh-148318)


def vetted(
    values: Sequence[int], processes: int = 2, start_method: str | None = None, timeout: float = 30.0
) -> List[int]:
    """Square ``values`` (bytes, 0-255) in place in shared memory, in ``processes`` processes."""
    ctx = cast(DefaultContext, multiprocessing.get_context(start_method))  # typeshed: for .Process
    end = len(values)  # then one "done" byte per process
    with owned_block(max(end + processes, 1)) as shm:  # 1. the block exists before any attacher
        _buf(shm)[:end] = bytes(values)
        procs = [ctx.Process(target=_square, args=(shm.name, i, processes, end)) for i in range(processes)]
        try:
            for p in procs:  # 2. then the attachers start
                p.start()
            for p in procs:
                p.join(timeout)
        finally:
            for p in procs:  # 3. none is left attached when the block is unlinked
                if p.is_alive():
                    p.kill()
                    p.join()
        failed = [p.exitcode for i, p in enumerate(procs) if _buf(shm)[end + i] != 1]
        if failed:
            raise RuntimeError(f"attaching processes failed (exit codes {failed}): nothing computed")
        with _buf(shm)[:end] as out:  # released before close(), on PyPy too
            return list(out)
