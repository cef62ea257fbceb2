"""The recipes of ``python -m reference show``: per pattern and variant, the definitions a snippet
carries, its ``__main__`` block and where the form works; the sizes the blocks run with.

:mod:`reference._snippets` cuts the definitions out of the tested modules and bundles them with
the block :func:`main_body` fills in here.
"""

from __future__ import annotations

import string
from typing import Dict, NamedTuple, Tuple

from reference._patterns import PATTERNS

VARIANTS: Tuple[str, ...] = ("exact", "vetted")


class Sizes(NamedTuple):
    processes: int
    items: int
    received: int
    interval: float


#: The notes' sizes (the reference functions' defaults) and the shrunk ``--quick`` ones.
NOTES = Sizes(processes=8, items=1024, received=10, interval=0.5)
QUICK = Sizes(processes=2, items=64, received=3, interval=0.01)
QUICK_TEXT = "Pool(2), 64 items, 3 received items, 0.01 s intervals"


class Recipe(NamedTuple):
    names: Tuple[str, ...]  # top-level names of the pattern's module: the code shown
    #: The ``__main__`` body, a :class:`string.Template` of :class:`Sizes`' fields, ``$method`` (a
    #: literal: ``None``, ``"spawn"``) and ``$method_arg`` (empty, or the literal).
    main: str
    where: str = ""  # one line: where the form works ("" for vetted: derived from the registry)


_RUN_CHILD = "p.start()\np.join()\nprint(p.exitcode)\n"
_POOL_VETTED = Recipe(
    ("vetted",), "vetted(do_some_thing, processes=$processes, items=$items, start_method=$method)\n"
)

RECIPES: Dict[str, Dict[str, Recipe]] = {
    "set-start-method": {
        "exact": Recipe(
            ("exact",),
            "exact($method_arg)\n"
            "print(multiprocessing.get_start_method())\n"
            "p = multiprocessing.Process(target=do_some_thing, args=(1,))\n" + _RUN_CHILD,
            "once per process, under a __main__ guard (a second call: RuntimeError "
            "'context has already been set'; unguarded: the spawn/forkserver child calls it again)",
        ),
        "vetted": Recipe(
            ("context_for",),
            "ctx = context_for($method)  # None: this interpreter's default\n"
            "print(ctx.get_start_method())\n"
            "p = ctx.Process(target=do_some_thing, args=(1,))\n" + _RUN_CHILD,
        ),
    },
    "pool-close-join": {
        "exact": Recipe(
            ("exact",),
            "exact(processes=$processes, items=$items)\n",
            "every start method under a __main__ guard; unguarded: fork only (spawn/forkserver: "
            "RuntimeError, bootstrapping phase); a failing f leaks the workers",
        ),
        "vetted": _POOL_VETTED,
    },
    "pool-with": {
        "exact": Recipe(
            ("exact",),
            "exact(processes=$processes, items=$items)\n",
            "every start method under a __main__ guard (unguarded: fork only); __exit__ calls "
            "terminate(): an uncollected AsyncResult.get() without a timeout hangs (gh-126743)",
        ),
        "vetted": _POOL_VETTED,
    },
    "pool-return": {
        "exact": Recipe(
            ("exact",),
            "res = exact(processes=$processes, items=$items)\n"
            'print(f"res: [{res[0]}, {res[1]}, {res[2]}, ..., {res[-1]}]")\n',
            "every start method with a module-level f under a __main__ guard; a lambda or closure "
            "as f: never (pickling); unguarded: fork only",
        ),
        "vetted": Recipe(
            ("vetted",),
            "res = vetted(f, range($items), $processes, start_method=$method)\n"
            'print(f"res: [{res[0]}, {res[1]}, {res[2]}, ..., {res[-1]}]")\n',
        ),
    },
    "queue-function": {
        "exact": Recipe(
            ("exact",),
            "exact(received=$received, interval=$interval)\n",
            "every start method under a __main__ guard (unguarded spawn/forkserver: the parent "
            "blocks on get() forever); terminate() may corrupt the queue",
        ),
        "vetted": Recipe(
            ("vetted",), "vetted(received=$received, interval=$interval, start_method=$method)\n"
        ),
    },
    "queue-class": {
        "exact": Recipe(
            ("A",),
            "a = A(interval=$interval)\na.run(received=$received)\n",
            "fork only (fails under spawn/forkserver: the closure target cannot be pickled); "
            "terminate() may corrupt the queue",
        ),
        "vetted": Recipe(
            ("Receiver",),
            "with Receiver($interval, start_method=$method) as receiver:\n"
            "    for _ in range($received):\n        print(receiver.receive())\n",
        ),
    },
    "thread-event": {
        "exact": Recipe(
            ("A",),
            "a = A(interval=$interval)\na.run(received=$received)\n",
            "everywhere (threads: the start method does not apply); stopping takes up to one "
            "sleep interval; a dead sender blocks get() forever",
        ),
        "vetted": Recipe(
            ("ThreadedSender",),
            "with ThreadedSender($interval) as sender:\n"
            "    for _ in range($received):\n        print(sender.receive())\n",
        ),
    },
    "shared-memory": {
        "vetted": Recipe(
            ("owned_block", "attached", "vetted"),
            "print(vetted([1, 2, 3, 200], 2, start_method=$method))  # squares mod 256, in 2 processes\n",
        ),
    },
    "log-queue": {
        "vetted": Recipe(
            ("worker_logs", "send_logs_to", "work"),
            'logging.basicConfig(level=logging.INFO, format="%(processName)s: %(message)s")\n'
            "ctx = multiprocessing.get_context($method)  # None: this interpreter's default\n"
            "with worker_logs(ctx) as logargs:  # records go to basicConfig's handler (stderr)\n"
            "    with ctx.Pool(2, initializer=send_logs_to, initargs=logargs) as pool:\n"
            "        print(pool.map(work, range(4)))\n",
        ),
    },
    "interruptible": {
        "vetted": Recipe(
            ("vetted",),
            "res = vetted(f, range($items), $processes, start_method=$method)  # Ctrl-C: one traceback\n"
            'print(f"res: [{res[0]}, {res[1]}, {res[2]}, ..., {res[-1]}]")\n',
        ),
    },
    "recycle": {
        "vetted": Recipe(
            ("vetted", "square"), "print(vetted(square, range(8), 2, 1, start_method=$method))\n"
        )
    },
}

