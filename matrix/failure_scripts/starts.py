"""The case scripts of the rows about how a child starts and what it gets: a ``__main__`` it cannot
re-import (main-not-importable) and code that relied on ``fork`` (fork-global, fork-handle,
fork-nested)."""

from __future__ import annotations

import functools
from typing import Callable, Dict, Tuple

from matrix.stderr import PRELUDE

_MAIN_EXACT = """\
from multiprocessing import Pool
import sys


def f(x):
    return x


if __name__ == "__main__":
    if len(sys.argv) > 1:  # matrix: the start method under test
        import multiprocessing as mp

        mp.set_start_method(sys.argv[1])
    with Pool(2) as p:
        res = p.map(f, list(range(64)))
    print("res: [%d, %d, %d, ..., %d]" % (res[0], res[1], res[2], res[-1]))
"""

_MAIN_VETTED = """\
import sys

from reference._work import f  # the work function in an importable module
from reference.pool_return import vetted

if __name__ == "__main__":
    method = sys.argv[1] if len(sys.argv) > 1 else None  # matrix: the start method under test
    res = vetted(f, range(64), 2, start_method=method)
    assert res == list(range(64)), res
    print("res: [%d, %d, %d, ..., %d]" % (res[0], res[1], res[2], res[-1]))
"""

_MAIN_LAUNCHER = """\
import os
import sys

PROGRAM = {program}
READ_FROM_STDIN = {stdin}

if __name__ == "__main__":
    method = {{method}}
    argv = [sys.executable, "-W", "default"]
    args = [] if method is None else [method]
    if READ_FROM_STDIN:  # python - < script.py: the program read from a pipe on stdin
        read, write = os.pipe()
        os.write(write, PROGRAM.encode("utf-8"))  # far less than a pipe holds
        os.close(write)
        os.dup2(read, 0)
        os.close(read)
        os.execv(sys.executable, argv + ["-"] + args)
    os.execv(sys.executable, argv + ["-c", PROGRAM] + args)  # python -c "..."
"""


def _main_not_importable(variant: str) -> str:
    program = PRELUDE + (_MAIN_VETTED if variant == "vetted" else _MAIN_EXACT)
    literal = repr(program).replace("{", "{{").replace("}", "}}")
    return _MAIN_LAUNCHER.format(program=literal, stdin=variant == "stdin")


# --- relied on fork: a global, a handle, a nested function ---------------------------------------


def _computes_40(setting: str, start_note: str = "") -> str:
    """The end of a ``fork-global``/``fork-nested`` script: start ``p``, take what it put on ``q``,
    join; 40 is 4 x the ``setting`` of 10 the parent chose, anything else is ``wrong``."""
    return f"""\
    p.start(){start_note}
    got = q.get(timeout=30)
    p.join()
    print("child computed", got)
    if got != 40:
        print("MATRIX-WRONG expected 40 (4 x {setting} 10), got %r" % (got,))
"""


#: The last lines of a script whose work is in ``main(method)``.
_MAIN = """

if __name__ == "__main__":
    main({method})
"""

_RELIED_ON_FORK: Dict[Tuple[str, str], str] = {
    ("fork-global", "exact"): """\
import multiprocessing as mp

SCALE = 1  # a module-level setting, changed by the program before it starts its workers


def child(q, x):
    q.put(x * SCALE)  # fork: the parent's SCALE; spawn/forkserver: the module's, re-imported


if __name__ == "__main__":
    SCALE = 10  # say, from the command line
    ctx = mp.get_context({method})
    q = ctx.Queue()
    p = ctx.Process(target=child, args=(q, 4))
"""
    + _computes_40("SCALE"),
    ("fork-global", "vetted"): """\
import multiprocessing as mp


def child(q, x, scale):
    q.put(x * scale)  # the setting arrives as an argument, pickled, under every start method


if __name__ == "__main__":
    scale = 10
    ctx = mp.get_context({method})
    q = ctx.Queue()
    p = ctx.Process(target=child, args=(q, 4, scale))
"""
    + _computes_40("scale"),
    ("fork-nested", "exact"): """\
import multiprocessing as mp


def main(method):
    ctx = mp.get_context(method)
    q = ctx.Queue()
    factor = 10

    def work(x):  # nested: it sees q and factor without being given them (fork copies them)
        q.put(x * factor)

    p = ctx.Process(target=work, args=(4,))
"""
    + _computes_40("factor", "  # spawn/forkserver pickle the target here: a local function cannot be")
    + _MAIN,
    ("fork-nested", "vetted"): """\
import multiprocessing as mp


def work(q, x, factor):  # module-level, its state passed as arguments
    q.put(x * factor)


def main(method):
    ctx = mp.get_context(method)
    q = ctx.Queue()
    factor = 10
    p = ctx.Process(target=work, args=(q, 4, factor))
"""
    + _computes_40("factor")
    + _MAIN,
}

