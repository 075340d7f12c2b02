"""Online re-optimization: a warm re-solve (method ``"warm"`` from the schedule in force and the last
dual prices) against a cold one (``"auto"`` with ``node_limit=0``) on the same changed city, in one run, and one
whole simulation step.

    .venv/bin/python -m pytest bench/test_online.py --benchmark-only

The changed city is 10^4 devices (100 stations x 100) one step after a cold deployment: pedestrians,
8 dB shadowing, Rayleigh fading (the solver plans on large-scale rates), 0.1 % of the devices arriving,
leaving and changing their accuracy requirement; warm against cold runs three such steps in a row, the warm
schedule put in force each time. With ``--benchmark-disable`` (``make test``) it shrinks to 100 devices as a
smoke test.
"""
from __future__ import annotations

import math
import time

import pytest

from edgesched import solve_options
from edgesched.online import OnlineCity, SimConfig


def _config(request, **kw) -> SimConfig:
    stations, per = (4, 25) if request.config.getoption("benchmark_disable") else (100, 100)
    n = stations * per
    return SimConfig(n_stations=stations, devices_per_station=per, arrival_rate=n * 1e-3, departure_prob=1e-3,
                     alpha_change_prob=1e-3, **kw)


@pytest.fixture(scope="module")
def changed(request):
    """A city one step after its cold deployment: (city, option table, schedule in force as a choice, the
    deployment's dual prices)."""
    sim = OnlineCity(_config(request))
    sim.apply(sim.resolve(warm=False)[0].choice)
    prices = sim.prices
    sim.advance()
    return sim, sim.table(), sim.choice_in_force(), prices


@pytest.mark.parametrize("how", ["warm", "cold"])
def test_resolve(benchmark, changed, how):
    sim, table, start, prices = changed
    benchmark.group = f"re-solve of a changed city, N={sim.n_devices}"
    if how == "warm":
        schedule = benchmark(solve_options, table, "warm", start=start, prices=prices)
    else:
        schedule = benchmark(solve_options, table, "auto", node_limit=0)
    # checked in the run: the reported cost is the choice's, and neither is worse than the schedule in force
    assert math.isclose(schedule.cost, table.cost(schedule.choice), rel_tol=1e-9)
    assert schedule.cost <= table.cost(start) * (1 + 1e-12)
    benchmark.extra_info.update(cost=schedule.cost, cost_in_force=table.cost(start),
                                changed=int((schedule.choice != start).sum()))


def test_warm_against_cold(benchmark, request):
    """Both on the same instance, interleaved, at three successive steps (the warm schedule and its prices
    carried to the next); per step the times, costs and their ratio go to extra_info.

    The target: at 10^4 devices warm is at least 5x faster than cold, at equal or lower cost.
    """
    sim = OnlineCity(_config(request))
    sim.apply(sim.resolve(warm=False)[0].choice)

    def best_of(runs: int, table, method: str, **kw):
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            out = solve_options(table, method, **kw)
            times.append(time.perf_counter() - t0)
        return min(times), out

    def steps():
        rows = []
        for _ in range(3):
            sim.advance()
            table, start = sim.table(), sim.choice_in_force()
            (t_warm, warm), (t_cold, cold) = (best_of(5, table, "warm", start=start, prices=sim.prices),
                                              best_of(3, table, "auto", node_limit=0))
            rows.append(dict(n=sim.n_devices, warm_s=t_warm, cold_s=t_cold, speedup=t_cold / t_warm,
                             warm_cost=warm.cost, cold_cost=cold.cost, in_force=table.cost(start),
                             excess=(warm.cost - cold.cost) / cold.cost, changed=int((warm.choice != start).sum())))
            sim.apply(warm.choice)
            sim.prices = warm.prices
        return rows

    benchmark.group = f"warm vs cold, N={sim.n_devices}, 3 steps"
    rows = benchmark.pedantic(steps, rounds=1, iterations=1)
    benchmark.extra_info.update(steps=rows)
    for r in rows:
        assert r["warm_cost"] <= r["in_force"] * (1 + 1e-12)
        assert r["warm_cost"] <= r["cold_cost"]
        if r["n"] >= 10_000:
            assert r["speedup"] >= 5


def test_step(benchmark, request):
    """One whole step: the world changes, the monitor decodes the schedule in force, a warm re-solve."""
    sim = OnlineCity(_config(request, steps=10**6))
    sim.apply(sim.resolve(warm=False)[0].choice)

    def step():
        sim.advance()
        cost = float(sim.evaluate()["cost"].sum())
        schedule, _ = sim.resolve(warm=True)
        sim.apply(schedule.choice)
        return cost, schedule

    benchmark.group = f"simulation step, N={sim.n_devices}"
    cost, schedule = benchmark(step)
    assert math.isfinite(cost) and schedule.cost > 0
