"""City scale: nearest stations, the city scenario and its option table."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edgesched as es
from edgesched.kernels import nearest_stations


@settings(max_examples=40)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40), st.integers(1, 200), st.integers(1, 5), st.booleans())
def test_nearest_stations_equal_brute_force(seed, n_stations, n_devices, k, outside):
    rng = np.random.default_rng(seed)
    k = min(k, n_stations)
    side = 1000.0
    stations = rng.uniform(0, side, (n_stations, 2))
    if seed % 3 == 0:  # exact ties: stations on a coarse lattice, devices on it too
        stations = np.round(stations / 250) * 250
    devices = rng.uniform(-200 if outside else 0, side + (200 if outside else 0), (n_devices, 2))
    station, distance = nearest_stations(devices, stations, k, side)
    d = np.hypot(devices[:, None, 0] - stations[None, :, 0], devices[:, None, 1] - stations[None, :, 1])
    expect = np.lexsort((np.broadcast_to(np.arange(n_stations), d.shape), d), axis=1)[:, :k]
    np.testing.assert_allclose(distance, np.take_along_axis(d, expect, axis=1), rtol=1e-15)
    np.testing.assert_array_equal(station, expect)


def test_nearest_stations_validation():
    with pytest.raises(ValueError, match=r"device_xy must have shape \(n, 2\)"):
        nearest_stations(np.zeros(3), np.zeros((2, 2)), 1, 10.0)
    with pytest.raises(ValueError, match=r"station_xy\[1\] is not finite"):
        nearest_stations(np.zeros((1, 2)), np.array([[0.0, 0.0], [np.nan, 1.0]]), 1, 10.0)
    with pytest.raises(ValueError, match="k is 3"):
        nearest_stations(np.zeros((1, 2)), np.zeros((2, 2)), 3, 10.0)


@pytest.mark.parametrize("layout", ["grid", "poisson"])
def test_city_is_reproducible_and_consistent(layout):
    a = es.scenarios.city(16, 20, seed=5, layout=layout, k_nearest=2)
    b = es.scenarios.city(16, 20, seed=5, layout=layout, k_nearest=2)
    assert a.n_devices == 320 and a.n_stations == 16
    for name in ("station_xy", "device_xy", "station", "rate", "macs", "f_local_max"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert ((a.station_xy >= 0) & (a.station_xy <= a.side)).all()
    # rates fall with distance: the nearest station is never slower than the second
    assert (a.rate[:, 0] >= a.rate[:, 1] * (1 - 1e-12)).all()
    np.testing.assert_allclose(a.rate[:, 0], es.channel.shannon_rate(5e6, a.tx_power, a.distance[:, 0]), rtol=1e-14)


def test_city_option_table_equals_the_paper_table_per_station():
    city = es.scenarios.city(9, 15, seed=2, k_nearest=2)
    table = city.option_table()
    assert table.n_devices == city.n_devices and table.n_servers == 9
    kw = city.solver_kwargs()
    for i in range(2):  # option 1 + i is offloading to the i-th nearest station
        per_station = {**kw, "rate": city.rate[:, i]}
        del per_station["cell"]
        paper = es.paper_table(**{**per_station, "f_edge_max": 22e9})
        np.testing.assert_allclose(table.linear[0::3], paper.linear[0::2], rtol=1e-13)
        np.testing.assert_allclose(table.linear[1 + i::3], paper.linear[1::2], rtol=1e-13)
        np.testing.assert_allclose(table.w[1 + i::3], paper.w[1::2], rtol=1e-14)
        np.testing.assert_allclose(table.c[1 + i::3], paper.c[1::2], rtol=1e-14)
        np.testing.assert_array_equal(table.server[1 + i::3], city.station[:, i])


def test_coupled_city_beats_nearest_station_cells():
    """Choosing among the 3 nearest stations can only help: auto on the coupled table is at most the
    cells' optimum (within their certified gaps), and its bound is below both."""
    city = es.scenarios.city(16, 25, seed=3, k_nearest=3)
    cells = es.solve_offloading(**city.solver_kwargs(), method="auto")
    coupled = es.solve_options(city.option_table(), "auto", time_limit=0.5)
    assert coupled.cost <= cells.cost * (1 + 1e-9)
    assert coupled.lower_bound <= coupled.cost
    assert coupled.gap < 1e-3


@pytest.mark.parametrize(("field", "value"), [("kappa", -1e-28), ("rho", float("nan")), ("w_delay", 0.0),
                                              ("w_energy", -1.0)])
def test_city_validates_its_scalars(field, value):
    with pytest.raises(ValueError, match=field):
        es.scenarios.city(4, 3, **{field: value})


def test_reused_output_storage_never_shares_live_results():
    """Large outputs (from 1 MB) reuse the storage of freed schedules: results held by the caller, through any
    view, stay as they were, and a later solve's arrays share no memory with them."""
    kw = es.scenarios.city(300, 500, seed=2).solver_kwargs()  # 150,000 devices: 1.2 MB per float array
    fields = ("offload", "f_local", "f_edge", "time_share", "delay", "energy")
    first = es.solve_offloading(**kw, method="greedy")
    expect = {f: getattr(first, f).copy() for f in fields}
    held = first.delay[::7]  # keeps first's delay storage alive
    del first
    for method in ("local", "greedy", "auto"):
        s = es.solve_offloading(**kw, method=method)
        assert not any(np.shares_memory(held, getattr(s, f)) for f in fields)
        assert all(not getattr(s, f).flags.writeable for f in fields)
        if method == "greedy":
            for f in fields:
                np.testing.assert_array_equal(getattr(s, f), expect[f])
        del s
    np.testing.assert_array_equal(held, expect["delay"][::7])
