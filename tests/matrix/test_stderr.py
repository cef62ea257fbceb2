"""matrix.stderr: the parent's exception and the children's, from one interleaved stderr.

Property: however the processes' writes interleave, the parent's exception is the one its marker
names, and the cause is the same as when every process wrote alone. A marked traceback (the case
prelude's hook) is one write, so it moves as a block; an unmarked one (a forked child's
``Process.run`` failure, printed by multiprocessing's ``traceback.print_exc()``) can be cut between
its writes: its header, each frame line, and the exception line with its whole message (one
``print`` of one string: one write on stderr, line-buffered or block-buffered, so never cut inside).
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import List, Tuple

from hypothesis import given, settings
from hypothesis import strategies as st

from matrix.stderr import MARKER, PRELUDE, Exc, cause_of, first_sentence, parse_exceptions, split

BOOT = (
    "\n        An attempt has been made to start a new process before the\n"
    "        current process has finished its bootstrapping phase.\n\n"
    "        This probably means that you are not using fork to start your\n"
    "        child processes and you have forgotten to use the proper idiom\n"
)
#: (type, message) pairs the processes raise; messages with the shapes seen in the matrix.
RAISED: List[Tuple[str, str]] = [
    ("RuntimeError", BOOT),
    ("RuntimeError", "context has already been set"),
    ("EOFError", ""),
    ("ConnectionResetError", "[Errno 104] Connection reset by peer"),
    ("_pickle.PicklingError", "Can't pickle local object <function f at 0x7f00deadbeef>"),
    ("ValueError", "multi\n    line: message"),
]


def traceback_lines(kind: str, message: str, frame: str) -> List[str]:
    head = f"{kind}: {message}" if message else kind
    return [
        "Traceback (most recent call last):",
        f'  File "{frame}.py", line 12, in <module>',
        "    code = _serve_one(child_r, fds,",
        "           ^^^^^^^^^^^^^^^^^^^^^^^",
        *head.split("\n"),
    ]


def unhooked_writes(kind: str, message: str, frame: str) -> List[str]:
    """What ``traceback.print_exc()`` writes, one item per write (see the module docstring)."""
    lines = traceback_lines(kind, message, frame)
    head = len((f"{kind}: {message}" if message else kind).split("\n"))
    return [*lines[:-head], "\n".join(lines[-head:])]


def marked(role: str, kind: str, message: str, frame: str) -> str:
    """What the prelude's hook writes in one ``os.write``."""
    lines = traceback_lines(kind, message, frame)
    mark = {"role": role, "type": kind, "message": message, "lines": len(lines)}
    return "\n".join(lines) + "\n" + MARKER + json.dumps(mark)


def expected(kind: str, message: str) -> Exc:
    return Exc(kind if "." in kind else "builtins." + kind, first_sentence(message), False)


@st.composite
def interleaved(draw: st.DrawFn) -> Tuple[str, Exc | None, List[Exc], str]:
    """(stderr, parent's exception, children's in writing order, stderr written one by one)."""
    parent = draw(st.none() | st.sampled_from(RAISED))
    children = draw(st.lists(st.sampled_from(RAISED), max_size=5))
    unmarked = draw(st.none() | st.sampled_from(RAISED))  # at most one forked child prints unhooked
    streams: List[List[str]] = [[marked("child", k, m, f"c{i}")] for i, (k, m) in enumerate(children)]
    if unmarked is not None:
        streams.append(["Process Process-1:", *unhooked_writes(*unmarked, frame="fork")])
    if parent is not None:
        streams.append(["noise from the parent", marked("parent", *parent, frame="case")])
    alone = "\n".join("\n".join(s) for s in streams) + "\n"
    out: List[str] = []
    pending = [list(s) for s in streams]
    while any(pending):
        i = draw(st.sampled_from([k for k, s in enumerate(pending) if s]))
        out.append(pending[i].pop(0))
    kids = [expected(*c) for c in children] + ([expected(*unmarked)] if unmarked else [])
    return "\n".join(out) + "\n", expected(*parent) if parent else None, kids, alone


@settings(max_examples=300, deadline=None)
@given(interleaved())
def test_the_parent_and_the_cause_do_not_depend_on_the_interleaving(
    case: Tuple[str, Exc | None, List[Exc], str],
) -> None:
    stderr, parent, children, alone = case
    found = split(stderr)
    assert found.parent == parent
    assert sorted(found.children, key=repr) == sorted(children, key=repr)
    assert cause_of(found.children) == cause_of(split(alone).children) == cause_of(children)


def test_the_bootstrapping_message_is_its_first_paragraph() -> None:
    found = split(marked("child", "RuntimeError", BOOT, "c") + "\n")
    assert found.children == [
        Exc(
            "builtins.RuntimeError",
            "An attempt has been made to start a new process before the current process has "
            "finished its bootstrapping phase.",
            False,
        )
    ]
    # Unmarked, with another process's frame header cut into the message: the same text.
    cut = traceback_lines("RuntimeError", BOOT, "c")
    cut.insert(6, '  File "/usr/lib/python3.13/multiprocessing/forkserver.py", line 287, in main')
    assert parse_exceptions("\n".join(cut)) == found.children


def test_the_cause_prefers_the_primary_and_the_most_frequent() -> None:
    eof, boot = expected("EOFError", ""), expected("RuntimeError", BOOT)
    ctx = expected("RuntimeError", "context has already been set")
    assert cause_of([eof, boot]) == boot
    assert cause_of([eof]) == eof
    assert cause_of([ctx, boot, boot]) == cause_of([boot, ctx, boot]) == boot
    assert cause_of([ctx, boot]) == cause_of([boot, ctx])  # a tie goes by name, not order
    assert cause_of([]) is None


def test_the_prelude_marks_the_parent_and_a_forked_child() -> None:
    script = PRELUDE + (
        "import os\n"
        "if os.fork() == 0:\n"
        "    raise ValueError('in the child')\n"
        "os.wait()\n"
        "raise KeyError('in the parent')\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=60
    )
    found = split(ran.stderr)
    assert found.parent == Exc("builtins.KeyError", "'in the parent'", False)
    assert found.children == [Exc("builtins.ValueError", "in the child", False)]


def test_a_thread_that_died_is_no_child() -> None:
    stderr = (
        "Exception in thread QueueManagerThread:\n"
        "Traceback (most recent call last):\n"
        '  File "/usr/lib/python3.6/threading.py", line 916, in _bootstrap_inner\n'
        "queue.Full\n"
    )
    assert split(stderr).children == []
    assert parse_exceptions(stderr) == [Exc("queue.Full", "", True)]


def test_the_scratch_directory_is_masked() -> None:
    """A child that looks for ``<stdin>`` in the case's scratch directory (a new name per run)
    says the same text in every run; paths without the scratch prefix stay as they are."""
    for scratch in ("/tmp/mp-matrix-1a2b3c4d", "/home/someone/.cache/mp-matrix/mp-matrix-x_9"):
        message = f"[Errno 2] No such file or directory: '{scratch}/<stdin>'"
        assert first_sentence(message) == "[Errno 2] No such file or directory: 'SCRATCH/<stdin>'"
    assert first_sentence("No such file: '/tmp/other/<stdin>'") == "No such file: '/tmp/other/<stdin>'"
