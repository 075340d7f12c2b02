"""Descent (incremental) against the plain algorithm, and the warm re-solve against brute force."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgesched import OptionTable, paper_table, solve_options

from .strategies import paper_instances
from .test_options import brute_force, option_tables

REL = 1e-9


def reference_descent(table: OptionTable, start: np.ndarray) -> np.ndarray:
    """The plain best-improvement descent: every move of every device rescanned after each change.

    The same floating-point operations in the same order as the C++ core (loads updated move by move, each
    delta as in its ``move_delta``), so the two agree exactly: a move must lower the total by more than
    1e-13 |total|, and ties go to the lowest device, then the lowest menu index.
    """
    ptr, lin, srv, c, w = table.option_ptr, table.linear.tolist(), table.server.tolist(), table.c.tolist(), \
        table.w.tolist()
    A, B = table.A.tolist(), table.B.tolist()
    choice = [int(k) for k in start]
    U, V, linear = [0.0] * len(A), [0.0] * len(A), 0.0
    for n, k in enumerate(choice):
        o = int(ptr[n]) + k
        linear += lin[o]
        if srv[o] >= 0:
            U[srv[o]] += c[o]
            V[srv[o]] += w[o]

    def quad(j: int, dc: float, dw: float) -> float:
        return A[j] * dc * (2.0 * U[j] + dc) + B[j] * dw * (2.0 * V[j] + dw)

    def delta(a: int, b: int) -> float:
        d = lin[b] - lin[a]
        if srv[a] == srv[b]:
            if srv[a] >= 0:
                d += quad(srv[a], c[b] - c[a], w[b] - w[a])
        else:
            if srv[a] >= 0:
                d += quad(srv[a], -c[a], -w[a])
            if srv[b] >= 0:
                d += quad(srv[b], c[b], w[b])
        return d

    while True:
        quad_sum = 0.0
        for j in range(len(A)):
            quad_sum += A[j] * U[j] * U[j] + B[j] * V[j] * V[j]
        best, move = -1e-13 * abs(linear + quad_sum), None
        for n, k in enumerate(choice):
            a = int(ptr[n]) + k
            for kk in range(int(ptr[n + 1] - ptr[n])):
                if kk != k and (d := delta(a, int(ptr[n]) + kk)) < best:
                    best, move = d, (n, kk)
        if move is None:
            return np.array(choice, np.int32)
        n, kk = move
        a, b = int(ptr[n]) + choice[n], int(ptr[n]) + kk
        linear += lin[b] - lin[a]
        if srv[a] >= 0:
            U[srv[a]] -= c[a]
            V[srv[a]] -= w[a]
        if srv[b] >= 0:
            U[srv[b]] += c[b]
            V[srv[b]] += w[b]
        choice[n] = kk


def menus_of(table: OptionTable) -> list[list[tuple[float, int, float, float]]]:
    ptr = table.option_ptr
    return [[(float(table.linear[o]), int(table.server[o]), float(table.c[o]), float(table.w[o]))
             for o in range(ptr[n], ptr[n + 1])] for n in range(table.n_devices)]


def dual_value(table: OptionTable, prices: np.ndarray) -> float:
    """The Lagrangian dual g(lambda, mu) (docs/model.md §5): a lower bound on every choice's cost."""
    lam, mu = prices
    on = table.server >= 0
    s = np.where(on, table.server, 0)
    priced = table.linear + np.where(on, lam[s] * table.c + mu[s] * table.w, 0.0)
    best = np.minimum.reduceat(priced, table.option_ptr[:-1])
    return float(best.sum() - (lam**2 / (4 * table.A)).sum() - (mu**2 / (4 * table.B)).sum())


def tangent_prices(table: OptionTable, choice: np.ndarray) -> np.ndarray:
    o = table.option_ptr[:-1] + choice
    on = table.server[o] >= 0
    U = np.bincount(table.server[o][on], table.c[o][on], minlength=table.n_servers)
    V = np.bincount(table.server[o][on], table.w[o][on], minlength=table.n_servers)
    return np.array([2 * table.A * U, 2 * table.B * V])


def random_start(table: OptionTable, data) -> np.ndarray:
    return np.array([data.draw(st.integers(0, k - 1)) for k in table.n_options], np.int32)


# ---------------------------------------------------------------------------------------------- descent

@given(table=option_tables(max_devices=12, max_options=5, max_servers=4), data=st.data(),
       copies=st.sampled_from([1, 1, 3]))
def test_descent_equals_the_plain_algorithm(table, data, copies):
    # copies > 1 repeats every device's menu: exact ties between devices, broken by the lowest index
    table = OptionTable.from_menus(menus_of(table) * copies, A=table.A, B=table.B)
    start = random_start(table, data)
    r = solve_options(table, "descent", start=start)
    np.testing.assert_array_equal(r.choice, reference_descent(table, start))
    assert r.cost == table.cost(r.choice)