_HANDLE_HEAD = """\
import multiprocessing as mp
import select
import selectors
import socket
import threading


def use_lock(q, lock):
    with lock:  # under fork: a copy of the parent's thread lock
        q.put("ping")


def use_socket(q, sock):
    sock.sendall(b"ping")
    sock.close()
    q.put("ping")


def use_epoll(q, ep):
    events = ep.poll(0.1)  # the parent registered a writable socket: one event, at once
    q.put("ping" if events else "no events: the epoll lost its registrations")


def vetted(q, lock, sock):
    selector = selectors.DefaultSelector()  # made here: epoll, kqueue or select, per platform
    selector.register(sock, selectors.EVENT_WRITE)
    ready = selector.select(timeout=10)
    selector.close()
    with lock:  # a lock of the context: it works across processes, under every start method
        sock.sendall(b"ping")
    sock.close()
    q.put("ping" if ready else "not writable")


if __name__ == "__main__":
    ctx = mp.get_context({method})
    q = ctx.Queue()
    mine, theirs = socket.socketpair()
"""

_HANDLE: Dict[str, str] = {
    "lock": "    p = ctx.Process(target=use_lock, args=(q, threading.Lock()))\n    via_socket = False\n",
    "socket": "    p = ctx.Process(target=use_socket, args=(q, theirs))\n    via_socket = True\n",
    "epoll": "    ep = select.epoll()\n    ep.register(theirs.fileno(), select.EPOLLOUT)\n"
    "    p = ctx.Process(target=use_epoll, args=(q, ep))\n    via_socket = False\n",
    # the lock held by a name: start() drops the Process's reference to its args, and a collected
    # lock's semaphore is gone before a spawned child opens it (FileNotFoundError in the child)
    "vetted": "    lock = ctx.Lock()\n"
    "    p = ctx.Process(target=vetted, args=(q, lock, theirs))\n    via_socket = True\n",
}

_HANDLE_TAIL = """\
    p.start()  # spawn/forkserver pickle the arguments here
    theirs.close()  # the child has its own copy (fork) or descriptor (passed by multiprocessing)
    got = [q.get(timeout=30)]
    if via_socket:
        mine.settimeout(30)
        got.append(mine.recv(4).decode())
    p.join()
    want = ["ping", "ping"] if via_socket else ["ping"]
    print("child exit code", p.exitcode, "got", got)
    if got != want or p.exitcode != 0:
        print("MATRIX-WRONG expected %r and exit code 0, got %r, %r" % (want, got, p.exitcode))
"""

_RELIED_ON_FORK.update(
    {("fork-handle", v): _HANDLE_HEAD + code + _HANDLE_TAIL for v, code in _HANDLE.items()}
)


def _relied_on_fork(mode: str, variant: str) -> str:
    return _RELIED_ON_FORK[(mode, variant)]


#: Row -> its template for a variant.
MODES: Dict[str, Callable[[str], str]] = {
    "main-not-importable": _main_not_importable,
    **{mode: functools.partial(_relied_on_fork, mode) for mode, _ in _RELIED_ON_FORK},
}
