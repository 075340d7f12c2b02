"""The paper's greedy from 10^2 to 10^6 devices: the pure-Python reference, the numpy version and the compiled
core, against one memory pass, side by side in one run.

    .venv/bin/python -m pytest bench/test_scaling.py --benchmark-only --benchmark-columns=min,median,rounds

A city of N devices in cells of 100 (one edge server and uplink each; ``scenarios.heterogeneous(N)`` cut into
runs of 100 devices). ``core``: one ``solve_offloading(..., cell=...)`` call; ``numpy``: ``solve_batch`` over the
cells as an (N/100, 100) batch (array code over numpy); ``reference``: ``edgesched.reference.greedy`` cell by
cell (up to 10^4 devices: about 9 ms a cell). The unit of the table in ``bench/RESULTS.md`` is one memory pass:
one ``sum`` over the six per-device input arrays. Every run checks that numpy and the reference take the core's
decisions. Under ``make test`` (``--benchmark-disable``) only N = 10^2 and 10^3 run, as a smoke test.
"""
from __future__ import annotations

import numpy as np
import pytest

import edgesched as es
from edgesched import reference
from edgesched.solvers.batched import solve_batch

SIX = ("macs", "frames", "frame_bits", "rate", "tx_power", "f_local_max")
PER_DEVICE = (*SIX, "kappa", "rho")
CELL = 100
SIZES = [10**2, 10**3, 10**4, 10**5, 10**6]


@pytest.fixture(scope="module")
def cities():
    return {}


def _city(cities: dict, n: int) -> dict:
    if n not in cities:
        kw = es.scenarios.heterogeneous(n, seed=3).solver_kwargs()
        cities[n] = {**{k: np.broadcast_to(np.asarray(kw[k], float), n).copy() for k in PER_DEVICE},
                     "f_edge_max": kw["f_edge_max"], "cell": np.arange(n) // CELL}
    return cities[n]


def _reference(kw: dict) -> np.ndarray:
    n = kw["macs"].size
    out = []
    for lo in range(0, n, CELL):
        lists = {k: kw[k][lo:lo + CELL].tolist() for k in PER_DEVICE}
        out += reference.greedy(**lists, f_edge_max=kw["f_edge_max"])
    return np.array(out)


@pytest.mark.parametrize("impl", ["memory pass", "core", "numpy", "reference"])
@pytest.mark.parametrize("n", SIZES)
def test_greedy_scaling(benchmark, request, cities, n, impl):
    smoke = request.config.getoption("benchmark_disable")
    if smoke and n > 10**3:
        pytest.skip("large sizes only when benchmarking")
    if impl == "reference" and n > 10**4:
        pytest.skip("the pure-Python reference: up to 10^4 devices")
    kw = _city(cities, n)
    benchmark.group = f"greedy, {n} devices in cells of {CELL}"
    if impl == "memory pass":
        benchmark(lambda: sum(float(kw[k].sum()) for k in SIX))
        return
    core = es.solve_offloading(**kw, method="greedy").offload
    if impl == "core":
        offload = benchmark(es.solve_offloading, **kw, method="greedy").offload
    elif impl == "numpy":
        batch = {k: kw[k].reshape(-1, CELL) for k in PER_DEVICE}
        offload = benchmark(solve_batch, **batch, f_edge_max=kw["f_edge_max"], method="greedy").offload.ravel()
    else:
        offload = benchmark.pedantic(_reference, args=(kw,), rounds=1 if n >= 10**4 else 3, iterations=1)
    np.testing.assert_array_equal(offload, core)
