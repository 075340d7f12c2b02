"""A city of applications: video, sensor-series and per-frame camera applications in one pipeline, each device's
menu from its own application, checked against the pure-Python oracle, exhaustive enumeration, and the
one-application form; results per application; inputs, overrides and input checks."""
from __future__ import annotations

import itertools
import math
import runpy
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgesched import paper_table, reference, solve_options
from edgesched.physics.accuracy import AccuracyCurve, default_curve
from edgesched.physics.arch import gru_sensor, lstm_sensor, resnet18_tavg
from edgesched.physics.hardware import HARDWARE, MB, Hardware
from edgesched.physics.variants import ModelVariant
from edgesched.pipeline import (
    PLACEMENTS,
    Application,
    Cloud,
    Device,
    Pipeline,
    Privacy,
    SensorInput,
    VideoInput,
)

CURVE = default_curve()
SENSOR_CURVE = AccuracyCurve([15, 30, 45, 60], [0.80, 0.86, 0.90, 0.92], "sensor")
SAFETY_CURVE = AccuracyCurve([1, 2, 4, 8], [0.82, 0.86, 0.90, 0.92], "safety")
SENSOR = SensorInput(window=60, channels=8, bits_per_sample=8 * 16, sample_rate=1 / 60)
EDGE = HARDWARE["edge_cpu"]
SERVERS = (EDGE, HARDWARE["edge_gpu"])
CLOUD = Cloud(HARDWARE["cloud_gpu"], backhaul_rate=1e9, rtt=0.04)
CAMERA = Hardware.from_power("camera", "asic", {"int8": 2e-4}, 8e8, 1.0, memory_bits=16 * MB)


def shifted(curve: AccuracyCurve, delta: float) -> AccuracyCurve:
    return AccuracyCurve(curve.frames, np.clip(curve.accuracy + delta, 0, 1), f"{curve.name}{delta:+g}")


def applications(traffic: Privacy | None = None, sensors: Privacy | None = None,
                 safety: Privacy | None = None) -> tuple[Application, Application, Application]:
    """The three applications of the city, with the privacy policies given."""
    return (
        Application("traffic", [ModelVariant("r3d_18", CURVE, bits=8),
                                ModelVariant("mobilenet_v2_tavg", shifted(CURVE, -0.03), name="mnv2/distilled")],
                    VideoInput(112, 112, frame_rate=25.0), alpha=0.85, deadline=1.5, privacy=traffic),
        Application("sensors", [ModelVariant("lstm_sensor", SENSOR_CURVE),
                                ModelVariant("gru_sensor", shifted(SENSOR_CURVE, -0.02), bits=8)],
                    SENSOR, alpha=0.85, privacy=sensors),
        Application("safety", [ModelVariant("resnet18_tavg", SAFETY_CURVE, bits=16)],
                    VideoInput(160, 160), alpha=0.88, deadline=0.5, privacy=safety),
    )


HARDWARE_CHOICES = ("cpu", "gpu", "npu", "fpga", "camera")


def city_devices(seed: int, n: int, privacy: bool = False) -> list[Device]:
    """n devices of random applications, hardware, requirements and rates (two servers), some with their own
    privacy policy."""
    rng = np.random.default_rng(seed)
    names = ("traffic", "sensors", "safety")
    devices = []
    for _ in range(n):
        app = names[int(rng.integers(3))]
        name = HARDWARE_CHOICES[int(rng.integers(len(HARDWARE_CHOICES)))]
        hw = CAMERA if name == "camera" else HARDWARE[name]
        alpha = None if rng.random() < 0.5 else float(rng.choice([0.8, 0.85, 0.9]))
        own = random_privacy(rng) if privacy and rng.random() < 0.5 else None
        devices.append(Device(hw, alpha, list(np.exp(rng.uniform(np.log(2e6), np.log(1e8), 2))),
                              float(rng.uniform(0.05, 0.5)), application=app, privacy=own))
    return devices


def cities(max_devices: int = 6) -> st.SearchStrategy[tuple[int, int]]:
    """``(seed, n)`` of :func:`city_devices` (drawn as numbers, so that a failing example prints short)."""
    return st.tuples(st.integers(0, 2**32 - 1), st.integers(1, max_devices))


