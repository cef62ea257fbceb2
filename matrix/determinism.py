"""``python -m matrix.determinism DIR_A DIR_B``: do two runs on one machine say the same?

The same behaviour must give byte-identical words: for every cell both directories measured, the
outcome, the parent's exception and message, and the children's cause and its message are
compared (not the times, attempts, cleanup notes or how a hang was detected: a hang ended at the
deadline or once asleep is the same hang). Prints the numbers and every difference; exit 1 when
any cell differs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from matrix import store
from matrix.model import ResultsError, ResultsFile, record_key

#: The fields two runs must agree on, byte for byte.
FIELDS = ("outcome", "exception", "message", "cause", "cause_message")


def compare(first: Dict[str, ResultsFile], second: Dict[str, ResultsFile]) -> Tuple[int, List[str]]:
    """(cells compared, one line per differing cell) over the platforms and cells both have."""
    compared = 0
    differences: List[str] = []
    for name in sorted(set(first) & set(second)):
        theirs = {record_key(r): r for r in second[name].records}
        for rec in first[name].records:
            other = theirs.get(record_key(rec))
            if other is None:
                continue
            compared += 1
            changed = [f for f in FIELDS if getattr(rec, f) != getattr(other, f)]
            if changed:
                what = "; ".join(f"{f}: {getattr(rec, f)!r} -> {getattr(other, f)!r}" for f in changed)
                differences.append(f"{name} {'/'.join(record_key(rec))}: {what}")
    return compared, differences


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m matrix.determinism DIR_A DIR_B", file=sys.stderr)
        return 2
    try:
        first, second = (store.load_all(Path(a)) for a in args)
    except ResultsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    compared, differences = compare(first, second)
    for line in differences:
        print(line)
    print(
        f"{compared} cells compared on {len(set(first) & set(second))} platforms, {len(differences)} differ"
    )
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
