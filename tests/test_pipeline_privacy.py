"""Privacy: no result sends data where a rule forbids it, whatever the method, the policies and the devices,
checked by an oracle written here from the rules (what each placement uploads, and where); no option the rules
allow is withheld; a split upload carries features; results say what was excluded and why."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgesched import solve_options
from edgesched.model.table import OptionTable
from edgesched.physics.accuracy import AccuracyCurve
from edgesched.physics.arch import Add, Architecture, BatchNorm, GlobalPool, Linear, Pool, conv2d
from edgesched.physics.hardware import HARDWARE
from edgesched.physics.variants import ModelVariant
from edgesched.pipeline import Application, Device, Pipeline, Privacy, VideoInput

from .test_pipeline_apps import (
    CAMERA,
    CLOUD,
    SERVERS,
    applications,
    brute_force,
    cities,
    city_devices,
    city_pipeline,
    random_privacy,
)

ORDER = {"device": 0, "edge": 1, "cloud": 2}
WHERE = {"local": "device", "edge": "edge", "split": "edge", "cloud": "cloud", "split-cloud": "cloud"}
METHODS = ("auto", "descent", "warm", "bnb", "local", "random")  # every method of option tables


def cut_is_raw(net: Architecture, split: str) -> bool:
    """Whether raw input crosses the cut after layer ``split``: some tensor made before the cut and read after
    it is the input, or was made from raw input by pooling, batch norm or a sum only."""
    layers = list(net.layers)
    k = [layer.name for layer in layers].index(split) + 1
    raw, made, prev = {"input": True}, {"input": 0}, "input"
    readers: dict[str, list[int]] = {}
    for i, layer in enumerate(layers, 1):
        srcs = layer.inputs or (prev,)
        for s in srcs:
            readers.setdefault(s, []).append(i)
        raw[layer.name] = isinstance(layer, (Pool, GlobalPool, BatchNorm, Add)) and any(raw[s] for s in srcs)
        made[layer.name], prev = i, layer.name
    return any(raw[t] for t, i in made.items() if i <= k and any(r > k for r in readers.get(t, [])))


def sent(result, apps) -> str:  # type: ignore[no-untyped-def]
    """What a device's decision uploads: nothing, its raw input, or features."""
    if result.placement == "local":
        return ""
    if result.placement in ("edge", "cloud"):
        return "raw"
    app = next(a for a in apps if a.name == result.application)
    net = next(v.network for v in app.variants if v.name == result.variant)
    return "raw" if cut_is_raw(net, result.split) else "features"


def allowed(policy: Privacy | None, data: str, placement: str, server: int) -> bool:
    """The rules: data reaches no tier beyond its limit, and only trusted edge servers process it."""
    if policy is None or not data:
        return True
    tier = WHERE[placement]
    if ORDER[tier] > ORDER[getattr(policy, data)]:
        return False
    return not (tier == "edge" and policy.edge_servers is not None and server not in policy.edge_servers)


def private_city(seed: int, n: int) -> tuple[tuple[Application, ...], list[Device]]:
    """Random policies for the applications (some none) and for some of n devices."""
    rng = np.random.default_rng(seed)
    policies = [random_privacy(rng) if rng.random() < 0.8 else None for _ in range(3)]
    return applications(*policies), city_devices(seed + 1, n, privacy=True)


@settings(max_examples=40)
@given(cities(), st.sampled_from(METHODS), st.integers(0, 2**32 - 1))
def test_no_result_breaks_a_rule(city: tuple[int, int], method: str, seed: int) -> None:
    apps, devices = private_city(*city)
    pipe = city_pipeline(apps)
    try:
        try:
            r = pipe.solve(devices, method, infeasible="drop", **({"seed": seed} if method == "random" else {}))
        except ValueError as exc:  # a fixed policy may miss a deadline (docs/model.md §8): check auto's instead
            if not (method in ("local", "edge") and "cannot meet" in str(exc)):
                raise
            r = pipe.solve(devices, "auto", infeasible="drop")
    except ValueError as exc:  # the rules leave no device an option: nothing is sent anywhere
        assert "is infeasible" in str(exc)
        for d in devices:
            with pytest.raises(ValueError, match="has no feasible option"):
                pipe.options([d])
        return
    policy = {a.name: a.privacy for a in apps}
    for d, x in zip(devices, r.devices):
        if not x.feasible:
            continue
        data = sent(x, apps)
        assert x.upload == data
        for p in (policy[d.application], d.privacy):
            assert allowed(p, data, x.placement, x.server), (x, p)


def option_keys(t, i: int) -> set[tuple]:  # type: ignore[no-untyped-def]
    lo, hi = t.table.option_ptr[i], t.table.option_ptr[i + 1]
    return {(t.variant[o], int(t.frames[o]), t.placement[o], int(t.server[o]), t.split[o]) for o in range(lo, hi)}


