"""The online city of applications (SimConfig(apps=...)): every schedule in force meets every device's accuracy
requirement and privacy rules (checked independently, tests/city_checks.py), the city's tables are the
pipeline's menus, the optimum is the oracle's and exhaustive enumeration's on small cities, warm re-solves keep
what they promise, and the series adds up."""
from __future__ import annotations

import dataclasses
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgesched import reference, solve_options
from edgesched.online import AppCity, CityApplication, CityApps, SimConfig, application_columns, simulate
from edgesched.physics.hardware import HARDWARE, Hardware
from edgesched.physics.variants import ModelVariant
from edgesched.pipeline import PLACEMENTS, Application, Pipeline, Privacy, VideoInput
from edgesched.pipeline.fleet import undominated

from .city_checks import check_city_schedule
from .test_pipeline_apps import CAMERA, CLOUD, CURVE, SENSOR, SENSOR_CURVE, applications, brute_force, shifted

SMALL = dict(n_stations=4, devices_per_station=12, steps=10)
BUSY = dict(SMALL, arrival_rate=2.0, departure_prob=0.03, alpha_change_prob=0.1, k_nearest=2,
            speed_range=(5.0, 30.0))


def city_apps(traffic: Privacy | None = None, sensors: Privacy | None = None, safety: Privacy | None = None,
              shares: tuple[float, float, float] = (0.5, 0.3, 0.2), **kw) -> CityApps:  # type: ignore[no-untyped-def]
    """The three applications of tests/test_pipeline_apps.py, with device classes that can run them."""
    t, s, f = applications(traffic, sensors, safety)
    return CityApps((
        CityApplication(t, shares[0], ((HARDWARE["cpu"], 2.0), (HARDWARE["fpga"], 1.0), (CAMERA, 1.0)), (0.8, 0.9)),
        CityApplication(s, shares[1], ((HARDWARE["cpu"], 1.0), (HARDWARE["asic"], 1.0)), (0.8, 0.88), (0.02, 0.1)),
        CityApplication(f, shares[2], ((HARDWARE["cpu"], 1.0), (HARDWARE["npu"], 1.0)), (0.82, 0.9)),
    ), cloud=CLOUD, **kw)


def checked_run(cfg: SimConfig) -> tuple[dict[str, np.ndarray], int]:
    """The series of ``cfg`` with every schedule in force checked at every stage; the devices checked."""
    assert cfg.apps is not None
    apps = cfg.apps
    seen = [0]

    def on_step(t: int, city: AppCity, stage: str) -> None:
        if city.n_devices:
            seen[0] += check_city_schedule(apps, city.schedule())

    series = simulate(cfg, progress=False, on_step=on_step)
    return {k: np.asarray(series[k]) for k in series}, seen[0]


# -- every schedule meets every requirement and rule -------------------------------------------------------


def test_every_schedule_of_a_busy_city_meets_requirements_and_privacy() -> None:
    apps = city_apps(Privacy(raw="edge", features="edge"), None, Privacy(raw="device", features="edge"))
    s, checked = checked_run(SimConfig(**BUSY, apps=apps, trigger="drift", drift_threshold=0.001))
    assert checked >= 2 * s["n_devices"].sum() * 0.5
    assert s["alpha_changes"].sum() > 0 and s["arrivals"][1:].sum() > 0 and s["departures"].sum() > 0
    for name in apps.names:
        margin = s[f"{name}.accuracy_margin_min"]
        assert np.all(margin[~np.isnan(margin)] >= 0)
        assert np.all(s[f"{name}.accuracy_mean"] >= s[f"{name}.alpha_mean"])
    # traffic's video stays on the city's servers, safety's raw frames on the device
    assert np.all(s["traffic.n_cloud"] == 0) and np.all(s["traffic.n_split-cloud"] == 0)
    assert np.all(s["safety.n_edge"] == 0) and np.all(s["safety.n_cloud"] == 0)


TIERS = ("device", "edge", "cloud")


