"""Whose exception is whose: the parent's and the children's, read from one shared stderr.

A case's processes (the parent, its workers, a forkserver, spawned children) all write to one
pipe, so their tracebacks can interleave line by line. Every case script therefore starts with
:data:`PRELUDE`: a ``sys.excepthook`` that writes the uncaught exception's traceback and a marker
line (:data:`MARKER` + JSON: role, qualified type, message) in **one** ``os.write``, so that
neither can be cut by another process's output. The role is ``parent`` in the process that runs
the script as ``__main__`` (its pid, so forked children that inherit the hook say ``child``), and
``child`` everywhere else (spawned children and the forkserver import the script as
``__mp_main__``). :func:`split` reads the markers (each also names how many lines before it
are its traceback, which it takes out of the text); tracebacks without one (a forked child's
``Process.run`` failure, printed by ``multiprocessing`` itself) are parsed from the text and
counted as children's.

Messages are normalised (:func:`first_sentence`: the first paragraph, whitespace collapsed,
addresses, pids, worker numbers, shared memory block names and the case's scratch directory
masked) so the same behaviour gives byte-identical text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

MARKER = "MATRIX-EXCEPTION "

#: The first lines of every case script (Python 3.6+, stdlib only, names that no snippet uses).
PRELUDE = """\
# matrix: report an uncaught exception in one write, with a marker line (matrix/stderr.py)
import os as _mx_os, sys as _mx_sys
def _mx_hook(t, v, tb, _pid=_mx_os.getpid() if __name__ == "__main__" else None):
    try:
        import json, traceback
        role = "parent" if _mx_os.getpid() == _pid else "child"
        name = t.__qualname__ if t.__module__ == "builtins" else t.__module__ + "." + t.__qualname__
        text = "".join(traceback.format_exception(t, v, tb))
        mark = {"role": role, "type": name, "message": str(v)[:1000], "lines": text.count("\\n")}
        text += "%s%s\\n" % ("MATRIX-EXCEPTION ", json.dumps(mark))
        _mx_sys.stderr.flush()
        _mx_os.write(2, text.encode("utf-8", "backslashreplace"))
    except BaseException:
        _mx_sys.__excepthook__(t, v, tb)
_mx_sys.excepthook = _mx_hook
"""

_EXC_LINE = re.compile(r"^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?::(?: (.*))?)?$")
_MARK = re.compile(re.escape(MARKER) + r"(\{.*\})\s*$")
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
#: The case's scratch directory (matrix.engine, named by matrix.leftovers.PREFIX): a new name per
#: run, e.g. in "No such file or directory: '/tmp/mp-matrix-1a2b3c4d/<stdin>'".
_SCRATCH = re.compile(r"(?:/[^/\s'\"]+)*/mp-matrix-[A-Za-z0-9_]+(?=/)")
#: "pool worker ForkPoolWorker-3 (pid 1234)": which worker and pid vary from run to run.
_WORKER_ID = re.compile(r"\b(\w*PoolWorker)-\d+\b|\b(pid) \d+\b")
#: A shared memory block's name, random per run: ``psm_`` + 8 hex digits (multiprocessing's own
#: names, ``shared_memory._make_filename``) or the ``mpm_`` names the shared-memory cases choose.
_BLOCK_NAME = re.compile(r"\b(psm|mpm)_[0-9a-f]{8,}\b")


def mask_block_names(text: str) -> str:
    """``text`` with shared memory block names masked (``psm_…``): stable across runs."""
    return _BLOCK_NAME.sub(lambda m: m.group(1) + "_…", text)


@dataclass(frozen=True)
class Exc:
    """One exception found on stderr."""

    type: str  # qualified: builtins.RuntimeError
    message: str  # first paragraph of the message, normalised (first_sentence)
    ignored: bool  # printed by "Exception ignored in ..." (not fatal)


def qualify(name: str) -> str:
    return name if "." in name else "builtins." + name


def first_sentence(text: str) -> str:
    """The first paragraph, whitespace collapsed; memory addresses, pids, Pool worker numbers,
    shared memory block names and the case's scratch directory (``SCRATCH``) masked (stable across
    runs); at most 300 chars."""
    paragraph = re.split(r"\n\s*\n", text.strip(), maxsplit=1)[0]
    text = _ADDRESS.sub("0x…", " ".join(paragraph.split()))
    text = _SCRATCH.sub("SCRATCH", text)
    text = mask_block_names(text)
    text = _WORKER_ID.sub(lambda m: f"{m.group(1)}-N" if m.group(1) else "pid N", text)
    if len(text) > 300:
        text = text[:297] + "..."
    return text


def _is_frame_line(line: str) -> bool:
    return line.lstrip().startswith(("File ", "^", "~")) or line.startswith("Traceback")


def _parse(lines: Sequence[str]) -> List[Tuple[int, Exc]]:
    """(line index, exception) of every traceback's last line (tolerates interleaved lines)."""
    found: List[Tuple[int, Exc]] = []
    in_tb = False
    ignored = False
    i = 0
    while i < len(lines):
        line = lines[i]
        # Not fatal: an unraisable exception, or one that ended a thread (the parent's own, too)
        if line.startswith(("Exception ignored", "Exception in thread")):
            ignored = True
        if line.startswith("Traceback (most recent call last):"):
            in_tb = True
            i += 1
            continue
        if in_tb and line and not line[0].isspace():
            m = _EXC_LINE.match(line.rstrip())
            if m and not line.startswith(("During handling", "The above exception")):
                parts = [m.group(2) or ""]
                j = i + 1
                # A multi-line message continues with indented lines up to a blank line; another
                # process's frame line is no part of it.
                while j < len(lines) and lines[j].strip() and lines[j][:1].isspace():
                    if not _is_frame_line(lines[j]):
                        parts.append(lines[j])
                    j += 1
                found.append((i, Exc(qualify(m.group(1)), first_sentence("\n".join(parts)), ignored)))
                in_tb = False
                ignored = False
                i = j
                continue
        i += 1
    return found