@settings(max_examples=25)
@given(cities(max_devices=3))
def test_rules_withhold_exactly_the_forbidden_options(city: tuple[int, int]) -> None:
    """Each device's menu is the menu without rules less what the oracle forbids; and the optimum under the
    rules is the optimum, by enumeration, over the options the oracle allows."""
    apps, devices = private_city(*city)
    free_apps = applications()
    free = city_pipeline(free_apps).options([Device(d.hardware, d.alpha, d.rate, d.tx_power,
                                                    application=d.application) for d in devices], infeasible="drop")
    try:
        ruled = city_pipeline(apps).options(devices, infeasible="drop")
    except ValueError as exc:
        assert "is infeasible" in str(exc)
        ruled = None
    policy = {a.name: a.privacy for a in apps}
    keep: list[np.ndarray] = []
    for n, d in enumerate(devices):
        if n not in free.kept:
            assert ruled is None or n not in ruled.kept
            continue
        i = free.kept.index(n)
        lo, hi = free.table.option_ptr[i], free.table.option_ptr[i + 1]
        ok = []
        for o in range(lo, hi):
            data = free.upload[o]
            x = type("X", (), {"placement": free.placement[o], "application": d.application,
                               "variant": free.variant[o], "split": free.split[o]})
            assert data == sent(x, free_apps)  # the table says what each option uploads
            ok.append(all(allowed(p, data, free.placement[o], int(free.server[o]))
                          for p in (policy[d.application], d.privacy)))
        expect = {(free.variant[o], int(free.frames[o]), free.placement[o], int(free.server[o]), free.split[o])
                  for o, good in zip(range(lo, hi), ok) if good}
        if not expect:
            assert ruled is None or n in ruled.infeasible
            continue
        assert ruled is not None
        assert option_keys(ruled, ruled.kept.index(n)) == expect
        keep.append(np.arange(lo, hi)[np.array(ok)])
    if ruled is None:
        assert not keep
        return
    # the ruled optimum against enumeration over the allowed options of the table without rules
    t = free.table
    sub = OptionTable(np.concatenate([[0], np.cumsum([len(o) for o in keep])]).astype(np.int64),
                      np.concatenate([t.linear[o] for o in keep]), np.concatenate([t.server[o] for o in keep]),
                      np.concatenate([t.c[o] for o in keep]), np.concatenate([t.w[o] for o in keep]), t.A, t.B)
    if sub.n_options.prod() <= 50_000:
        best, _ = brute_force(sub)
        assert solve_options(ruled.table, "auto").cost == pytest.approx(best, rel=1e-9)


def test_raw_video_stays_on_the_premises() -> None:
    """Raw video never leaves the device; features may go to the edge but not the cloud: the traffic cameras
    run locally or split at the edge, and every split uploads features."""
    apps = applications(traffic=Privacy(raw="device", features="edge"))
    cameras = [apps[0].device(hw, [r, r], 0.2) for hw in (HARDWARE["npu"], CAMERA) for r in (5e6, 2e7, 8e7)]
    r = city_pipeline(apps).solve(cameras)
    assert {x.placement for x in r.devices} <= {"local", "split"}
    assert "split" in {x.placement for x in r.devices}  # the memory-limited cameras need the edge
    assert all(x.upload == ("features" if x.placement == "split" else "") for x in r.devices)
    t = city_pipeline(apps).options(cameras)
    assert set(t.placement) == {"local", "split"} and set(t.upload) == {"", "features"}
    text = r.explain(3)
    assert "not offered (privacy: raw data may not leave the device (application 'traffic'))" in text
    assert "features data may not go to the cloud (application 'traffic')" in text
    assert "r3d_18/int8 edge on 0" in text and "r3d_18/int8 cloud via 1" in text
    assert "memory: the device (camera) has 16 MB" in text  # the camera cannot hold the whole r3d_18
    # without the rule the same cameras may send raw video to the edge or the cloud, at no higher cost
    free = city_pipeline().options(cameras)
    assert {"edge", "cloud"} <= set(free.placement) and "raw" in free.upload
    assert free.decode(solve_options(free.table, "auto")).cost <= r.cost * (1 + 1e-12)


def test_a_device_tightens_but_cannot_loosen() -> None:
    apps = applications(traffic=Privacy(raw="edge"))
    hw = HARDWARE["cpu"]
    loose = apps[0].device(hw, [1e8, 1e8], 0.2, privacy=Privacy(raw="cloud"))
    tight = apps[0].device(hw, [1e8, 1e8], 0.2, privacy=Privacy(raw="device", features="device"))
    t = city_pipeline(apps).options([loose, tight])
    ptr = t.table.option_ptr
    assert "cloud" not in t.placement[ptr[0]:ptr[1]] and "edge" in t.placement[ptr[0]:ptr[1]]
    assert set(t.placement[ptr[1]:ptr[2]]) == {"local"}
    reasons = {e.reason for e in t.excluded[1] if e.rule == "privacy"}
    assert "raw data may not go to the cloud (application 'traffic'); raw data may not leave the device " \
           "(the device's own)" in reasons