@st.composite
def configs(draw):  # type: ignore[no-untyped-def]
    privacy = [None if draw(st.booleans()) else Privacy(raw=draw(st.sampled_from(TIERS)),
                                                        features=draw(st.sampled_from(TIERS))) for _ in range(3)]
    shares = tuple(draw(st.floats(0.1, 1.0)) for _ in range(3))
    kw = dict(seed=draw(st.integers(0, 2**32 - 1)), k_nearest=draw(st.integers(1, 3)),
              trigger=draw(st.sampled_from(["every", "drift", "periodic"])), warm=draw(st.booleans()),
              csi=draw(st.sampled_from(["large_scale", "instantaneous"])),
              w_energy=draw(st.sampled_from([0.0, 0.5, 2.0])), period=2)
    return privacy, shares, kw


@settings(max_examples=12, deadline=None)
@given(configs())
def test_random_cities_meet_every_requirement_and_rule(config) -> None:  # type: ignore[no-untyped-def]
    privacy, shares, kw = config
    try:
        apps = city_apps(*privacy, shares=shares)
        cfg = SimConfig(**{**BUSY, "steps": 6, **kw}, apps=apps)
    except ValueError as exc:  # the rules leave some device class without any option: refused up front
        assert "would have no option" in str(exc)
        return
    s, checked = checked_run(cfg)
    assert checked >= s["n_devices"].sum()
    warm = s["warm"].astype(bool)
    assert np.all(s["cost_after"][warm] <= s["cost_planned"][warm] * (1 + 1e-12))


def test_a_city_whose_rules_leave_a_class_without_options_is_refused() -> None:
    # safety on a camera (int8 only, 16 MB) with raw frames kept on the device: resnet18 at fp16 runs nowhere
    t, s, f = applications(None, None, Privacy(raw="device", features="device"))
    apps = CityApps((CityApplication(f, 1.0, ((CAMERA, 1.0),), (0.82, 0.9)),), cloud=CLOUD)
    with pytest.raises(ValueError, match=r"apps\.applications\.safety\.alpha_range is \[0\.82, 0\.9\]; a device on "
                                         r"camera with alpha 0\.82 would have no option"):
        SimConfig(**SMALL, apps=apps)


# -- the tables are the pipeline's menus --------------------------------------------------------------------


def test_the_citys_table_is_each_devices_pipeline_menu_without_dominated_options() -> None:
    cfg = SimConfig(**BUSY, apps=city_apps(), w_energy=0.7)
    city = AppCity(cfg)
    city.advance()
    ft = city.fleet_table()
    t = ft.table
    d = city.population
    pipe = cfg.apps.pipeline(cfg.k_nearest)
    for n in range(0, city.n_devices, 7):
        app = cfg.apps.applications[int(d.app[n])].application
        hw = city.classes[int(d.device_class[n])]
        device = app.device(hw, list(city.plan_rate[n]), float(d.tx_power[n]), alpha=float(d.alpha[n]))
        alone = Pipeline(servers=[cfg.apps.edge] * cfg.k_nearest, cloud=CLOUD, applications=pipe.applications,
                         w_delay=cfg.w_delay, w_energy=cfg.w_energy).options([device]).table
        keep = undominated({k: alone_col for k, alone_col in
                            zip(("server", "local_cycles", "edge_cycles", "up_bits", "fixed_delay"),
                                _template_columns(pipe, device))})
        lo, hi = t.option_ptr[n], t.option_ptr[n + 1]
        assert hi - lo == keep.sum()
        slot = alone.server[keep]
        station = np.where(slot >= 0, d.station[n][np.maximum(slot, 0)], -1)
        np.testing.assert_array_equal(t.server[lo:hi], station)
        for name in ("linear", "c", "w"):
            np.testing.assert_allclose(getattr(t, name)[lo:hi], getattr(alone, name)[keep], rtol=1e-13, atol=0)
    np.testing.assert_allclose(t.A, cfg.w_delay / city.capacity)


def _template_columns(pipe: Pipeline, device) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    t = pipe.menu(device)
    return [t.columns[k] for k in ("server", "local_cycles", "edge_cycles", "up_bits", "fixed_delay")]


