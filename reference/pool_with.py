"""``Pool`` as a context manager ("method 2") — matrix row `pool-with`_.

The notes::

    with Pool(8) as p:
        p.map(f, list(range(1024)))

Safe for ``map`` (it blocks until every result is in) under every start method, given a
``__main__`` guard (see `pool-close-join`_ for what happens without one). The trap is what
``__exit__`` does: it calls ``terminate()``, not ``close()`` + ``join()``. Work started with
``apply_async``/``map_async``/``imap`` and not yet collected when the block ends is killed: an
``AsyncResult.get()`` without a timeout then waits forever (python/cpython gh-126743); workers
are stopped with SIGTERM, so their ``atexit``/``finally`` code does not run.

**Copy** :func:`vetted`: ``concurrent.futures.ProcessPoolExecutor`` with an explicit context,
two chunks per worker, and every result collected inside the block. A worker that dies, idle or
busy, raises ``BrokenProcessPool`` within about a second instead of a hang (`killed-worker`_; the
executor watches its own workers, so other threads starting processes cannot confuse it); an
exception raised by ``work`` is re-raised once the chunks already handed to workers (one per worker,
plus one ahead) have finished; the chunks not yet handed out are cancelled, 3.8 included
(``Executor.map`` cancels its pending futures when it raises, as ``shutdown(cancel_futures=True)``
would on 3.9+). Measured: 400 items of 0.2 s on 4 workers, item 0 raising: 11-15 s instead of 20 s.
Not on PyPy 7.3.11 (Python 3.9) under ``forkserver``/``spawn``: its executor fails at once with
``AttributeError: ... '_adjust_process_count'`` (measured); on PyPy 8.0.1 (3.11) under ``spawn`` a
killed worker hangs the executor (``InvalidStateError`` in its management thread; matrix row
`killed-worker`_).

Errors, as in every vetted form: what ``work`` raised (its own exception); ``BrokenProcessPool``
when a worker dies; no timeout (a slow ``work`` is waited for, as ``Pool.map`` does).

.. _pool-with: ../matrix/README.md#pool-with
.. _pool-close-join: ../matrix/README.md#pool-close-join
.. _killed-worker: ../matrix/README.md#killed-worker
.. seealso:: https://docs.python.org/3/library/multiprocessing.html#multiprocessing.pool.Pool
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import Pool
from multiprocessing.reduction import ForkingPickler
from typing import Callable

from reference._work import do_some_thing


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
    """``work`` on ``range(items)``; raises its error, or ``BrokenProcessPool`` if a worker dies."""
    ForkingPickler.dumps(work)  # fail fast: on 3.8 an unpicklable work can hang the executor
    chunksize = max(1, -(-items // (2 * processes)))  # 2 per worker: the executor queues workers + 1
    context = multiprocessing.get_context(start_method)  # None: this interpreter's default
    with ProcessPoolExecutor(processes, mp_context=context) as executor:
        for _ in executor.map(work, range(items), chunksize=chunksize):
            pass  # wait for every result inside the block; __exit__ then waits for the workers


if __name__ == "__main__":
    exact()
