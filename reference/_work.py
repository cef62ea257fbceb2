"""Stand-ins for the user's work functions, kept at module level so every start method can pickle them.

``spawn`` and ``forkserver`` send the work function to the workers *by reference* (module + qualified
name), so it must be importable from the top level of a module: not a lambda, not a closure.
"""

from __future__ import annotations

import os
from typing import TypeVar

T = TypeVar("T")


def do_some_thing(x: int) -> None:
    """The notes' ``do_some_thing``: the user's side-effect work. Replace it with yours."""
    sum(range(x % 64))  # a little CPU work, nothing observable


def f(x: T) -> T:
    """The notes' ``f`` in "with return values": returns its input."""
    return x


def record_item(path: str, x: int) -> None:
    """Append ``x`` to the file at ``path``: a side effect a test can see from the parent process.

    One ``write`` of a short line to a file opened with ``O_APPEND`` is atomic on POSIX and
    Windows, so concurrent workers never interleave their lines.
    """
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{x}\n".encode())
    finally:
        os.close(fd)
