"""The option model: table validation, every solver against brute force, bounds, and the paper's table."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgesched import OptionTable, paper_table, reference, solve_offloading, solve_options

from .strategies import paper_instances

REL = 1e-9


@st.composite
def option_tables(draw, max_devices: int = 7, max_options: int = 4, max_servers: int = 3):
    """Random tables: each device has 1..max_options options on random servers (or none)."""
    n = draw(st.integers(1, max_devices))
    s = draw(st.integers(1, max_servers))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    menus = []
    for _ in range(n):
        k = int(rng.integers(1, max_options + 1))
        menu = []
        for _ in range(k):
            server = int(rng.integers(-1, s))
            c, w = (0.0, 0.0) if server < 0 else (float(rng.uniform(0, 3)), float(rng.uniform(0, 3)))
            menu.append((float(rng.uniform(-1, 5)), server, c, w))
        menus.append(menu)
    return OptionTable.from_menus(menus, A=rng.uniform(0.05, 1.0, s), B=rng.uniform(0.05, 1.0, s))


def brute_force(table: OptionTable) -> float:
    return min(table.cost(np.array(ch, np.int32)) for ch in itertools.product(*map(range, table.n_options)))


def paper_table_of(kw):
    return paper_table(**kw)


@given(table=option_tables())
def test_exhaustive_and_bnb_find_the_optimum(table):
    best = brute_force(table)
    for method in ("exhaustive", "bnb", "auto"):
        r = solve_options(table, method)
        assert r.cost == pytest.approx(best, rel=REL, abs=1e-12), method
        assert r.cost == pytest.approx(table.cost(r.choice), rel=1e-12, abs=1e-12)
        assert r.optimal, method
        assert r.lower_bound <= best + REL * abs(best) + 1e-12


@given(table=option_tables(max_devices=8), node_limit=st.sampled_from([1, 2, 3, 4, 6, 10, 30, 200, 10**5]))
def test_bnb_is_honest_at_every_budget(table, node_limit):
    """The search (the reduced-cost enumeration on half the budget, then branch-and-bound with the devices that
    cannot pay fixed) may stop early, but what it returns is a choice of its cost, its bound is valid, and a
    schedule it calls optimal is the optimum."""
    best = brute_force(table)
    r = solve_options(table, "bnb", node_limit=node_limit)
    assert r.cost == pytest.approx(table.cost(r.choice), rel=1e-12, abs=1e-12)
    assert r.cost >= best - REL * abs(best) - 1e-12
    assert r.lower_bound <= best + REL * abs(best) + 1e-12
    if r.optimal:
        assert r.cost == pytest.approx(best, rel=REL, abs=1e-12)


@given(kw=paper_instances(2, 9, alike=True))
def test_bnb_proves_alike_devices(kw):
    """Alike devices all have the same reduced cost (zero at the relaxation optimum, where every device is
    fractional): the enumeration meets the most sets there, and still ends at the optimum."""
    r = solve_options(paper_table(**kw), "bnb")
    assert r.optimal
    assert r.cost == pytest.approx(solve_offloading(**kw, method="exhaustive").cost, rel=REL)


@given(table=option_tables(max_devices=9), method=st.sampled_from(["descent", "random", "local"]))
def test_lower_bound_is_valid_for_every_method(table, method):
    best = brute_force(table)
    if method == "local":
        r = solve_options(table, method)
    else:
        r = solve_options(table, method, seed=3)
    assert r.lower_bound <= best + REL * abs(best) + 1e-12
    assert r.cost >= best - REL * abs(best) - 1e-12
    assert 0.0 <= r.gap


@given(table=option_tables(max_devices=9), data=st.data())
def test_descent_ends_in_a_local_minimum(table, data):
    start = np.array([data.draw(st.integers(0, k - 1)) for k in table.n_options], np.int32)
    r = solve_options(table, "descent", start=start)
    assert r.cost <= table.cost(start) + 1e-12
    for n, k in enumerate(table.n_options):
        for j in range(k):
            other = r.choice.copy()
            other[n] = j
            assert table.cost(other) >= r.cost - 1e-9 * abs(r.cost) - 1e-12


@given(kw=paper_instances(1, 9))
def test_paper_table_is_the_paper_model(kw):
    table = paper_table(**kw)
    n = table.n_devices
    rng = np.random.default_rng(n)
    for _ in range(3):
        off = rng.random(n) < 0.5
        ref = reference.evaluate(list(off), **kw)
        assert table.cost(off.astype(np.int32)) == pytest.approx(ref.cost, rel=1e-12)


@settings(max_examples=40)
@given(kw=paper_instances(1, 40))
def test_auto_never_worse_than_greedy_and_bound_valid(kw):
    greedy = solve_offloading(**kw, method="greedy")
    auto = solve_offloading(**kw, method="auto")
    assert auto.cost <= greedy.cost
    assert auto.lower_bound <= auto.cost
    assert greedy.lower_bound <= greedy.cost
    if auto.n_devices <= 12:
        best = solve_offloading(**kw, method="exhaustive")
        assert auto.lower_bound <= best.cost * (1 + REL)
        assert greedy.lower_bound <= best.cost * (1 + REL)
        assert auto.optimal and auto.cost == pytest.approx(best.cost, rel=REL)
        assert best.gap < 1e-12 and best.optimal


def test_auto_beats_greedy_on_heterogeneous_devices():
    from edgesched import scenarios

    sc = scenarios.heterogeneous(60, 1)
    greedy = solve_offloading(**sc.solver_kwargs(), method="greedy")
    auto = solve_offloading(**sc.solver_kwargs(), method="auto")
    assert auto.cost < greedy.cost * (1 - 1e-3)  # the paper's policy is 1% above here
    assert auto.gap <= 1e-4  # the default gap_tol: certified within 0.01%
    exact = solve_offloading(**sc.solver_kwargs(), method="auto", gap_tol=0)
    assert exact.optimal and exact.gap < 1e-8 and exact.cost <= auto.cost


def test_greedy_on_a_table_equals_solve_offloading():
    kw = dict(macs=[30e9, 20e9, 25e9], frames=[12, 9, 10], frame_bits=301056, rate=[1e7, 4e7, 2e6],
              tx_power=0.2, f_local_max=1.8e9, f_edge_max=5e9)
    table = paper_table(**kw)
    r = solve_options(table, "greedy")
    np.testing.assert_array_equal(r.choice == 1, solve_offloading(**kw).offload)
    assert r.cost == pytest.approx(solve_offloading(**kw).cost, rel=1e-12)


def plain_greedy(table: OptionTable) -> np.ndarray:
    """The paper's greedy on a two-option table by a full scan at every move, with the core's arithmetic: score
    ((l1 + (A c) U) + (B w) V) - l0, ties to the lowest device, NaN never chosen; a move only if the total falls."""
    o0 = table.option_ptr[:-1]
    o1 = o0 + 1
    l0, l1, j = table.linear[o0].tolist(), table.linear[o1].tolist(), table.server[o1].tolist()
    c, w = table.c[o1].tolist(), table.w[o1].tolist()
    A, B = table.A.tolist(), table.B.tolist()  # Python floats: overflow gives inf, as in the core
    Ac = [A[s] * x for s, x in zip(j, c)]
    Bw = [B[s] * x for s, x in zip(j, w)]
    U, V = [0.0] * table.n_servers, [0.0] * table.n_servers
    for n in range(table.n_devices):  # in device order, as the core sums
        U[j[n]] += c[n]
        V[j[n]] += w[n]
    on = [True] * table.n_devices
    while True:
        best, k = -np.inf, table.n_devices
        for n in range(table.n_devices):
            score = ((l1[n] + Ac[n] * U[j[n]]) + Bw[n] * V[j[n]]) - l0[n]
            if on[n] and (score > best or (score == best and n < k)):
                best, k = score, n
        if k == table.n_devices:
            break
        f1 = l1[k] + Ac[k] * U[j[k]] + Bw[k] * V[j[k]]
        if not l0[k] - f1 - Ac[k] * (U[j[k]] - c[k]) - Bw[k] * (V[j[k]] - w[k]) < 0:
            break
        on[k] = False
        U[j[k]] -= c[k]
        V[j[k]] -= w[k]
    return np.array(on, dtype=np.int32)


@st.composite
def two_option_tables(draw):
    """Tables of the paper's shape (option 0 without a server, option 1 on one of up to 3) with magnitudes from
    subnormal to 1e70 and exact ties (repeated devices); over 256 devices the greedy works in blocks. (Prices and
    weights of 1e70 give dual prices 2 A U near 1e143, close to the largest whose square a table may hold; larger
    tables are a ValueError: test_hardening_core.py.)"""
    n = draw(st.sampled_from([1, 2, 5, 30, 300]))
    s = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.sampled_from([1.0, 1e-300, 1e-160, 1e55]))
    def magnitude(size):  # log-uniform over 30 decades around `scale`, some exact zeros
        x = scale * 10.0 ** rng.uniform(-15, 15, size)
        return np.where(rng.random(size) < 0.05, 0.0, x)
    linear = magnitude((n, 2)) * rng.choice([-1.0, 1.0], (n, 2))
    server, c, w = rng.integers(0, s, n), magnitude(n), magnitude(n)
    repeat = rng.integers(0, n, n // 3)  # devices copied onto others: exact ties
    for a in (linear, server, c, w):
        a[: n // 3] = a[repeat]
    menus = [[(float(linear[i, 0]), -1, 0.0, 0.0), (float(linear[i, 1]), int(server[i]), float(c[i]), float(w[i]))]
             for i in range(n)]
    return OptionTable.from_menus(menus, A=magnitude(s), B=magnitude(s))


@settings(max_examples=60, deadline=None)
@given(table=two_option_tables())
def test_greedy_is_the_plain_full_scan(table):
    np.testing.assert_array_equal(solve_options(table, "greedy").choice, plain_greedy(table))


@pytest.mark.parametrize("order", [[0, 1, 2], [0, 2, 1]])
def test_greedy_bounds_use_the_rounded_products(order):
    # A*c of device 1 underflows to 0: its score does not fall as its server's load falls. A block bound built
    # from c_min * (A U) instead of the stored products would fall below it and skip device 1.
    menus = [[(0.0, -1, 0.0, 0.0), (0.0, 0, 1e100, 0.0)],
             [(0.0, -1, 0.0, 0.0), (1e-230, 0, 1e-24, 0.0)],
             [(0.0, -1, 0.0, 0.0), (-1e-240, 1, 0.0, 0.0)]]
    table = OptionTable.from_menus([menus[i] for i in order], A=[1e-300, 0.0], B=[0.0, 0.0])
    np.testing.assert_array_equal(solve_options(table, "greedy").choice, plain_greedy(table))


# ---------------------------------------------------------------------------------------------- validation

def good_table(**changes):
    base = dict(option_ptr=[0, 2, 3], linear=[1.0, 0.5, 2.0], server=[-1, 0, 0], c=[0.0, 1.0, 2.0],
                w=[0.0, 1.0, 1.0], A=[0.1], B=[0.2])
    base.update(changes)
    return OptionTable(**{k: np.asarray(v) for k, v in base.items()})


@pytest.mark.parametrize("changes, message", [
    (dict(option_ptr=[1, 2, 3]), r"option_ptr\[0\] is 1"),
    (dict(option_ptr=[0, 2, 2]), "device 1 has no option"),
    (dict(linear=[1.0, np.nan, 2.0]), r"linear\[1\] is nan"),
    (dict(c=[0.0, -1.0, 2.0]), r"c\[1\] is -1.0; c must be >= 0"),
    (dict(w=[0.0, 1.0]), "w has 2 entries, expected 3"),
    (dict(server=[-1, 0, 1]), r"server\[2\] is 1"),
    (dict(server=[-1, -1, 0]), "option 1 uses no server"),
    (dict(A=[-0.1]), r"A\[0\] is -0.1"),
    (dict(B=[0.1, 0.2]), "B has 2 entries, expected 1"),
    (dict(linear=["a", "b", "c"]), "linear must be an array of real numbers"),
    (dict(server=[-1.5, 0, 0]), "server must be an array of integers"),
])
def test_table_validation(changes, message):
    with pytest.raises(ValueError, match=message):
        good_table(**changes)


def test_solve_options_validation():
    t = good_table()
    with pytest.raises(ValueError, match="method is 'fastest'"):
        solve_options(t, "fastest")
    with pytest.raises(ValueError, match=r"start\[1\] is 1"):
        solve_options(t, "descent", start=[0, 1])
    with pytest.raises(ValueError, match="device 1 has 1 option"):
        solve_options(t, "edge")
    with pytest.raises(ValueError, match="table must be an OptionTable"):
        solve_options({"linear": [1.0]})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="time_limit"):
        solve_options(t, "bnb", time_limit=-1.0)
    big = OptionTable.from_menus([[(0.0, -1, 0.0, 0.0), (1.0, 0, 1.0, 1.0)]] * 31, A=[1.0], B=[1.0])
    with pytest.raises(ValueError, match="at most 2\\*\\*30"):
        solve_options(big, "exhaustive")
    with pytest.raises(ValueError, match="method 'greedy' needs two options"):
        solve_options(good_table(option_ptr=[0, 1, 3], server=[-1, -1, 0], c=[0, 0, 2.0], w=[0, 0, 1.0]),
                      "greedy")


@settings(max_examples=30)
@given(kw=paper_instances(2, 25))
def test_bound_of_one_server_is_the_relaxation_optimum(kw):
    # With one server the dual is maximised exactly: its value is the optimum of the convex relaxation
    # (each device mixing local and edge), found here independently by L-BFGS-B over x in [0, 1]^N.
    from scipy.optimize import minimize

    t = paper_table(**kw)
    L, e, c, w, A, B = t.linear[0::2], t.linear[1::2], t.c[1::2], t.w[1::2], t.A[0], t.B[0]
    cs, ws = c / c.max(), w / w.max()  # scaled for the optimiser
    a_, b_ = A * c.max() ** 2, B * w.max() ** 2

    def f(x):
        return L.sum() + (e - L) @ x + a_ * (cs @ x) ** 2 + b_ * (ws @ x) ** 2

    def grad(x):
        return (e - L) + 2 * a_ * (cs @ x) * cs + 2 * b_ * (ws @ x) * ws

    relaxed = min(minimize(f, np.full(t.n_devices, s), jac=grad, bounds=[(0, 1)] * t.n_devices,
                           method="L-BFGS-B", options=dict(ftol=1e-15, gtol=1e-13)).fun for s in (0.0, 0.5, 1.0))
    bound = t.relaxation_bound()
    assert bound <= relaxed * (1 + 1e-9)
    assert bound == pytest.approx(relaxed, rel=1e-7)


def test_table_keeps_private_copies_of_its_arrays():
    base = np.array([-1, 0, -1, 0, 7], dtype=np.int32)
    t = OptionTable(option_ptr=[0, 2, 4], linear=[1.0, 0.5, 1.0, 0.5], server=base[:4], c=[0, 1.0, 0, 1.0],
                    w=[0, 1.0, 0, 1.0], A=[0.1], B=[0.1])
    base[1] = 10**8  # the caller changes its array after validation: the table must not see it
    assert base.flags.writeable and t.server[1] == 0
    assert solve_options(t, "greedy").cost == pytest.approx(t.cost(solve_options(t, "greedy").choice))
    with pytest.raises(ValueError, match=r"server\[1\] is 4294967296; it does not fit in int32"):
        OptionTable(option_ptr=[0, 2], linear=[1.0, 0.5], server=np.array([-1, 2**32]), c=[0, 1.0], w=[0, 1.0],
                    A=[0.1], B=[0.1])


# Tables whose terms span ~60 decades: running sums of loads lose whatever is small beside a large term that a move
# takes out again. Found by fuzzing against brute force; both searches once called a worse schedule optimal here.
WIDE_RANGE_TABLES = [
    (  # the reduced-cost enumeration skipped the optimum [2, 0] unchecked (running total 1.3e30 against 1.5e-21)
        [[(0.0, 0, 1.7604512071300193e+26, 0.0), (0.0, 0, 10647010.79518768, 5.482357504719352e-19),
          (0.0, 1, 307575567643.92816, 0.0)],
         [(1.5217496487013584e-21, -1, 0.0, 0.0), (0.0, 0, 5.688316792144184, 2.0005908213821036e-26)]],
        [3.9144870786066493e+28, 0.0], [0.0, 0.0]),
    (  # the exhaustive search kept a schedule of cost 9.8e11 (the optimum is 1.5e-5)
        [[(0.01334594399853141, 0, 3.0901030171828934e-13, 1.8701885800687412e+25), (0.0, -1, 0.0, 0.0),
          (2.2317969300557875e-21, -1, 0.0, 0.0),
          (6.1146749998882546e-27, 1, 370742964.43926334, 1.0390030720580527e+25)],
         [(1.4917653880633016e-05, -1, 0.0, 0.0)],
         [(1282441006910987.2, 1, 2.0689091395091513e-25, 1.1675357283730257e-15), (0.0, -1, 0.0, 0.0),
          (0.0, -1, 0.0, 0.0), (1.7447811374507129e+24, 1, 0.0, 4.133954451798493e+17),
          (6.967512069794415e-14, 1, 0.0, 0.0)],
         [(0.0, 1, 3.622214190185755e-17, 0.0), (0.0, 1, 1858703323386.472, 1.7708865600138495e-18),
          (3.44336257531506e+20, -1, 0.0, 0.0), (5.1155899441008774e+26, 0, 0.0, 0.0)],
         [(0.0, -1, 0.0, 0.0), (0.0, 1, 4.353474070907973e+24, 0.0), (0.0, 0, 0.0, 1.5963150201561308e-30),
          (1.021636034487044e-15, 0, 1.979975229752473e+18, 8.08912882474928e+17)],
         [(0.0, 0, 1.7446265896585254e+28, 1.094428235009941e+19), (67349092180206.65, 0, 1029999765.6535351, 0.0),
          (0.0, 0, 0.0, 0.0), (0.00015962866404582577, -1, 0.0, 0.0),
          (3.091334224916321e+27, 1, 202709810.0194016, 0.000634975570051625)],
         [(5.350008674040975e-15, -1, 0.0, 0.0), (0.0, 0, 0.0, 1.066401559474809e-05), (0.0, 0, 98474.91801869398, 0.0),
          (0.0, 1, 0.0, 0.0), (0.0, 0, 0.0, 1.1784967179833607e-27)]],
        [0.0, 0.0], [8.16095419035809e-27, 2.3336333535406e-16]),
]


@pytest.mark.parametrize("menus, A, B", WIDE_RANGE_TABLES)
@pytest.mark.parametrize("method", ["exhaustive", "bnb", "auto"])
def test_wide_ranges_do_not_fool_the_exact_searches(menus, A, B, method):
    table = OptionTable.from_menus(menus, A=A, B=B)
    best = brute_force(table)
    r = solve_options(table, method, gap_tol=0.0) if method == "auto" else solve_options(table, method)
    assert r.lower_bound <= best * (1 + REL)
    if r.optimal:
        assert r.cost == pytest.approx(best, rel=REL, abs=0.0)
