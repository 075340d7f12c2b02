"""Coupled tables (devices that may use any of several servers): the relaxation solved to its optimum, the exact
search by decomposition per station (with its ascent on the stations' prices) and the station re-solve, against
brute force, a convex QP solver and SCIP."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edgesched as es
from edgesched import _core
from tests.coupled import coupled_city, relaxation_scip


def random_table(seed: int, n_devices: int, n_servers: int, min_options: int = 1) -> es.OptionTable:
    """Random menus of ``min_options``-4 options, each on a random server or none; at least one device reaches two
    servers."""
    rng = np.random.default_rng(seed)
    menus = []
    for n in range(n_devices):
        k = int(rng.integers(min_options, 5)) if n else 3
        menu = []
        for i in range(k):
            j = int(rng.integers(-1, n_servers)) if n else i - 1  # device 0: none, server 0 and server 1
            lin = float(rng.uniform(0.2, 3.0))
            c, w = (0.0, 0.0) if j < 0 else (float(rng.uniform(0.1, 2.0)), float(rng.uniform(0.0, 2.0)))
            menu.append((lin, j, c, w))
        menus.append(menu)
    return es.OptionTable.from_menus(menus, rng.uniform(0.05, 1.0, n_servers), rng.uniform(0.05, 1.0, n_servers))


def relaxation_slsqp(t: es.OptionTable) -> float:
    """The relaxation's optimum (each device mixing its options) by SciPy's SLSQP, as a check independent of the
    core: min sum p linear + sum_j A_j U_j(p)^2 + B_j V_j(p)^2 over the product of simplices."""
    optimize = pytest.importorskip("scipy.optimize")
    n_opt, S, N = t.linear.size, t.n_servers, t.n_devices
    M = np.zeros((2 * S, n_opt))
    on = np.flatnonzero(t.server >= 0)
    M[2 * t.server[on], on] = np.sqrt(t.A[t.server[on]]) * t.c[on]
    M[2 * t.server[on] + 1, on] = np.sqrt(t.B[t.server[on]]) * t.w[on]
    E = np.zeros((N, n_opt))
    for n in range(N):
        E[n, t.option_ptr[n]:t.option_ptr[n + 1]] = 1.0
    p0 = E.T @ (1.0 / t.n_options)
    r = optimize.minimize(lambda p: t.linear @ p + np.sum((M @ p) ** 2), p0,
                          jac=lambda p: t.linear + 2 * M.T @ (M @ p), method="SLSQP", bounds=[(0, 1)] * n_opt,
                          constraints=[{"type": "eq", "fun": lambda p: E @ p - 1, "jac": lambda p: E}],
                          options={"ftol": 1e-14, "maxiter": 2000})
    # SLSQP may stop on the precision of its line search ("positive directional derivative") at the optimum: its
    # point must be feasible, and its value is then checked against the core's to 1e-6.
    assert r.success or r.status == 8, r.message
    assert np.allclose(E @ r.x, 1.0, atol=1e-8) and (r.x >= -1e-8).all()
    return float(r.fun)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 8), s=st.integers(2, 4))
def test_relaxation_bound_is_the_relaxations_optimum(seed, n, s):
    t = random_table(seed, n, s)
    assert t.relaxation_bound() == pytest.approx(relaxation_slsqp(t), rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("k", [2, 3])
def test_relaxation_bound_on_coupled_cities(k):
    """Against SLSQP on cities of 30 devices and 4 or 9 stations, and below every choice's cost."""
    for seed in range(3):
        t = coupled_city(30, 9 if seed % 2 else 4, k, seed)
        rb = t.relaxation_bound()
        assert rb == pytest.approx(relaxation_slsqp(t), rel=1e-6)
        assert rb <= es.solve_options(t, "auto", gap_tol=0).cost


def test_relaxation_bound_against_scip():
    pytest.importorskip("pyscipopt")
    t = coupled_city(200, 4, 3, 0)
    assert t.relaxation_bound() == pytest.approx(relaxation_scip(t), rel=1e-6)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 9), s=st.integers(2, 4))
