"""``Pool`` as a context manager ("method 2") — matrix row `pool-with`_.

The notes::

    with Pool(8) as p:
        p.map(f, list(range(1024)))

Safe for ``map`` (it blocks until every result is in) under every start method, given a
``__main__`` guard (see `pool-close-join`_ for what happens without one). The trap is what
``__exit__`` does: it calls ``terminate()``, not ``close()`` + ``join()``. Work started with
``apply_async``/``map_async``/``imap`` and not yet collected when the block ends is killed and
its results never arrive (python/cpython gh-126743); workers are stopped with SIGTERM, so
their ``atexit``/``finally`` code does not run.

**Copy** :func:`vetted`: collect every result *inside* the block, then ``close()`` and ``join()``
before leaving it, so the workers finish cleanly and ``__exit__`` has nothing left to kill; a
worker that dies mid-task raises ``ChildProcessError`` instead of hanging ``map`` (`killed-worker`_).

.. _pool-with: ../matrix/README.md#pool-with
.. _pool-close-join: ../matrix/README.md#pool-close-join
.. _killed-worker: ../matrix/README.md#killed-worker
.. seealso:: https://docs.python.org/3/library/multiprocessing.html#multiprocessing.pool.Pool
"""

from __future__ import annotations

from multiprocessing import Pool
from typing import Callable

from reference._pool_watch import map_or_raise, started_pool
from reference._work import do_some_thing
from reference.start_method import context_for


def exact(work: Callable[[int], object] = do_some_thing, processes: int = 8, items: int = 1024) -> None:
    """The notes, verbatim (``work`` is the notes' ``f``)."""
    with Pool(processes) as p:
        p.map(work, list(range(items)))


def vetted(
    work: Callable[[int], object] = do_some_thing,
    processes: int = 8,
    items: int = 1024,
    *,
    start_method: str | None = None,
) -> None:
    """Run ``work`` on ``range(items)``; every task has finished when this returns."""
    pool, workers = started_pool(context_for(start_method), processes)
    with pool:
        map_or_raise(pool, workers, work, range(items))  # all work is done before __exit__'s terminate()
        pool.close()
        pool.join()  # graceful exit: workers flush and run their exit handlers


if __name__ == "__main__":
    exact()
