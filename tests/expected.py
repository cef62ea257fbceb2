"""How the notes' exact forms fail, per interpreter version and start method — measured, not guessed.

Every entry was observed on a real interpreter (see ``matrix/results/``); the tests turn each into
``xfail(strict=True, raises=...)`` plus a message check, so a behaviour change in a new release
fails the suite instead of passing silently.
"""

from __future__ import annotations

import pickle
import re
import sys
from typing import NamedTuple


class ExpectedFailure(NamedTuple):
    raises: type[BaseException]
    message: str  # a regular expression the exception's str() must match
    why: str


def closure_target(effective_method: str) -> ExpectedFailure | None:
    """The notes' class-based sender passes a closure as ``Process`` target (``queue-class``)."""
    if effective_method == "fork":
        return None  # the child inherits the closure in memory: nothing is pickled
    why = f"{effective_method} pickles the Process target; a local function cannot be pickled"
    local = re.escape("A.__init__.<locals>.sender")
    if sys.implementation.name == "pypy":
        return ExpectedFailure(pickle.PicklingError, f"Can't pickle .*{local}", why)
    version = tuple(sys.version_info[:3])  # a plain tuple: mypy must not prune branches per target
    if version >= (3, 14):
        # 3.14 raises PicklingError from the C pickler, with a note naming the object.
        return ExpectedFailure(pickle.PicklingError, f"Can't pickle local object .*{local}", why)
    if version >= (3, 12, 2):
        # Measured on 3.13.0 (pyenv) and the sid 3.13.x: "Can't get local object" — the C pickler's
        # lookup error, reworded in the 3.12/3.13 maintenance branches.
        return ExpectedFailure(AttributeError, f"Can't get local object '{local}'", why)
    return ExpectedFailure(AttributeError, f"Can't pickle local object '{local}'", why)
