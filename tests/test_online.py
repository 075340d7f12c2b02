"""The online city simulation (edgesched.online): physics, monitor, policies, files and the CLI."""
from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgesched import online, solve_options
from edgesched.online import COLUMNS, TIMING_COLUMNS, OnlineCity, SimConfig, load_config, simulate
from edgesched.physics.accuracy import default_curve
from edgesched.physics.channel import channel_gain, noise_power_watt

EXAMPLE = os.path.join(os.path.dirname(__file__), os.pardir, "examples", "simulate_city.toml")
SMALL = dict(n_stations=4, devices_per_station=25, steps=12)
BUSY = dict(SMALL, arrival_rate=3.0, departure_prob=0.03, alpha_change_prob=0.05, k_nearest=2, speed_range=(5.0, 30.0))


def cols(series) -> dict[str, np.ndarray]:
    return {name: np.asarray(series[name]) for name in series}


def started(**kw) -> OnlineCity:
    """A city with its step-0 schedule (cold) in force."""
    sim = OnlineCity(SimConfig(**{**SMALL, **kw}))
    sim.apply(sim.resolve(warm=False)[0].choice)
    return sim


def implied_shadowing_db(sim: OnlineCity, rate: np.ndarray) -> np.ndarray:
    """Shadowing (dB) that explains ``rate`` given path loss alone: inverts R = B log2(1 + p g 10^(-X/10) / N)."""
    cfg = sim.config
    d = np.hypot(*(sim.device_xy[:, None, :] - sim.station_xy[sim.station]).transpose(2, 0, 1))
    g = np.asarray(channel_gain(np.maximum(d, cfg.min_distance)))
    snr_free = sim.population.tx_power[:, None] * g / float(noise_power_watt(cfg.bandwidth, cfg.noise_dbm_per_hz))
    return 10 * np.log10(snr_free) - 10 * np.log10(np.expm1(rate / cfg.bandwidth * math.log(2)))


# -- reproducibility ---------------------------------------------------------

def test_same_seed_same_series_except_timing():
    a, b = (cols(simulate(SimConfig(**BUSY, trigger="drift"), progress=False)) for _ in range(2))
    assert list(a) == list(COLUMNS)
    for name in COLUMNS:
        if name not in TIMING_COLUMNS:
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    other = cols(simulate(SimConfig(**BUSY, trigger="drift", seed=1), progress=False))
    assert not np.array_equal(a["cost"], other["cost"])


# -- the monitor ---------------------------------------------------------------

@given(seed=st.integers(0, 2**20), k=st.integers(1, 3), csi=st.sampled_from(["large_scale", "instantaneous"]),
       w_energy=st.sampled_from([0.0, 0.5, 2.0]), data=st.data())
def test_evaluate_matches_the_option_table_cost(seed, k, csi, w_energy, data):
    sim = OnlineCity(SimConfig(n_stations=4, devices_per_station=6, seed=seed, k_nearest=k, csi=csi,
                               w_energy=w_energy))
    n = sim.n_devices
    choice = np.array(data.draw(st.lists(st.integers(0, k), min_size=n, max_size=n)), dtype=np.int32)
    sim.apply(choice)
    out = sim.evaluate(planned=True)
    assert math.isclose(out["cost"].sum(), sim.table().cost(choice), rel_tol=1e-10)
    np.testing.assert_array_equal(sim.choice_in_force(), choice)
    np.testing.assert_array_equal(out["offload"], choice > 0)
    # Theorem 2: per server j, the offloaded devices' delays add up to U_j^2 / F_j + V_j^2 (table's c and w)
    table = sim.table()
    o = table.option_ptr[:-1] + choice
    j = table.server[o]
    on = j >= 0
    U = np.bincount(j[on], weights=table.c[o][on], minlength=4)
    V = np.bincount(j[on], weights=table.w[o][on], minlength=4)
    per_server = np.bincount(j[on], weights=out["delay"][on], minlength=4)
    np.testing.assert_allclose(per_server, U**2 / sim.capacity + V**2, rtol=1e-10)
    assert np.all(out["accuracy"] >= sim.population.alpha)


