"""The case scripts of the shared-memory rows: who unlinks a ``multiprocessing.shared_memory`` block.

``shared-memory``: the creator's children attach (a ``Process`` or a ``Pool`` of the start method
under test). ``shared-memory-other``: a program the creator did not start attaches (python/cpython
gh-82300's report; the start method does not apply). ``shared_memory`` is new in 3.8: on 3.6/3.7
every script fails at its import (the measured outcome there).

Each script checks its own result (``MATRIX-WRONG``: unlinked while the creator uses it, or left in
``/dev/shm`` after the program ended) and removes what it created, whatever happened. Where a program
must have ended before the check (``no-unlink``), the script is a launcher: it runs the program as
``python -W default FILE`` with its stderr on a pipe, which the program's resource tracker holds open
until it has cleaned up, forwards that stderr and stdout, then looks for the block and unlinks it.
"""

from __future__ import annotations

from typing import Callable, Dict

from matrix.stderr import PRELUDE

#: Helpers of every script: ``DATA``, ``attachable(name)`` (the bytes still readable by name, None
#: once unlinked; POSIX) and ``check``: the creator's own test that its block is still there.
_HEAD = """\
import multiprocessing as mp
import sys
import time

from multiprocessing import shared_memory  # new in 3.8

DATA = b"shared!!"


def attachable(name):
    if sys.platform == "win32":  # no resource tracker there: SharedMemory registers nothing
        try:
            shm = shared_memory.SharedMemory(name)
        except FileNotFoundError:
            return None
        got = bytes(shm.buf[: len(DATA)])
        shm.close()
        return got
    # POSIX: open the block by name without SharedMemory, which would register it with this
    # process's resource tracker before 3.13 (and so change what is measured)
    import _posixshmem, mmap, os

    try:
        fd = _posixshmem.shm_open("/" + name, os.O_RDONLY, mode=0o600)
    except FileNotFoundError:
        return None
    try:
        m = mmap.mmap(fd, len(DATA), prot=mmap.PROT_READ)
        got = m[: len(DATA)]
        m.close()
    finally:
        os.close(fd)
    return got


def gone(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def check(shm, what, trackers=()):
    # the attachers have exited: a tracker of theirs (pids: trackers) unlinks as it ends
    deadline = time.monotonic() + 2.0
    while any(pid and not gone(pid) for pid in trackers) and time.monotonic() < deadline:
        time.sleep(0.02)
    deadline = time.monotonic() + 0.5
    got = attachable(shm.name)
    while got == DATA and time.monotonic() < deadline:
        time.sleep(0.05)
        got = attachable(shm.name)
    shm.close()
    if got is None:
        print("MATRIX-WRONG the block was unlinked while its creator still used it (%s): "
              "attaching it by name raised FileNotFoundError" % what)
    else:
        shm.unlink()
        print("still attachable after %s: %r" % (what, got))
"""

_CHILD = """\


def child(name):
    shm = shared_memory.SharedMemory(name)
    got = bytes(shm.buf[: len(DATA)])
    shm.close()
    return got
"""

_UNREGISTER_CHILD = """\
from multiprocessing import resource_tracker


def child(name):
    shm = shared_memory.SharedMemory(name)
    # the common workaround for gh-82300: "do not let this process's tracker unlink it"
    resource_tracker.unregister(shm._name, "shared_memory")
    got = bytes(shm.buf[: len(DATA)])
    shm.close()
    return got
"""


def _one_child(what: str, start_note: str = "") -> str:
    """The ``__main__`` block of a creator with one ``Process`` child: ``what`` it did, for ``check``."""
    return f"""

if __name__ == "__main__":
    ctx = mp.get_context({{method}})
    shm = shared_memory.SharedMemory(create=True, size=len(DATA))
    shm.buf[: len(DATA)] = DATA
    p = ctx.Process(target=child, args=(shm.name,))
    p.start(){start_note}
    p.join(30)
    check(shm, "{what} (exit code %r)" % p.exitcode)
"""


_CHILDREN: Dict[str, str] = {
    "attach-exit": _CHILD
    + _one_child(
        "a child attached, closed and exited", "  # the child attaches by name, reads, closes and exits"
    ),
    "pool-first": """\
from multiprocessing import resource_tracker


def child(name):
    shm = shared_memory.SharedMemory(name)
    got = bytes(shm.buf[: len(DATA)])
    shm.close()
    # the probe: the pid of a tracker this worker started itself (None: it uses its parent's)
    return got, resource_tracker._resource_tracker._pid


if __name__ == "__main__":
    ctx = mp.get_context({method})
    pool = ctx.Pool(2)  # started before the block exists
    shm = shared_memory.SharedMemory(create=True, size=len(DATA))
    shm.buf[: len(DATA)] = DATA
    got = pool.map(child, [shm.name] * 4)
    pool.close()
    pool.join()  # the workers exit
    assert [data for data, _ in got] == [DATA] * 4, got
    trackers = set(pid for _, pid in got)
    check(shm, "a Pool made before the block attached in its workers, which exited", trackers)
""",
    "unregister": _UNREGISTER_CHILD + _one_child("a child attached, unregistered it, closed and exited"),
    "track-false": _CHILD.replace("SharedMemory(name)", "SharedMemory(name, track=False)  # new in 3.13")
    + _one_child("a child attached with track=False, closed and exited"),
    "vetted": """\
from reference.shared_memory import attached, owned_block, vetted


def child(name):
    with attached(name) as shm, shm.buf[: len(DATA)] as view:
        assert bytes(view) == DATA


if __name__ == "__main__":
    method = {method}
    ctx = mp.get_context(method)
    with owned_block(len(DATA)) as shm:  # first the block, then the processes that attach
        shm.buf[: len(DATA)] = DATA
        name = shm.name
        p = ctx.Process(target=child, args=(name,))
        p.start()
        p.join(30)
        assert p.exitcode == 0, p.exitcode
        time.sleep(0.2)  # the child has exited: a tracker of its own would have unlinked it
        during = attachable(name)
    after = attachable(name)
    squares = vetted([1, 2, 3, 200], 2, method)
    print("during:", during, "after:", after, "squares:", squares)
    if during != DATA or after is not None or squares != [1, 4, 9, 64]:
        print("MATRIX-WRONG expected the block readable while owned, gone after, squares "
              "[1, 4, 9, 64]; got %r, %r, %r" % (during, after, squares))
""",
}

