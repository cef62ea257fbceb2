"""Choosing a start method — matrix row `set-start-method`_.

The notes::

    import multiprocessing as mp
    mp.set_start_method('spawn')

``set_start_method`` sets a *process-global* default, may be called once only (a second call raises
``RuntimeError: context has already been set``, unless ``force=True``), and must run under
``if __name__ == "__main__":`` — under ``spawn``/``forkserver`` every child re-imports the main module.

Facts the notes get wrong or out of date (see the docs' "Contexts and start methods"):

* ``fork`` is available on POSIX only, and was the Linux default up to 3.13; from 3.14 the default on
  Linux and other POSIX except macOS is ``forkserver`` (gh-84559). macOS defaults to ``spawn`` since
  3.8 (fork is available there but unsafe: system libraries may crash the child). Windows: ``spawn`` only.
* ``spawn`` is slower to *start* a process (a fresh interpreter imports your main module); after start
  the work runs at the same speed. ``matrix/BENCHMARKS.md`` has the measured costs.

**Copy** :func:`context_for`: an explicit context per use, no global state, and a ``ValueError``
naming the methods this platform offers when the method is unknown.

.. _set-start-method: ../matrix/README.md#set-start-method
.. seealso:: https://docs.python.org/3/library/multiprocessing.html#contexts-and-start-methods
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.context import DefaultContext
from typing import cast


def exact(method: str = "spawn") -> None:
    """The notes, verbatim: set the process-global start method (works once per process)."""
    multiprocessing.set_start_method(method)


def default_start_method() -> str:
    """The start method a plain ``multiprocessing.Process`` would use here, without fixing it."""
    return context_for(None).get_start_method()


def context_for(start_method: str | None = None) -> DefaultContext:
    """Vetted: a context for ``start_method`` (None: the default); ValueError naming the choices."""
    available = multiprocessing.get_all_start_methods()
    # get_start_method() would fix the global default; allow_none=True only reads it
    default = multiprocessing.get_start_method(allow_none=True) or available[0]
    method = default if start_method is None else start_method
    if method not in available:
        raise ValueError(f"unknown start method {method!r}: this platform offers {', '.join(available)}")
    # typeshed: get_context(str) is a BaseContext, without .Process; each real context has it
    return cast(DefaultContext, multiprocessing.get_context(method))


if __name__ == "__main__":
    exact()
    print(multiprocessing.get_start_method())
