"""The compiled core against the pure-Python reference, exhaustive search, and input validation."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edgesched
from edgesched import reference, solve_offloading

from .strategies import paper_instances

RTOL = 1e-9
FIELDS = ("f_local", "f_edge", "time_share", "delay", "energy")


def assert_matches_reference(sched, ref):
    np.testing.assert_array_equal(sched.offload, np.array(ref.offload, dtype=bool))
    for name in FIELDS:
        np.testing.assert_allclose(getattr(sched, name), getattr(ref, name), rtol=RTOL, atol=0, err_msg=name)
    assert sched.cost == pytest.approx(ref.cost, rel=RTOL)


def assert_consistent(sched, kw):
    """Budgets met with equality, cost equal to the weighted delays and energies."""
    off = sched.offload
    if off.any():
        assert sched.f_edge[off].sum() == pytest.approx(kw["f_edge_max"], rel=1e-12)
        assert sched.time_share[off].sum() == pytest.approx(1.0, rel=1e-12)
        assert (sched.f_edge[off] > 0).all() and (sched.time_share[off] > 0).all()
    assert (sched.f_edge[~off] == 0).all() and (sched.time_share[~off] == 0).all()
    assert (sched.f_local[off] == 0).all() and (sched.f_local[~off] > 0).all()
    expected = np.sum(kw["w_delay"] * sched.delay + kw["w_energy"] * sched.energy)
    assert sched.cost == pytest.approx(expected, rel=1e-12)
    assert np.isfinite(sched.delay).all() and np.isfinite(sched.energy).all()


@pytest.mark.parametrize("method", ["greedy", "local", "edge"])
@given(kw=paper_instances(1, 12))
def test_core_equals_reference(method, kw):
    sched = solve_offloading(**kw, method=method)
    assert_matches_reference(sched, reference.solve_offloading(**kw, method=method))
    assert_consistent(sched, kw)
    assert sched.method == method


@given(kw=paper_instances(1, 12), seed=st.integers(0, 2**64 - 1))
def test_random_equals_reference(kw, seed):
    sched = solve_offloading(**kw, method="random", seed=seed)
    assert_matches_reference(sched, reference.solve_offloading(**kw, method="random", seed=seed))
    assert_consistent(sched, kw)


@settings(max_examples=40)
@given(kw=paper_instances(1, 10))
def test_exhaustive_is_the_optimum(kw):
    sched = solve_offloading(**kw, method="exhaustive")
    brute = reference.solve_offloading(**kw, method="exhaustive")
    assert sched.cost == pytest.approx(brute.cost, rel=RTOL)
    assert_consistent(sched, kw)
    for other in ("greedy", "local", "edge"):
        assert sched.cost <= solve_offloading(**kw, method=other).cost * (1 + 1e-12)


@given(kw=paper_instances(1, 10, alike=True))
def test_greedy_is_optimal_when_devices_are_alike(kw):
    greedy = solve_offloading(**kw, method="greedy")
    best = solve_offloading(**kw, method="exhaustive")
    assert greedy.cost == pytest.approx(best.cost, rel=1e-12)


@given(kw=paper_instances(1, 40))
def test_greedy_never_worse_than_edge(kw):
    # The policy starts from "everything offloaded" and accepts only strict decreases.
    assert solve_offloading(**kw).cost <= solve_offloading(**kw, method="edge").cost


def test_greedy_ties_go_to_lowest_index():
    # Four identical devices: every score is equal, so devices leave the edge from index 0 upwards.
    kw = dict(macs=30e9, frames=13, frame_bits=301056, rate=np.full(4, 2e7), tx_power=0.2, f_local_max=1.8e9,
              f_edge_max=4e9)
    sched = solve_offloading(**kw)
    k = int((~sched.offload).sum())
    assert 0 < k < 4
    np.testing.assert_array_equal(sched.offload, np.arange(4) >= k)
    assert_matches_reference(sched, reference.solve_offloading(**kw))


def test_single_device():
    for rate in (1e6, 5e7):  # one slow link (local wins), one fast link (the edge wins)
        sched = solve_offloading(40e9, 16, 301056, rate, 0.2, 1.8e9)
        assert sched.n_devices == 1
        assert_matches_reference(sched, reference.solve_offloading([40e9], [16], [301056], [rate], [0.2], [1.8e9]))
    assert not solve_offloading(40e9, 16, 301056, 1e6, 0.2, 1.8e9).offload[0]
    assert solve_offloading(40e9, 16, 301056, 5e7, 0.2, 1.8e9).offload[0]


def test_exhaustive_at_twenty_devices_matches_bound():
    rng = np.random.default_rng(7)
    n = 20
    kw = dict(macs=rng.uniform(20e9, 45e9, n), frames=13, frame_bits=301056, rate=rng.uniform(3e6, 1e8, n),
              tx_power=rng.uniform(0.1, 0.4, n), f_local_max=rng.uniform(1e9, 2.5e9, n))
    best = solve_offloading(**kw, method="exhaustive")
    assert best.cost <= solve_offloading(**kw).cost
    # The optimum is a local minimum: flipping any single device cannot help.
    for i in range(n):
        flipped = best.offload.copy()
        flipped[i] = ~flipped[i]
        assert reference.evaluate(list(flipped), **kw).cost >= best.cost * (1 - 1e-12)


def test_theorem1_frequency():
    # eq. (13): cbrt(b1 / (2 b2 kappa)) capped at f_local_max.
    free = (0.5 / (2 * 0.5 * 1e-28)) ** (1 / 3)
    assert edgesched._core.local_frequency(0.5, 0.5, 1e-28, 1e12) == pytest.approx(free, rel=1e-14)
    assert edgesched._core.local_frequency(0.5, 0.5, 1e-28, 1.5e9) == 1.5e9
    assert edgesched._core.local_frequency(0.5, 0.0, 1e-28, 1.8e9) == 1.8e9


def test_schedule_shares_no_array_with_the_caller():
    cell = np.array([0, 0, 1], np.int64)
    cell.setflags(write=False)  # read-only and owning its data, like a scenario file's
    s = solve_offloading(**GOOD, cell=cell)
    assert s.cell is not cell and not s.cell.flags.writeable and not s.delay.flags.writeable
    cell.setflags(write=True)
    cell[0] = 1
    np.testing.assert_array_equal(s.cell, [0, 0, 1])
    base = np.array([1.0, 2.0, 3.0])
    alias = base[:]
    base.setflags(write=False)
    built = edgesched.Schedule(offload=np.zeros(3, bool), f_local=base, f_edge=np.zeros(3), time_share=np.zeros(3),
                               delay=np.ones(3), energy=np.ones(3), cost=3.0, method="local")
    alias[0] = -1.0
    np.testing.assert_array_equal(built.f_local, [1.0, 2.0, 3.0])


def test_schedule_is_read_only():
    sched = solve_offloading(40e9, 16, 301056, [5e7, 1e6], 0.2, 1.8e9)
    with pytest.raises(ValueError):
        sched.delay[0] = 0.0
    with pytest.raises(AttributeError):
        sched.cost = 0.0  # type: ignore[misc]
    assert "cost" in sched.summary() and "edge" in sched.table() or "local" in sched.table()


# ---------------------------------------------------------------------------------------------- validation

GOOD = dict(macs=[30e9, 35e9, 40e9], frames=[12, 13, 16], frame_bits=301056, rate=[1e7, 2e7, 3e7],
            tx_power=0.2, f_local_max=1.8e9)
PER_DEVICE = ("macs", "frames", "frame_bits", "rate", "tx_power", "f_local_max", "kappa", "rho")


@pytest.mark.parametrize("field", PER_DEVICE)
@pytest.mark.parametrize("bad, words", [(math.nan, "finite"), (math.inf, "finite"), (-1.0, "> 0"), (0.0, "> 0")])
def test_bad_per_device_value_names_field_and_index(field, bad, words):
    kw = {**GOOD, "kappa": [1e-28] * 3, "rho": [0.12] * 3}
    values = np.array(np.broadcast_to(kw[field], 3), dtype=float)
    values[2] = bad
    kw[field] = values
    with pytest.raises(ValueError, match=rf"{field}\[2\] is .*{words}"):
        solve_offloading(**kw)


@pytest.mark.parametrize("field", ["f_edge_max", "w_delay"])
@pytest.mark.parametrize("bad", [math.nan, -1.0, 0.0, math.inf])
def test_bad_system_scalar(field, bad):
    with pytest.raises(ValueError, match=field):
        solve_offloading(**GOOD, **{field: bad})


def test_zero_energy_weight_is_allowed_but_not_negative():
    sched = solve_offloading(**GOOD, w_energy=0.0)
    assert (sched.f_local[~sched.offload] == 1.8e9).all()
    with pytest.raises(ValueError, match="w_energy"):
        solve_offloading(**GOOD, w_energy=-0.1)


def test_mismatched_lengths():
    with pytest.raises(ValueError, match=r"rate has 2 entries but macs has 3"):
        solve_offloading(**{**GOOD, "rate": [1e7, 2e7]})


@pytest.mark.parametrize("value", ["abc", ["1", "2", "3"], [True, False, True], [1 + 1j, 2, 3], [None, 1, 2]])
def test_wrong_type(value):
    with pytest.raises(ValueError, match="macs"):
        solve_offloading(**{**GOOD, "macs": value})


def test_two_dimensional_and_empty():
    with pytest.raises(ValueError, match="macs must be a scalar or a 1-D array"):
        solve_offloading(**{**GOOD, "macs": np.ones((3, 1))})
    with pytest.raises(ValueError, match="empty"):
        solve_offloading(**{**GOOD, "macs": [], "frames": [], "rate": []})


def test_fractional_frames():
    with pytest.raises(ValueError, match=r"frames\[1\] is 2.5"):
        solve_offloading(**{**GOOD, "frames": [1, 2.5, 3]})


@pytest.mark.parametrize("field, value", [("frame_bits", 1e-320), ("kappa", 1e300), ("tx_power", 1e308)])
@pytest.mark.parametrize("method", ["greedy", "auto", "local"])
def test_inputs_in_range_whose_costs_overflow_or_vanish_name_the_device(field, value, method):
    # Each value passes the range checks, but the device's costs (or its share of Theorem 2) are not
    # finite positive numbers: an error naming the device, never a NaN schedule.
    kw = {**GOOD, "kappa": [1e-28] * 3, "rho": [0.12] * 3}
    values = np.array(np.broadcast_to(kw[field], 3), dtype=float)
    values[1] = value
    with pytest.raises(ValueError, match=r"device 1: its costs overflow or vanish"):
        solve_offloading(**{**kw, field: values}, method=method)


def test_an_energy_that_overflows_is_an_error_even_at_zero_energy_weight():
    # w_energy = 0: the local cost stays finite while the local energy overflows; the cost would be 0 * inf
    kw = dict(macs=1.0, frames=1, frame_bits=1.0, rate=1e-3, tx_power=1.0, f_local_max=1e10, kappa=1e300, rho=1.0)
    with pytest.raises(ValueError, match=r"device 0: its costs overflow or vanish .*local energy inf J"):
        solve_offloading(**kw, w_energy=0.0, method="auto")


@pytest.mark.parametrize("field", ["macs", "f_edge_max"])
def test_an_integer_too_large_for_a_float_is_named(field):
    with pytest.raises(ValueError, match=rf"{field} .*too large for a float64"):
        solve_offloading(**{**GOOD, field: 2**1100})


@pytest.mark.parametrize("field", PER_DEVICE)
def test_core_checks_every_value_it_reads(field):
    # The Python layer leaves value checks to the core's single pass; called directly, the core names the
    # device and the field too (and keeps the first cell it finds when cells run in parallel).
    kw = {name: np.full(4, v) for name, v in dict(macs=30e9, frames=12.0, frame_bits=301056.0, rate=1e7,
                                                   tx_power=0.2, f_local_max=1.8e9, kappa=1e-28,
                                                   rho=0.12).items()}
    kw[field][3] = math.nan
    with pytest.raises(ValueError, match=rf"device 3: {field} is nan"):
        edgesched._core.solve_paper(**kw, cell=np.zeros(4, np.int64), f_edge_max=np.array([22e9]), w_delay=0.5,
                                    w_energy=0.5, method="greedy", seed=0, threads=1, node_limit=0,
                                    time_limit=0.0, gap_tol=0.0)
    if field == "frames":
        kw[field][3] = 2.5
        with pytest.raises(ValueError, match=r"device 3: frames is 2.5.*whole number"):
            edgesched._core.solve_paper(**kw, cell=np.empty(0, np.int64), f_edge_max=np.array([22e9]),
                                        w_delay=0.5, w_energy=0.5, method="local", seed=0, threads=1,
                                        node_limit=0, time_limit=0.0, gap_tol=0.0)


def test_unknown_method_and_exhaustive_limit():
    with pytest.raises(ValueError, match="method is 'best'"):
        solve_offloading(**GOOD, method="best")
    n = edgesched.methods.EXHAUSTIVE_MAX_DEVICES + 1
    with pytest.raises(ValueError, match="at most 30 devices"):
        solve_offloading(30e9, 13, 301056, np.full(n, 1e7), 0.2, 1.8e9, method="exhaustive")


@pytest.mark.parametrize("seed", [-1, 2**64, 1.5, "7", True])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed"):
        solve_offloading(**GOOD, method="random", seed=seed)


def test_random_seed_none_draws_and_seeds_reproduce():
    a = solve_offloading(**GOOD, method="random", seed=11)
    b = solve_offloading(**GOOD, method="random", seed=11)
    np.testing.assert_array_equal(a.offload, b.offload)
    assert solve_offloading(**GOOD, method="random").n_devices == 3
