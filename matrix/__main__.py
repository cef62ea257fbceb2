"""``python -m matrix``: see :mod:`matrix.cli`."""

from __future__ import annotations

import sys

from matrix.cli import main

if __name__ == "__main__":
    sys.exit(main())