def test_exact_searches_equal_brute_force(seed, n, s):
    """bnb (the decomposition search on coupled tables) proves the exhaustive optimum; no bound exceeds it."""
    t = random_table(seed, n, s)
    best = es.solve_options(t, "exhaustive").cost
    tol = 1e-9 * abs(best)
    b = es.solve_options(t, "bnb")
    assert b.optimal and b.cost == pytest.approx(best, rel=1e-9, abs=1e-12)
    assert b.lower_bound <= best + tol
    a = es.solve_options(t, "auto", gap_tol=0)
    assert a.optimal and a.cost == pytest.approx(best, rel=1e-9, abs=1e-12)
    assert t.relaxation_bound() <= best + tol
    for method in ("auto", "warm", "descent", "local"):
        assert es.solve_options(t, method).lower_bound <= best + tol


@pytest.mark.parametrize("k", [2, 3])
def test_search_proves_optimum_beyond_exhaustive(k):
    """40 devices (4^40 choices: no exhaustive search): the decomposition search proves an optimum that every
    random and descended schedule is no better than, and SCIP agrees where it is installed."""
    t = coupled_city(40, 4, k, 7)
    a = es.solve_options(t, "auto", gap_tol=0)
    b = es.solve_options(t, "bnb")
    assert a.optimal and b.optimal
    assert a.cost == pytest.approx(b.cost, rel=1e-9)
    rng = np.random.default_rng(0)
    for _ in range(20):
        start = rng.integers(0, t.n_options)
        assert es.solve_options(t, "descent", start=start).cost >= a.cost * (1 - 1e-12)
    try:
        import pyscipopt  # noqa: F401
    except ImportError:
        return
    s = es.solve_options(t, "scip", time_limit=120)
    assert s.optimal and a.cost == pytest.approx(s.cost, rel=1e-8)


@pytest.mark.parametrize("n, s", [(200, 4), (360, 9)])
def test_auto_on_coupled_cities_against_scip(n, s):
    pytest.importorskip("pyscipopt")
    t = coupled_city(n, s, 3, 1)
    opt = es.solve_options(t, "scip", time_limit=120)
    assert opt.optimal
    a = es.solve_options(t, "auto")
    assert a.cost <= opt.cost * (1 + 1e-5)
    assert a.gap <= 1e-4 and a.lower_bound <= opt.cost * (1 + 1e-9)
    p = es.solve_options(t, "auto", gap_tol=0, time_limit=30)
    assert p.optimal and p.cost == pytest.approx(opt.cost, rel=1e-8)


def test_city_option_table_with_several_stations():
    """The city's own coupled table: a certified gap within gap_tol, the bound at least the relaxation's."""
    t = es.scenarios.city(16, 20, k_nearest=3, seed=3).option_table()
    a = es.solve_options(t, "auto")
    assert a.gap <= 1e-4
    assert a.lower_bound >= t.relaxation_bound() * (1 - 1e-12)


@settings(max_examples=20)
@given(seed=st.integers(0, 2**32 - 1), s=st.integers(2, 4), city=st.booleans())
def test_decomposition_search_beyond_auto_exhaustive(seed, s, city):
    """Tables of 12 devices with 4 options (3 for one device of the random tables): more than the 2^22 choices auto
    enumerates, so it runs the decomposition search (with its ascent on the stations' prices); its proof, bnb's,
    and every bound against brute force."""
    t = coupled_city(12, 4, 3, seed % 1000) if city else random_table(seed, 12, s, min_options=4)
    assert 2**22 < np.prod(t.n_options.astype(float)) <= 2**24
    best = es.solve_options(t, "exhaustive").cost
    tol = 1e-9 * abs(best)
    for method in ("auto", "bnb"):
        r = es.solve_options(t, method, gap_tol=0)
        assert r.optimal and r.cost == pytest.approx(best, rel=1e-9, abs=1e-12)
        assert r.lower_bound <= best + tol
    # Stopped after the root (the ascent, then one node): the bound is the best decomposition bound met.
    root = es.solve_options(t, "bnb", node_limit=1)
    assert root.lower_bound <= best + tol and root.cost >= best - tol
    a = es.solve_options(t, "auto")
    assert a.lower_bound <= best + tol
    assert a.lower_bound >= t.relaxation_bound() - 1e-9 * abs(best)


