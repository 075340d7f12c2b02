"""Online re-optimization (issue 7): a warm re-solve (descent from the schedule in force) against a cold one
(``"auto"`` with ``node_limit=0``) on the same changed city, in one run, and one whole simulation step.

    .venv/bin/python -m pytest bench/test_online.py --benchmark-only

The changed city is 10^4 devices (100 stations x 100) one step after a cold deployment: pedestrians,
8 dB shadowing, Rayleigh fading (the solver plans on large-scale rates), 0.1 % of the devices arriving,
leaving and changing their accuracy requirement. With ``--benchmark-disable`` (``make test``) it shrinks to
100 devices as a smoke test.
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
    """A city one step after its cold deployment: (city, option table, schedule in force as a choice)."""
    sim = OnlineCity(_config(request))
    sim.apply(sim.resolve(warm=False)[0].choice)
    sim.advance()
    return sim, sim.table(), sim.choice_in_force()


@pytest.mark.parametrize("how", ["warm", "cold"])
def test_resolve(benchmark, changed, how):
    sim, table, start = changed
    benchmark.group = f"re-solve of a changed city, N={sim.n_devices}"
    if how == "warm":
        schedule = benchmark(solve_options, table, "descent", start=start)
    else:
        schedule = benchmark(solve_options, table, "auto", node_limit=0)
    # checked in the run: the reported cost is the choice's, and neither is worse than the schedule in force
    assert math.isclose(schedule.cost, table.cost(schedule.choice), rel_tol=1e-9)
    assert schedule.cost <= table.cost(start) * (1 + 1e-12)
    benchmark.extra_info.update(cost=schedule.cost, cost_in_force=table.cost(start),
                                changed=int((schedule.choice != start).sum()))


def test_warm_against_cold(benchmark, changed):
    """Both on the same instance, interleaved; the ratio and the cost difference go to extra_info.

    Warm is a local optimum reached from the previous schedule, cold (``auto``) rounds the relaxation first:
    warm is measured within 2e-4 (relative) of cold's cost, not always below it.
    """
    sim, table, start = changed

    def best_of(runs: int, method: str, **kw):
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            out = solve_options(table, method, **kw)
            times.append(time.perf_counter() - t0)
        return min(times), out

    def both():
        return best_of(5, "descent", start=start), best_of(3, "auto", node_limit=0)

    benchmark.group = f"warm vs cold, N={sim.n_devices}"
    (t_warm, warm), (t_cold, cold) = benchmark.pedantic(both, rounds=1, iterations=1)
    benchmark.extra_info.update(warm_s=t_warm, cold_s=t_cold, speedup=t_cold / t_warm, warm_cost=warm.cost,
                                cold_cost=cold.cost, excess=(warm.cost - cold.cost) / cold.cost)
    assert warm.cost <= table.cost(start) * (1 + 1e-12)
    assert warm.cost <= cold.cost * (1 + 1e-3)
    if sim.n_devices >= 10_000:
        assert t_cold / t_warm >= 5


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