def random_privacy(rng: np.random.Generator) -> Privacy:
    tiers = ("device", "edge", "cloud")
    servers = None if rng.random() < 0.6 else tuple(int(j) for j in np.flatnonzero(rng.random(2) < 0.5))
    return Privacy(raw=tiers[int(rng.integers(3))], features=tiers[int(rng.integers(3))], edge_servers=servers)


def city_pipeline(apps=None, **kw) -> Pipeline:  # type: ignore[no-untyped-def]
    return Pipeline(servers=SERVERS, cloud=CLOUD, applications=apps or applications(), **kw)


def brute_force(table) -> tuple[float, tuple[int, ...]]:  # type: ignore[no-untyped-def]
    """The cheapest choice by enumerating every one, pricing each with docs/model.md §4's total written out:
    sum of linear costs plus A_j U_j^2 + B_j V_j^2 per server."""
    best = (math.inf, ())
    ptr = table.option_ptr
    for choice in itertools.product(*(range(ptr[i + 1] - ptr[i]) for i in range(table.n_devices))):
        o = [int(ptr[i]) + c for i, c in enumerate(choice)]
        total = math.fsum(float(table.linear[k]) for k in o)
        for j in range(table.n_servers):
            u = math.fsum(float(table.c[k]) for k in o if table.server[k] == j)
            v = math.fsum(float(table.w[k]) for k in o if table.server[k] == j)
            total += float(table.A[j]) * u * u + float(table.B[j]) * v * v
        if total < best[0]:
            best = (total, choice)
    return best


# -- against the oracle and exhaustive enumeration ----------------------------------------------------------


@st.composite
def paper_cities(draw, max_devices: int = 8):
    """Mixed applications on the paper's model: one precision and one rho on every device and the server."""
    n = draw(st.integers(1, max_devices))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    rho = float(rng.uniform(0.06, 0.25))
    server = Hardware("edge", "server", {"fp32": rho}, float(rng.uniform(4e9, 60e9)), 1e-28)
    apps = (Application("traffic", [ModelVariant("r3d_18", CURVE)], VideoInput(112, 112), alpha=0.85),
            Application("sensors", [ModelVariant("lstm_sensor", SENSOR_CURVE)], SENSOR, alpha=0.85),
            Application("safety", [ModelVariant("resnet18_tavg", SAFETY_CURVE)], VideoInput(160, 160), alpha=0.88))
    devices = []
    for i in range(n):
        app = apps[int(rng.integers(3))]
        hw = Hardware(f"dev{i}", "cpu", {"fp32": rho}, float(rng.uniform(0.8e9, 3e9)),
                      float(np.exp(rng.uniform(np.log(3e-29), np.log(3e-28)))))
        alpha = float(rng.choice([0.8, 0.85, 0.9]))
        devices.append(app.device(hw, float(np.exp(rng.uniform(np.log(2e6), np.log(2e8)))),
                                  float(rng.uniform(0.05, 0.5)), alpha=alpha))
    weights = {"w_delay": float(rng.uniform(0.1, 1.0)), "w_energy": float(rng.choice([0.0, rng.uniform(0.05, 1.0)]))}
    return apps, server, devices, rho, weights


def paper_arrays(apps, devices, rho):  # type: ignore[no-untyped-def]
    """Per-device paper inputs written out from each device's own application: M* from its curve, C(M*) of
    its network, d of its input."""
    by_name = {a.name: a for a in apps}
    cols: dict[str, list[float]] = {k: [] for k in ("macs", "frames", "frame_bits", "rate", "tx_power",
                                                     "f_local_max", "kappa")}
    for d in devices:
        app = by_name[d.application]
        v = app.variants[0]
        m = int(v.accuracy.min_frames(d.alpha, app.input.max_units))
        cols["macs"].append(float(v.network.macs(m, *app.input.size)))
        cols["frames"].append(float(m))
        cols["frame_bits"].append(app.input.unit_bits)
        cols["rate"].append(d.rate)
        cols["tx_power"].append(d.tx_power)
        cols["f_local_max"].append(d.hardware.f_max)
        cols["kappa"].append(d.hardware.kappa)
    return cols


