"""Template lines that scripts of several groups share (each script still prints whole)."""

from __future__ import annotations

#: The keyword arguments of ``ProcessPoolExecutor(..., **options)`` for the script's ``method``
#: (None: the interpreter's default): ``mp_context`` is new in 3.7, so 3.6 sets the global default.
EXECUTOR_OPTIONS = """\
    options = {{}}
    if method is not None and sys.version_info < (3, 7):  # no mp_context before 3.7
        mp.set_start_method(method)
    elif method is not None:
        options["mp_context"] = mp.get_context(method)
"""
