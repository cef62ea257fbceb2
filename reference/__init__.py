"""Python's multiprocessing/threading patterns from the notes, exact and vetted.

Each pattern lives in its own module, with the notes' code as ``exact`` (or class ``A``) and the
form to copy as ``vetted``. ``PATTERNS`` maps the matrix's stable pattern ids to those modules;
``python -m reference list`` prints them.
"""

from __future__ import annotations

from reference._patterns import PATTERNS, Pattern

__all__ = ["PATTERNS", "Pattern"]
__version__ = "0.1.0"
