"""The case scripts of the failure-mode and claim rows (:mod:`matrix.failure_modes`), as templates.

Scripts run on Python 3.6+ (no ``from __future__``, no walrus, no ``f"{x=}"``), except the
variants that import ``reference`` (3.8+): the ``vetted`` variants of ``killed-worker``,
``terminate-mid-put``, ``map-unpicklable`` and ``main-not-importable``. Every script keeps its work
under ``if __name__ == "__main__":`` (spawned children re-import it) except ``missing-guard``,
whose point is the missing guard. ``{method}`` is the start method, or ``None`` for ``default``
(the interpreter's own: ``mp.get_context(None)``).

``main-not-importable`` scripts are launchers: they replace themselves (``os.execv``: same pid,
process group and pipes, so the runner sees the program as if it had started it) with
``python -W default -c PROGRAM [METHOD]`` or ``python -W default - [METHOD]`` reading PROGRAM
from a pipe on stdin. PROGRAM starts with the case prelude (:data:`matrix.stderr.PRELUDE`), so the
parent's traceback is still told from the children's.
"""

from __future__ import annotations

from matrix.failure_scripts import executors, logs, memory, notes, pools, signals, starts

#: Row -> its template for a variant, from the modules that hold the scripts.
_MODES = {
    **notes.MODES,
    **pools.MODES,
    **starts.MODES,
    **executors.MODES,
    **memory.MODES,
    **logs.MODES,
    **signals.MODES,
}


def template(mode: str, variant: str) -> str:
    """The script of ``mode``/``variant``, with ``{method}`` still to be filled in."""
    return _MODES[mode](variant)
