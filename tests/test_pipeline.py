"""The pipeline as scheduler input: the paper's table as a special case, decoding, strict improvements from
variants, split points and the cloud, infeasible devices, and input checks."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgesched import paper_table, solve_options
from edgesched.physics.accuracy import AccuracyCurve, default_curve
from edgesched.physics.hardware import HARDWARE, MB, Hardware
from edgesched.physics.macs import r3d18
from edgesched.physics.variants import ModelVariant, example_variants
from edgesched.pipeline import Cloud, Device, Pipeline

CURVE = default_curve()
ORIGINAL = ModelVariant("r3d_18", CURVE)
EDGE = HARDWARE["edge_cpu"]
CLOUD = Cloud(HARDWARE["cloud_gpu"], backhaul_rate=1e9, rtt=0.04)


@st.composite
def paper_instances(draw, max_devices: int = 8):
    """Devices of the paper's model (one precision, one rho everywhere) and the matching paper_table args."""
    n = draw(st.integers(1, max_devices))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    rho = float(rng.uniform(0.06, 0.25))
    kw = {
        "alpha": rng.uniform(0.4, 0.94, n), "rate": np.exp(rng.uniform(np.log(2e6), np.log(2e8), n)),
        "tx_power": rng.uniform(0.05, 0.5, n), "f_local_max": rng.uniform(0.8e9, 3e9, n),
        "kappa": np.exp(rng.uniform(np.log(3e-29), np.log(3e-28), n)), "frame_bits": rng.uniform(2e5, 1e6, n),
    }
    system = {"rho": rho, "f_edge_max": float(rng.uniform(4e9, 60e9)), "w_delay": float(rng.uniform(0.1, 1.0)),
              "w_energy": float(rng.choice([0.0, rng.uniform(0.05, 1.0)]))}
    devices = [Device(Hardware(f"dev{i}", "cpu", {"fp32": rho}, kw["f_local_max"][i], kw["kappa"][i]),
                      kw["alpha"][i], kw["rate"][i], kw["tx_power"][i], kw["frame_bits"][i]) for i in range(n)]
    server = Hardware("edge", "server", {"fp32": rho}, system["f_edge_max"], 1e-28)
    return devices, server, kw, system


def paper_of(kw, system):
    frames = np.array([CURVE.min_frames(a) for a in kw["alpha"]], dtype=float)
    macs = np.array([float(r3d18(int(m))) for m in frames])
    return paper_table(macs, frames, kw["frame_bits"], kw["rate"], kw["tx_power"], kw["f_local_max"],
                       kappa=kw["kappa"], rho=system["rho"], f_edge_max=system["f_edge_max"],
                       w_delay=system["w_delay"], w_energy=system["w_energy"])


@given(paper_instances())
def test_original_model_local_edge_is_the_paper_table(instance) -> None:
    devices, server, kw, system = instance
    ours = Pipeline([ORIGINAL], [server], placements=("local", "edge"), w_delay=system["w_delay"],
                    w_energy=system["w_energy"]).options(devices).table
    ref = paper_of(kw, system)
    np.testing.assert_array_equal(ours.option_ptr, ref.option_ptr)
    np.testing.assert_array_equal(ours.server, ref.server)
    for name in ("linear", "c", "w", "A", "B"):
        np.testing.assert_allclose(getattr(ours, name), getattr(ref, name), rtol=1e-12, atol=0, err_msg=name)


@settings(max_examples=12)
@given(paper_instances(max_devices=3))
def test_more_options_never_cost_more(instance) -> None:
    devices, server, kw, system = instance
    paper = solve_options(paper_of(kw, system), "exhaustive").cost
    variants = [ORIGINAL, *example_variants()[1:3], ModelVariant("mobilenet_v2_tavg", CURVE)]
    cloud = Cloud(Hardware("cloud", "server", {"fp32": system["rho"]}, 5e9, 1e-28), 1e9, 0.03)
    pipe = Pipeline(variants, [server], cloud=cloud, w_delay=system["w_delay"], w_energy=system["w_energy"])
    r = pipe.solve(devices)
    assert r.optimal
    assert r.cost <= paper * (1 + 1e-9)
    assert r.lower_bound <= r.cost * (1 + 1e-12)