def test_unreachable_server_hands_over_to_the_nearest_station():
    sim = OnlineCity(SimConfig(**SMALL, k_nearest=1))
    far = (sim.station[:, 0] + 1) % sim.station_xy.shape[0]  # a station that is not the nearest
    out = sim.evaluate(server=far)
    np.testing.assert_array_equal(out["server"], sim.station[:, 0])
    np.testing.assert_array_equal(out["offload"], np.ones(sim.n_devices, bool))


def test_new_devices_start_local_and_the_old_keep_their_servers():
    sim = started(arrival_rate=20.0, mobility="static")
    before = dict(zip(sim.device_id.tolist(), sim.server.tolist()))
    sim.advance()
    assert sim.arrivals > 0
    new = ~np.isin(sim.device_id, list(before))
    assert new.sum() == sim.arrivals
    assert np.all(sim.server[new] == -1)
    np.testing.assert_array_equal(sim.server[~new], [before[i] for i in sim.device_id[~new].tolist()])
    assert not sim.evaluate()["offload"][new].any()


def test_requirement_changes_redraw_alpha_and_frames():
    sim = OnlineCity(SimConfig(**SMALL, alpha_change_prob=1.0, mobility="static"))
    alpha0 = sim.population.alpha.copy()
    sim.advance()
    assert sim.alpha_changes == sim.n_devices
    assert not np.any(sim.population.alpha == alpha0)
    np.testing.assert_array_equal(sim.frames, default_curve().min_frames(sim.population.alpha))


# -- mobility ----------------------------------------------------------------

def test_random_waypoint_moves_at_most_speed_times_step_and_stays_in_the_city():
    cfg = SimConfig(**SMALL, speed_range=(50.0, 400.0), step_s=2.0)
    sim = OnlineCity(cfg)
    moved_any = False
    for _ in range(8):
        xy = sim.device_xy.copy()
        sim.advance()
        step = np.hypot(*(sim.device_xy - xy).T)
        assert np.all(step <= cfg.speed_range[1] * cfg.step_s * (1 + 1e-12))
        assert np.all((sim.device_xy >= 0) & (sim.device_xy <= sim.side))
        moved_any |= bool(step.max() > 0)
    assert moved_any


def test_static_devices_keep_position_and_shadowing():
    sim = OnlineCity(SimConfig(**SMALL, mobility="static", fading="none"))
    xy, rate = sim.device_xy.copy(), sim.rate.copy()
    sim.advance()
    np.testing.assert_array_equal(sim.device_xy, xy)
    np.testing.assert_array_equal(sim.rate, rate)  # Gudmundson: r = exp(0) = 1, the shadowing stays


def test_trace_mobility_positions_arrivals_and_departures(tmp_path):
    rows = ["step,device,x,y", "0,a,100,100", "0,b,900,900", "1,a,110,100", "1,c,500,500",
            "2,a,120,100", "2,c,510,500", "2,b,50,60", "9,a,0,0"]
    (tmp_path / "trace.csv").write_text("\n".join(rows) + "\n")
    cfg_path = tmp_path / "sim.toml"
    cfg_path.write_text('[simulation]\nsteps = 3\n[city]\nn_stations = 4\n[mobility]\nmodel = "trace"\n'
                        'trace = "trace.csv"\n[policy]\ntrigger = "every"\n')
    cfg = load_config(cfg_path)
    assert cfg.trace == os.path.join(str(tmp_path), "trace.csv")
    sim = OnlineCity(cfg)
    expected = {0: {0: (100, 100), 1: (900, 900)}, 1: {0: (110, 100), 2: (500, 500)},
                2: {0: (120, 100), 2: (510, 500), 1: (50, 60)}}
    for t in range(3):
        if t:
            sim.advance()
        got = dict(zip(sim.device_id.tolist(), map(tuple, sim.device_xy.tolist())))
        assert got == expected[t]
    assert (sim.arrivals, sim.departures) == (1, 0)  # b comes back at step 2
    series = cols(simulate(cfg, progress=False))
    np.testing.assert_array_equal(series["n_devices"], [2, 2, 3])
    np.testing.assert_array_equal(series["departures"], [0, 1, 0])


