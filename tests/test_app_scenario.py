"""Scenario files that describe a city of applications: read into the pipeline exactly as built in Python, solved
to the exhaustive optimum on small files with every rule kept, results per application on the command line, and
every error naming the file, the key and the row."""
from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgesched import solve_options
from edgesched.cli import main
from edgesched.physics.accuracy import AccuracyCurve
from edgesched.physics.channel import shannon_rate
from edgesched.physics.hardware import HARDWARE, Hardware
from edgesched.physics.variants import ModelVariant
from edgesched.pipeline import Application, Cloud, Pipeline, Privacy, SensorInput, VideoInput
from edgesched.scenarios import ApplicationScenario, ScenarioFile, load_scenario

from .test_pipeline_apps import brute_force
from .test_pipeline_privacy import allowed, sent

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "applications.toml"

CITY = '''devices = DEVICES
[system]
w_delay = 0.6
w_energy = 0.4
[[servers]]
name = "north"
bandwidth = 20e6
position = [0.0, 200.0]
[[servers]]
name = "south"
hardware = "edge_gpu"
f_edge_max = 1.5e9
bandwidth = 10e6
position = [0.0, -200.0]
[cloud]
backhaul_rate = 1e9
rtt = 0.04
[hardware.camera]
kind = "asic"
cycles_per_mac = { int8 = 2e-4 }
f_max = 8e8
power = 1.0
memory_bits = 1.28e8
[applications.traffic]
input = { kind = "video", height = 112, width = 112 }
alpha = 0.85
deadline = 1.5
privacy = { raw = "edge", features = "edge", edge_servers = ["north"] }
[[applications.traffic.variants]]
arch = "r3d_18"
bits = 8
accuracy = { frames = [4, 8, 12, 16], accuracy = [0.70, 0.86, 0.90, 0.92] }
[[applications.traffic.variants]]
arch = "mobilenet_v2_tavg"
name = "mnv2"
accuracy = { frames = [4, 8, 12, 16], accuracy = [0.66, 0.84, 0.88, 0.90] }
[applications.sensors]
input = { kind = "series", window = 60, channels = 8, bits_per_sample = 128 }
[[applications.sensors.variants]]
arch = "gru_sensor"
bits = 8
accuracy = { frames = [15, 30, 45, 60], accuracy = [0.78, 0.85, 0.88, 0.90] }
'''
TRAFFIC_CURVE = AccuracyCurve([4, 8, 12, 16], [0.70, 0.86, 0.90, 0.92], "r3d_18/int8")
MNV2_CURVE = AccuracyCurve([4, 8, 12, 16], [0.66, 0.84, 0.88, 0.90], "mnv2")
GRU_CURVE = AccuracyCurve([15, 30, 45, 60], [0.78, 0.85, 0.88, 0.90], "gru_sensor/int8")
CAMERA = Hardware.from_power("camera", "asic", {"int8": 2e-4}, 8e8, 1.0, 1.28e8)


def python_city() -> tuple[Pipeline, list[Application]]:
    """The CITY file's pipeline, built in Python."""
    traffic = Application("traffic", [ModelVariant("r3d_18", TRAFFIC_CURVE, bits=8),
                                      ModelVariant("mobilenet_v2_tavg", MNV2_CURVE, name="mnv2")],
                          VideoInput(112, 112), alpha=0.85, deadline=1.5,
                          privacy=Privacy(raw="edge", features="edge", edge_servers=(0,)))
    sensors = Application("sensors", [ModelVariant("gru_sensor", GRU_CURVE, bits=8)],
                          SensorInput(window=60, channels=8, bits_per_sample=128))
    south = HARDWARE["edge_gpu"].__class__(**{**HARDWARE["edge_gpu"].__dict__, "f_max": 1.5e9})
    pipe = Pipeline(servers=[HARDWARE["edge_cpu"], south], cloud=Cloud(HARDWARE["cloud_gpu"], 1e9, 0.04),
                    w_delay=0.6, w_energy=0.4, applications=[traffic, sensors])
    return pipe, [traffic, sensors]


