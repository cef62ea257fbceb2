"""``Pool.map`` with return values — matrix row `pool-return`_.

The notes::

    def f(x):
        return x

    with Pool(8) as p:
        res = p.map(f, list(range(1024)))
    # res: [0, 1, 2, ..., 1023]

``map`` returns results in input order. The work function and every item and result cross a
process boundary by pickle: under ``spawn``/``forkserver`` a lambda, closure or locally defined
function fails (``AttributeError``/``PicklingError``: "Can't pickle local object ..."), and an
exception raised by ``f`` is re-raised in the parent by ``map``. Needs a ``__main__`` guard under
``spawn``/``forkserver`` (see `pool-close-join`_).

A worker that dies mid-task (SIGKILL, the OOM killer, a crash in C code) makes ``map`` wait forever
for the lost result (python/cpython gh-66587; matrix row `killed-worker`_).

**Copy** :func:`vetted`: a typed ``map`` from ``T -> R`` with an explicit context, that returns
only after the pool has shut down cleanly and raises ``ChildProcessError`` if a worker dies.

.. _pool-return: ../matrix/README.md#pool-return
.. _pool-close-join: ../matrix/README.md#pool-close-join
.. _killed-worker: ../matrix/README.md#killed-worker
.. seealso:: https://docs.python.org/3/library/multiprocessing.html#multiprocessing-programming
"""

from __future__ import annotations

from multiprocessing import Pool
from typing import Callable, Iterable, TypeVar

from reference._pool_watch import map_or_raise, started_pool
from reference._work import f
from reference.start_method import context_for

T = TypeVar("T")
R = TypeVar("R")


def exact(processes: int = 8, items: int = 1024) -> list[int]:
    """The notes, verbatim; returns ``res``."""
    with Pool(processes) as p:
        res = p.map(f, list(range(items)))
    return res


def vetted(
    work: Callable[[T], R],
    inputs: Iterable[T],
    processes: int = 8,
    *,
    start_method: str | None = None,
    chunksize: int | None = None,
) -> list[R]:
    """``[work(x) for x in inputs]`` computed in ``processes`` workers, in input order.

    ``work`` must be a module-level function; its exceptions are re-raised here, and a worker
    that dies raises ``ChildProcessError`` (``pool.map`` would wait forever).
    """
    pool, workers = started_pool(context_for(start_method), processes)
    with pool:  # on any error, __exit__ terminates the workers
        results = map_or_raise(pool, workers, work, inputs, chunksize)
        pool.close()
        pool.join()
    return results


if __name__ == "__main__":
    res = exact()
    print(f"res: [{res[0]}, {res[1]}, {res[2]}, ..., {res[-1]}]")
