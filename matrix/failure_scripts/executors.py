"""The case script of the claim row ``gil-speedup``: which executor speeds up CPU-bound pure-Python
work (templates: see :mod:`matrix.failure_scripts`).

One script per start method measures, on the same work and with two workers each,
``ThreadPoolExecutor``, ``ProcessPoolExecutor`` (given that start method's context; none for
``default``) and ``InterpreterPoolExecutor`` (3.14+, PEP 734; ``not offered`` where
``concurrent.futures`` has none). Each executor is started and warmed first (how long its first two
results took is ``start_s``: the cost of starting its workers). Then ``ROUNDS`` interleaved rounds,
each running the two units serially and on every executor, in an order that rotates from round to
round; a round's speedup is its serial time over the executor's time in that same round, so a
change of the machine's load between rounds moves both. The figures are the median round and the
lowest and highest (the spread), the 1-minute load average before and after, and the GIL state:
``sys._is_gil_enabled()`` where it exists (3.13+), else ``True`` (every build before 3.13, and
PyPy, has a GIL). An executor that fails is recorded with its error (``error: Type: message``)
and left out of later rounds; the others are still measured. Every wait is bounded
(``Executor.map(timeout=...)``): the claim case's deadline is a measurement's, not a hang test's.
"""

from __future__ import annotations

from typing import Callable, Dict

#: The rounds of a claim case: odd, so that the median is one round's figure.
ROUNDS = 9

GIL_SPEEDUP = """\
import concurrent.futures as cf
import json
import multiprocessing as mp
import os
import sys
import time

WORKERS = 2  # this machine has 2 cores: more workers cannot go faster, only queue
ROUNDS = {rounds}
WAIT = 20.0  # the longest one batch may take before it counts as broken (seconds)


def burn(n):
    s = 0
    for i in range(n):
        s += i * i
    return s


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def load():
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):  # no load average (Windows)
        return None


def median(values):
    values = sorted(values)
    return values[len(values) // 2]  # an odd number of rounds


def calibrate():
    # One unit of work takes about 0.04 s here: a round (serial + 3 executors) takes about 0.3 s.
    n = 20000
    while True:
        took = timed(lambda: burn(n))
        if took > 0.02:
            break
        n *= 4
    n = max(1, int(n * 0.04 / took))
    took = min(timed(lambda: burn(n)) for _ in range(3))  # warm: a JIT compiles burn() at first
    return max(1, int(n * 0.04 / took))


def factories(method):
    kwargs = {{}} if method is None else {{"mp_context": mp.get_context(method)}}  # 3.6: no mp_context
    interpreters = getattr(cf, "InterpreterPoolExecutor", None)  # 3.14+ (PEP 734)
    return [
        ("threads", lambda: cf.ThreadPoolExecutor(WORKERS)),
        ("processes", lambda: cf.ProcessPoolExecutor(WORKERS, **kwargs)),
        ("interpreters", None if interpreters is None else (lambda: interpreters(WORKERS))),
    ]


def error_text(exc):
    first = (str(exc).strip().splitlines() or [""])[0]
    return "error: " + type(exc).__name__ + (": " + first[:200] if first else "")


def batch(executor, n):
    return list(executor.map(burn, [n] * WORKERS, timeout=WAIT))


if __name__ == "__main__":
    method = {method}
    load_before = load()
    n = calibrate()
    figures = {{}}
    running = {{}}
    for name, make in factories(method):
        if make is None:
            figures[name] = {{"executor": name, "status": "not offered"}}
            continue
        executor = None
        try:
            t = time.perf_counter()
            executor = make()
            batch(executor, 1)  # the workers start here
            start_s = time.perf_counter() - t
            batch(executor, n)  # warm: both workers have run burn()
        except Exception as exc:
            figures[name] = {{"executor": name, "status": error_text(exc)}}
            if executor is not None:
                executor.shutdown(wait=False)
            continue
        figures[name] = {{"executor": name, "status": "measured", "start_s": round(start_s, 4)}}
        running[name] = executor
    serial = []
    ratios = {{name: [] for name in running}}
    order = ["serial"] + list(running)
    for r in range(ROUNDS):
        took = {{}}
        for name in order[r % len(order):] + order[:r % len(order)]:  # rotate: no executor always first
            if name == "serial":
                took[name] = timed(lambda: [burn(n) for _ in range(WORKERS)])
            elif name in running:
                try:
                    took[name] = timed(lambda: batch(running[name], n))
                except Exception as exc:
                    figures[name] = {{"executor": name, "status": error_text(exc)}}
                    running.pop(name).shutdown(wait=False)
                    del ratios[name]
        serial.append(took["serial"])
        for name in running:
            ratios[name].append(took["serial"] / took[name])
    for name, executor in running.items():
        executor.shutdown(wait=True)
        rs = ratios[name]
        figures[name].update(median=round(median(rs), 2), low=round(min(rs), 2), high=round(max(rs), 2))
    is_gil_enabled = getattr(sys, "_is_gil_enabled", None)
    print(
        "MATRIX-MEASURE "
        + json.dumps(
            {{
                "workers": WORKERS,
                "rounds": ROUNDS,
                "serial_s": round(median(serial), 4),
                "gil": True if is_gil_enabled is None else bool(is_gil_enabled()),
                "gil_from": "version" if is_gil_enabled is None else "sys._is_gil_enabled()",
                "load": [x for x in (load_before, load()) if x is not None],
                "executors": [figures[name] for name, _ in factories(method)],
            }}
        )
    )
"""


def _gil_speedup(variant: str) -> str:
    return GIL_SPEEDUP.replace("{rounds}", str(ROUNDS))


#: Row -> its template for a variant.
MODES: Dict[str, Callable[[str], str]] = {"gil-speedup": _gil_speedup}
