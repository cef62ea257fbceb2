"""``python -m matrix.lanes``: see :mod:`matrix.lanes.cli`."""

from __future__ import annotations

import sys

from matrix.lanes.cli import main

if __name__ == "__main__":
    sys.exit(main())
