"""A caller's arrays that change after the checks, and inputs in range whose numbers overflow or vanish.

Checks are worth something only if the values checked are the values used: each entry point validates a private
copy of what the core (or the array code) reads, so another thread writing the caller's array during a call can
neither slip a value past the checks nor change a result half way. And every number of a result is finite, or the
call is a ValueError naming what overflowed."""
from __future__ import annotations

import copy
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edgesched as es
from edgesched.solvers import batched

KW = es.scenarios.heterogeneous(6, seed=3).solver_kwargs()
FIELDS = ("macs", "frames", "frame_bits", "rate", "tx_power", "f_local_max", "kappa", "rho")


def test_start_changed_after_its_check_is_not_read_by_the_core():
    # The start is written out of every menu between its check and the core's call (where another thread may
    # run): the core must solve from the start that was checked. In a subprocess, as a core reading the written
    # value would index outside the table.
    code = textwrap.dedent("""
        import numpy as np, edgesched as es
        from edgesched.solvers import options
        t = es.paper_table(**es.scenarios.heterogeneous(6, seed=3).solver_kwargs())
        start = np.ones(t.n_devices, np.int32)
        budget = options.search_budget
        def written(*a, **k):
            start[:] = -2**31
            return budget(*a, **k)
        options.search_budget = written
        for method in ("descent", "warm"):
            start[:] = 1
            s = es.solve_options(t, method, start=start)
            ref = es.solve_options(t, method, start=np.ones(t.n_devices, np.int32))
            assert (s.choice == ref.choice).all() and s.cost == ref.cost, method
        print("ok")
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]


def test_check_choice_returns_a_private_copy():
    t = es.paper_table(**KW)
    for given_choice in (np.zeros(6, np.int32), np.zeros(6, np.int64), [0] * 6):
        checked = t.check_choice(given_choice)
        assert checked.dtype == np.int32 and checked.flags.c_contiguous
        assert not np.shares_memory(checked, np.asarray(given_choice))


def test_check_choice_rejects_values_beyond_int32_before_narrowing():
    t = es.paper_table(**KW)
    wraps_to_zero = np.zeros(6, np.int64)
    wraps_to_zero[2] = 2**32
    with pytest.raises(ValueError, match=r"^choice\[2\] is 4294967296; device 2 has options 0\.\.1$"):
        t.check_choice(wraps_to_zero)


@pytest.mark.parametrize("field", FIELDS)
def test_solve_batch_uses_the_values_it_checked(monkeypatch, field):
    # The caller's array is written with NaN after the checks, before the table is built: the result must be
    # that of the arrays as checked.
    arrays = {k: np.tile(np.asarray(KW[k], dtype=np.float64), (2, 1)) for k in FIELDS}
    expected = es.solve_batch(**{k: v.copy() for k, v in arrays.items()}, method="descent")
    build = batched._table

    def written(xp, d):
        arrays[field][...] = np.nan
        return build(xp, d)

    monkeypatch.setattr(batched, "_table", written)
    got = es.solve_batch(**arrays, method="descent")
    assert np.isnan(arrays[field]).all()
    np.testing.assert_array_equal(got.offload, expected.offload)
    np.testing.assert_array_equal(got.cost, expected.cost)
    assert np.isfinite(got.lower_bound).all()


EXTREMES = st.sampled_from([5e-324, 1e-320, 1e-310, 2.2250738585072014e-308, 1e-300, 1e-30, 1.0, 1e30, 1e300,
                            1e308, 1.7976931348623157e308])


@settings(max_examples=150, deadline=None)
@given(field=st.sampled_from(FIELDS + ("f_edge_max", "w_delay", "w_energy")), value=EXTREMES,
       method=st.sampled_from(["greedy", "descent", "local", "edge"]))
def test_solve_batch_numbers_are_finite_or_a_value_error(field, value, method):
    kw = {k: np.tile(np.asarray(KW[k], dtype=np.float64), (2, 1)) for k in FIELDS}
    kw.update(f_edge_max=22e9, w_delay=0.5, w_energy=0.5)
    if field == "frames":
        value = float(np.floor(value)) or 1.0
    if field in FIELDS:
        kw[field][1, 4] = value   # one device of the second scenario
    else:
        kw[field] = np.array([kw[field], value])
    try:
        s = es.solve_batch(**kw, method=method)
    except ValueError as exc:
        assert str(exc).startswith("scenario 1"), str(exc)
        return
    for name in ("cost", "lower_bound", "gap", "delay", "energy", "f_edge", "time_share", "f_local"):
        assert np.isfinite(np.asarray(getattr(s, name), dtype=float)).all(), name


def test_solve_batch_names_the_device_whose_costs_vanish():
    kw = {k: np.tile(np.asarray(KW[k], dtype=np.float64), (2, 1)) for k in FIELDS}
    kw["rate"][1, 3] = 1e-320
    with pytest.raises(ValueError, match=r"^scenario 1, device 3: its costs overflow or vanish"):
        es.solve_batch(**kw)
    with pytest.raises(ValueError, match=r"^scenario 0: w_delay / f_edge_max is inf"):
        es.solve_batch(**{k: v[0] for k, v in KW.items() if k in FIELDS}, f_edge_max=1e-320)


@pytest.mark.parametrize("build", [es.solve_offloading, es.paper_table])
def test_an_energy_weight_that_overflows_is_named_as_such(build):
    with pytest.raises(ValueError, match=r"^device 0: its costs overflow or vanish"):
        build(**{**KW, "w_energy": 1e308})


def test_a_table_cannot_be_changed_after_its_checks():
    # A read-only flag can be turned off on an array that owns its memory; the table's arrays live in immutable
    # bytes instead, so no checked table can send the core outside its menus or servers.
    t = es.paper_table(**KW)
    for name, a in t.arrays().items():
        assert not a.flags.writeable, name
        with pytest.raises(ValueError):
            a.setflags(write=True)
        assert not isinstance(a.base, np.ndarray), name
    built = es.OptionTable.from_menus([[(1.0, -1, 0.0, 0.0), (0.5, 0, 1.0, 1.0)]] * 3, [1.0], [1.0])
    for a in built.arrays().values():
        with pytest.raises(ValueError):
            a.setflags(write=True)


@pytest.mark.parametrize("deadline", [None, 2.0])
def test_a_table_pickled_or_copied_is_checked_again(deadline):
    t = es.paper_table(**KW, deadline=deadline)
    for again in (pickle.loads(pickle.dumps(t)), copy.copy(t), copy.deepcopy(t)):
        assert type(again) is es.OptionTable
        for name, a in again.arrays().items():
            np.testing.assert_array_equal(a, t.arrays()[name])
            with pytest.raises(ValueError):
                a.setflags(write=True)
        assert (again.slack is None) == (t.slack is None)
        if t.slack is not None:
            np.testing.assert_array_equal(again.slack, t.slack)
            with pytest.raises(ValueError):
                again.slack.setflags(write=True)
        assert again.cost(np.zeros(t.n_devices, np.int32)) == t.cost(np.zeros(t.n_devices, np.int32))
    best = es.solve_options(t, "auto")
    assert best.optimal and es.solve_options(t, "descent").cost >= best.cost * (1 - 1e-12)


@pytest.mark.parametrize("build", [es.solve_offloading, es.paper_table])
def test_a_vanishing_local_frequency_is_named_as_such(build):
    # w_energy * kappa overflows: Theorem 1's frequency is 0, though every input is finite and > 0.
    with pytest.raises(ValueError, match=r"^device 0: Theorem 1's frequency .* vanishes "
                                         r"\(w_delay 0.5, w_energy 1e\+30, kappa 1e\+290\)"):
        build(**{**KW, "w_energy": 1e30, "kappa": 1e290})