def parse_exceptions(stderr: str) -> List[Exc]:
    """Exceptions that ended tracebacks on ``stderr``, in order (markers not interpreted)."""
    return [e for _, e in _parse([ln for ln in stderr.splitlines() if MARKER not in ln])]


@dataclass(frozen=True)
class Split:
    """The parent's exception (None: it raised none) and the children's, in stderr order."""

    parent: Exc | None
    children: List[Exc]


def split(stderr: str) -> Split:
    """Who raised what: each marker says it exactly, and takes the ``lines`` before it (its own
    traceback, written in the same ``os.write``) out of the text; what is left is parsed, and an
    unmarked traceback there is a child's."""
    lines = [line.rstrip("\r") for line in stderr.split("\n")]  # as the hook counts them
    marks: List[Tuple[int, str, Exc]] = []
    hooked = [False] * len(lines)
    for i, line in enumerate(lines):
        m = _MARK.search(line)
        if m is None:
            continue
        hooked[i] = True
        try:
            data = json.loads(m.group(1))
            exc = Exc(qualify(str(data["type"])), first_sentence(str(data["message"])), False)
            count = int(data["lines"])
        except (ValueError, KeyError, TypeError):
            continue
        marks.append((i, str(data["role"]), exc))
        for k in range(max(0, i - count), i):
            hooked[k] = True
    rest = [(i, line) for i, line in enumerate(lines) if not hooked[i]]
    parsed = [(rest[k][0], e) for k, e in _parse([line for _, line in rest]) if not e.ignored]
    parent = next((e for _, role, e in reversed(marks) if role == "parent"), None)
    events = [(pos, e) for pos, role, e in marks if role != "parent"] + parsed
    return Split(parent, [e for _, e in sorted(events, key=lambda item: item[0])])


#: Exceptions a process sees when the real failure happened in another one.
SECONDARY = frozenset(
    {
        "builtins.BrokenPipeError",
        "builtins.EOFError",
        "builtins.ConnectionResetError",
        "builtins.ConnectionRefusedError",
        "builtins.ConnectionAbortedError",
        "builtins.KeyboardInterrupt",
    }
)


def cause_of(children: Sequence[Exc]) -> Exc | None:
    """The children's failure, chosen independently of their output order: the most frequent
    primary (not :data:`SECONDARY`) one, ties to the smallest ``(type, message)``."""
    pool = [e for e in children if e.type not in SECONDARY] or list(children)
    if not pool:
        return None
    counts: Dict[Exc, int] = {}
    for e in pool:
        counts[e] = counts.get(e, 0) + 1
    return min(counts, key=lambda e: (-counts[e], e.type, e.message))
