"""City-scale times in memory passes, in one process: the numbers of bench/RESULTS.md's "City scale" table.

    PYTHONPATH=src .venv/bin/python bench/city_passes.py LABEL

Prints, for ``scenarios.city(10_000, 100, seed=1)`` (10^4 cells x 100 devices), each method's time as
``min/median`` memory passes (one ``sum`` over the six per-device input arrays, timed in the same process), and
the greedy on one cell of 10^4 devices against the numpy-vectorised greedy of ``bench/test_city.py``. To compare
two builds side by side, alternate runs with ``PYTHONPATH`` pointing at each checkout's ``src``.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

import edgesched as es

sys.path.insert(0, str(Path(__file__).parent))
from test_city import SIX, numpy_greedy  # noqa: E402


def timed(f, rounds: int) -> tuple[float, float]:
    """(min, median) wall time of ``rounds`` calls, s."""
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times))


def main(label: str) -> None:
    kw = es.scenarios.city(10_000, 100, seed=1).solver_kwargs()
    one_pass = timed(lambda: sum(float(kw[k].sum()) for k in SIX), 200)
    rows = []
    for what, rounds in [("local", 15), ("greedy", 8), ("auto, node_limit=0", 5), ("auto", 5)]:
        method, _, limit = what.partition(", node_limit=")
        t = timed(lambda m=method, n=int(limit or 200_000): es.solve_offloading(**kw, method=m, node_limit=n), rounds)
        rows.append(f"{what} {t[0] / one_pass[0]:.0f}/{t[1] / one_pass[1]:.0f}")
    big = es.scenarios.heterogeneous(10_000, seed=0).solver_kwargs()
    core = timed(lambda: es.solve_offloading(**big, method="greedy"), 60)
    vectorised = timed(lambda: numpy_greedy(es.paper_table(**big)), 3)
    print(f"{label}: pass {one_pass[0] * 1e3:.2f} ms; " + "; ".join(rows) +
          f"; one cell of 10^4: core {core[0] * 1e3:.2f} ms, numpy {vectorised[0] * 1e3:.0f} ms, "
          f"{vectorised[0] / core[0]:.0f}x", flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "this build")