@given(kw=paper_instances(max_devices=40), data=st.data(), copies=st.sampled_from([1, 1, 3]))
def test_descent_on_the_paper_table_equals_the_plain_algorithm(kw, data, copies):
    # one server, two options per device: the core's vectorised pass over every device's move
    table = paper_table(**kw)
    table = OptionTable.from_menus(menus_of(table) * copies, A=table.A, B=table.B)
    start = random_start(table, data)
    r = solve_options(table, "descent", start=start)
    np.testing.assert_array_equal(r.choice, reference_descent(table, start))
    assert r.cost == table.cost(r.choice)


def test_descent_ties_go_to_the_lowest_device_then_option():
    # four identical devices, two identical servers: the first move is device 0 to option 1
    menu = [(1.0, -1, 0.0, 0.0), (0.0, 0, 0.5, 0.5), (0.0, 1, 0.5, 0.5)]
    table = OptionTable.from_menus([menu] * 4, A=[0.1, 0.1], B=[0.1, 0.1])
    r = solve_options(table, "descent", start=np.zeros(4, np.int32))
    np.testing.assert_array_equal(r.choice, reference_descent(table, np.zeros(4, np.int32)))
    np.testing.assert_array_equal(r.choice, [1, 2, 1, 2])


# ---------------------------------------------------------------------------------------------- warm

@given(table=option_tables(max_devices=8), data=st.data(), with_prices=st.booleans())
def test_warm_is_valid_and_never_worse_than_descent(table, data, with_prices):
    best = brute_force(table)
    start = random_start(table, data)
    prices = None
    if with_prices:
        prices = np.array([data.draw(st.lists(st.floats(0, 10), min_size=table.n_servers,
                                              max_size=table.n_servers)) for _ in range(2)])
    r = solve_options(table, "warm", start=start, prices=prices)
    assert r.method == "warm"
    assert r.cost == pytest.approx(table.cost(r.choice), rel=1e-12, abs=1e-12)
    assert best - REL * abs(best) - 1e-12 <= r.cost <= solve_options(table, "descent", start=start).cost + 1e-12
    # the bound is the dual value at the returned prices (the ascent only raises it from the given ones)
    assert r.prices.shape == (2, table.n_servers) and np.all(r.prices >= 0) and np.all(np.isfinite(r.prices))
    assert r.lower_bound == pytest.approx(min(dual_value(table, r.prices), r.cost), rel=1e-9, abs=1e-9)
    assert r.lower_bound <= best + REL * abs(best) + 1e-12
    if prices is not None:
        assert r.lower_bound >= min(dual_value(table, prices), r.cost) - 1e-9 * (1 + abs(r.cost))
    assert r.optimal == (r.cost - r.lower_bound <= 1e-9 * abs(r.cost))
    # a local optimum for single moves
    for n, k in enumerate(table.n_options):
        for j in range(k):
            other = r.choice.copy()
            other[n] = j
            assert table.cost(other) >= r.cost - 1e-9 * abs(r.cost) - 1e-12


@given(table=option_tables(max_devices=4, max_options=3), data=st.data())
def test_warm_ends_with_no_improving_trade(table, data):
    # With at most 4 devices of at most 3 options, every trade (device x leaving server j while device y
    # joins it) is among the pair moves warm tries: none may lower the cost.
    r = solve_options(table, "warm", start=random_start(table, data))
    ptr, srv = table.option_ptr, table.server
    cur = srv[ptr[:-1] + r.choice]
    for x, y in itertools.permutations(range(table.n_devices), 2):
        for kx, ky in itertools.product(range(table.n_options[x]), range(table.n_options[y])):
            j = cur[x]
            if j < 0 or srv[ptr[x] + kx] == j or cur[y] == j or srv[ptr[y] + ky] != j:
                continue
            other = r.choice.copy()
            other[x], other[y] = kx, ky
            assert table.cost(other) >= r.cost - 1e-9 * abs(r.cost) - 1e-12


def test_warm_trades_load_where_single_moves_cannot():
    # From (1, 0) no single move helps (costs 9.73, 9.29, 13.2 against 8.87), and the relaxation rounded and
    # improved by descent lands there too; the trade of device 0 leaving server 0 (for server 1) while
    # device 1 joins it gives the optimum, 8.81.
    menus = [[(4.76, -1, 0.0, 0.0), (1.75, 0, 1.66, 0.45), (0.08, 1, 1.25, 1.95)],
             [(4.97, -1, 0.0, 0.0), (1.81, 0, 1.86, 0.46)]]
    table = OptionTable.from_menus(menus, A=[0.75, 0.57], B=[0.42, 0.88])
    np.testing.assert_array_equal(solve_options(table, "descent", start=[1, 0]).choice, [1, 0])
    r = solve_options(table, "warm", start=[1, 0])
    np.testing.assert_array_equal(r.choice, [2, 1])
    assert r.cost == pytest.approx(brute_force(table), rel=1e-15)


