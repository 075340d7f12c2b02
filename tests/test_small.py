"""Small instances: `auto` exact without enumerating first, the thin call equal to the checked path, and the
Offloader handle equal to solve_offloading and the oracle."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edgesched as es
from edgesched import reference, scenarios
from edgesched._validation import check_values, positive_scalar

from .strategies import paper_instances

REL = 1e-9
FIELDS = ("offload", "f_local", "f_edge", "time_share", "delay", "energy")
SIX = ("macs", "frames", "frame_bits", "rate", "tx_power", "f_local_max")


def oracle_cost(kw: dict) -> float:
    """The optimum by the pure-Python oracle's enumeration."""
    return float(reference.evaluate(reference.exhaustive(**kw), **{k: v for k, v in kw.items()}).cost)


def as_lists(kw: dict) -> dict:
    """The same instance as lists and Python floats: inputs the thin call does not take."""
    return {k: (np.asarray(v).tolist() if np.ndim(v) else float(v)) for k, v in kw.items()}


def assert_same(a: es.Schedule, b: es.Schedule) -> None:
    for f in FIELDS:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)
    assert (a.cost, a.lower_bound, a.optimal, a.method) == (b.cost, b.lower_bound, b.optimal, b.method)
    assert (a.w_delay, a.w_energy) == (b.w_delay, b.w_energy)
    assert type(a.cost) is type(b.cost) is float
    if a.cell is None:
        assert b.cell is None and a.cell_cost is None and b.cell_cost is None
    else:
        np.testing.assert_array_equal(a.cell, b.cell)
        np.testing.assert_array_equal(a.cell_cost, b.cell_cost)


# --- auto: exact on small instances, bound first ------------------------------------------------------------


