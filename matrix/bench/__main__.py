"""``python -m matrix.bench [--quick] [--interpreter NAME]... [--start-method M]...``, ``... render``,
``... walltime``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args_in: List[str] = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["render"]:
        from matrix.bench.render import main as render_main

        return render_main(args_in[1:])
    if args_in[:1] == ["walltime"]:
        from matrix.bench.walltime import main as walltime_main

        return walltime_main(args_in[1:])
    parser = argparse.ArgumentParser(
        prog="python -m matrix.bench",
        description="Measure what each start method and pattern costs, against the floor and the peers "
        "(`python -m matrix.bench render` writes matrix/BENCHMARKS.md from the results).",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="few values, and only the running interpreter unless --interpreter is given",
    )
    parser.add_argument(
        "--interpreter",
        action="append",
        default=[],
        metavar="NAME",
        help="an interpreter name, label, lane or executable (repeatable; default: all)",
    )
    parser.add_argument(
        "--start-method",
        action="append",
        default=[],
        metavar="M",
        choices=("fork", "forkserver", "spawn"),
        help="repeatable; default: all available",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="GLOB",
        help="only benchmarks whose name (scope/group) matches, e.g. 'fork/*' (repeatable)",
    )
    parser.add_argument(
        "--output", type=Path, default=None, help="results file (default: matrix/bench/results/)"
    )
    parser.add_argument("--no-render", action="store_true", help="do not rewrite BENCHMARKS.md afterwards")
    args = parser.parse_args(args_in)

    from matrix.bench.run import run

    path = run(
        quick=args.quick,
        names=args.interpreter,
        methods=args.start_method,
        only=args.only,
        output=args.output,
    )
    if not args.no_render and args.output is None:
        from matrix.bench.render import main as render_main

        return render_main([])
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
