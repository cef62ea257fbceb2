"""The case scripts: the notes' statements per pattern, in three (four) variants.

Every case is one script run as ``python -W default case.py`` by a fresh interpreter, with the
reference package importable from the script's directory; it starts with the prelude of
:mod:`matrix.stderr` (an excepthook that marks whose uncaught exception it is). Counts and
intervals are shrunk so a case takes a fraction of a second: ``Pool(8)`` -> ``Pool(2)``,
``range(1024)`` -> ``range(64)``, 10 received items -> 3, ``time.sleep(0.5)`` -> ``time.sleep(0.01)``.

Variants:

* ``verbatim``: the notes' code pasted at module level (tabs and quirks kept), preceded by
  ``import multiprocessing as mp; mp.set_start_method(METHOD)`` when a method is chosen.
* ``guarded``: imports, ``def`` and ``class`` stay at module level (spawned children must find
  them there), every other statement (the ``set_start_method`` call too) goes under
  ``if __name__ == "__main__":``.
* ``vetted``: the reference module's portable form, under a main guard (needs Python >= 3.8).
* ``twice`` (``set-start-method`` only): guarded, calling ``set_start_method`` twice.

The notes leave ``do_some_thing`` undefined (it stands for the user's work): the cases define it
next to ``f``. The notes' "with return values" block relies on the previous block's
``from multiprocessing import Pool``: the cases import it. ``set-start-method`` cases start and
join one trivial ``Process`` so the start method matters; its verbatim/guarded/twice rows always
name a method (there is no "default" argument to pass), so they have no ``default`` row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

from matrix import failure_modes
from matrix.model import Facts
from matrix.rows import MP_METHODS, PATTERN_IDS, START_METHODS
from matrix.stderr import PRELUDE

#: Shrunk sizes, documented in the rendered README.
SHRINK: Tuple[Tuple[str, str], ...] = (
    ("Pool(8)", "Pool(2)"),
    ("range(1024)", "range(64)"),
    ("10 received items", "3"),
    ("sleep 0.5 s", "0.01 s"),
)


@dataclass(frozen=True)
class Snippet:
    """The notes' code for one pattern, split into definitions and statements."""

    definitions: str  # imports, def, class: module level in every variant
    statements: str  # what runs: module level (verbatim) or under the main guard (guarded)


_WORK = (
    "# matrix: the notes leave do_some_thing (the user's work) undefined\n"
    "def do_some_thing(x):\n"
    "    sum(range(x % 64))\n"
)

_CHILD = "# matrix: one trivial process, so that the start method matters\ndef child():\n    pass\n"

_START_CHILD = "p = mp.Process(target=child)\np.start()\np.join()\n"

