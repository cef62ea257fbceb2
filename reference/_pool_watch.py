"""A ``Pool.map`` that fails when a worker dies, instead of waiting forever — used by the vetted
Pool patterns (`pool-close-join`_, `pool-with`_, `pool-return`_; failure row `killed-worker`_).

When a worker process dies in the middle of a task (SIGKILL, the OOM killer, a crash in C code,
``os._exit`` or ``sys.exit`` in the work function), ``Pool`` starts a replacement but never fails
the task the dead worker held: ``map()`` waits for that result forever (python/cpython gh-66587,
open). ``concurrent.futures.ProcessPoolExecutor`` raises ``BrokenProcessPool`` instead.

Here the parent waits for the map in short slices and checks, between slices, whether any of the
pool's original workers has exited. Without ``maxtasksperchild`` a worker only exits while the
pool is open if it died, so that is the signal::

    parent                                    pool workers (children of the parent)
    ──────                                    ─────────────────────────────────────
    started_pool(): active_children() before
    and after Pool() ─ the new ones ────────▶ workers = [w1, w2, ...]
    map_or_raise(): map_async() ─ tasks ────▶ w1 runs a task, w2 is SIGKILLed mid-task
      loop: pending.wait(WORKER_POLL)
            w.exitcode for w in workers  ◀──── w2.exitcode == -9
      raise ChildProcessError ─▶ the caller's ``with pool``/``terminate()`` stops the rest

Public API only (``Pool._pool`` is private). The one assumption: no other thread of this process
starts a child process while ``Pool()`` starts its workers. Measured on Linux: the error comes
10-50 ms after the death. The terminated pool still holds the lost task in a reference cycle, so
the cyclic GC frees it later; on CPython 3.13.0-3.13.6 that can print "ResourceTracker called
reentrantly" (python/cpython gh-131788, fixed in 3.13.7); the tracker still unlinks the semaphores.

.. _pool-close-join: ../matrix/README.md#pool-close-join
.. _pool-with: ../matrix/README.md#pool-with
.. _pool-return: ../matrix/README.md#pool-return
.. _killed-worker: ../matrix/README.md#killed-worker
"""

from __future__ import annotations

import multiprocessing
from typing import TYPE_CHECKING, Callable, Iterable, List, Tuple, TypeVar

if TYPE_CHECKING:
    from multiprocessing.pool import Pool
    from multiprocessing.process import BaseProcess

    from reference.start_method import Context

T = TypeVar("T")
R = TypeVar("R")

#: Seconds between checks for a dead worker: the longest a lost task goes unnoticed, plus the
#: time ``exitcode`` takes to see the death. A finished map is seen at once, not after a slice.
WORKER_POLL = 0.05


def started_pool(context: Context, processes: int | None) -> Tuple[Pool, List[BaseProcess]]:
    """``context.Pool(processes)`` and the worker processes it started."""
    # Pool keeps its workers in the private Pool._pool; they are the children that appear while
    # Pool() runs (it starts them all before returning).
    before = set(multiprocessing.active_children())
    pool = context.Pool(processes)
    return pool, [p for p in multiprocessing.active_children() if p not in before]


def map_or_raise(
    pool: Pool,
    workers: List[BaseProcess],
    work: Callable[[T], R],
    inputs: Iterable[T],
    chunksize: int | None = None,
) -> List[R]:
    """``pool.map(work, inputs, chunksize)``; raises ``ChildProcessError`` if a worker dies."""
    pending = pool.map_async(work, inputs, chunksize)
    while not pending.ready():
        pending.wait(WORKER_POLL)
        dead = [w for w in workers if w.exitcode is not None]
        if dead and not pending.ready():
            raise ChildProcessError(
                f"pool worker {dead[0].name} (pid {dead[0].pid}) exited with code "
                f"{dead[0].exitcode} during map(): its task is lost, so the map can never "
                "complete (python/cpython gh-66587)"
            )
    return pending.get()