@settings(max_examples=30)
@given(st.integers(0, 2**32 - 1), st.integers(1, 9), st.integers(1, 3))
def test_dominated_options_never_change_the_optimum(seed: int, options: int, servers: int) -> None:
    """Random menus of three devices: the optimum over the undominated options is the optimum over all."""
    from edgesched.model.table import OptionTable
    rng = np.random.default_rng(seed)
    menus, full, kept = [], [], []
    for _ in range(3):
        cols = {"server": rng.integers(-1, servers, options), "local_cycles": rng.choice([0.0, 1e9, 2e9, 3e9], options),
                "edge_cycles": rng.choice([0.0, 1e9, 4e9], options), "up_bits": rng.choice([0.0, 1e6, 5e6], options),
                "fixed_delay": rng.choice([0.0, 0.05], options)}
        cols["edge_cycles"][cols["server"] < 0] = cols["up_bits"][cols["server"] < 0] = 0.0
        rate, power = float(rng.uniform(1e6, 5e7)), float(rng.uniform(0.05, 0.5))
        menu = [(1e-9 * c * 0.5 + 0.1 * 0.5 * c / 1e9 + 0.5 * f + 0.5 * power * b / rate, int(s),
                 math.sqrt(e), math.sqrt(b / rate))
                for s, c, e, b, f in zip(*(cols[k] for k in ("server", "local_cycles", "edge_cycles", "up_bits",
                                                             "fixed_delay")))]
        keep = undominated(cols)
        assert keep.any()
        full.append(menu)
        kept.append([m for m, k in zip(menu, keep) if k])
        menus.append(cols)
    A, B = np.full(servers, 0.5 / 22e9), np.full(servers, 0.5)
    best_full, _ = brute_force(OptionTable.from_menus(full, A, B))
    best_kept, _ = brute_force(OptionTable.from_menus(kept, A, B))
    assert best_kept == pytest.approx(best_full, rel=1e-12, abs=1e-15)


def test_evaluate_matches_the_tables_cost_and_the_solvers() -> None:
    city = AppCity(SimConfig(**BUSY, apps=city_apps()))
    schedule, _ = city.resolve(warm=False)
    city.apply(schedule.choice)
    planned = city.evaluate(planned=True)
    assert math.isclose(planned["cost"].sum(), city.table().cost(city.choice_in_force()), rel_tol=1e-10)
    assert math.isclose(planned["cost"].sum(), schedule.cost, rel_tol=1e-10)
    np.testing.assert_array_equal(planned["offload"], planned["kind"] != PLACEMENTS.index("local"))
    # Theorem 2 per station: the delays of a station's offloaded devices add up to U^2 / F + V^2
    t = city.table()
    o = t.option_ptr[:-1] + city.choice_in_force()
    j = t.server[o]
    on = j >= 0
    U = np.bincount(j[on], weights=t.c[o][on], minlength=4)
    V = np.bincount(j[on], weights=t.w[o][on], minlength=4)
    phys = city.fleet_table().physics
    cycles = phys["local_cycles"][o]
    local = np.where(cycles > 0, cycles / np.where(cycles > 0, planned["f_local"], 1.0), 0.0)
    shared = planned["delay"] - phys["fixed_delay"][o] - local
    np.testing.assert_allclose(np.bincount(j[on], weights=shared[on], minlength=4), U**2 / city.capacity + V**2,
                               rtol=1e-9)


# -- optimality: the oracle and exhaustive enumeration ---------------------------------------------------