@pytest.mark.parametrize("text, message", [
    ("step,device,x\n0,a,1\n", "header"),
    ("step,device,x,y\n0,a,1,abc\n", "row 2: y is 'abc'"),
    ("step,device,x,y\n-1,a,1,2\n", "row 2: step is -1.0; step must be an integer >= 0"),
    ("step,device,x,y\n0,a,1,2\n0,a,3,4\n", "row 3: device 'a' appears twice at step 0"),
    ("step,device,x,y\n0,,1,2\n", "row 2: device is empty"),
    ("step,device,x,y\n0,a,1\n", "row 2: 3 cells"),
])
def test_trace_errors_name_the_file_and_row(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match="bad.csv: .*" + message.replace("(", r"\(")):
        OnlineCity(SimConfig(**SMALL, mobility="trace", trace=str(path)))


# -- the channel -------------------------------------------------------------

def test_shadowing_is_normal_in_db_with_the_configured_std():
    sim = OnlineCity(SimConfig(n_stations=9, devices_per_station=400, shadowing_std_db=6.0, fading="none",
                               k_nearest=2))
    x = implied_shadowing_db(sim, sim.plan_rate).ravel()
    assert abs(x.mean()) < 0.15 and abs(x.std() / 6.0 - 1) < 0.03
    flat = OnlineCity(SimConfig(n_stations=9, devices_per_station=20, shadowing_std_db=0.0, fading="none"))
    np.testing.assert_allclose(implied_shadowing_db(flat, flat.rate), 0.0, atol=1e-6)


def test_rayleigh_power_gain_is_exponential_and_correlates_as_configured():
    stats = pytest.importorskip("scipy.stats")

    def power(sim):  # |h|^2 = (2^(R/B) - 1) / (2^(R_planned/B) - 1)
        b = sim.config.bandwidth
        return (np.expm1(sim.rate / b * math.log(2)) / np.expm1(sim.plan_rate / b * math.log(2))).ravel()

    for c in (0.0, 0.8):
        sim = OnlineCity(SimConfig(n_stations=9, devices_per_station=500, mobility="static", fading_correlation=c))
        h0 = power(sim)
        assert stats.kstest(h0, "expon").pvalue > 1e-3
        sim.advance()
        h1 = power(sim)
        assert stats.kstest(h1, "expon").pvalue > 1e-3
        # corr(|h_t|^2, |h_{t-1}|^2) = c^2 for a Gauss-Markov complex gain
        assert abs(np.corrcoef(h0, h1)[0, 1] - c**2) < 0.05


def test_csi_instantaneous_plans_on_the_actual_rates():
    sim = OnlineCity(SimConfig(**SMALL, csi="instantaneous"))
    assert sim.plan_rate is sim.rate
    large = OnlineCity(SimConfig(**SMALL))
    assert not np.array_equal(large.plan_rate, large.rate)


# -- policies ------------------------------------------------------------------

@pytest.mark.parametrize("trigger, warm", [("every", True), ("every", False), ("periodic", True),
                                           ("drift", True), ("never", True)])
def test_policies_resolve_when_they_say(trigger, warm):
    cfg = SimConfig(**BUSY, trigger=trigger, warm=warm, period=4, drift_threshold=0.003)
    s = cols(simulate(cfg, progress=False))
    t, resolved = s["step"], s["resolved"]
    expected = {"every": np.ones_like(resolved), "periodic": t % 4 == 0, "never": t == 0,
                "drift": (t == 0) | (s["drift"] > 0.003)}[trigger]
    np.testing.assert_array_equal(resolved, expected)
    np.testing.assert_array_equal(s["warm"], resolved & (t > 0) & warm)
    assert np.all(s["changed"][~resolved] == 0) and np.all(s["resolve_time_s"][~resolved] == 0)
    np.testing.assert_array_equal(s["cost_after"][~resolved], s["cost_planned"][~resolved])
    # a warm re-solve is never worse than descent from the schedule in force: it never costs more
    assert np.all(s["cost_after"][s["warm"]] <= s["cost_planned"][s["warm"]] * (1 + 1e-12))