def test_trusted_edge_servers() -> None:
    apps = applications(sensors=Privacy(edge_servers=(1,)))
    d = apps[1].device(HARDWARE["cpu"], [1e8, 1e8], 0.2)
    t = city_pipeline(apps).options([d])
    on = {(p, int(j)) for p, j in zip(t.placement, t.server)}
    assert ("edge", 0) not in on and ("edge", 1) in on
    assert ("cloud", 0) in on  # relayed by station 0 to the cloud: carried, not processed there
    assert any(e.reason.startswith("raw data may not go to server 0 (trusted servers: 1)") for e in t.excluded[0])
    nobody = applications(sensors=Privacy(raw="device", edge_servers=()))
    t = city_pipeline(nobody).options([d])
    assert not {"edge", "split"} & set(t.placement) and "split-cloud" in t.placement


def test_split_after_raw_preserving_layers_is_raw() -> None:
    """A cut that pooling or batch norm alone separates from the input still uploads raw data."""
    net = Architecture("pooled", (Pool("pool", (1, 2, 2), (1, 2, 2)), BatchNorm("bn"), conv2d("conv", 3, 3, 1, 1),
                                  Add("sum", inputs=("conv", "bn")), conv2d("head", 16, 3, 2, 1),
                                  GlobalPool("gap"), Linear("fc", 4)))
    curve = AccuracyCurve([1, 2, 4], [0.7, 0.8, 0.9])
    app = Application("v", [ModelVariant(net, curve, name="pooled")], VideoInput(32, 32), alpha=0.8,
                      privacy=Privacy(raw="device", features="cloud"))
    pipe = Pipeline(servers=SERVERS, cloud=CLOUD, applications=[app], splits="all")
    t = pipe.options([app.device(HARDWARE["cpu"], [1e7, 1e7], 0.2)])
    splits = {s for s, p in zip(t.split, t.placement) if p == "split"}
    assert splits == {"head", "gap"}  # after pool, bn, conv (bn crosses for the sum) and sum: raw input
    assert all(cut_is_raw(net, s) for s in ("pool", "bn", "conv", "sum"))
    excluded = {e.split for e in t.excluded[0] if e.rule == "privacy" and e.placement == "split"}
    # the split points among those ("all" offers cuts one tensor crosses that no batch norm follows)
    assert excluded == {"bn", "sum"}


def test_privacy_can_leave_no_option() -> None:
    apps = applications(traffic=Privacy(raw="device", features="device"))
    camera = apps[0].device(CAMERA, [1e7, 1e7], 0.2)  # cannot run either traffic model whole
    ok = apps[1].device(HARDWARE["cpu"], [1e7, 1e7], 0.2)
    pipe = city_pipeline(apps)
    with pytest.raises(ValueError, match=r"device 0 \(alpha 0\.85\) has no feasible option: r3d_18/int8: fits no "
                                         r"placement \(precision int8 or memory; privacy: raw data may not leave"):
        pipe.options([camera, ok])
    r = pipe.solve([camera, ok], infeasible="drop")
    assert not r.devices[0].feasible and r.devices[1].feasible
    text = r.explain(0)
    assert "infeasible" in text and "privacy: raw data may not leave the device" in text
    assert "no option of its application was left out by a rule" in r.explain(1)
    with pytest.raises(ValueError, match=r"device is 2; the devices are 0\.\.1"):
        r.explain(2)


@pytest.mark.parametrize(("build", "pattern"), [
    (lambda: Privacy(raw="fog"), r"privacy\.raw is 'fog'; it must be one of device, edge, cloud"),
    (lambda: Privacy(features="premises"), r"privacy\.features is 'premises'"),
    (lambda: Privacy(edge_servers=(0, -1)), r"privacy\.edge_servers\[1\] is -1"),
    (lambda: Privacy(edge_servers=(0.5,)), r"privacy\.edge_servers\[0\] is 0\.5"),
    (lambda: Privacy(edge_servers="01"), r"privacy\.edge_servers is '01'; give a sequence"),  # type: ignore[arg-type]
    (lambda: Privacy(edge_servers=3), r"privacy\.edge_servers is 3; give a sequence"),  # type: ignore[arg-type]
])
def test_bad_policies_are_clear_errors(build, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        build()


def test_policies_normalise() -> None:
    assert Privacy(edge_servers=[2, 0, 2]).edge_servers == (0, 2)
    assert Privacy().breach("raw", "cloud", 0) is None
    assert Privacy(raw="edge").breach("raw", "cloud", 0) == "raw data may not go to the cloud"
    assert Privacy(features="device").breach("features", "split", 1) == "features data may not leave the device"
    assert Privacy(edge_servers=(1,)).breach("features", "split-cloud", 0) is None
