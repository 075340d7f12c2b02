"""City scale, measured against memory passes, side by side in one run.

    .venv/bin/python -m pytest bench/test_city.py --benchmark-only --benchmark-columns=min,median,rounds

The unit is one memory pass: one read of the six per-device input arrays (``macs, frames, frame_bits, rate,
tx_power, f_local_max``) of the same instance, timed in the same run. Under ``make test``
(``--benchmark-disable``) every benchmark runs once on a small city as a smoke test.
"""
from __future__ import annotations

import numpy as np
import pytest

import edgesched as es
from edgesched.model.menus import station_arrays

SIX = ("macs", "frames", "frame_bits", "rate", "tx_power", "f_local_max")


def _small(request) -> bool:
    return bool(request.config.getoption("benchmark_disable"))


@pytest.fixture(scope="module")
def city(request):
    # 10^4 cells x 100 devices when benchmarking; 100 x 100 in the smoke run.
    stations = 100 if _small(request) else 10_000
    return es.scenarios.city(stations, 100, seed=1)


def _one_pass(arrays):
    return sum(float(a.sum()) for a in arrays)


@pytest.mark.parametrize("what", ["memory pass", "greedy", "auto", "auto, node_limit=0", "local"])
def test_city_cells(benchmark, city, what):
    """All cells of the city in one call, against one pass over its inputs."""
    kw = city.solver_kwargs()
    benchmark.group = f"city {city.n_stations} cells x 100 devices"
    if what == "memory pass":
        benchmark(_one_pass, [kw[k] for k in SIX])
        return
    method, _, limit = what.partition(", node_limit=")
    sched = benchmark(es.solve_offloading, **kw, method=method, node_limit=int(limit or 200_000))
    assert sched.cell_cost.shape == (city.n_stations,)
    assert sched.lower_bound <= sched.cost
    benchmark.extra_info.update(cost=sched.cost, gap=sched.gap)


def test_cells_equal_cells_alone(city):
    """Cell by cell, the city solve equals each cell solved alone (20 cells checked)."""
    kw = city.solver_kwargs()
    together = es.solve_offloading(**kw, method="greedy")
    for k in np.linspace(0, city.n_stations - 1, 20).astype(int):
        members = kw["cell"] == k
        alone = es.solve_offloading(**{n: kw[n][members] for n in (*SIX, "kappa", "rho")},
                                    f_edge_max=kw["f_edge_max"][k], method="greedy")
        np.testing.assert_array_equal(together.offload[members], alone.offload)


def numpy_greedy(table: es.OptionTable) -> np.ndarray:
    """The paper's greedy vectorised with numpy: one pass over the devices per iteration."""
    l0, l1, c, w = table.linear[0::2], table.linear[1::2], table.c[1::2], table.w[1::2]
    A, B = table.A[0], table.B[0]
    on = np.ones(l0.size, bool)
    U, V = c.sum(), w.sum()
    while on.any():
        score = np.where(on, l1 + A * c * U + B * w * V - l0, -np.inf)
        k = int(np.argmax(score))
        f1 = l1[k] + A * c[k] * U + B * w[k] * V
        if not l0[k] - f1 - A * c[k] * (U - c[k]) - B * w[k] * (V - w[k]) < 0:
            break
        on[k] = False
        U, V = U - c[k], V - w[k]
    return on


@pytest.mark.parametrize("impl", ["core", "numpy"])
def test_one_big_cell_greedy(benchmark, request, impl):
    n = 1000 if _small(request) else 10_000
    kw = es.scenarios.heterogeneous(n, seed=0).solver_kwargs()
    benchmark.group = f"greedy, one cell of {n} devices"
    if impl == "core":
        offload = benchmark(es.solve_offloading, **kw, method="greedy").offload
    else:
        offload = benchmark.pedantic(numpy_greedy, args=(es.paper_table(**kw),), rounds=3, iterations=1)
    np.testing.assert_array_equal(offload, es.solve_offloading(**kw, method="greedy").offload)


@pytest.mark.parametrize("what", ["memory pass", "table build"])
def test_option_table_build(benchmark, request, what):
    """The option table's arrays of 10^6 devices (3 stations each): Theorem 1 on arrays, then the Numba kernel."""
    c = es.scenarios.city(100 if _small(request) else 10_000, 100, seed=2, k_nearest=3)
    benchmark.group = f"option table, {c.n_devices} devices x 4 options"
    if what == "memory pass":
        benchmark(_one_pass, [getattr(c.devices, k) for k in SIX])
        return
    station_arrays(c.devices, c.rate, c.station, 0.5, 0.5)  # compile outside the timing
    out = benchmark(station_arrays, c.devices, c.rate, c.station, 0.5, 0.5)
    assert out["linear"].shape == (4 * c.n_devices,)