#: Where a vetted form does not work, measured (the module docstring says why).
POOL_CAVEAT = dict.fromkeys(
    ("pool-close-join", "pool-with", "pool-return", "interruptible"),
    "; under fork, one calling thread at a time; PyPy 7.3.11: fork only (its ProcessPoolExecutor fails)",
)


def variants_of(pattern: str) -> Tuple[str, ...]:
    """The variants ``show`` offers: a form beyond the notes has only ``vetted`` (the code people
    actually write is its matrix row's case script)."""
    return tuple(v for v in VARIANTS if v in RECIPES[pattern])


def where(pattern: str, variant: str) -> str:
    """One line: where this form works (and how it fails elsewhere)."""
    if variant == "exact":
        return RECIPES[pattern]["exact"].where
    if PATTERNS[pattern].multiprocess:
        anchor = PATTERNS[pattern].row or pattern
        linux = f"measured on Linux, every start method (matrix/README.md#{anchor})"
        return linux + "; macOS/Windows: not measured" + POOL_CAVEAT.get(pattern, "")
    return "everywhere (threads: the start method does not apply; measured on Linux)"


def copy_name(pattern: str, variant: str) -> str:
    """The name to copy (vetted), or the notes' verbatim code (exact)."""
    return PATTERNS[pattern].copy if variant == "vetted" else RECIPES[pattern]["exact"].names[0]


def _literal(value: str | None) -> str:
    return "None" if value is None else f'"{value}"'


def main_body(pattern: str, variant: str, start_method: str | None = None, *, quick: bool = False) -> str:
    """The body of the snippet's ``__main__`` block."""
    sizes = QUICK if quick else NOTES
    body = string.Template(RECIPES[pattern][variant].main).substitute(
        processes=sizes.processes,
        items=sizes.items,
        received=sizes.received,
        interval=sizes.interval,
        method=_literal(start_method),
        method_arg="" if start_method is None else _literal(start_method),
    )
    passes_method = variant == "vetted" and PATTERNS[pattern].multiprocess
    if start_method is not None and not passes_method and pattern != "set-start-method":
        # the notes' way: the process-global default, set once, under the guard
        body = f"multiprocessing.set_start_method({_literal(start_method)})\n" + body
    return body
