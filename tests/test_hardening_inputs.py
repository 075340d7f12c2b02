"""Arguments at the edges of their types: search budgets beyond the core's integer range, and option menus with the
wrong shape or types. Each is a ValueError naming the argument (and the device and option), never a TypeError
from the bindings or a silent conversion."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import edgesched as es
from edgesched import OptionTable

KW = es.scenarios.heterogeneous(6, seed=2).solver_kwargs()
TABLE = es.paper_table(**KW)


def solve_paper(**budget):
    return es.solve_offloading(**KW, method="auto", **budget)


def solve_table(**budget):
    return es.solve_options(TABLE, "bnb", **budget)


@pytest.mark.parametrize("solve", [solve_paper, solve_table])
@given(node_limit=st.one_of(st.integers(max_value=-1), st.integers(min_value=2**64)))
def test_node_limit_out_of_range_is_a_value_error(solve, node_limit):
    with pytest.raises(ValueError, match=r"^node_limit is -?\d+; it must be an integer in \[0, 2\*\*64\)$"):
        solve(node_limit=node_limit)


@pytest.mark.parametrize("solve", [solve_paper, solve_table])
@given(seed=st.one_of(st.integers(max_value=-1), st.integers(min_value=2**64)))
def test_seed_out_of_range_is_a_value_error(solve, seed):
    with pytest.raises(ValueError, match=r"^seed is -?\d+; it must be in \[0, 2\*\*64\)$"):
        solve(seed=seed)


@pytest.mark.parametrize("solve", [solve_paper, solve_table])
def test_budgets_at_the_ends_of_their_range_are_accepted(solve):
    edges = [dict(node_limit=2**64 - 1), dict(node_limit=np.uint64(2**64 - 1)), dict(node_limit=0),
             dict(seed=2**64 - 1), dict(seed=np.uint64(2**64 - 1)), dict(seed=0), dict(time_limit=1e308),
             dict(time_limit=0), dict(gap_tol=0.0), dict(gap_tol=np.nextafter(1.0, 0.0))]
    reference = solve(node_limit=10**6, time_limit=10.0)
    for budget in edges:
        s = solve(**budget)
        assert s.lower_bound <= s.cost
        assert s.cost >= reference.cost * (1 - 1e-12)


@pytest.mark.parametrize("solve", [solve_paper, solve_table])
@pytest.mark.parametrize("name, value, message", [
    ("node_limit", 2.0, r"node_limit is 2\.0; it must be an integer"),
    ("node_limit", True, r"node_limit is True; it must be an integer"),
    ("node_limit", "5", r"node_limit is '5'; it must be an integer"),
    ("time_limit", -1.0, r"time_limit is -1\.0; time_limit must be >= 0 s"),
    ("time_limit", float("inf"), r"time_limit is inf; time_limit must be finite"),
    ("time_limit", 10**400, r"time_limit is an integer too large for a float64"),
    ("time_limit", "1", r"time_limit must be a real number; got str"),
    ("gap_tol", 1.0, r"gap_tol is 1\.0; it must be in \[0, 1\)"),
    ("gap_tol", float("nan"), r"gap_tol is nan; gap_tol must be finite"),
    ("seed", 1.5, r"seed must be None or an integer in \[0, 2\*\*64\); got float"),
])
def test_budget_of_the_wrong_type_or_range_is_named(solve, name, value, message):
    with pytest.raises(ValueError, match=message):
        solve(**{name: value})


GOOD = (1.0, 0, 2.0, 3.0)


@pytest.mark.parametrize("option, message", [
    ((1.0, 0.5, 2.0, 3.0), r"server is 0\.5; it must be an integer, -1 for no server"),
    ((1.0, np.float64(0.0), 2.0, 3.0), r"server is .*0\.0.*; it must be an integer"),
    ((1.0, True, 2.0, 3.0), r"server is True; it must be an integer"),
    ((1.0, "0", 2.0, 3.0), r"server is '0'; it must be an integer"),
    ((1.0, -2, 2.0, 3.0), r"server is -2; it must be -1 \(no server\) or a server's index >= 0"),
    ((1.0, 2**40, 2.0, 3.0), r"server is 1099511627776; it must be -1"),
    (("0", 0, 2.0, 3.0), r"linear is '0'; it must be a real number"),
    ((1.0, 0, "2", 3.0), r"c is '2'; it must be a real number"),
    ((1.0, 0, 2.0, None), r"w is None; it must be a real number"),
    ((1.0, 0, 2.0, False), r"w is False; it must be a real number"),
    ((10**400, 0, 2.0, 3.0), r"linear is an integer too large for a float64"),
    ((1.0, 0, 2.0), r"must be a tuple \(linear, server, c, w\) of 4 entries; got 3 entries"),
    ((1.0, 0, 2.0, 3.0, 4.0), r"of 4 entries; got 5 entries"),
    ((), r"of 4 entries; got 0 entries"),
    (1.0, r"of 4 entries; got float"),
    ("1023", r"of 4 entries; got str"),
    (np.array([1.0, 0.0, 2.0, 3.0]), r"server is .*0\.0.*; it must be an integer"),
    (np.array(1.0), r"of 4 entries; got ndarray"),
])
def test_a_malformed_option_names_the_device_and_the_option(option, message):
    menus = [[GOOD], [GOOD, GOOD, option]]
    with pytest.raises(ValueError, match=r"^menus\[1\]\[2\] \(device 1, option 2\).*" + message):
        OptionTable.from_menus(menus, [1.0], [1.0])


@pytest.mark.parametrize("menus, message", [
    ("abc", r"^menus must be a list with one menu .* per device; got str"),
    (5, r"^menus must be a list with one menu .* per device; got int"),
    ([[GOOD], GOOD[0]], r"^menus\[1\] must be a list of options \(linear, server, c, w\); got float"),
    ([[GOOD], []], r"^device 1 has no option"),
])
def test_malformed_menus_are_named(menus, message):
    with pytest.raises(ValueError, match=message):
        OptionTable.from_menus(menus, [1.0], [1.0])


def test_well_formed_menus_of_any_real_and_integer_types_build_the_same_table():
    plain = OptionTable.from_menus([[(1.0, -1, 0.0, 0.0), (2.0, 0, 3.0, 4.0)]], [0.5], [0.25])
    mixed = OptionTable.from_menus([[[1, np.int8(-1), 0, np.float32(0.0)], (np.float64(2.0), np.int64(0), 3, 4.0)]],
                                   np.array([0.5]), 0.25)
    for name, arr in plain.arrays().items():
        np.testing.assert_array_equal(getattr(mixed, name), arr)
        assert getattr(mixed, name).dtype == arr.dtype
    with pytest.raises(ValueError, match=r"^A must be a real number or an array of real numbers; got dtype <U3"):
        OptionTable.from_menus([[GOOD]], "1.0", [1.0])