@settings(max_examples=25)
@given(paper_cities())
def test_mixed_city_on_the_paper_model_against_the_oracle(instance) -> None:
    apps, server, devices, rho, weights = instance
    pipe = Pipeline(servers=[server], applications=apps, placements=("local", "edge"), **weights)
    cols = paper_arrays(apps, devices, rho)
    # the table is the paper's table of the same per-device inputs
    ours = pipe.options(devices).table
    ref = paper_table(cols["macs"], cols["frames"], cols["frame_bits"], cols["rate"], cols["tx_power"],
                      cols["f_local_max"], kappa=cols["kappa"], rho=rho, f_edge_max=server.f_max, **weights)
    for name in ("option_ptr", "server"):
        np.testing.assert_array_equal(getattr(ours, name), getattr(ref, name))
    for name in ("linear", "c", "w", "A", "B"):
        np.testing.assert_allclose(getattr(ours, name), getattr(ref, name), rtol=1e-12, atol=0, err_msg=name)
    # the optimum is the oracle's exhaustive one, and so are each device's delay and energy
    oracle = reference.solve_offloading(cols["macs"], cols["frames"], cols["frame_bits"], cols["rate"],
                                        cols["tx_power"], cols["f_local_max"], kappa=cols["kappa"], rho=rho,
                                        f_edge_max=server.f_max, method="exhaustive", **weights)
    r = pipe.solve(devices)
    assert r.optimal
    assert r.cost == pytest.approx(oracle.cost, rel=1e-9)
    got = reference.evaluate([x.placement == "edge" for x in r.devices], cols["macs"], cols["frames"],
                             cols["frame_bits"], cols["rate"], cols["tx_power"], cols["f_local_max"],
                             kappa=cols["kappa"], rho=rho, f_edge_max=server.f_max, **weights)
    for x, delay, energy in zip(r.devices, got.delay, got.energy):
        assert x.delay == pytest.approx(delay, rel=1e-9) and x.energy == pytest.approx(energy, rel=1e-9)
    assert [x.application for x in r.devices] == [d.application for d in devices]


@settings(max_examples=20)
@given(cities(max_devices=3))
def test_full_city_against_exhaustive_enumeration(city: tuple[int, int]) -> None:
    devices = city_devices(*city)
    pipe = city_pipeline()
    t = pipe.options(devices, infeasible="drop")
    if t.table.n_options.prod() > 50_000:
        t = city_pipeline(placements=("local", "edge", "cloud")).options(devices, infeasible="drop")
    best, _ = brute_force(t.table)
    for method in ("auto", "exhaustive"):
        r = t.decode(solve_options(t.table, method))
        assert r.optimal and r.cost == pytest.approx(best, rel=1e-9)
        assert math.fsum(x.cost for x in r.devices if x.feasible) == pytest.approx(best, rel=1e-9)


@settings(max_examples=20)
@given(cities(max_devices=8))
def test_each_menu_is_its_device_alone(city: tuple[int, int]) -> None:
    """The city's table is the devices' own tables laid end to end: the menus built once per group of alike
    devices carry each device's rates and power."""
    devices = city_devices(*city)
    pipe = city_pipeline()
    t = pipe.options(devices, infeasible="drop")
    alone = [Pipeline(servers=SERVERS, cloud=CLOUD, applications=applications()).options([d], infeasible="drop")
             if t.n_input and n in t.kept else None for n, d in enumerate(devices)]
    ptr = t.table.option_ptr
    for i, n in enumerate(t.kept):
        own = alone[n]
        assert own is not None
        lo, hi = ptr[i], ptr[i + 1]
        for name in ("linear", "c", "w", "server"):
            np.testing.assert_array_equal(getattr(t.table, name)[lo:hi], getattr(own.table, name), err_msg=name)
        assert t.variant[lo:hi] == own.variant and t.split[lo:hi] == own.split and t.upload[lo:hi] == own.upload
        for name, col in t.physics.items():
            np.testing.assert_array_equal(col[lo:hi], own.physics[name], err_msg=name)
        assert t.excluded[n] == own.excluded[0]