def paper_city(seed: int) -> SimConfig:
    """A city of applications on the paper's model: one variant each, one precision and one rho on devices and
    servers, local or edge on the nearest station."""
    rng = np.random.default_rng(seed)
    rho = float(rng.uniform(0.06, 0.25))
    device = Hardware("dev", "cpu", {"fp32": rho}, float(rng.uniform(0.8e9, 3e9)), 1e-28)
    edge = Hardware("edge", "server", {"fp32": rho}, 22e9, 1e-28)
    apps = (Application("traffic", [ModelVariant("r3d_18", CURVE)], VideoInput(112, 112)),
            Application("sensors", [ModelVariant("lstm_sensor", SENSOR_CURVE)], SENSOR))
    return SimConfig(n_stations=4, devices_per_station=2.5, steps=2, seed=seed, k_nearest=1,
                     f_edge_max=float(rng.uniform(4e9, 40e9)), w_energy=float(rng.choice([0.0, 0.5])),
                     apps=CityApps((CityApplication(apps[0], 1.0, ((device, 1.0),), (0.8, 0.9)),
                                    CityApplication(apps[1], 1.0, ((device, 1.0),), (0.8, 0.9))),
                                   edge=edge, placements=("local", "edge")))


@settings(max_examples=15)
@given(st.integers(0, 2**32 - 1))
def test_a_paper_shaped_city_solves_to_the_oracles_exhaustive_optimum(seed: int) -> None:
    cfg = paper_city(seed)
    city = AppCity(cfg)
    schedule, _ = city.resolve(warm=False)
    d, t = city.population, city.table()
    assert np.all(t.n_options == 2)  # local, and edge on the nearest station
    apps = [a.application for a in cfg.apps.applications]
    total = 0.0
    for j in range(cfg.n_stations):
        cell = np.flatnonzero(d.station[:, 0] == j)
        if not cell.size:
            continue
        cols: dict[str, list[float]] = {k: [] for k in ("macs", "frames", "frame_bits", "rate", "tx_power",
                                                         "f_local_max")}
        for n in cell:
            app = apps[int(d.app[n])]
            m = int(app.variants[0].accuracy.min_frames(float(d.alpha[n]), app.input.max_units))
            cols["macs"].append(float(app.variants[0].network.macs(m, *app.input.size)))
            cols["frames"].append(m)
            cols["frame_bits"].append(app.input.unit_bits)
            cols["rate"].append(float(city.plan_rate[n, 0]))
            cols["tx_power"].append(float(d.tx_power[n]))
            cols["f_local_max"].append(float(d.f_local_max[n]))
        rho = cfg.apps.edge.cycles_per_mac["fp32"]
        total += reference.solve_offloading(**cols, kappa=1e-28, rho=rho, f_edge_max=cfg.f_edge_max,
                                            w_delay=cfg.w_delay, w_energy=cfg.w_energy, method="exhaustive").cost
    assert schedule.cost == pytest.approx(total, rel=1e-9)


@settings(max_examples=10)
@given(st.integers(0, 2**32 - 1))
def test_a_small_city_cold_solve_is_the_exhaustive_optimum(seed: int) -> None:
    cfg = SimConfig(n_stations=2, devices_per_station=1.5, steps=2, seed=seed, k_nearest=2,
                    apps=city_apps(placements=("local", "edge", "cloud")))
    city = AppCity(cfg)
    t = city.table()
    if np.prod(t.n_options.astype(float)) > 40_000:
        return
    best, _ = brute_force(t)
    schedule, _ = city.resolve(warm=False)
    assert schedule.cost == pytest.approx(best, rel=1e-9)
    warm = solve_options(t, "warm", start=city.choice_in_force())
    assert warm.cost >= best * (1 - 1e-12)


# -- the schedule in force across steps ------------------------------------------------------------------


def test_options_in_force_are_kept_handed_over_or_reassigned() -> None:
    city = AppCity(SimConfig(**{**BUSY, "alpha_change_prob": 0.3}, apps=city_apps()))
    city.apply(city.resolve(warm=False)[0].choice)
    for _ in range(4):
        d = city.population
        before = {int(i): (int(a), int(v), int(k), int(c), int(s), float(al)) for i, a, v, k, c, s, al in
                  zip(d.id, d.app, d.variant, d.kind, d.cut, d.server, d.alpha)}
        city.advance()
        d = city.population
        kept = moved = 0
        for n, i in enumerate(d.id.tolist()):
            if i not in before:
                continue
            a, v, k, c, s, alpha = before[i]
            if alpha != float(d.alpha[n]):
                continue
            # the requirement stayed, so did the menu: the option stays in force, on its station while the device
            # reaches it, else handed over to the nearest
            assert (int(d.variant[n]), int(d.kind[n]), int(d.cut[n])) == (v, k, c)
            if s == -1 or s in d.station[n]:
                assert int(d.server[n]) == s
                kept += 1
            else:
                assert int(d.server[n]) == int(d.station[n, 0])
                moved += 1
        assert kept > 0
        assert city.reassigned >= 0
        check_city_schedule(city.config.apps, city.schedule())
        city.apply(city.resolve(warm=True)[0].choice)