#: no-unlink, unregister-leak: the program (run by the launcher below) creates the block, a child
#: attaches (unregister-leak: with the workaround), and the creator exits without unlink() (as if
#: its work had raised). argv: the block's name, the start method or "default".
_NO_UNLINK_PROGRAM = """

if __name__ == "__main__":
    ctx = mp.get_context(None if sys.argv[2] == "default" else sys.argv[2])
    shm = shared_memory.SharedMemory(name=sys.argv[1], create=True, size=len(DATA))
    shm.buf[: len(DATA)] = DATA
    p = ctx.Process(target=child, args=(shm.name,))
    p.start()
    p.join(30)
    shm.close()  # and no unlink(): the program ends
    print("program: the child exited (%r); exiting without unlink()" % p.exitcode)
"""

_LAUNCHER = """\
import os
import subprocess
import tempfile
import uuid

PROGRAM = {program}

if __name__ == "__main__":
    method = {{method}}
    name = "mpm_" + uuid.uuid4().hex[:12]  # the block the program creates and does not unlink
    fd, path = tempfile.mkstemp(suffix=".py", prefix="shm_program_")
    os.write(fd, PROGRAM.encode("utf-8"))
    os.close(fd)
    try:
        argv = [sys.executable, "-W", "default", path, name, "default" if method is None else method]
        # stderr on a pipe: its EOF comes when the program's resource tracker has finished too
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = proc.communicate(timeout=60)
    finally:
        os.unlink(path)
        left = attachable(name)  # after the program, its children and its tracker
        if left is not None and sys.platform != "win32":  # Windows: gone with the last handle
            import _posixshmem

            _posixshmem.shm_unlink("/" + name)  # ours to clean up now
    sys.stdout.write(out.decode("utf-8", "replace"))
    sys.stdout.flush()
    os.write(2, err)
    if proc.returncode == 0 and left is not None:
        print("MATRIX-WRONG leaked: the block is still in shared memory after the program and "
              "its resource tracker exited (read %r)" % (left,))
    sys.exit(proc.returncode)
"""


def _children(variant: str) -> str:
    if variant in ("no-unlink", "unregister-leak"):
        child = _CHILD if variant == "no-unlink" else "\n\n" + _UNREGISTER_CHILD
        literal = repr(PRELUDE + _HEAD + child + _NO_UNLINK_PROGRAM).replace("{", "{{").replace("}", "}}")
        return _HEAD.replace("{", "{{").replace("}", "}}") + _LAUNCHER.format(program=literal)
    return _HEAD + _CHILDREN[variant]


#: shared-memory-other: the attacher is another program (python -c), not started by multiprocessing.
_OTHER = """\
import subprocess

ATTACHER = (
    "import sys\\n"
    "from multiprocessing import shared_memory\\n"
    "shm = shared_memory.SharedMemory(sys.argv[1]%s)\\n"
    "print('attacher read', bytes(shm.buf[:8]))\\n"
    "shm.close()\\n"
)

if __name__ == "__main__":
    shm = shared_memory.SharedMemory(create=True, size=len(DATA))
    shm.buf[: len(DATA)] = DATA
    # another program attaches by name and exits; its stderr on a pipe, whose EOF comes when the
    # program's own resource tracker (if it started one) has finished
    run = subprocess.run(
        [sys.executable, "-W", "default", "-c", ATTACHER % {track}, shm.name],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60,
    )
    sys.stdout.write(run.stdout.decode("utf-8", "replace"))
    sys.stdout.flush()
    sys.stderr.write(run.stderr.decode("utf-8", "replace"))  # its warnings and traceback
    sys.stderr.flush()
    check(shm, "another program attached, closed and exited (exit code %r)" % run.returncode)
"""


def _other(variant: str) -> str:
    track = '", track=False"' if variant == "track-false" else '""'
    return _HEAD + _OTHER.replace("{track}", track)


#: Row -> its template for a variant.
MODES: Dict[str, Callable[[str], str]] = {"shared-memory": _children, "shared-memory-other": _other}