def city(n: int = 8, hardware: Hardware = HARDWARE["cpu"]) -> list[Device]:
    """The paper's set-up in miniature: alpha 0.9, uplinks from 5 to 50 Mbit/s, 0.2 W radios."""
    return [Device(hardware, 0.9, r, 0.2) for r in np.geomspace(5e6, 5e7, n)]


def base_cost(devices: list[Device]) -> float:
    """The paper's two-option model on the same devices, solved exactly, through paper_table."""
    m = CURVE.min_frames(0.9)
    cpu = devices[0].hardware
    table = paper_table(float(r3d18(m)), m, 24 * 112 * 112, [d.rate for d in devices], 0.2, cpu.f_max,
                        kappa=cpu.kappa, rho=cpu.rho("fp32"), f_edge_max=EDGE.f_max)
    return solve_options(table, "exhaustive").cost


def test_variants_and_cloud_strictly_beat_the_paper_model() -> None:
    devices = city()
    paper = base_cost(devices)
    same = Pipeline([ORIGINAL], [EDGE], placements=("local", "edge")).solve(devices)
    assert same.cost == pytest.approx(paper, rel=1e-12)
    assert {r.placement for r in same.devices} == {"local", "edge"}

    # variants: a distilled per-frame student (more frames for the same accuracy) runs on the devices
    variants = Pipeline(example_variants(), [EDGE], placements=("local", "edge")).solve(devices)
    assert variants.optimal and variants.cost < 0.5 * paper
    chosen = {r.variant for r in variants.devices}
    assert "mobilenet_v2_tavg/distilled" in chosen and "r3d_18" not in chosen
    student = next(r for r in variants.devices if r.variant == "mobilenet_v2_tavg/distilled")
    assert student.frames > CURVE.min_frames(0.9)

    # cloud: the same model, offloaded through the base station to an ample cloud
    cloud = Pipeline([ORIGINAL], [EDGE], cloud=CLOUD, placements=("local", "edge", "cloud")).solve(devices)
    assert cloud.optimal and cloud.cost < 0.9 * paper
    assert "cloud" in {r.placement for r in cloud.devices}
    assert all(r.variant == "r3d_18" for r in cloud.devices)


def test_split_points_serve_a_memory_limited_camera() -> None:
    # an int8 smart camera whose 16 MB hold the first three stages of r3d_18 but not the whole model
    camera = Hardware.from_power("camera", "asic", {"int8": 2e-4}, 8e8, 1.0, memory_bits=16 * MB)
    devices = city(hardware=camera)
    int8 = ModelVariant("r3d_18", CURVE, bits=8)
    two = Pipeline([int8], [EDGE], placements=("local", "edge")).solve(devices)
    assert {r.placement for r in two.devices} == {"edge"}  # it cannot run locally
    split = Pipeline([int8], [EDGE], placements=("local", "edge", "split")).solve(devices)
    assert split.optimal and split.cost < 0.5 * two.cost
    assert {(r.placement, r.split) for r in split.devices} == {("split", "layer3.1.add")}