def test_a_new_device_starts_on_its_cheapest_option_without_a_station() -> None:
    city = AppCity(SimConfig(**SMALL, apps=city_apps()))
    ft = city.fleet_table()
    t = ft.table
    for n in range(city.n_devices):
        lo, hi = t.option_ptr[n], t.option_ptr[n + 1]
        local = np.flatnonzero(t.server[lo:hi] < 0)
        pool = local if local.size else np.arange(hi - lo)
        assert city.choice_in_force()[n] == pool[np.argmin(t.linear[lo:hi][pool])]


# -- the series ---------------------------------------------------------------------------------------------


def test_the_series_adds_up_per_application() -> None:
    cfg = SimConfig(**BUSY, apps=city_apps(), trigger="every")
    s = {k: np.asarray(v) for k, v in simulate(cfg, progress=False).items()}
    assert list(s) == list(application_columns(cfg))
    names = cfg.apps.names
    np.testing.assert_array_equal(sum(s[f"{a}.n_devices"] for a in names), s["n_devices"])
    np.testing.assert_allclose(sum(s[f"{a}.cost"] for a in names), s["cost"], rtol=1e-12)
    for p in PLACEMENTS:
        np.testing.assert_array_equal(sum(s[f"{a}.n_{p}"] for a in names), s[f"n_{p}"])
    np.testing.assert_array_equal(sum(s[f"{a}.changed"] for a in names), s["changed"])
    np.testing.assert_array_equal(sum(s[f"{a}.late"] for a in names if f"{a}.late" in s), s["late"])
    assert "sensors.late" not in s  # sensors have no deadline
    assert np.all(s["changed"] <= s["changed_variant"] + s["changed_placement"])
    assert np.all(s["changed"] >= np.maximum(s["changed_variant"], s["changed_placement"]))
    assert s["changed_variant"][1:].sum() + s["changed_placement"][1:].sum() > 0
    np.testing.assert_allclose(s["offload_rate"], 1 - s["n_local"] / s["n_devices"], rtol=1e-12)


def test_same_seed_same_series_except_timing() -> None:
    cfg = SimConfig(**BUSY, apps=city_apps(), trigger="drift")
    a, b = (simulate(cfg, progress=False) for _ in range(2))
    for name in a:
        if name not in ("resolve_time_s", "step_time_s"):
            np.testing.assert_array_equal(np.asarray(a[name]), np.asarray(b[name]), err_msg=name)


