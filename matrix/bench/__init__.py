"""``python -m matrix.bench``: what each start method and pattern costs, against the floor and peers.

One run measures, per interpreter (each in its own bench venv) and start method, the stdlib
primitives (``Process`` start + join, ``Pool`` creation and ``map``, ``Queue`` latency and
throughput), the vetted forms of :mod:`reference` next to the primitive they wrap, the physical
floor (``os.fork``, ``os.posix_spawn``, ``python -c pass``, an ``os.pipe`` round trip) and the
libraries users pick instead (``concurrent.futures``, loky, mpire, multiprocess), all under pyperf.

* :mod:`matrix.bench.suite` — the benchmarks; runs *inside* each interpreter (3.8+, PyPy), with
  :mod:`matrix.bench.floor` and :mod:`matrix.bench.peers` (sizes: :mod:`matrix.bench.workload`;
  what its children import: :mod:`matrix.bench._children`).
* :mod:`matrix.bench.run` — the orchestrator (host ``python3``, stdlib only): runs, JSON; each
  interpreter's bench venv from :mod:`matrix.bench.venvs`.
* :mod:`matrix.bench.results` — the results file format and its validator.
* :mod:`matrix.bench.render` — ``matrix/BENCHMARKS.md`` (:mod:`matrix.bench.tables`, each row an
  :class:`matrix.bench.entries.Entry`) and ``matrix/bench/process_start.svg`` (:mod:`matrix.bench.chart`).
"""

from __future__ import annotations

from typing import Dict, Tuple

TOOL_VERSION = "1.0.0"

#: Every third-party package a bench venv gets, pinned, with environment markers where the newest
#: release dropped an interpreter this machine has. The harness first, then the peers.
#: (pyperf 2.11 needs 3.11+, 2.10 3.9+; loky 3.7 needs 3.10+, 3.5.6 3.9; multiprocess 0.70.19 3.9+.)
PINS: Dict[str, Tuple[str, ...]] = {
    "pyperf": (
        'pyperf==2.11.0; python_version >= "3.11"',
        'pyperf==2.10.0; python_version >= "3.9" and python_version < "3.11"',
        'pyperf==2.8.0; python_version < "3.9"',
    ),
    "loky": (
        'loky==3.7.0; python_version >= "3.10"',
        'loky==3.5.6; python_version == "3.9"',
        'loky==3.4.1; python_version < "3.9"',
    ),
    "mpire": ("mpire==2.10.2",),
    "multiprocess": (
        'multiprocess==0.70.19; python_version >= "3.9"',
        'multiprocess==0.70.18; python_version < "3.9"',
    ),
}
HARNESS = "pyperf"
PEERS: Tuple[str, ...] = ("loky", "mpire", "multiprocess")

#: What tests/matrix/test_bench.py needs in the test dependency group (it skips without it).
TEST_REQUIREMENT = "pyperf>=2.6"