def scenario(tmp_path: Path, devices: str, text: str = CITY) -> Path:
    path = tmp_path / "city.toml"
    path.write_text(text.replace("DEVICES", devices, 1))
    return path


DEVICES = '''[
  { name = "t0", application = "traffic", hardware = "cpu", tx_power = 0.2, rate = [2e7, 1e7] },
  { name = "t1", application = "traffic", hardware = "camera", tx_power = 0.2, x = 30.0, y = 50.0, alpha = 0.88 },
  { name = "s0", application = "sensors", hardware = "asic", tx_power = 0.05, distance = [100.0, 300.0], \
alpha = 0.8, privacy_raw = "device" },
  { name = "s1", application = "sensors", hardware = "cpu", tx_power = 0.05, rate = [5e6, 5e6], alpha = 0.85, \
deadline = 0.01, privacy_servers = ["south"] },
]'''  # a backslash-newline joins the lines of a device: TOML's inline tables are one line


def test_a_file_is_the_pipeline_built_in_python(tmp_path: Path) -> None:
    sc = load_scenario(scenario(tmp_path, DEVICES))
    assert isinstance(sc, ApplicationScenario)
    pipe, (traffic, sensors) = python_city()
    rate_t1 = [float(shannon_rate(b, 0.2, math.hypot(30.0 - 0.0, 50.0 - y))) for b, y in ((20e6, 200.0),
                                                                                         (10e6, -200.0))]
    rate_s0 = [float(shannon_rate(20e6, 0.05, 100.0)), float(shannon_rate(10e6, 0.05, 300.0))]
    devices = [traffic.device(HARDWARE["cpu"], [2e7, 1e7], 0.2),
               traffic.device(CAMERA, rate_t1, 0.2, alpha=0.88),
               sensors.device(HARDWARE["asic"], rate_s0, 0.05, alpha=0.8, privacy=Privacy(raw="device")),
               sensors.device(HARDWARE["cpu"], [5e6, 5e6], 0.05, alpha=0.85, deadline=0.01,
                              privacy=Privacy(edge_servers=(1,)))]
    ours, theirs = sc.pipeline.options(list(sc.devices)).table, pipe.options(devices).table
    for name in ("option_ptr", "server", "linear", "c", "w", "A", "B"):
        np.testing.assert_array_equal(getattr(ours, name), getattr(theirs, name), err_msg=name)
    assert sc.device_names == ("t0", "t1", "s0", "s1") and sc.server_names == ("north", "south")
    r = sc.solve()
    assert r.cost == pytest.approx(pipe.solve(devices).cost, rel=1e-12)
    assert [d.application for d in r.devices] == ["traffic", "traffic", "sensors", "sensors"]


def test_devices_from_csv_with_a_value_per_server(tmp_path: Path) -> None:
    (tmp_path / "devices.csv").write_text(
        "name,application,hardware,tx_power,rate,distance,alpha,privacy_servers\n"
        "a,traffic,cpu,0.2,2e7;1e7,,,\n"
        "b,sensors,cpu,0.05,,120;80,0.8,north;south\n"
        "c,sensors,asic,0.05,3e6; 4e6,,0.9,south\n")
    sc = load_scenario(scenario(tmp_path, '"devices.csv"'))
    assert isinstance(sc, ApplicationScenario)
    assert sc.devices[0].rate == [2e7, 1e7] and sc.devices[2].rate == [3e6, 4e6]
    assert sc.devices[1].rate == [float(shannon_rate(20e6, 0.05, 120.0)), float(shannon_rate(10e6, 0.05, 80.0))]
    assert sc.devices[1].privacy == Privacy(edge_servers=(0, 1)) and sc.devices[2].privacy == Privacy(edge_servers=(1,))
    assert sc.origin[1] == f"{tmp_path / 'devices.csv'}: row 3: "


