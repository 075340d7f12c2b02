"""Small instances, every way of solving them side by side in one run: the end-to-end calls against the core's own
call, a plain numpy greedy and SCIP.

    .venv/bin/python -m pytest bench/test_small.py --benchmark-only \\
        --benchmark-columns=min,median,rounds --benchmark-group-by=group --benchmark-sort=name

Instances: ``scenarios.heterogeneous(N, seed=1)``. ``core call`` is ``_core.solve_paper`` on inputs already
checked and converted (what ``solve_offloading`` adds to it is the Python layer's cost); ``handle`` is one
``Offloader.solve`` on a handle kept across calls; ``numpy greedy`` is the paper's greedy on the option table
(``bench/test_city.py``, the table built outside the timing); ``scip`` the exact MIQP (``solve_scip``). Under
``--benchmark-disable`` every case runs once as a smoke test, SCIP only up to N = 50.
"""
from __future__ import annotations

import numpy as np
import pytest

import edgesched as es
from edgesched import _core, scenarios
from edgesched._validation import search_budget
from edgesched.methods import GAP_TOL, NODE_LIMIT, THREADS, TIME_LIMIT
from edgesched.model.devices import Devices
from test_city import numpy_greedy

SIZES = [1, 5, 10, 20, 22, 50, 200, 1000]
WAYS = ["core call, greedy", "greedy", "handle, greedy", "numpy greedy", "core call, auto", "auto", "handle, auto",
        "scip"]
DEVICE_FIELDS = ("macs", "frames", "frame_bits", "rate", "tx_power", "f_local_max", "kappa", "rho")


def _core_call(kw: dict, method: str):
    """``_core.solve_paper`` with its arguments prepared once, as ``solve_offloading`` prepares them."""
    arrays = Devices.check_types(**{k: kw[k] for k in DEVICE_FIELDS})
    args = dict(**arrays, cell=np.empty(0, np.int64), f_edge_max=np.array([float(kw["f_edge_max"])]),
                w_delay=float(kw["w_delay"]), w_energy=float(kw["w_energy"]), method=method, seed=0, threads=THREADS,
                **search_budget(NODE_LIMIT, TIME_LIMIT, GAP_TOL))
    return lambda: _core.solve_paper(**args)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("way", WAYS)
def test_small(benchmark, request, way, n):
    kw = scenarios.heterogeneous(n, seed=1).solver_kwargs()
    benchmark.group = f"small N={n}"
    optimum = es.solve_offloading(**kw, method="auto")
    if way == "scip":
        if n > 50 and request.config.getoption("benchmark_disable"):
            pytest.skip("SCIP beyond N = 50 only when benchmarking")
        pytest.importorskip("pyscipopt")
        from edgesched.solvers.exact import solve_scip

        table = es.paper_table(**kw)
        r = benchmark.pedantic(solve_scip, args=(table,), rounds=3 if n >= 200 else 10, iterations=1)
        # auto within 1e-4 of SCIP's optimum (SCIP's own gap is 1e-9), and proven below 30 devices
        assert optimum.cost <= r.cost * (1 + 1e-4) and r.cost <= optimum.cost * (1 + 1e-4)
        assert optimum.optimal or n >= 30
        benchmark.extra_info.update(cost=r.cost, auto_cost=optimum.cost, auto_optimal=optimum.optimal)
        return
    method = way.rpartition(" ")[2]
    if way == "numpy greedy":
        table = es.paper_table(**kw)
        offload = benchmark(numpy_greedy, table)
        np.testing.assert_array_equal(offload, es.solve_offloading(**kw, method="greedy").offload)
        return
    if way.startswith("core call"):
        out = benchmark(_core_call(kw, method))
        assert float(out.cell_cost[0]) == es.solve_offloading(**kw, method=method).cost
        return
    if way.startswith("handle"):
        handle = es.Offloader(n, method)
        sched = benchmark(handle.solve, **kw)
    else:
        sched = benchmark(es.solve_offloading, **kw, method=method)
    assert sched.cost == es.solve_offloading(**kw, method=method).cost
    if method == "auto":
        assert sched.optimal or n >= 30
    benchmark.extra_info.update(cost=sched.cost, optimal=sched.optimal)