def test_each_device_is_offered_its_own_applications_variants() -> None:
    apps = applications()
    devices = [apps[k].device(HARDWARE["gpu"], [2e7, 3e7], 0.2) for k in (0, 1, 2, 1, 0)]
    t = city_pipeline(apps).options(devices)
    ptr = t.table.option_ptr
    for i, d in enumerate(devices):
        own = {v.name for v in apps[[a.name for a in apps].index(d.application)].variants}
        assert set(t.variant[ptr[i]:ptr[i + 1]]) == own
    # a sensor device uploads its window of samples: M* samples of 128 bit
    m = SENSOR_CURVE.min_frames(0.85)
    k = next(o for o in range(ptr[1], ptr[2]) if t.placement[o] == "edge" and t.variant[o] == "lstm_sensor")
    assert t.physics["up_bits"][k] == m * 128 and t.frames[k] == m == 30
    assert t.physics["edge_cycles"][k] == pytest.approx(EDGE.rho("fp32") * lstm_sensor().macs(30), rel=1e-15)
    # a safety camera's frames are 160 x 160 RGB
    k = next(o for o in range(ptr[2], ptr[3]) if t.placement[o] == "edge" and t.server[o] == 0)
    assert t.physics["up_bits"][k] == SAFETY_CURVE.min_frames(0.88) * 160 * 160 * 24
    assert t.physics["edge_cycles"][k] == pytest.approx(
        EDGE.rho("fp16") * resnet18_tavg().macs(4, 160, 160), rel=1e-15)


def test_results_per_application() -> None:
    apps = applications()
    rng = np.random.default_rng(3)
    devices = [apps[k % 3].device(HARDWARE[("cpu", "gpu", "npu")[k % 3 - 1]], list(rng.uniform(5e6, 5e7, 2)), 0.2)
               for k in range(12)]
    devices.append(apps[0].device(HARDWARE["cpu"], [1e7, 1e7], 0.2, alpha=0.99))  # unreachable: dropped
    r = city_pipeline(apps).solve(devices, infeasible="drop")
    summary = r.by_application()
    assert list(summary) == ["traffic", "sensors", "safety"]
    assert math.fsum(a.cost for a in summary.values()) == pytest.approx(r.cost, rel=1e-12)
    for name, a in summary.items():
        rows = [x for x in r.devices if x.application == name]
        ok = [x for x in rows if x.feasible]
        assert (a.devices, a.feasible) == (len(rows), len(ok))
        assert a.cost == pytest.approx(sum(x.cost for x in ok), rel=1e-12)
        assert a.delay == pytest.approx(sum(x.delay for x in ok), rel=1e-12)
        assert a.energy == pytest.approx(sum(x.energy for x in ok), rel=1e-12)
        assert a.max_delay == max(x.delay for x in ok) and a.mean_delay == pytest.approx(a.delay / len(ok))
        assert list(a.placements) == list(PLACEMENTS) and sum(a.placements.values()) == len(ok)
        assert all(a.placements[p] == sum(x.placement == p for x in ok) for p in PLACEMENTS)
        deadline = {"traffic": 1.5, "sensors": None, "safety": 0.5}[name]
        assert all(x.deadline == deadline for x in rows)
        assert a.late == sum(deadline is not None and x.delay > deadline for x in ok)
    assert summary["traffic"].devices == 5 and summary["traffic"].feasible == 4
    text = r.explain(12)  # the dropped device: no variant reaches 0.99
    assert text.startswith("device 12 (traffic): infeasible")
    assert "not offered (accuracy: alpha = 0.99 is unreachable with curve 'illustrative-exp'" in text
    assert text.endswith("): mnv2/distilled") and "): r3d_18/int8\n" in text
    text = r.applications_table()
    assert "traffic" in text and "4/5" in text and "sensors" in text
    assert "safety" in r.table() and "infeasible" in r.table()