def test_the_example_solves_per_application(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "schedule.csv"
    assert main(["solve", str(EXAMPLE), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "27 devices of 3 application(s), 2 edge server(s), a cloud, method 'auto'" in text
    for name in ("traffic", "sensors", "safety"):
        assert any(line.startswith(name) for line in text.splitlines())
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert len(rows) == 27 and rows[-1]["device"] == "saf-strict" and rows[-1]["deadline_s"] == "0.2"
    for r in rows:
        assert float(r["accuracy"]) >= float(r["alpha"])
        assert r["server"] in ("", "north", "south") and (r["server"] == "") == (r["placement"] == "local")
        if r["application"] == "safety":
            assert r["upload"] != "raw" and r["placement"] not in ("cloud", "split-cloud")
    assert main(["solve", str(EXAMPLE)]) == 0
    assert "total cost" in capsys.readouterr().out


def test_methods_of_option_tables_only_for_files_of_applications(tmp_path: Path, capsys) -> None:  # type: ignore
    assert main(["solve", str(EXAMPLE), "--method", "warm"]) == 0
    capsys.readouterr()
    one = ROOT / "examples" / "paper_default.toml"
    assert isinstance(load_scenario(one), ScenarioFile)
    assert main(["solve", str(one), "--method", "descent"]) == 2
    assert capsys.readouterr().err.startswith(f"edgesched: error: {one}: --method descent solves option tables")


# -- small files against exhaustive enumeration, every rule kept ---------------------------------------------

TIERS = ("device", "edge", "cloud")


@st.composite
def small_files(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, 3))
    rows = []
    for i in range(n):
        app = draw(st.sampled_from(["traffic", "sensors"]))
        hw = draw(st.sampled_from(["cpu", "fpga", "npu", "asic", "camera"] if app == "sensors" else
                                  ["cpu", "fpga", "camera"]))
        alpha = draw(st.sampled_from([0.78, 0.84, 0.86, 0.88]))
        rate = [draw(st.floats(2e6, 1e8)) for _ in range(2)]
        extra = ""
        if draw(st.booleans()):
            extra = f', privacy_raw = "{draw(st.sampled_from(TIERS))}", ' \
                    f'privacy_features = "{draw(st.sampled_from(TIERS))}"'
        rows.append(f'  {{ name = "d{i}", application = "{app}", hardware = "{hw}", tx_power = '
                    f'{draw(st.floats(0.05, 0.5))!r}, rate = [{rate[0]!r}, {rate[1]!r}], alpha = {alpha}{extra} }},')
    return "[\n" + "\n".join(rows) + "\n]"


@settings(max_examples=25, deadline=None)
@given(small_files())
def test_small_files_solve_to_the_exhaustive_optimum_within_the_rules(tmp_path_factory, devices: str) -> None:
    sc = load_scenario(scenario(tmp_path_factory.mktemp("f"), devices))
    assert isinstance(sc, ApplicationScenario)
    try:
        table = sc.pipeline.options(list(sc.devices)).table
    except ValueError as exc:  # the rules leave a device without any option: a file error naming it
        assert "has no feasible option" in str(exc)
        with pytest.raises(ValueError, match=r"devices\[\d\]: has no feasible option \(alpha 0\.\d+\): "):
            sc.solve()
        return
    if np.prod(table.n_options.astype(float)) > 20_000:
        table = None
    r = sc.solve()
    if table is not None:
        best, _ = brute_force(table)
        assert r.cost == pytest.approx(best, rel=1e-9)
        assert solve_options(table, "exhaustive").cost == pytest.approx(best, rel=1e-9)
    apps = {a.name: a for a in sc.applications}
    for d, x in zip(sc.devices, r.devices):
        app = apps[x.application]
        curve = next(v.accuracy for v in app.variants if v.name == x.variant)
        assert curve(x.frames) >= (d.alpha if d.alpha is not None else app.alpha)
        data = sent(x, list(apps.values()))
        for policy in (app.privacy, d.privacy):
            assert allowed(policy, data, x.placement, x.server)


# -- errors ------------------------------------------------------------------------------------------------

ONE = '[{ application = "traffic", hardware = "cpu", tx_power = 0.2, rate = [2e7, 1e7] }]'


def _edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


@pytest.mark.parametrize("old, new, message", [
    ('hardware = "cpu"', 'hardware = "tpu"', r"devices\[0\]\.hardware is 'tpu'; known hardware"),
    ("rate = [2e7, 1e7]", "rate = [2e7]", r"devices\[0\]\.rate is \[20000000\.0\]; give one value per server \(2"),
    ("rate = [2e7, 1e7]", "rate = [2e7, -1.0]", r"devices\[0\]\.rate\[1\] is -1\.0; rate\[1\] must be > 0"),
    (", rate = [2e7, 1e7]", "", r"devices\[0\]\.location: give exactly one of rate"),
    ('application = "traffic"', 'application = "parking"', r"devices\[0\]\.application is 'parking'; known"),
    ("tx_power = 0.2, ", "", r"devices\[0\]\.tx_power is missing"),
    ("tx_power = 0.2", "tx_power = 0.2, privacy_raw = 'moon'", r"devices\[0\]\.privacy_raw is 'moon'"),
    ("tx_power = 0.2", "tx_power = 0.2, privacy_servers = ['east']", r"devices\[0\]\.privacy_servers\[0\] is "
                                                                    r"'east'; known servers: north, south"),
    ("tx_power = 0.2", "tx_power = 0.2, alpha = 0.99", r"devices\[0\]: has no feasible option \(alpha 0\.99\): "
                                                       r"r3d_18/int8: alpha = 0\.99 is unreachable"),
])
def test_device_errors_name_the_file_key_and_row(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = scenario(tmp_path, _edit(ONE, old, new))
    with pytest.raises(ValueError, match=f"^{path}: " + message):
        load_scenario(path).solve()


@pytest.mark.parametrize("old, new, message", [
    ('arch = "r3d_18"', 'arch = "r4d"', r"applications\.traffic\.variants\[0\]\.arch is 'r4d'"),
    ("bits = 8", "bits = 12", r"applications\.traffic\.variants\[0\]\.bits is 12"),
    ('name = "mnv2"', 'name = "mnv2"\nprune = 2.0', r"applications\.traffic\.variants\[1\]\.prune is 2\.0"),
    ('name = "mnv2"', 'name = "r3d_18/int8"', r"applications\.traffic\.variants\[1\] is named 'r3d_18/int8' like"),
    ("alpha = 0.85", "alpha = 1.5", r"applications\.traffic\.alpha is 1\.5"),
    ('edge_servers = ["north"]', 'edge_servers = ["east"]', r"applications\.traffic\.privacy\.edge_servers\[0\] is "
                                                             r"'east'"),
    ('hardware = "edge_gpu"', 'hardware = "edge_tpu"', r"servers\[1\]\.hardware is 'edge_tpu'"),
    ("f_edge_max = 1.5e9", "f_edge_max = 0", r"servers\[1\]\.f_edge_max is 0"),
    ("bandwidth = 10e6", "", r"servers\[1\]\.bandwidth is missing"),
    ("rtt = 0.04", "", r"cloud\.rtt is missing"),
    ("power = 1.0", "", r"hardware\.camera\.kappa, power: give exactly one"),
    ("f_max = 8e8", "f_max = 1e-320",
     r"hardware\.camera\.power is 1\.0 W at f_max 1e-320 Hz; kappa = power / f_max\^3 is inf"),
    ("[applications.sensors]", "[applications.traffic2]\n[applications.sensors]",
     r"applications\.traffic2\.variants is None"),
    ("[[servers]]", "[offer]\nplacements = ['split-cloud']\n[[servers]]", r"offer\.placements\[0\] is 'split-cloud'"
                                                                          r", but there is no \[cloud\] table"),
])
def test_application_errors_name_the_file_and_key(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = _edit(CITY, old, new)
    if "placements = ['split-cloud']" in text:
        text = text.replace("[cloud]\nbackhaul_rate = 1e9\nrtt = 0.04\n", "")
    path = scenario(tmp_path, ONE, text)
    with pytest.raises(ValueError, match=f"^{path}: " + message):
        load_scenario(path)


def test_a_command_line_error_is_one_line(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = scenario(tmp_path, _edit(ONE, 'hardware = "cpu"', 'hardware = "tpu"'))
    assert main(["solve", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"edgesched: error: {path}: devices[0].hardware is 'tpu'")


PAPER = '''devices = DEVICES
[system]
w_delay = W_DELAY
w_energy = W_ENERGY
[[servers]]
hardware = "edge"
bandwidth = 5e6
[hardware.edge]
kind = "server"
cycles_per_mac = { fp32 = RHO }
f_max = F_EDGE
kappa = 1e-28
[hardware.dev]
kind = "cpu"
cycles_per_mac = { fp32 = RHO }
f_max = F_LOCAL
kappa = KAPPA
[offer]
placements = ["local", "edge"]
[applications.video]
[[applications.video.variants]]
arch = "r3d_18"
accuracy = "default"
'''


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 8))
def test_a_file_on_the_papers_model_solves_to_the_oracles_optimum(tmp_path_factory, seed: int, n: int) -> None:
    """One application, one precision and one rho on devices and the server, local or edge: the paper's problem,
    whose exhaustive optimum the pure-Python oracle gives."""
    from edgesched import reference
    from edgesched.physics.accuracy import default_curve
    from edgesched.physics.arch import r3d_18
    rng = np.random.default_rng(seed)
    rho, f_edge, f_local = float(rng.uniform(0.06, 0.25)), float(rng.uniform(4e9, 40e9)), float(rng.uniform(1e9, 3e9))
    kappa, w_delay, w_energy = float(np.exp(rng.uniform(np.log(3e-29), np.log(3e-28)))), 0.5, float(rng.choice([0.0,
                                                                                                                0.5]))
    alpha = rng.choice([0.8, 0.85, 0.9], n)
    rate, power = np.exp(rng.uniform(np.log(2e6), np.log(2e8), n)), rng.uniform(0.05, 0.5, n)
    rows = ", ".join(f"{{ hardware = \"dev\", tx_power = {p!r}, rate = {r!r}, alpha = {a!r} }}"
                     for p, r, a in zip(power.tolist(), rate.tolist(), alpha.tolist()))
    text = PAPER.replace("DEVICES", f"[{rows}]").replace("W_DELAY", repr(w_delay)).replace("W_ENERGY", repr(w_energy))
    text = text.replace("RHO", repr(rho)).replace("F_EDGE", repr(f_edge)).replace("F_LOCAL", repr(f_local))
    path = tmp_path_factory.mktemp("p") / "paper.toml"
    path.write_text(text.replace("KAPPA", repr(kappa)))
    result = load_scenario(path).solve()
    frames = default_curve().min_frames(alpha)
    inputs = dict(macs=[float(r3d_18().macs(int(m), 112, 112)) for m in frames], frames=frames.tolist(),
                  frame_bits=301056.0, rate=rate.tolist(), tx_power=power.tolist(), f_local_max=f_local)
    physics = dict(kappa=kappa, rho=rho, f_edge_max=f_edge, w_delay=w_delay, w_energy=w_energy)
    oracle = reference.solve_offloading(**inputs, **physics, method="exhaustive")
    assert result.cost == pytest.approx(oracle.cost, rel=1e-9)
    # each device's delay and energy are the oracle's for the same decisions
    ours = reference.evaluate([r.placement == "edge" for r in result.devices], **inputs, **physics)
    for r, delay, energy in zip(result.devices, ours.delay, ours.energy):
        assert r.frames == frames[r.device] and r.variant == "r3d_18"
        assert r.delay == pytest.approx(delay, rel=1e-9) and r.energy == pytest.approx(energy, rel=1e-9, abs=1e-15)