@given(table=option_tables(max_devices=9), method=st.sampled_from(["descent", "local", "random", "exhaustive"]))
def test_other_methods_report_tangent_prices(table, method):
    r = solve_options(table, method, seed=1)
    np.testing.assert_allclose(r.prices, tangent_prices(table, r.choice), rtol=1e-12, atol=0)
    if method != "exhaustive":
        assert r.lower_bound == pytest.approx(min(dual_value(table, r.prices), r.cost), rel=1e-9, abs=1e-9)


def test_auto_prices_start_a_warm_resolve():
    # From auto's choice and prices (the relaxation's multipliers), warm finds no worse a choice and certifies
    # no lower a bound.
    rng = np.random.default_rng(4)
    menus = [[(float(rng.uniform(1, 3)), -1, 0.0, 0.0)] + [(float(rng.uniform(0, 1)), int(s),
             float(rng.uniform(0.5, 2)), float(rng.uniform(0.5, 2))) for s in rng.choice(5, 2, replace=False)]
             for _ in range(60)]
    table = OptionTable.from_menus(menus, A=np.full(5, 0.02), B=np.full(5, 0.02))
    cold = solve_options(table, "auto", node_limit=0)
    assert not cold.optimal  # the bound comes from the dual, not from a search
    warm = solve_options(table, "warm", start=cold.choice, prices=cold.prices)
    assert warm.cost <= cold.cost
    assert warm.lower_bound >= cold.lower_bound - 1e-12 * abs(cold.lower_bound)


def test_scip_reports_no_prices():
    pytest.importorskip("pyscipopt")
    assert solve_options(small_table(), "scip").prices is None


# ---------------------------------------------------------------------------------------------- validation

def small_table() -> OptionTable:
    return OptionTable.from_menus([[(1.0, -1, 0.0, 0.0), (0.5, 0, 1.0, 1.0)], [(2.0, 1, 2.0, 1.0)]],
                                  A=[0.1, 0.2], B=[0.2, 0.1])


@pytest.mark.parametrize("kw, message", [
    (dict(start=[0]), r"start must be 2 integers; got shape \(1,\)"),
    (dict(start=[0, 1]), r"start\[1\] is 1; device 1 has options 0..0"),
    (dict(start=[0.5, 0]), "start must be 2 integers"),
    (dict(prices=[[1.0, 2.0]]), r"prices must be a \(2, 2\) array .*got shape \(1, 2\)"),
    (dict(prices=np.ones((2, 3))), r"prices must be a \(2, 2\) array"),
    (dict(prices=[["a", "b"], ["c", "d"]]), r"prices must be a \(2, 2\) array of real numbers"),
    (dict(prices=[[1.0, 2.0], [np.nan, 0.0]]), r"prices\[1, 0\] is nan; prices must be finite and >= 0"),
    (dict(prices=[[1.0, -2.0], [0.0, 0.0]]), r"prices\[0, 1\] is -2.0; prices must be finite and >= 0"),
    (dict(prices=[[1.0, 2.0], [0.0, np.inf]]), r"prices\[1, 1\] is inf"),
])
def test_warm_input_errors_name_the_field_and_index(kw, message):
    with pytest.raises(ValueError, match=message):
        solve_options(small_table(), "warm", **kw)


def test_prices_only_for_warm():
    with pytest.raises(ValueError, match="prices are only used by method='warm'; got method='descent'"):
        solve_options(small_table(), "descent", prices=np.zeros((2, 2)))


def test_warm_on_edge_cases():
    # no server at all: every device takes its cheapest option; prices have no columns
    table = OptionTable.from_menus([[(1.0, -1, 0.0, 0.0), (0.5, -1, 0.0, 0.0)]] * 3, A=[], B=[])
    r = solve_options(table, "warm", prices=np.zeros((2, 0)))
    np.testing.assert_array_equal(r.choice, [1, 1, 1])
    assert r.cost == r.lower_bound == 1.5 and r.optimal and r.prices.shape == (2, 0)
    # one device with one option
    table = OptionTable.from_menus([[(2.0, 0, 1.0, 1.0)]], A=[0.5], B=[0.5])
    r = solve_options(table, "warm")
    assert r.cost == 3.0 and r.lower_bound <= 3.0