def test_overrides_and_defaults() -> None:
    apps = applications()
    pipe = city_pipeline(apps, placements=("local", "edge"))
    base = apps[1].device(HARDWARE["cpu"], [1e7, 1e7], 0.2)
    strict = apps[1].device(HARDWARE["cpu"], [1e7, 1e7], 0.2, alpha=0.9, deadline=10.0, frame_bits=64.0)
    short = apps[1].device(HARDWARE["cpu"], [1e7, 1e7], 0.2, max_frames=30, alpha=0.8)
    t = pipe.options([base, strict, short])
    ptr = t.table.option_ptr
    lstm = [next(o for o in range(ptr[i], ptr[i + 1]) if t.variant[o] == "lstm_sensor" and t.placement[o] == "edge")
            for i in range(3)]
    assert [int(t.frames[k]) for k in lstm] == [30, 45, 15]
    assert t.physics["up_bits"][lstm[1]] == 45 * 64.0  # its own bits per sample
    assert t.deadline == (None, 10.0, None)
    # the window caps the samples: 0.92 needs 60, within the window; nothing reaches 0.95
    with pytest.raises(ValueError, match=r"device 0 \(alpha 0\.95\) has no feasible option: lstm_sensor: "
                                         r".*best accuracy with at most 60 frames is 0\.92"):
        pipe.options([apps[1].device(HARDWARE["cpu"], [1e7, 1e7], 0.2, alpha=0.95)])
    # no default requirement: each device must give one
    bare = Application("bare", [ModelVariant("r3d_18", CURVE)])
    with pytest.raises(ValueError, match=r"devices\[0\]\.alpha is None; application 'bare' has no default"):
        Pipeline(servers=[EDGE], applications=[bare]).options([bare.device(HARDWARE["cpu"], 1e7, 0.2)])


def test_one_application_form_is_an_application() -> None:
    variants = [ModelVariant("r3d_18", CURVE), ModelVariant("r3d_18", CURVE, bits=8)]
    devices = [Device(HARDWARE["cpu"], 0.9, r, 0.2) for r in (5e6, 2e7, 5e7)]
    one = Pipeline(variants, [EDGE], cloud=CLOUD, height=96, width=128).options(devices)
    app = Application("video", variants, VideoInput(96, 128))
    named = Pipeline(servers=[EDGE], cloud=CLOUD, applications=[app]).options(devices)
    for name in ("option_ptr", "linear", "c", "w", "server"):
        np.testing.assert_array_equal(getattr(one.table, name), getattr(named.table, name))
    assert one.applications == ("default",) and named.applications == ("video",)
    assert Pipeline(variants, [EDGE]).solve(devices).devices[0].application == "default"


def test_inputs() -> None:
    video = VideoInput()
    assert video.unit_bits == 301_056 and video.size == (112, 112) and video.max_units is None
    assert video.duration(9) == pytest.approx(0.3)
    s = SensorInput(window=30, channels=4)
    assert s.unit_bits == 64 and s.size == (1, 1) and s.max_units == 30 and s.rate == pytest.approx(1 / 60)
    assert s.duration(30) == pytest.approx(1800.0)
    assert gru_sensor(channels=4).in_channels == 4


