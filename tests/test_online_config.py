"""Simulation configurations: numpy numbers are numbers, and a configuration whose sizes cannot fit in memory or
whose derived numbers overflow is refused up front, naming the key."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgesched.online import SimConfig, load_config, simulate
from edgesched.online.config import FIELDS

SMALL = dict(n_stations=4, devices_per_station=5, steps=3, arrival_rate=1.0, departure_prob=0.1,
             alpha_change_prob=0.3)


def test_numpy_scalars_are_accepted():
    cfg = SimConfig(steps=np.int64(3), n_stations=np.int32(4), devices_per_station=np.float64(5.0),
                    step_s=np.float32(2.0), seed=np.uint64(7), alpha_range=np.array([0.8, 0.9]), warm=np.bool_(True))
    assert (cfg.steps, cfg.n_stations, cfg.seed) == (3, 4, 7) and type(cfg.steps) is int
    assert cfg.alpha_range == (0.8, 0.9) and cfg.warm is True


@pytest.mark.parametrize("kw, message", [
    (dict(station_spacing=1e308), "station_spacing is 1e+308; with it the city's side sqrt(n_stations) * "
                                  "station_spacing is inf m"),
    (dict(n_stations=10**12), "n_stations is 1000000000000; 1,000,000,000,000 stations would take about 256 TB"),
    (dict(devices_per_station=1e12), "devices_per_station is 1000000000000.0 with n_stations = 16; "
                                     "16,000,000,000,010 devices with 1 link(s) each would take about"),
    (dict(arrival_rate=1e19), "arrival_rate is 1e+19 over steps = 100 steps; 9.9e+20 devices"),
    (dict(steps=10**12), "steps is 1000000000000; 1,000,000,000,000 steps of the series would take"),
    (dict(cold_node_limit=1e30), "cold_node_limit is 1e+30; cold_node_limit must be an integer >= 0 and <= 92233720"),
    (dict(seed=2**64), "seed is 18446744073709551616; seed must be an integer >= 0 and <= 18446744073709551615"),
    (dict(bandwidth=1e-320), "bandwidth is 1e-320; with it the noise power N0 B is 0 W"),
    (dict(f_edge_max=1e-320), "f_edge_max is 1e-320; with it a server's price w_delay / f_edge_max is inf"),
    (dict(noise_dbm_per_hz=1e30), "noise_dbm_per_hz is 1e+30; with it the noise power N0 B is inf W"),
    (dict(kappa=1e300), "kappa is 1e+300; with it a local device's delay, energy or cost"),
    (dict(shadowing_std_db=1e30), "shadowing_std_db is 1e+30; with it the shadowing's linear gain"),
    (dict(tx_power_range=(1.0, 1e308)), "tx_power_range is (1.0, 1e+308); with it the best uplink rate"),
])
def test_sizes_and_magnitudes_that_cannot_work_are_refused_naming_the_key(kw, message):
    with pytest.raises(ValueError) as exc:
        SimConfig(**kw)
    assert str(exc.value).startswith(message)


def test_file_errors_name_the_section_and_key(tmp_path):
    path = tmp_path / "sim.toml"
    path.write_text("[city]\nn_stations = 1e12\n")
    with pytest.raises(ValueError, match=rf"^{path}: city.n_stations is 1000000000000; 1,000,000,000,000 stations"):
        load_config(path)
    path.write_text("[city]\nbandwidth = '5e6'\n")
    with pytest.raises(ValueError, match=rf"^{path}: city.bandwidth is '5e6'; bandwidth must be > 0 Hz \(a number"):
        load_config(path)
    path.write_text("[policy]\ncold_node_limit = 1e30\n[devices]\nkappa = 1e300\n")
    with pytest.raises(ValueError, match=rf"^{path}: policy.cold_node_limit is 1e\+30"):
        load_config(path)
    path.write_text("[devices]\nkappa = 1e300\n")
    with pytest.raises(ValueError, match=rf"^{path}: devices.kappa is 1e\+300; .*: check its units \(the other keys "
                                         r"this depends on: system.w_delay, "):
        load_config(path)


NUMERIC = [name for name, (_, _, rule) in FIELDS.items()
           if type(rule).__name__ in ("Num", "_Range") and name not in ("steps", "n_stations", "seed")]
MAGNITUDES = [1e-320, 1e-300, 1e-100, 1e-30, 1e-3, 0.5, 3.0, 1e3, 1e30, 1e100, 1e300, 1e308]
EXTREME = st.sampled_from(MAGNITUDES)


def test_every_numeric_key_at_every_magnitude_is_accepted_or_refused_by_name():
    """Every numeric key (and both ends of every range) at every magnitude, either sign, and values that are
    not finite: SimConfig accepts it or raises a ValueError naming that key (never another exception)."""
    refused = 0
    for name, (_, _, rule) in FIELDS.items():
        if type(rule).__name__ not in ("Num", "_Range"):
            continue
        for v in [s * m for m in [0, *MAGNITUDES, 10**30, 2**70, math.inf] for s in (1, -1)] + [math.nan]:
            values = [(v, v), (min(v, 1e-3), v), (v, 1e300)] if type(rule).__name__ == "_Range" else [v]
            for value in values:
                try:
                    SimConfig(**{**SMALL, name: value})
                except ValueError as exc:
                    assert name in str(exc), (name, value, str(exc))
                    refused += 1
    assert refused > 500


@settings(max_examples=60)
@given(name=st.sampled_from(NUMERIC), value=EXTREME, sign=st.sampled_from([1.0, -1.0]), low=EXTREME)
def test_a_configuration_is_refused_or_runs_with_finite_costs(name, value, sign, low):
    """Any numeric key at any magnitude: a ValueError naming the key, or a run without a warning (warnings are
    errors in the tests) whose costs are finite."""
    rule = FIELDS[name][2]
    given_value = (min(low, value), value) if type(rule).__name__ == "_Range" else sign * value
    try:
        cfg = SimConfig(**{**SMALL, name: given_value})
    except ValueError as exc:
        assert str(exc).split(" ")[0].split("[")[0] in FIELDS, str(exc)
        return
    series = simulate(cfg, progress=False)
    for column in ("cost", "cost_planned", "cost_after"):
        assert np.all(np.isfinite(np.asarray(series[column], dtype=float))), (name, given_value, column)
    assert not math.isnan(float(series["n_devices"][0]))


def test_a_trace_with_a_byte_order_mark_reads_and_far_points_are_refused(tmp_path):
    trace = tmp_path / "trace.csv"
    trace.write_bytes(b"\xef\xbb\xbfstep,device,x,y\r\n0,a,100,100\r\n,,,\r\n1,a,110,100\r\n")
    cfg = SimConfig(**{**SMALL, "arrival_rate": 0.0, "departure_prob": 0.0}, mobility="trace", trace=str(trace))
    assert simulate(cfg, progress=False)["n_devices"].tolist() == [1, 1, 0]
    trace.write_text("step,device,x,y\n0,a,1e300,0\n")
    with pytest.raises(ValueError, match=rf"^{trace}: row 2: x is 1e\+300; x must be in \[-1e\+12, 1e\+12\]"):
        simulate(cfg, progress=False)
    trace.write_text("step,device,x,y\n0,a," + "1" * 200_000 + ",0\n")
    with pytest.raises(ValueError, match=rf"^{trace}: row 2: x is inf; x must be in"):
        simulate(cfg, progress=False)


def test_the_rate_floor_the_checks_assume_is_the_citys():
    from edgesched import online
    from edgesched.online import config

    assert config.RATE_FLOOR == online.RATE_FLOOR