def test_split_upload_is_the_cut_tensor() -> None:
    int8 = ModelVariant("r3d_18", CURVE, bits=8)
    pipe = Pipeline([int8], [EDGE], placements=("split",), splits=["layer4.1.add", "layer2.0.conv1.1"])
    t = pipe.options([Device(HARDWARE["npu"], 0.9, 2e7, 0.1)])
    m = CURVE.min_frames(0.9)
    def half(x: int) -> int:
        return -(-x // 2)

    t4 = half(half(half(m)))  # three stride-2 stages
    i = t.split.index("layer4.1.add")
    assert t.physics["up_bits"][i] == 512 * t4 * 7 * 7 * 8
    a = int8.analyze(m)
    k = [s.name for s in a.layers].index("layer4.1.add") + 1
    assert t.physics["local_cycles"][i] == pytest.approx(5e-4 * a.totals(0, k)[0], rel=1e-15)
    assert t.physics["edge_cycles"][i] == pytest.approx(0.03 * a.totals(k, len(a.layers))[0], rel=1e-15)
    # inside a block the main path and the shortcut input both cross the cut
    j = t.split.index("layer2.0.conv1.1")
    assert t.physics["up_bits"][j] == (128 * half(m) * 28 * 28 + 64 * m * 56 * 56) * 8


def test_decoding_reproduces_theorem_2_and_the_cost() -> None:
    servers = [EDGE, Hardware.from_power("edge2", "server", {"fp32": 1e-3, "int8": 3e-4}, 1.2e9, 200.0)]
    rng = np.random.default_rng(5)
    devices = [Device(HARDWARE[h], a, list(rng.uniform(5e6, 4e7, 2)), 0.3)
               for h, a in zip(["cpu", "gpu", "npu", "fpga", "cpu", "gpu"], [0.7, 0.8, 0.85, 0.9, 0.9, 0.6])]
    pipe = Pipeline(example_variants()[:4], servers, cloud=CLOUD, w_delay=0.7, w_energy=0.3)
    t = pipe.options(devices)
    sched = solve_options(t.table, "descent")
    r = t.decode(sched)
    rows = r.devices
    assert sum(x.cost for x in rows) == pytest.approx(sched.cost, rel=1e-12)
    assert sum(x.cost for x in rows) == pytest.approx(t.table.cost(sched.choice), rel=1e-12)
    o = t.table.option_ptr[:-1] + sched.choice
    for j, srv in enumerate(servers):
        cpu = [x for x, k in zip(rows, o) if x.server == j and t.physics["edge_cycles"][k] > 0]
        air = [x for x, k in zip(rows, o) if x.server == j and t.physics["up_bits"][k] > 0]
        if cpu:
            assert sum(x.f_edge for x in cpu) == pytest.approx(srv.f_max, rel=1e-12)
        if air:
            assert sum(x.time_share for x in air) == pytest.approx(1.0, rel=1e-12)
    for x, k in zip(rows, o):  # delay and energy from the physics, eqs. (1)-(5) plus fixed delays
        p = {name: col[k] for name, col in t.physics.items()}
        delay = p["fixed_delay"]
        if p["local_cycles"]:
            delay += p["local_cycles"] / x.f_local
        if p["edge_cycles"]:
            delay += p["edge_cycles"] / x.f_edge
        if p["up_bits"]:
            delay += p["up_bits"] / (p["rate"] * x.time_share)
        assert x.delay == pytest.approx(delay, rel=1e-12)
        energy = p["kappa"] * p["local_cycles"] * x.f_local**2 + p["tx_power"] * p["up_bits"] / p["rate"]
        assert x.energy == pytest.approx(energy, rel=1e-12)
    assert "total cost" in r.table()


def test_cloud_option_physics() -> None:
    pipe = Pipeline([ORIGINAL], [EDGE], cloud=CLOUD, placements=("cloud",))
    t = pipe.options([Device(HARDWARE["cpu"], 0.9, 1e7, 0.25)])
    m = CURVE.min_frames(0.9)
    up = m * 24 * 112 * 112
    assert t.placement == ("cloud",) and t.server[0] == 0
    assert t.physics["up_bits"][0] == up and t.physics["edge_cycles"][0] == 0 == t.table.c[0]
    compute = HARDWARE["cloud_gpu"].rho("fp32") * r3d18(m) / HARDWARE["cloud_gpu"].f_max
    assert t.physics["fixed_delay"][0] == pytest.approx(up / 1e9 + 0.04 + compute, rel=1e-15)
    assert t.table.w[0] == pytest.approx(math.sqrt(up / 1e7), rel=1e-15)


def test_minimal_frames_are_optimal() -> None:
    devices = city(4)
    few = Pipeline(example_variants()[:3], [EDGE], placements=("local", "edge"))
    many = Pipeline(example_variants()[:3], [EDGE], placements=("local", "edge"), frames="all")
    assert many.options(devices).table.n_options.sum() > few.options(devices).table.n_options.sum()
    a, b = few.solve(devices), many.solve(devices)
    assert a.optimal and b.optimal and b.cost == pytest.approx(a.cost, rel=1e-12)
    assert [r.frames for r in a.devices] == [r.frames for r in b.devices]


def test_memory_and_precision_filter_options() -> None:
    fp32, int8 = ORIGINAL, ModelVariant("r3d_18", CURVE, bits=8)
    asic = HARDWARE["asic"]  # int8 only
    t = Pipeline([fp32, int8], [EDGE], placements=("local", "edge")).options([Device(asic, 0.9, 1e7, 0.2)])
    assert ("r3d_18", "local") not in set(zip(t.variant, t.placement))
    assert ("r3d_18/int8", "local") in set(zip(t.variant, t.placement))
    tiny = Hardware("tiny", "server", {"fp32": 0.1}, 1e9, 1e-28, memory_bits=1 * MB)
    with pytest.raises(ValueError, match=r"device 0 .* r3d_18: fits no placement \(precision fp32 or memory\)"):
        Pipeline([fp32], [tiny], placements=("edge",)).options([Device(asic, 0.9, 1e7, 0.2)])


def test_unreachable_accuracy() -> None:
    devices = [Device(HARDWARE["cpu"], 0.9, 1e7, 0.2), Device(HARDWARE["cpu"], 0.99, 1e7, 0.2)]
    pipe = Pipeline(example_variants(), [EDGE])
    with pytest.raises(ValueError, match=r"device 1 \(alpha 0\.99\) has no feasible option: r3d_18: .*unreachable"):
        pipe.options(devices)
    r = pipe.solve(devices, infeasible="drop")
    assert r.devices[0].feasible and not r.devices[1].feasible
    assert math.isnan(r.devices[1].cost) and r.cost == pytest.approx(r.devices[0].cost, rel=1e-12)
    assert "infeasible" in r.table()
    with pytest.raises(ValueError, match=r"every device \(0\) is infeasible"):
        pipe.options(devices[1:], infeasible="drop")
    limited = AccuracyCurve([1, 4, 8], [0.5, 0.8, 0.95], "limited")
    short = Device(HARDWARE["cpu"], 0.9, 1e7, 0.2, max_frames=6)
    with pytest.raises(ValueError, match=r"device 0 .*best accuracy with at most 6 frames is 0\.8"):
        Pipeline([ModelVariant("r3d_18", limited)], [EDGE]).options([short])


@pytest.mark.parametrize(("kw", "pattern"), [
    ({"placements": ("local", "fog")}, r"placements has 'fog'"),
    ({"splits": ["nope"]}, r"splits has 'nope', a layer of none of the variants"),
    ({"splits": "some"}, r"splits is 'some'"),
    ({"frames": "max"}, r"frames is 'max'"),
    ({"w_delay": 0.0}, r"w_delay is 0\.0"),
    ({"w_energy": -1.0}, r"w_energy is -1\.0"),
    ({"variants": []}, r"variants is empty"),
    ({"variants": [ModelVariant("r3d_18")]}, r"variants\[0\] \(r3d_18\) has no accuracy curve"),
    ({"servers": ["edge"]}, r"servers\[0\] is a str"),
    ({"servers": []}, r"servers is empty"),
    ({"cloud": None, "devices": 1}, None),
])
def test_bad_pipelines_are_clear_errors(kw: dict, pattern: str | None) -> None:
    args = {"variants": [ORIGINAL], "servers": [EDGE]} | kw
    if pattern is None:  # placements without a cloud simply offer no cloud option
        args.pop("devices")
        t = Pipeline(**args).options(city(1))
        assert "cloud" not in t.placement and "local" in t.placement
        return
    with pytest.raises(ValueError, match=pattern):
        Pipeline(**args)


@pytest.mark.parametrize(("device", "pattern"), [
    (Device(HARDWARE["cpu"], 1.5, 1e7, 0.2), r"devices\[1\]\.alpha is 1\.5"),
    (Device(HARDWARE["cpu"], 0.9, [1e7, 2e7], 0.2), r"devices\[1\]\.rate has 2 entries; give one per server"),
    (Device(HARDWARE["cpu"], 0.9, -1.0, 0.2), r"devices\[1\]\.rate\[0\] is -1\.0"),
    (Device(HARDWARE["cpu"], 0.9, 1e7, -0.2), r"devices\[1\]\.tx_power is -0\.2"),
    (Device(HARDWARE["cpu"], 0.9, 1e7, 0.2, frame_bits=0.0), r"devices\[1\]\.frame_bits is 0\.0"),
    (Device(HARDWARE["cpu"], 0.9, 1e7, 0.2, max_frames=0), r"devices\[1\]\.max_frames is 0"),
    (Device("cpu", 0.9, 1e7, 0.2), r"devices\[1\]\.hardware is a str"),  # type: ignore[arg-type]
    ("cpu", r"devices\[1\] is a str"),
])
def test_bad_devices_name_the_index(device, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        Pipeline([ORIGINAL], [EDGE]).options([city(1)[0], device])
    with pytest.raises(ValueError, match=r"infeasible is 'skip'"):
        Pipeline([ORIGINAL], [EDGE]).options(city(1), infeasible="skip")
