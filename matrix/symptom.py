"""The words of one cell, for every view (matrix/README.md, index.html, statements, exports).

A cell says what the user's program does -- the outcome, with the parent's exception -- and,
apart, the children's failure that caused it: ``⏳ hang · cause RuntimeError (bootstrapping)``,
``❌ EOFError · cause RuntimeError (bootstrapping)``, ``❌ exit 0 · cause RuntimeError (context
has already been set)`` (the parent exited 0 while a child died). The same record gives the same
text, byte for byte.
"""

from __future__ import annotations

from typing import Callable, Sequence

ICON = {
    "ok": "✅",
    "error": "❌",
    "hang": "⏳ hang",
    "crash": "💥 crash",
    "unsupported": "🚫 n/s",
    "wrong": "❗ wrong",
}
#: The page's symbol and word per outcome (a symbol beside its word: colour is never the only
#: signal), for a view that does not draw the emoji above: the page reads both (matrix/views/).
PAGE_TEXT = {
    "ok": ("✓", "ok"),
    "error": ("✗", "error"),
    "hang": ("◷", "hang"),
    "crash": ("☠", "crash"),
    "unsupported": ("∅", "not run"),
    "wrong": ("≠", "wrong"),
}
#: What each outcome means, in one line: the legend of every view.
MEANING = {
    "ok": "exit 0",
    "wrong": "exit 0, but the result is not what the pattern promises (the case checks its own)",
    "error": "exits with the parent's exception, or exits 0 while a child died (the cause)",
    "hang": "never exits: no exit within 3 s (re-run), or a Pool respawning its dying workers",
    "crash": "killed by a signal, or non-zero exit without the parent's traceback",
    "unsupported": "the variant needs Python ≥ 3.8",
}
#: How each ``Record.detection`` reads in a note.
DETECTION_TEXT = {
    "exit": "the program exited on its own",
    "deadline": "still running at the 3 s deadline",
    "asleep": "still running, every process asleep for good (matrix/asleep.py)",
    "respawn-loop": "a respawn loop (the same child exception twice while the parent ran; stopped "
    "at the first repeat)",
    "not-run": "not run",
}
#: A cause's message longer than this is cut in the cell (the note has it whole).
GIST_CHARS = 40


def _plain(text: str) -> str:
    return text


def short_type(exc: str | None) -> str:
    """``builtins.RuntimeError`` -> ``RuntimeError``; other modules stay qualified."""
    if not exc:
        return ""
    return exc[len("builtins.") :] if exc.startswith("builtins.") else exc


#: The causes the matrix shows most, by a short name (a table line must fit 300 characters).
KNOWN_GISTS = (
    ("bootstrapping phase", "bootstrapping"),
    ("context has already been set", "context already set"),
    # main-not-importable: a child's __main__ without f (-c), or a child running '<stdin>' as a file
    ("attribute 'f'", "no f in __main__"),
    ("<stdin>", "no file stdin"),
    # map-unpicklable on 3.6-3.8: the executor's feeder thread could not pickle the task
    ("Can't pickle local object", "local object"),
    ("Can't pickle <function <lambda>", "lambda"),
    # submit-unpicklable on 3.6: a lock given as the argument
    ("pickle _thread.lock", "lock"),
    # shared-memory: SharedMemory(name, track=False) before 3.13
    ("unexpected keyword argument 'track'", "no track="),
)


def gist(message: str | None) -> str:
    """A cause's message in a few words: the bootstrapping error by its name."""
    if not message:
        return ""
    for fragment, name in KNOWN_GISTS:
        if fragment in message:
            return name
    return message if len(message) <= GIST_CHARS else message[: GIST_CHARS - 1].rstrip() + "…"


def symptom(
    outcomes: Sequence[str],
    exception: str | None,
    cause: str | None = None,
    cause_message: str | None = None,
    *,
    code: Callable[[str], str] = _plain,
    text: Callable[[str], str] = _plain,
    measured: bool = True,
) -> str:
    """The cell: the outcome(s), the parent's exception, `` · cause TYPE (gist)``.

    ``code`` formats an exception type (Markdown: backticks), ``text`` escapes words. An
    expectation (``measured=False``) without an exception leaves the parent's open.
    """
    head = " or ".join(ICON[o] for o in outcomes)
    if exception and "error" in outcomes:
        head += " " + code(short_type(exception))
    elif measured and outcomes == ("error",) and cause:  # the parent exited 0, a child failed
        head += " exit 0"
    if not cause:
        return head
    why = gist(cause_message)
    return f"{head} · cause {code(short_type(cause))}" + (f" ({text(why)})" if why else "")
