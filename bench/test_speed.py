"""Speed of the compiled core against the pure-Python reference, side by side in one run.

    make bench          # or: .venv/bin/python -m pytest bench/test_speed.py --benchmark-only
"""
from __future__ import annotations

import numpy as np
import pytest

import edgesched as es
from edgesched import reference, scenarios


def _instance(n: int):
    return scenarios.heterogeneous(n, seed=1).solver_kwargs()


@pytest.mark.parametrize("n", [20, 100, 400])
@pytest.mark.parametrize("impl", ["core", "reference"])
def test_greedy(benchmark, impl, n, request):
    if impl == "reference" and n > 100 and request.config.getoption("benchmark_disable"):
        pytest.skip("slow reference: only when benchmarking")
    kw = _instance(n)
    benchmark.group = f"greedy N={n}"
    if impl == "core":
        sched = benchmark(es.solve_offloading, **kw, method="greedy")
        offload = sched.offload
    else:
        lists = {k: (list(v) if np.ndim(v) else v) for k, v in kw.items()}
        offload = np.array(benchmark(reference.greedy, **lists))
    # The result is checked inside the benchmark run: both implementations take the same decisions.
    np.testing.assert_array_equal(offload, es.solve_offloading(**kw, method="greedy").offload)


@pytest.mark.parametrize("n", [50, 200, 1000])
@pytest.mark.parametrize("method", ["greedy", "auto"])
def test_core_methods(benchmark, method, n):
    kw = _instance(n)
    benchmark.group = f"core N={n}"
    sched = benchmark(es.solve_offloading, **kw, method=method)
    assert sched.lower_bound <= sched.cost
    benchmark.extra_info.update(cost=sched.cost, gap=sched.gap, optimal=sched.optimal)


@pytest.mark.parametrize("n", [16, 22])
def test_exhaustive(benchmark, n):
    kw = _instance(n)
    benchmark.group = f"exhaustive N={n}"
    sched = benchmark(es.solve_offloading, **kw, method="exhaustive")
    assert sched.cost <= es.solve_offloading(**kw, method="greedy").cost