SNIPPETS: Dict[str, Snippet] = {
    "set-start-method": Snippet(
        "import multiprocessing as mp\n\n" + _CHILD,
        "mp.set_start_method({method!r})\n" + _START_CHILD,
    ),
    "pool-close-join": Snippet(
        "from multiprocessing import Pool\n\n" + _WORK + "\ndef f(x):\n\tdo_some_thing(x)\n",
        "# method 1\np = Pool(2)\np.map(f, list(range(64)))\np.close()\np.join()\n",
    ),
    "pool-with": Snippet(
        "from multiprocessing import Pool\n\n" + _WORK + "\ndef f(x):\n\tdo_some_thing(x)\n",
        "# method 2\nwith Pool(2) as p:\n    p.map(f, list(range(64)))\n",
    ),
    "pool-return": Snippet(
        "from multiprocessing import Pool  # matrix: from the notes' previous block\n"
        "def f(x): \n    return x\n",
        "with Pool(2) as p:\n\tres = p.map(f, list(range(64)))\n# res: [0, 1, 2, ..., 1023]\n",
    ),
    "queue-function": Snippet(
        "import time\n"
        "from multiprocessing import Queue, Process\n"
        "\n"
        "# sender (background)\n"
        "def sender(q):\n"
        "    x = 0\n"
        "    while True:\n"
        "        q.put(x)\n"
        "        x += 1\n"
        "        time.sleep(0.01)\n",
        "q = Queue()\n"
        "p = Process(target=sender, args=(q,))\n"
        "\n"
        "p.start()\n"
        "\n"
        "# reciever (foreground)\n"
        "for _ in range(3):\n"
        "    x = q.get()\n"
        "    print(x)\n"
        "    time.sleep(0.01)\n"
        "\n"
        "p.terminate() # terminate sender (don't use join since it runs endlessly)\n",
    ),
    "queue-class": Snippet(
        "import time\n"
        "from multiprocessing import Queue, Process\n"
        "\n"
        "class A:\n"
        "    def __init__(self):\n"
        "        self.q = Queue()\n"
        "\n"
        "        # sender (background)\n"
        "        def sender():\n"
        "            x = 0\n"
        "            while True:\n"
        "                self.q.put(x)\n"
        "                x += 1\n"
        "                time.sleep(0.01)\n"
        "\n"
        "        self.p = Process(target=sender)\n"
        "\n"
        "        self.p.start()\n"
        "\n"
        "    def run(self):\n"
        "\n"
        "        # reciever (foreground)\n"
        "        for _ in range(3):\n"
        "            x = self.q.get()\n"
        "            print(x)\n"
        "            time.sleep(0.01)\n"
        "\n"
        "        self.p.terminate()\n",
        "a = A()\na.run()\n",
    ),
    "thread-event": Snippet(
        "import time\n"
        "from queue import Queue\n"
        "from threading import Thread, Event\n"
        "\n"
        "class A:\n"
        "    def __init__(self):\n"
        "        self.q = Queue()\n"
        "        self.exit_event = Event()\n"
        "\n"
        "        # sender (background)\n"
        "        def sender():\n"
        "            x = 0\n"
        "            while True:\n"
        "                # threading does not have a terminate() or kill(), so we manually handle the exit\n"
        "                if self.exit_event.is_set():\n"
        "                    break\n"
        "                self.q.put(x)\n"
        "                x += 1\n"
        "                time.sleep(0.01)\n"
        "\n"
        "        self.p = Thread(target=sender)\n"
        "\n"
        "        self.p.start()\n"
        "\n"
        "    def run(self):\n"
        "\n"
        "        # reciever (foreground)\n"
        "        for _ in range(3):\n"
        "            x = self.q.get()\n"
        "            print(x)\n"
        "            time.sleep(0.01)\n"
        "\t\t\n"
        "        # set exit event\n"
        "        self.exit_event.set()\n"
        "        self.p.join()\n\n",
        "a = A()\na.run()\n",
    ),
}

#: The vetted form per pattern: (imports, call). ``{method}`` is the start method or None.
VETTED: Dict[str, Tuple[str, str]] = {
    "set-start-method": (
        "from reference.start_method import context_for\n\n" + _CHILD,
        "ctx = context_for({method!r})\n"
        "p = ctx.Process(target=child)\n"
        "p.start()\n"
        "p.join()\n"
        "if p.exitcode != 0:\n"
        "    raise SystemExit('child exited with %r' % p.exitcode)\n",
    ),
    "pool-close-join": (
        "from reference.pool_close_join import vetted\n",
        "vetted(processes=2, items=64, start_method={method!r})\n",
    ),
    "pool-with": (
        "from reference.pool_with import vetted\n",
        "vetted(processes=2, items=64, start_method={method!r})\n",
    ),
    "pool-return": (
        "from reference._work import f\nfrom reference.pool_return import vetted\n",
        "res = vetted(f, range(64), 2, start_method={method!r})\nassert res == list(range(64)), res\n",
    ),
    "queue-function": (
        "from reference.queue_function import vetted\n",
        "vetted(received=3, interval=0.01, start_method={method!r})\n",
    ),
    "queue-class": (
        "from reference.queue_class import vetted\n",
        "vetted(received=3, interval=0.01, start_method={method!r})\n",
    ),
    "thread-event": (
        "import multiprocessing as mp\nfrom reference.thread_event import vetted\n",
        "{set_method}vetted(received=3, interval=0.01)\n",
    ),
}


def variants_for(pattern: str) -> Tuple[str, ...]:
    if pattern == "set-start-method":
        return ("verbatim", "guarded", "vetted", "twice")
    return ("verbatim", "guarded", "vetted")


def applies(pattern: str, variant: str, start_method: str) -> bool:
    """Whether the cell exists at all (``twice`` is set-start-method only; see module doc)."""
    if variant not in variants_for(pattern):
        return False
    if pattern == "set-start-method" and start_method == "default":
        return variant == "vetted"
    return True


