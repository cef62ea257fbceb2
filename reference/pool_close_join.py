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

**Copy** :func:`vetted`: ``concurrent.futures.ProcessPoolExecutor`` with an explicit context and
two chunks per worker. A worker that dies, idle or busy, raises ``BrokenProcessPool`` within
about a second instead of a hang (`killed-worker`_; the executor watches its own workers, so other
threads starting processes cannot confuse it); an exception raised by ``work`` is re-raised once the
chunks already handed to workers (one per worker, plus one ahead) have finished; the chunks not yet
handed out are cancelled, 3.8 included (``Executor.map`` cancels its pending futures when it raises,
as ``shutdown(cancel_futures=True)`` would on 3.9+). Measured: 400 items of 0.2 s on 4 workers, item
0 raising: 11-15 s instead of 20 s. Not on PyPy 7.3.11 (Python 3.9) under ``forkserver``/``spawn``:
its executor fails at once with ``AttributeError: ... '_adjust_process_count'`` (measured); on PyPy
8.0.1 (3.11) under ``spawn`` a killed worker hangs the executor (``InvalidStateError`` in its
management thread; matrix row `killed-worker`_).

Errors, as in every vetted form: what ``work`` raised (its own exception); ``BrokenProcessPool``
when a worker dies; no timeout (a slow ``work`` is waited for, as ``Pool.map`` does).

.. _pool-close-join: ../matrix/README.md#pool-close-join
.. _killed-worker: ../matrix/README.md#killed-worker
.. seealso:: https://docs.python.org/3/library/multiprocessing.html#the-spawn-and-forkserver-start-methods
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
    """``work`` on ``range(items)``; raises its error, or ``BrokenProcessPool`` if a worker dies."""
    ForkingPickler.dumps(work)  # fail fast: on 3.8 an unpicklable work can hang the executor
    chunksize = max(1, -(-items // (2 * processes)))  # 2 per worker: the executor queues workers + 1
    executor = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context(start_method))
    try:
        for _ in executor.map(work, range(items), chunksize=chunksize):
            pass  # wait for every result; the first error is raised here
    finally:
        executor.shutdown()  # close() + join(): the workers exit once the queued chunks are done


if __name__ == "__main__":
    exact()
