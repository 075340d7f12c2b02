"""Deadlines (docs/model.md §8) against the same solve without them, side by side in one run.

    .venv/bin/python -m pytest bench/test_deadlines.py --benchmark-only --benchmark-columns=min,median,rounds

Instances: one cell of ``scenarios.heterogeneous(N)`` at N = 20 and 1000, and ``scenarios.city(10^4, 100)``
(10^6 devices in 10^4 cells). The deadlines: a fifth of the devices (drawn) get 0.9 times their delay in the
deadline-free optimum of the same method, but never below their fastest local delay rho C / f_local_max (so
that every instance has a schedule); the others none. Every run checks that each deadline is met. Under
``make test`` (``--benchmark-disable``) the city has 100 cells, as a smoke test.
"""
from __future__ import annotations

import numpy as np
import pytest

import edgesched as es

SHARE, TIGHT = 0.2, 0.9


def _small(request) -> bool:
    return bool(request.config.getoption("benchmark_disable"))


def deadlines(kw: dict, free: es.Schedule, seed: int = 0) -> np.ndarray:
    """Tighter than ``free``'s delays for a share of the devices, and at least their fastest local delay."""
    rng = np.random.default_rng(seed)
    fastest = np.asarray(kw["rho"]) * kw["macs"] / kw["f_local_max"]
    tight = np.maximum(free.delay * TIGHT, fastest * 1.001)
    return np.where(rng.random(free.delay.size) < SHARE, tight, np.inf)


@pytest.fixture(scope="module")
def instances(request):
    stations = 100 if _small(request) else 10_000
    return {"20": es.scenarios.heterogeneous(20, seed=3).solver_kwargs(),
            "1000": es.scenarios.heterogeneous(1000, seed=3).solver_kwargs(),
            "city": es.scenarios.city(stations, 100, seed=1).solver_kwargs()}


@pytest.mark.parametrize("size", ["20", "1000", "city"])
@pytest.mark.parametrize("method", ["greedy", "auto"])
@pytest.mark.parametrize("with_deadlines", [False, True], ids=["free", "deadlines"])
def test_deadlines_against_free(benchmark, instances, size, method, with_deadlines):
    kw = instances[size]
    free = es.solve_offloading(**kw, method=method)
    D = deadlines(kw, free)
    assert np.any(D < free.delay)  # some deadlines bind
    benchmark.group = f"{method}, {size} devices" if size != "city" else f"{method}, city"
    extra = {"deadline": D} if with_deadlines else {}
    s = benchmark(es.solve_offloading, **kw, method=method, **extra)
    if with_deadlines:
        assert np.all(s.delay <= D)
        assert s.cost >= free.cost * (1 - 1e-12) and s.lower_bound <= s.cost
    benchmark.extra_info.update(cost=s.cost, gap=s.gap, tighter=int(np.sum(D < free.delay)))
