"""The paper's greedy on one cell of alike devices against one of distinct devices, side by side in one run.

    .venv/bin/python -m pytest bench/test_greedy_ties.py --benchmark-only --benchmark-columns=min,median,rounds

``distinct``: ``scenarios.heterogeneous(N)``, every device different; ``alike``: N copies of its first device, so
that every score ties at every move (the greedy picks the lowest index among them). Both move nearly every device
to local (N - 10 and N - 7 moves at N = 80,000). The target: ties cost no more than distinct scores, within 2x,
which ``test_alike_within_twice_distinct`` asserts from the two timed side by side (best of 5 each, in turn).
Under ``make test`` (``--benchmark-disable``) one cell of 2,000 devices runs as a smoke test.
"""
from __future__ import annotations

import time

import numpy as np
import pytest

import edgesched as es

PER_DEVICE = ("macs", "frames", "frame_bits", "rate", "tx_power", "f_local_max", "kappa", "rho")
SIZES = [80_000, 160_000]
SMOKE = 2_000


def _cell(n: int, alike: bool) -> dict:
    kw = es.scenarios.heterogeneous(n, seed=1).solver_kwargs()
    for k in PER_DEVICE:
        v = np.broadcast_to(np.asarray(kw[k], float), n)
        kw[k] = np.full(n, v[0]) if alike else v.copy()
    return kw


def _sizes(request) -> list[int]:
    return [SMOKE] if request.config.getoption("benchmark_disable") else SIZES


@pytest.mark.parametrize("devices", ["distinct", "alike"])
@pytest.mark.parametrize("n", SIZES)
def test_greedy_one_cell(benchmark, request, n, devices):
    n = n if n in _sizes(request) else SMOKE
    kw = _cell(n, devices == "alike")
    benchmark.group = f"greedy, one cell of {n} devices"
    s = benchmark(es.solve_offloading, **kw, method="greedy")
    assert s.lower_bound <= s.cost
    benchmark.extra_info.update(moved=int((~s.offload).sum()))


@pytest.mark.parametrize("n", SIZES)
def test_alike_within_twice_distinct(benchmark, request, n):
    """The two cells solved in turn, five times (once in the smoke run): the best time of each, and their ratio."""
    smoke = request.config.getoption("benchmark_disable")
    n = n if n in _sizes(request) else SMOKE
    alike, distinct = _cell(n, True), _cell(n, False)
    times: list[tuple[float, float]] = []

    def pair() -> None:
        t0 = time.perf_counter()
        es.solve_offloading(**alike, method="greedy")
        t1 = time.perf_counter()
        es.solve_offloading(**distinct, method="greedy")
        times.append((t1 - t0, time.perf_counter() - t1))

    benchmark.group = f"greedy, alike then distinct, {n} devices each"
    benchmark.pedantic(pair, rounds=1 if smoke else 5, iterations=1)
    t_alike, t_distinct = min(t[0] for t in times), min(t[1] for t in times)
    benchmark.extra_info.update(alike_ms=t_alike * 1e3, distinct_ms=t_distinct * 1e3, ratio=t_alike / t_distinct)
    print(f"greedy, one cell of {n}: alike {t_alike * 1e3:.1f} ms, distinct {t_distinct * 1e3:.1f} ms, "
          f"ratio {t_alike / t_distinct:.2f}")
    if not smoke:
        assert t_alike <= 2.0 * t_distinct
