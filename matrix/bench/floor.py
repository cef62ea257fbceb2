"""The floor: what the OS charges, whatever Python does on top (part of the suite)."""

from __future__ import annotations

import atexit
import os
import sys
from typing import List

from matrix.bench.workload import perf_counter

if sys.platform != "win32":

    def t_fork(loops: int) -> float:
        """``os.fork()``; the child ``os._exit(0)``; ``os.waitpid``."""
        t0 = perf_counter()
        for _ in range(loops):
            pid = os.fork()
            if pid == 0:
                os._exit(0)
            os.waitpid(pid, 0)
        return perf_counter() - t0

    def t_posix_spawn(loops: int) -> float:
        """``os.posix_spawn`` of this interpreter running ``-c pass``, and ``os.waitpid``."""
        argv = [sys.executable, "-c", "pass"]
        env = dict(os.environ)
        t0 = perf_counter()
        for _ in range(loops):
            pid = os.posix_spawn(sys.executable, argv, env)
            os.waitpid(pid, 0)
        return perf_counter() - t0

    class PipeEcho:
        """A forked child that writes back every byte it reads: the floor under a Queue round trip."""

        def __init__(self) -> None:
            r1, self.w = os.pipe()
            self.r, w2 = os.pipe()
            self.pid = os.fork()
            if self.pid == 0:
                try:
                    os.close(self.w)
                    os.close(self.r)
                    while True:
                        data = os.read(r1, 1)
                        if not data:
                            break
                        os.write(w2, data)
                finally:
                    os._exit(0)
            os.close(r1)
            os.close(w2)
            atexit.register(self.close)

        def close(self) -> None:
            os.close(self.w)
            os.waitpid(self.pid, 0)
            os.close(self.r)

    _PIPE: List[PipeEcho] = []

    def t_pipe_round_trip(loops: int) -> float:
        if not _PIPE:
            _PIPE.append(PipeEcho())
        w, r = _PIPE[0].w, _PIPE[0].r
        write, read = os.write, os.read
        t0 = perf_counter()
        for _ in range(loops):
            write(w, b"x")
            read(r, 1)
        return perf_counter() - t0


def t_subprocess_pass(loops: int) -> float:
    """``subprocess.run([python, "-c", "pass"])``: bare interpreter start-up, as users measure it."""
    import subprocess

    argv = [sys.executable, "-c", "pass"]
    t0 = perf_counter()
    for _ in range(loops):
        subprocess.run(argv, check=True)
    return perf_counter() - t0
