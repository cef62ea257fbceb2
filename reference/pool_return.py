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

**Copy** :func:`vetted`: ``concurrent.futures.ProcessPoolExecutor`` with an explicit context and
two chunks per worker. A worker that dies, idle or busy, raises ``BrokenProcessPool`` within
about a second instead of a hang (`killed-worker`_; the executor watches its own workers, so other
threads starting processes cannot confuse it); an exception raised by ``work`` is re-raised once the
chunks already handed to workers (one per worker, plus one ahead) have finished; the chunks not yet
handed out are cancelled, 3.8 included (``Executor.map`` cancels its pending futures when it raises,
as ``shutdown(cancel_futures=True)`` would on 3.9+). Two chunks per worker, not ``Pool.map``'s four:
the executor hands out a chunk only when a result comes back (it queues workers + 1), so each chunk
costs a round trip through its management thread; for 1,024 trivial items under ``fork``, four per
worker measured 1.2-1.3x ``Pool.map``, two 1.0-1.1x (`matrix/BENCHMARKS.md`_); larger chunks balance
uneven work less finely. Measured: 400 items of 0.2 s on 4 workers, item
0 raising: 11-15 s instead of 20 s. A ``work`` that cannot be pickled (a lambda, a local function)
raises ``PicklingError``/``AttributeError`` before any worker starts: on 3.8.18 the executor hung on
it in 7 runs of 9 (every start method; 3.9+ raise). Not on PyPy 7.3.11 (Python 3.9) under
``forkserver``/``spawn``: its executor fails at once with ``AttributeError: ...
'_adjust_process_count'`` (measured); on PyPy 8.0.1 (3.11) under ``spawn`` a killed worker hangs the
executor (``InvalidStateError`` in its management thread; matrix row `killed-worker`_).

Under ``fork``, calling it while another thread runs (a second caller, a thread starting processes)
forks the executor's workers beside that thread, which the docs call unsafe: PyPy 7.3.11 hung once
in 39 runs of two callers with both cores busy, and once beside a thread starting processes
(CPython passed every run until a CI-like run with both cores busy on 2026-12-04: one of two callers
hung on CPython 3.14 under fork). Under fork, call it from one thread at a time; prefer
``spawn``/``forkserver`` in threaded programs.

Errors, as in every vetted form: what ``work`` raised (its own exception); ``BrokenProcessPool``
when a worker dies; no timeout (a slow ``work`` is waited for, as ``Pool.map`` does).

.. _pool-return: ../matrix/README.md#pool-return
.. _pool-close-join: ../matrix/README.md#pool-close-join
.. _killed-worker: ../matrix/README.md#killed-worker
.. _matrix/BENCHMARKS.md: ../matrix/BENCHMARKS.md#vetted-forms-against-the-primitive-they-wrap-goal--11
.. seealso:: https://docs.python.org/3/library/multiprocessing.html#multiprocessing-programming
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import Pool
from multiprocessing.reduction import ForkingPickler
from typing import Callable, Iterable, TypeVar

from reference._work import f

T = TypeVar("T")
R = TypeVar("R")


def exact(processes: int = 8, items: int = 1024) -> list[int]:
    """The notes, verbatim; returns ``res``."""
    with Pool(processes) as p:
        res = p.map(f, list(range(items)))
    return res


def vetted(
    work: Callable[[T], R], inputs: Iterable[T], processes: int = 8, *, start_method: str | None = None
) -> list[R]:
    """``[work(x) for x in inputs]`` in ``processes`` workers, in input order; ``work`` is module-level.

    Raises what ``work`` raised, or ``BrokenProcessPool`` when a worker dies (``Pool.map`` would hang).
    """
    items = list(inputs)
    ForkingPickler.dumps(work)  # fail fast: on 3.8 an unpicklable work can hang the executor
    chunksize = max(1, -(-len(items) // (2 * processes)))  # 2 per worker: the executor queues workers + 1
    context = multiprocessing.get_context(start_method)  # None: this interpreter's default
    with ProcessPoolExecutor(processes, mp_context=context) as executor:
        return list(executor.map(work, items, chunksize=chunksize))


if __name__ == "__main__":
    res = exact()
    print(f"res: [{res[0]}, {res[1]}, {res[2]}, ..., {res[-1]}]")