def test_drift_is_relative_to_the_cost_per_device_after_the_last_resolve():
    s = cols(simulate(SimConfig(**BUSY, trigger="never"), progress=False))
    reference = s["cost_after"][0] / s["n_devices"][0]
    np.testing.assert_allclose(s["drift"][1:], s["cost_planned"][1:] / s["n_devices"][1:] / reference - 1, rtol=1e-12)
    assert math.isnan(s["drift"][0])


def test_warm_resolve_starts_from_the_schedule_in_force_and_the_last_prices():
    sim = started(**BUSY)
    prices = sim.prices
    assert prices is not None and prices.shape == (2, sim.config.n_stations)
    sim.advance()
    start = sim.choice_in_force()
    warm, _ = sim.resolve(warm=True)
    direct = solve_options(sim.table(), "warm", start=start, prices=prices)
    np.testing.assert_array_equal(warm.choice, direct.choice)
    np.testing.assert_array_equal(sim.prices, direct.prices)  # the next warm re-solve starts from these
    assert warm.cost <= solve_options(sim.table(), "descent", start=start).cost
    cold, _ = sim.resolve(warm=False)
    assert cold.method == "auto" and warm.method == "warm"
    np.testing.assert_array_equal(sim.prices, cold.prices)


def test_everyone_leaving_and_coming_back():
    s = cols(simulate(SimConfig(**SMALL, departure_prob=1.0, trigger="every"), progress=False))
    np.testing.assert_array_equal(s["n_devices"][1:], 0)
    assert not s["resolved"][1:].any()
    assert np.all(s["cost"][1:] == 0) and np.isnan(s["delay_p95_s"][1:]).all()
    arrive = cols(simulate(SimConfig(n_stations=4, devices_per_station=0.1, steps=30, departure_prob=0.5,
                                     arrival_rate=0.3, trigger="never"), progress=False))
    empty = arrive["n_devices"] == 0
    assert empty.any() and (~empty).any()
    # after an empty step the first step with devices is solved (cold: there is no schedule to warm-start)
    after = np.flatnonzero(empty[:-1] & ~empty[1:]) + 1
    assert np.all(arrive["resolved"][after]) and not arrive["warm"][after].any()


# -- configuration -------------------------------------------------------------

@pytest.mark.parametrize("kw, message", [
    (dict(period=0), "period is 0; period must be an integer >= 1"),
    (dict(alpha_range=(0.9, 0.8)), "alpha_range is"),
    (dict(alpha_range=(0.8, 0.99)), r"alpha_range\[1\] is 0.99"),
    (dict(trigger="sometimes"), "trigger is 'sometimes'"),
    (dict(warm=1), "warm is 1; warm must be true or false"),
    (dict(departure_prob=1.5), "departure_prob is 1.5"),
    (dict(k_nearest=5, n_stations=4), "k_nearest is 5"),
    (dict(mobility="trace"), "mobility is 'trace' and trace is None"),
    (dict(trace="x.csv"), "mobility is 'waypoint' and trace is 'x.csv'"),
    (dict(mobility="trace", trace="x.csv", arrival_rate=1.0), "arrival_rate is 1.0"),
    (dict(speed_range=(1.0,)), "speed_range is"),
])
def test_bad_config_raises_naming_the_field(kw, message):
    with pytest.raises(ValueError, match=message):
        SimConfig(**kw)


def test_not_a_config():
    with pytest.raises(ValueError, match="config must be a SimConfig"):
        OnlineCity({"steps": 3})


