"""Coupled cities (each device local or on any of its k nearest stations) against SCIP, in one run.

    PYTHONPATH=src .venv/bin/python -m pytest bench/test_coupled.py --benchmark-only -s

Cities from ``tests/coupled.py`` (stations on a 500 m grid, devices uniform, heterogeneous accuracy needs, CPUs
and powers), k = 2 and 3, N = 200 to 10^4. Each row prints: default ``auto`` (gap_tol = 1e-4) and ``auto`` with
``gap_tol=0`` (cost above SCIP's best, certified gap, time), SCIP's MIQP (time, proved or not, within
``SCIP_LIMIT`` s), and the relaxation's optimum by ``relaxation_bound()``. Under ``--benchmark-disable`` only the
smallest city runs, without SCIP, as a smoke test that asserts the certificates.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

import edgesched as es

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.coupled import coupled_city  # noqa: E402

SCIP_LIMIT = 120.0
SCIP_MAX_DEVICES = 1000  # SCIP 10 (PySCIPOpt 6.3) aborts with heap corruption on the 10^4-device model
CITIES = [(200, 4), (360, 9), (400, 16), (1000, 16), (10_000, 100)]


def _small(request) -> bool:
    return bool(request.config.getoption("benchmark_disable"))


def _timed(f):
    t0 = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t0


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("n, s", CITIES)
def test_coupled_city(benchmark, request, n, s, k):
    if _small(request) and (n, s) != CITIES[0]:
        pytest.skip("coupled bench: only the smallest city in the --benchmark-disable smoke run")
    t = coupled_city(n, s, k, 0)
    benchmark.group = f"coupled city, k = {k}"
    auto = benchmark.pedantic(es.solve_options, args=(t, "auto"), rounds=3, iterations=1)
    _, t_auto = _timed(lambda: es.solve_options(t, "auto"))
    proof, t_proof = _timed(lambda: es.solve_options(t, "auto", gap_tol=0, time_limit=30.0))
    relax, t_relax = _timed(t.relaxation_bound)
    assert auto.gap <= 1e-4 and auto.lower_bound <= proof.cost * (1 + 1e-12)
    assert relax <= proof.lower_bound * (1 + 1e-12)
    row = dict(n=n, stations=s, k=k, auto_cost=auto.cost, auto_gap=auto.gap,
               auto_time=t_auto, proof_cost=proof.cost, proof_gap=proof.gap,
               proof_optimal=proof.optimal, proof_time=t_proof, relaxation=relax, relaxation_time=t_relax)
    if not _small(request) and n <= SCIP_MAX_DEVICES:
        pytest.importorskip("pyscipopt")
        scip, t_scip = _timed(lambda: es.solve_options(t, "scip", time_limit=SCIP_LIMIT))
        best = min(scip.cost, proof.cost)
        row.update(scip_cost=scip.cost, scip_optimal=scip.optimal, scip_time=t_scip,
                   auto_above=(auto.cost - best) / best, proof_above=(proof.cost - best) / best)
        print(f"\nN={n} S={s} k={k}: auto {row['auto_above']:+.1e} above best, gap {auto.gap:.1e}, "
              f"{row['auto_time'] * 1e3:.1f} ms | gap_tol=0: {row['proof_above']:+.1e}, gap {proof.gap:.1e}, "
              f"optimal {proof.optimal}, {t_proof:.3f} s | SCIP {t_scip:.2f} s, optimal {scip.optimal} | "
              f"relaxation {t_relax * 1e3:.1f} ms, {(best - relax) / best:.1e} below best")
    benchmark.extra_info.update(row)