def all_cells() -> List[Tuple[str, str, str]]:
    """Every (pattern, variant, start method) cell, in table order."""
    return [
        (p, v, m) for p in PATTERN_IDS for v in variants_for(p) for m in START_METHODS if applies(p, v, m)
    ]


def _indent(text: str) -> str:
    return "".join(("    " + line if line.strip() else line) for line in text.splitlines(True))


def _guard(body: str) -> str:
    return 'if __name__ == "__main__":\n' + _indent(body)


def script(pattern: str, variant: str, start_method: str) -> str:
    """The source of one case script."""
    if not applies(pattern, variant, start_method):
        raise ValueError(f"no case {pattern}/{variant}/{start_method}")
    method: str | None = None if start_method == "default" else start_method
    assert method is None or method in MP_METHODS
    head = f"# matrix case: {pattern} / {variant} / start method {start_method}\n"
    set_method = "" if method is None else f"import multiprocessing as mp; mp.set_start_method({method!r})\n"
    if variant == "vetted":
        imports, call = VETTED[pattern]
        call = call.format(method=method, set_method=set_method.split("; ", 1)[-1] if method else "")
        return head + imports + "\n" + _guard(call)
    snip = SNIPPETS[pattern]
    if pattern == "set-start-method":
        assert method is not None
        stmts = snip.statements.format(method=method)
        if variant == "twice":
            first, rest = stmts.split("\n", 1)
            stmts = first + "\n" + first + "\n" + rest
        if variant == "verbatim":
            return head + snip.definitions + "\n" + stmts
        return head + snip.definitions + "\n" + _guard(stmts)
    if variant == "verbatim":
        return head + set_method + snip.definitions + "\n" + snip.statements
    if variant == "guarded":
        body = (set_method.replace("; ", "\n") if method else "") + snip.statements
        return head + snip.definitions + "\n" + _guard(body)
    raise ValueError(f"unknown variant {variant}")  # pragma: no cover


# ---------------------------------------------------------------------------------------------
# Every row of the matrix: the patterns above and the failure-mode / claim rows of
# matrix/failure_modes.py (their scripts live there).
# ---------------------------------------------------------------------------------------------

#: Failure-mode rows whose documented outcome is a hang (cited in matrix/expectations.py): a hang
#: there is recorded after one 3 s attempt, not re-run (the citation is the confirmation; a re-run
#: would add 6 s of idle waiting per cell on every interpreter). Any other outcome is recorded as is.
KNOWN_HANGS: Tuple[Tuple[str, str], ...] = (("killed-worker", "pool"), ("join-before-drain", "exact"))


def every_cell() -> List[Tuple[str, str, str]]:
    """The pattern cells, then the failure-mode and claim cells, in table order."""
    return all_cells() + failure_modes.all_failure_cells()


def cells_for(facts: Facts, wanted: Sequence[Tuple[str, str, str]]) -> List[Tuple[str, str, str]]:
    """The cells of ``wanted`` an interpreter of ``facts`` can be asked about (its start methods only)."""
    if facts.error is not None:
        return []
    return [c for c in wanted if c[2] == "default" or c[2] in facts.start_methods]


def is_failure_row(row: str) -> bool:
    return row in failure_modes.FAILURE_MODES


def is_claim(row: str) -> bool:
    mode = failure_modes.FAILURE_MODES.get(row)
    return mode is not None and mode.claim


def source(row: str, variant: str, start_method: str) -> str:
    """The script of any cell: a pattern case or a failure-mode / claim case, after the prelude
    that tells the parent's uncaught exception from the children's (:data:`matrix.stderr.PRELUDE`)."""
    if is_failure_row(row):
        return PRELUDE + failure_modes.failure_script(row, variant, start_method)
    return PRELUDE + script(row, variant, start_method)


def needs_reference(row: str, variant: str, start_method: str) -> bool:
    """Whether the case imports the reference package (Python >= 3.8): the pattern rows'
    ``vetted`` variant, and the failure-mode scripts that import it (``terminate-mid-put/vetted``)."""
    if is_failure_row(row):
        return "from reference" in failure_modes.failure_script(row, variant, start_method)
    return variant == "vetted"