@pytest.mark.parametrize(("build", "pattern"), [
    (lambda: VideoInput(0, 112), r"input\.height is 0"),
    (lambda: VideoInput(frame_rate=-1.0), r"input\.frame_rate is -1\.0"),
    (lambda: SensorInput(window=0), r"input\.window is 0"),
    (lambda: SensorInput(bits_per_sample=math.nan), r"input\.bits_per_sample is nan; .* must be finite"),
    (lambda: SensorInput(sample_rate=0.0), r"input\.sample_rate is 0\.0"),
    (lambda: Application("", [ModelVariant("r3d_18", CURVE)]), r"application name is ''"),
    (lambda: Application("a", []), r"application 'a': variants is empty"),
    (lambda: Application("a", ModelVariant("r3d_18", CURVE)), r"application 'a': variants must be a sequence"),
    (lambda: Application("a", ["r3d_18"]), r"application 'a': variants\[0\] is a str"),
    (lambda: Application("a", [ModelVariant("r3d_18")]), r"variants\[0\] \(r3d_18\) has no accuracy curve"),
    (lambda: Application("a", [ModelVariant("r3d_18", CURVE)] * 2), r"variants\[1\] is named 'r3d_18' like"),
    (lambda: Application("a", [ModelVariant("lstm_sensor", SENSOR_CURVE)]),
     r"variants\[0\] \(lstm_sensor\) reads series; the application's input is video"),
    (lambda: Application("a", [ModelVariant("r3d_18", CURVE)], SENSOR), r"reads video; .* input is series"),
    (lambda: Application("a", [ModelVariant("lstm_sensor", SENSOR_CURVE)], SensorInput(channels=3)),
     r"variants\[0\] \(lstm_sensor\) reads 8 channels; the application's input has 3"),
    (lambda: Application("a", [ModelVariant("r3d_18", CURVE)], "video"), r"input is a str"),  # type: ignore[arg-type]
    (lambda: Application("a", [ModelVariant("r3d_18", CURVE)], alpha=1.2), r"application 'a': alpha is 1\.2"),
    (lambda: Application("a", [ModelVariant("r3d_18", CURVE)], alpha=math.nan), r"'a': alpha is nan"),
    (lambda: Application("a", [ModelVariant("r3d_18", CURVE)], deadline=0.0), r"'a': deadline is 0\.0"),
    (lambda: Application("a", [ModelVariant("r3d_18", CURVE)], privacy="edge"),  # type: ignore[arg-type]
     r"'a': privacy is a str"),
])
def test_bad_applications_are_clear_errors(build, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        build()


@pytest.mark.parametrize(("kw", "pattern"), [
    ({"variants": [ModelVariant("r3d_18", CURVE)]}, r"give variants \(one application\) or applications"),
    ({"height": 96}, r"height and width belong to variants="),
    ({"applications": [applications()[0], applications()[0]]}, r"applications\[1\] is named 'traffic' like"),
    ({"applications": ["traffic"]}, r"applications\[0\] is a str"),
    ({"applications": [Application("a", [ModelVariant("r3d_18", CURVE)], privacy=Privacy(edge_servers=(2,)))]},
     r"applications\[0\] \(a\)\.privacy\.edge_servers has 2; the servers are 0\.\.1"),
    ({"cloud": "aws"}, r"cloud is a str"),
])
def test_bad_city_pipelines_are_clear_errors(kw: dict, pattern: str) -> None:
    args = {"servers": SERVERS, "applications": applications()} | kw
    with pytest.raises(ValueError, match=pattern):
        Pipeline(**args)


@pytest.mark.parametrize(("device", "pattern"), [
    (Device(HARDWARE["cpu"], None, [1e7, 1e7], 0.2, application="parking"),
     r"devices\[1\]\.application is 'parking'; name one of the applications: traffic, sensors, safety"),
    (Device(HARDWARE["cpu"], None, [1e7, 1e7], 0.2), r"devices\[1\]\.application is ''"),
    (Device(HARDWARE["cpu"], math.nan, [1e7, 1e7], 0.2, application="traffic"), r"devices\[1\]\.alpha is nan"),
    (Device(HARDWARE["cpu"], None, [1e7, 1e7], 0.2, application="traffic", deadline=-1.0),
     r"devices\[1\]\.deadline is -1\.0"),
    (Device(HARDWARE["cpu"], None, [1e7, math.inf], 0.2, application="traffic"), r"devices\[1\]\.rate\[1\] is inf"),
    (Device(HARDWARE["cpu"], None, [1e7, 1e7], 0.2, application="traffic", privacy=Privacy(edge_servers=[5])),
     r"devices\[1\]\.privacy\.edge_servers has 5"),
    (Device(HARDWARE["cpu"], None, [1e7, 1e7], 0.2, application="traffic", privacy="none"),  # type: ignore[arg-type]
     r"devices\[1\]\.privacy is a str"),
])
def test_bad_city_devices_name_the_index(device: Device, pattern: str) -> None:
    good = applications()[0].device(HARDWARE["cpu"], [1e7, 1e7], 0.2)
    with pytest.raises(ValueError, match=pattern):
        city_pipeline().options([good, device])


def test_the_example_runs(capsys) -> None:  # type: ignore[no-untyped-def]
    path = Path(__file__).resolve().parents[1] / "examples" / "applications.py"
    runpy.run_path(str(path), run_name="__main__")
    out = capsys.readouterr().out
    for text in ("traffic", "sensors", "safety", "not offered (privacy: raw data may not leave the device",
                 "samples, local", "total cost"):
        assert text in out
