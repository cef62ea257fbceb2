"""``python -m reference``: list the patterns, show one as a runnable script, or run it here."""

from __future__ import annotations

import sys

from reference._cli import main

if __name__ == "__main__":
    sys.exit(main())