def _cost(t: es.OptionTable, choice: np.ndarray) -> float:
    return float(_core.table_cost(**t.arrays(), choice=np.ascontiguousarray(choice, np.int32)))


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), s=st.integers(2, 5), station=st.integers(0, 4))
def test_station_resolve_never_worse_than_its_start(seed, n, s, station):
    """From any schedule, re-solving a station lowers the total or leaves the schedule as it was, changes only
    devices that can use that station, and reports the change of the total."""
    t = random_table(seed, n, s)
    rng = np.random.default_rng(seed)
    start = (rng.integers(0, 1 << 30, n) % t.n_options).astype(np.int32)
    j = station % s
    choice, delta = _core.station_resolve(**t.arrays(), choice=start, station=j)
    before, after = _cost(t, start), _cost(t, choice)
    assert delta <= 0.0
    if delta == 0.0:
        assert np.array_equal(choice, start)
    else:
        assert after < before and after - before == pytest.approx(delta, rel=1e-9, abs=1e-11 * abs(before))
    changed = np.flatnonzero(choice != start)
    for m in changed:
        menu = slice(t.option_ptr[m], t.option_ptr[m + 1])
        assert j in t.server[menu]
    assert ((choice >= 0) & (choice < t.n_options)).all()


def test_station_resolve_makes_a_trade_descent_cannot():
    """Station 0 holds device 0 (2.5 with its load), whose other option costs 2.6; device 1 (3 locally) would cost
    2.5 on station 0 alone, 5.5 more with device 0 there. No single change pays; re-solving station 0 swaps them
    (5.5 -> 5.1)."""
    menus = [[(1.0, 0, 1.0, 0.0), (2.6, -1, 0.0, 0.0)],   # device 0: on station 0, or local
             [(3.0, -1, 0.0, 0.0), (1.0, 0, 1.0, 0.0)]]   # device 1: local, or station 0
    t = es.OptionTable.from_menus(menus, [1.5, 1.0], [1.0, 1.0])
    start = np.array([0, 0], np.int32)
    assert es.solve_options(t, "descent", start=start).cost == pytest.approx(_cost(t, start))
    choice, delta = _core.station_resolve(**t.arrays(), choice=start, station=0)
    assert choice.tolist() == [1, 1]
    assert delta == pytest.approx(_cost(t, choice) - _cost(t, start)) and delta < 0


def test_station_resolve_rejects_bad_input():
    t = random_table(0, 5, 3)
    start = np.zeros(5, np.int32)
    with pytest.raises(ValueError, match="station is 3"):
        _core.station_resolve(**t.arrays(), choice=start, station=3)
    bad = start.copy()
    bad[2] = t.n_options[2]
    with pytest.raises(ValueError, match=r"choice\[2\]"):
        _core.station_resolve(**t.arrays(), choice=bad, station=0)


def test_ten_thousand_device_city_certified_within_1e_5():
    """The 10^4-device, 100-station coupled city: auto certifies a gap within 1e-5 (the time it takes is in the
    bench), its bound at least the relaxation's optimum; the stations' threads do not change the result."""
    t = es.scenarios.city(100, 100, k_nearest=3).option_table()
    rb = t.relaxation_bound()
    runs = [_core.solve_options(**t.arrays(), method="auto", start=np.zeros(t.n_devices, np.int32), prices=None,
                                seed=0, threads=threads, node_limit=200_000, time_limit=30.0, gap_tol=1e-5)
            for threads in (1, 2)]
    for r in runs:
        assert r.cost - r.lower_bound <= 1e-5 * r.cost
        assert r.lower_bound >= rb * (1 - 1e-12)
    assert runs[0].cost == runs[1].cost and np.array_equal(runs[0].choice, runs[1].choice)
    assert runs[0].lower_bound == runs[1].lower_bound
