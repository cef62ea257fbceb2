"""``Pool`` closed and joined by hand ("method 1") — matrix row `pool-close-join`_.

The notes::

    p = Pool(8)
    p.map(f, list(range(1024)))
    p.close()
    p.join()

Works under every start method *when* it runs under ``if __name__ == "__main__":`` and ``f`` is a
module-level function. Pasted at module level of a script it fails under ``spawn`` and
``forkserver`` (the default on macOS, Windows, and Linux from 3.14): each worker re-imports the
main module, reaches ``Pool(8)`` again and raises ``RuntimeError: An attempt has been made to start
a new process before the current process has finished its bootstrapping phase`` — and the parent,
waiting for results, may never return. If ``f`` raises, ``close()``/``join()`` are skipped and the
workers live on until the pool is garbage-collected (``ResourceWarning``).

**Copy** :func:`vetted`: an explicit context, ``terminate()`` on error so no worker outlives it, and
``ChildProcessError`` when a worker dies mid-task, where ``map`` would hang (`killed-worker`_).

.. _pool-close-join: ../matrix/README.md#pool-close-join
.. _killed-worker: ../matrix/README.md#killed-worker
.. seealso:: https://docs.python.org/3/library/multiprocessing.html#the-spawn-and-forkserver-start-methods
"""

from __future__ import annotations

from multiprocessing import Pool
from typing import Callable

from reference._pool_watch import map_or_raise, started_pool
from reference._work import do_some_thing
from reference.start_method import context_for


def exact(work: Callable[[int], object] = do_some_thing, processes: int = 8, items: int = 1024) -> None:
    """The notes, verbatim (``work`` is the notes' ``f``)."""
    p = Pool(processes)
    p.map(work, list(range(items)))
    p.close()
    p.join()


def vetted(
    work: Callable[[int], object] = do_some_thing,
    processes: int = 8,
    items: int = 1024,
    *,
    start_method: str | None = None,
) -> None:
    """Run ``work`` on ``range(items)`` in ``processes`` workers; no worker outlives the call."""
    pool, workers = started_pool(context_for(start_method), processes)
    try:
        map_or_raise(pool, workers, work, range(items))
    except BaseException:
        pool.terminate()  # a failed map, a dead worker or Ctrl-C: stop the workers, skip the rest
        raise
    else:
        pool.close()  # no more tasks: workers exit once the queue is empty
    finally:
        pool.join()


if __name__ == "__main__":
    exact()