@given(paper_instances(1, 10), st.booleans())
def test_auto_is_the_oracle_optimum(kw, alike_pairs):
    if alike_pairs:  # pairs of identical devices: ties between equal moves
        n = kw["macs"].shape[0]
        for f in SIX:
            kw[f] = np.repeat(kw[f][: (n + 1) // 2], 2)[:n].copy()
    s = es.solve_offloading(**kw, method="auto")
    best = oracle_cost(kw)
    assert s.optimal
    assert s.cost == pytest.approx(best, rel=REL)
    assert s.lower_bound <= s.cost * (1 + REL)
    assert s.cost <= es.solve_offloading(**kw, method="greedy").cost * (1 + REL)


@given(paper_instances(1, 8, alike=True))
def test_auto_alike_devices_is_the_oracle_optimum(kw):
    s = es.solve_offloading(**kw, method="auto")
    assert s.optimal
    assert s.cost == pytest.approx(oracle_cost(kw), rel=REL)


@settings(max_examples=12)
@given(paper_instances(14, 22), st.sampled_from(["heterogeneous", "alike", "two kinds"]))
def test_auto_equals_exhaustive_up_to_22_devices(kw, kind):
    n = kw["macs"].shape[0]
    if kind != "heterogeneous":  # one device repeated, or two kinds in turn: many equal moves and ties
        pick = np.zeros(n, int) if kind == "alike" else np.arange(n) % 2
        for f in SIX:
            kw[f] = kw[f][pick].copy()
    s = es.solve_offloading(**kw, method="auto")
    e = es.solve_offloading(**kw, method="exhaustive")
    assert s.optimal and e.optimal
    assert s.cost == pytest.approx(e.cost, rel=REL)
    assert s.lower_bound <= s.cost


@pytest.mark.parametrize("n", [20, 22, 24, 28])
def test_auto_proves_the_paper_scenarios(n):
    kw = scenarios.heterogeneous(n, seed=3).solver_kwargs()
    s = es.solve_offloading(**kw, method="auto")
    assert s.optimal
    assert s.cost <= es.solve_offloading(**kw, method="greedy").cost * (1 + REL)
    if n <= 22:
        assert s.cost == pytest.approx(es.solve_offloading(**kw, method="exhaustive").cost, rel=REL)


@pytest.mark.parametrize("node_limit", [0, 1])
def test_auto_small_is_exact_whatever_the_budget(node_limit):
    kw = scenarios.heterogeneous(18, seed=5).solver_kwargs()
    s = es.solve_offloading(**kw, method="auto", node_limit=node_limit)
    assert s.optimal
    assert s.cost == pytest.approx(es.solve_offloading(**kw, method="exhaustive").cost, rel=REL)


# --- the thin call -----------------------------------------------------------------------------------------


@given(paper_instances(1, 12), st.sampled_from(["greedy", "auto", "local", "edge", "exhaustive", "random"]))
def test_thin_call_equals_the_checked_path(kw, method):
    seed = 7 if method == "random" else None
    fast = es.solve_offloading(**kw, method=method, seed=seed)
    slow = es.solve_offloading(**as_lists(kw), method=method, seed=seed)
    assert_same(fast, slow)
    for f in FIELDS:
        assert not getattr(fast, f).flags.writeable
    assert fast.offload.dtype == bool and fast.delay.dtype == np.float64
    assert type(fast) is es.Schedule and set(vars(fast)) == {f.name for f in dataclasses.fields(es.Schedule)}


def test_thin_call_scalars_ints_and_numpy_scalars():
    kw = scenarios.heterogeneous(6, seed=2).solver_kwargs()
    base = es.solve_offloading(**kw)
    same = es.solve_offloading(**{**kw, "f_edge_max": np.float64(kw["f_edge_max"]), "w_delay": np.float64(0.5),
                                  "w_energy": 0.5, "kappa": 1e-28, "rho": np.full(6, 0.12)})
    assert_same(base, same)
    ints = es.solve_offloading(**{**kw, "f_edge_max": int(22e9)})
    assert ints.cost == pytest.approx(es.solve_offloading(**{**kw, "f_edge_max": 22e9}).cost, rel=0)


@pytest.mark.parametrize(("field", "value"), [("rate", -1.0), ("macs", np.nan), ("frames", np.inf)])
def test_thin_call_bad_value_keeps_the_message(field, value):
    kw = scenarios.heterogeneous(5, seed=1).solver_kwargs()
    bad = kw[field].copy()
    bad[3] = value
    with pytest.raises(ValueError) as fast:
        es.solve_offloading(**{**kw, field: bad})
    with pytest.raises(ValueError) as slow:
        es.solve_offloading(**{**as_lists(kw), field: bad.tolist()})
    assert str(fast.value) == str(slow.value)
    assert f"{field}[3]" in str(fast.value)


def test_thin_call_does_not_keep_the_callers_arrays():
    kw = scenarios.heterogeneous(8, seed=4).solver_kwargs()
    s = es.solve_offloading(**kw, method="greedy")
    before = s.delay.copy()
    kw["macs"][:] *= 3.0
    np.testing.assert_array_equal(s.delay, before)


# --- the handle --------------------------------------------------------------------------------------------


@given(paper_instances(1, 12), st.sampled_from(["greedy", "auto", "local", "edge", "exhaustive", "random"]))
def test_offloader_equals_solve_offloading(kw, method):
    n = kw["macs"].shape[0]
    h = es.Offloader(n, method, seed=3 if method == "random" else None)
    if method == "random":
        assert_same(h.solve(**kw), es.solve_offloading(**kw, method=method, seed=3))
        return
    for step in range(3):  # the same handle again, on new numbers
        kw = {**kw, "rate": kw["rate"] * (1.0 + 0.3 * step)}
        assert_same(h.solve(**kw), es.solve_offloading(**kw, method=method))
        assert_same(h.solve(**as_lists(kw)), es.solve_offloading(**kw, method=method))


@given(paper_instances(4, 24), st.integers(1, 4), st.sampled_from(["greedy", "auto"]))
def test_offloader_cells_equal_solve_offloading(kw, n_cells, method):
    n = kw["macs"].shape[0]
    cell = np.random.default_rng(n).integers(0, n_cells, n)
    capacity = kw.pop("f_edge_max") * (1.0 + np.arange(int(cell.max()) + 1))
    h = es.Offloader(n, method, cell=cell)
    a = h.solve(**kw, f_edge_max=capacity)
    b = es.solve_offloading(**kw, f_edge_max=capacity, method=method, cell=cell)
    assert_same(a, b)
    assert a.cost == pytest.approx(float(b.cell_cost.sum()), rel=0)
    assert a.optimal == b.optimal and a.lower_bound == b.lower_bound


@given(paper_instances(1, 10))
def test_offloader_warm_against_the_oracle(kw):
    n = kw["macs"].shape[0]
    h = es.Offloader(n, "warm")
    assert np.isnan(h.prices).all() and h.prices.shape == (2, 1)
    rng = np.random.default_rng(n)
    for _ in range(4):  # a fading channel: the rates move a little between calls
        s = h.solve(**kw)
        best = oracle_cost(kw)
        assert s.lower_bound <= best * (1 + REL)
        assert s.cost >= best * (1 - REL)
        assert s.cost == pytest.approx(reference.evaluate(s.offload, **kw).cost, rel=1e-9)
        if s.optimal:
            assert s.cost == pytest.approx(best, rel=1e-6)
        assert np.isfinite(h.prices).all()
        kw = {**kw, "rate": kw["rate"] * rng.uniform(0.9, 1.1, n)}


def test_offloader_errors_name_the_field():
    kw = scenarios.heterogeneous(5, seed=1).solver_kwargs()
    h = es.Offloader(5)
    bad = kw["tx_power"].copy()
    bad[2] = -0.1
    with pytest.raises(ValueError) as handle:
        h.solve(**{**kw, "tx_power": bad})
    with pytest.raises(ValueError) as plain:
        es.solve_offloading(**{**kw, "tx_power": bad})
    assert str(handle.value) == str(plain.value)
    with pytest.raises(ValueError, match=r"rate has 4 entries but macs has 5"):
        h.solve(**{**kw, "rate": kw["rate"][:4]})
    with pytest.raises(ValueError, match="macs has 4 entries but this Offloader solves 5 devices"):
        h.solve(**{k: (v[:4] if np.ndim(v) else v) for k, v in kw.items()})
    with pytest.raises(ValueError, match="method"):
        es.Offloader(5, "fastest")
    with pytest.raises(ValueError, match="n_devices"):
        es.Offloader(0)
    with pytest.raises(ValueError, match="exhaustive"):
        es.Offloader(31, "exhaustive")
    assert h.solve(**kw).cost == es.solve_offloading(**kw, method="greedy").cost  # still usable


def test_offloader_from_two_threads():
    """Calls from several threads on one handle (one cell, or three) each give their own instance's schedule."""
    from concurrent.futures import ThreadPoolExecutor

    kws = [scenarios.heterogeneous(20, seed=s).solver_kwargs() for s in range(8)]
    for cell in (None, np.arange(20) % 3):
        h = es.Offloader(20, "auto", cell=cell)
        with ThreadPoolExecutor(4) as pool:
            got = list(pool.map(lambda kw, h=h: h.solve(**kw), kws * 8))
        for kw, s in zip(kws * 8, got):
            assert_same(s, es.solve_offloading(**kw, method="auto", cell=cell))
            assert s.lower_bound <= s.cost


@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-2, 2**70)), st.booleans())
def test_plain_scalars_checked_as_before(value, allow_zero):
    """The budget's and weights' plain values: accepted as the full checks accept them, refused with their message."""
    try:
        expected = float(value)
        check_values("x", np.asarray(expected), allow_zero=allow_zero, unit="s", integral=False)
    except (ValueError, OverflowError):
        with pytest.raises(ValueError, match="^x "):
            positive_scalar("x", value, unit="s", allow_zero=allow_zero)
        return
    got = positive_scalar("x", value, unit="s", allow_zero=allow_zero)
    assert type(got) is float and got == expected