def test_without_pandas_the_series_is_a_dict(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(sys.modules, "pandas", None)
    cfg = SimConfig(**SMALL, apps=city_apps())
    s = simulate(cfg, progress=False)
    assert isinstance(s, dict) and list(s) == list(application_columns(cfg))


def test_everyone_leaving() -> None:
    s = simulate(SimConfig(**SMALL, apps=city_apps(), departure_prob=1.0, trigger="every"), progress=False)
    assert np.all(np.asarray(s["n_devices"])[1:] == 0) and not np.asarray(s["resolved"])[1:].any()
    assert np.isnan(np.asarray(s["traffic.delay_p95_s"])[1:]).all()


def test_the_plot_has_a_panel_per_quantity() -> None:
    pytest.importorskip("matplotlib")
    from edgesched.online import plot_series
    fig = plot_series(simulate(SimConfig(**SMALL, apps=city_apps()), progress=False))
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert len(labels) == 9 and "devices by placement" in labels and "devices over their deadline" in labels


@pytest.mark.parametrize("build, message", [
    (lambda: CityApps(()), "applications is empty"),
    (lambda: city_apps(shares=(0.5, -1.0, 0.2)), r"applications\['sensors'\]\.share is -1\.0"),
    (lambda: CityApplication(applications()[0], 1.0, (), (0.8, 0.9)), "hardware is empty"),
    (lambda: CityApplication(applications()[0], 1.0, ((HARDWARE["cpu"], 1.0),), (0.9, 0.8)), "alpha_range is"),
    (lambda: CityApps((CityApplication(applications(Privacy(edge_servers=(0,)))[0]),)), "edge_servers names"),
    (lambda: SimConfig(apps="city"), "apps is a str"),
    (lambda: AppCity(SimConfig()), "config.apps is None"),
    (lambda: city_apps(placements=("local", "edge", "teleport")), "placements has 'teleport'"),
])
def test_bad_cities_are_clear_errors(build, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        build()


def test_replace_revalidates_the_applications() -> None:
    cfg = SimConfig(**SMALL, apps=city_apps())
    assert dataclasses.replace(cfg, k_nearest=2).k_nearest == 2
    with pytest.raises(ValueError, match="k_nearest"):
        dataclasses.replace(cfg, k_nearest=9)


def test_a_variant_the_requirement_outgrows_is_left_for_another() -> None:
    """A device whose requirement rises past its variant's best takes another variant that meets it."""
    weak = ModelVariant("mobilenet_v2_tavg", shifted(CURVE, -0.06), name="weak")
    strong = ModelVariant("r3d_18", CURVE, bits=8)
    app = Application("video", [weak, strong], VideoInput(112, 112))
    cfg = SimConfig(**{**SMALL, "alpha_change_prob": 1.0}, apps=CityApps(
        (CityApplication(app, 1.0, ((HARDWARE["cpu"], 1.0),), (0.80, 0.94)),), cloud=CLOUD))
    s, checked = checked_run(dataclasses.replace(cfg, trigger="never", steps=6))
    assert checked > 0 and s["reassigned"][1:].sum() > 0


def test_the_check_catches_what_it_checks() -> None:
    """The independent check fails on schedules that break each rule (it is not vacuous)."""
    apps = city_apps(Privacy(raw="edge", features="edge"), None, Privacy(raw="device", features="edge"))
    city = AppCity(SimConfig(**SMALL, apps=apps))
    city.apply(city.resolve(warm=False)[0].choice)
    good = city.schedule()
    check_city_schedule(apps, good)
    traffic = good["application"].index("traffic")

    def broken(**change):  # type: ignore[no-untyped-def]
        s = {k: (list(v) if isinstance(v, list) else np.array(v, copy=True)) for k, v in good.items()}
        for key, value in change.items():
            s[key][traffic] = value
        return s

    cases = [dict(alpha=0.95),  # beyond its variant's accuracy at its frames
             dict(frames=int(good["frames"][traffic]) + 1),  # more frames than the fewest that meet it
             dict(variant="lstm_sensor"),  # another application's variant
             dict(placement="cloud", split=None, upload="raw", server=int(good["station"][traffic][0])),  # raw video
             dict(placement="edge", split=None, upload="raw", server=-7)]  # a station out of reach
    for change in cases:
        with pytest.raises(AssertionError):
            check_city_schedule(apps, broken(**change))


def test_a_city_that_empties_and_fills_again_and_a_traced_one() -> None:
    s, checked = checked_run(SimConfig(n_stations=4, devices_per_station=0.1, steps=30, departure_prob=0.5,
                                       arrival_rate=0.3, trigger="never", apps=city_apps()))
    empty = s["n_devices"] == 0
    assert empty.any() and (~empty).any() and checked > 0
    after = np.flatnonzero(empty[:-1] & ~empty[1:]) + 1  # the first step with devices again is solved cold
    assert np.all(s["resolved"][after]) and not s["warm"][after].any()
    trace = str(Path(__file__).resolve().parents[1] / "examples" / "simulate_trace.csv")
    s, checked = checked_run(SimConfig(n_stations=4, steps=6, mobility="trace", trace=trace, apps=city_apps()))
    assert checked >= s["n_devices"].sum() > 0