def test_example_file_loads_with_every_key():
    cfg = load_config(EXAMPLE)
    assert (cfg.steps, cfg.k_nearest, cfg.trigger, cfg.warm) == (200, 2, "drift", True)
    with open(EXAMPLE, "rb") as fh:
        text = fh.read().decode()
    for name, (section, key, _) in online.config.FIELDS.items():
        if name != "trace":
            assert f"\n{key} = " in text, f"{section}.{key} missing from the example"


@pytest.mark.parametrize("text, message", [
    ("[policy]\nperiod = 0\n", r"sim.toml: policy.period is 0; period must be an integer >= 1"),
    ("[polcy]\nperiod = 2\n", r"sim.toml: polcy is not a known key"),
    ("[policy]\nperiods = 2\n", r"sim.toml: policy.periods is not a known key"),
    ("[channel]\nfading = \"rician\"\n", r"sim.toml: channel.fading is 'rician'"),
    ("[devices]\nalpha_range = [0.9]\n", r"sim.toml: devices.alpha_range is \[0.9\]"),
    ("[mobility]\nmodel = \"trace\"\n", r"sim.toml: mobility.model is 'trace' and mobility.trace is None"),
    ("[city]\nn_stations = 2\nk_nearest = 3\n", r"sim.toml: city.k_nearest is 3; it must be <= city.n_stations"),
    ("policy = 3\n", r"sim.toml: policy must be a table"),
    ("[policy\n", r"sim.toml: not valid TOML"),
])
def test_file_errors_name_the_file_and_key(tmp_path, text, message):
    path = tmp_path / "sim.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_config(path)


# -- output ------------------------------------------------------------------

def test_without_pandas_the_series_is_a_dict_of_arrays(monkeypatch, tmp_path):
    pytest.importorskip("pandas")
    cfg = SimConfig(**SMALL, arrival_rate=1.0)
    frame = simulate(cfg, progress=False)
    monkeypatch.setitem(sys.modules, "pandas", None)
    plain = simulate(cfg, progress=False)
    assert isinstance(plain, dict) and list(plain) == list(COLUMNS)
    assert all(isinstance(v, np.ndarray) and v.shape == (cfg.steps,) for v in plain.values())
    online.write_csv(frame, tmp_path / "a.csv")
    online.write_csv(plain, tmp_path / "b.csv")
    a, b = ((tmp_path / f).read_text().splitlines() for f in ("a.csv", "b.csv"))
    keep = [i for i, c in enumerate(a[0].split(",")) if c not in TIMING_COLUMNS]
    assert [[r.split(",")[i] for i in keep] for r in a] == [[r.split(",")[i] for i in keep] for r in b]


def test_simulate_command_writes_the_series_and_the_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    cfg = tmp_path / "city.toml"
    cfg.write_text("[simulation]\nsteps = 5\n[city]\nn_stations = 4\ndevices_per_station = 10\n"
                   "[population]\narrival_rate = 1.0\n")
    parser = argparse.ArgumentParser(prog="edgesched")
    online.cli.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["simulate", str(cfg), "--out", str(tmp_path / "out"), "--no-progress"])
    assert args.func(args) == 0
    lines = (tmp_path / "out" / "series.csv").read_text().splitlines()
    assert lines[0].split(",") == list(COLUMNS) and len(lines) == 6
    assert (tmp_path / "out" / "series.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "5 steps" in capsys.readouterr().out
    default = parser.parse_args(["simulate", str(cfg), "--no-progress"])
    assert default.out is None and default.func(default) == 0
    assert (tmp_path / "city-results" / "series.csv").exists()


def test_plot_has_a_panel_per_series():
    pytest.importorskip("matplotlib")
    fig = online.plot_series(simulate(SimConfig(**SMALL), progress=False))
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert len(labels) == 8 and "re-solve time (s)" in labels


def test_replace_revalidates():
    cfg = SimConfig()
    assert dataclasses.replace(cfg, period=3).period == 3
    with pytest.raises(ValueError, match="period"):
        dataclasses.replace(cfg, period=-1)
