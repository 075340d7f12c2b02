"""Simulation files of a city of applications: the example runs through the command line, every key is read, and
every error names the file and the key."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from edgesched.cli import main
from edgesched.online import CityApps, SimConfig, application_columns, load_config, simulate
from edgesched.physics.hardware import HARDWARE

from .city_checks import check_city_schedule

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "simulate_applications.toml"
#: The example, small enough for a test.
SMALLER = [("steps = 100", "steps = 8"), ("n_stations = 25", "n_stations = 4"),
           ("devices_per_station = 40.0", "devices_per_station = 10.0")]


def example_text() -> str:
    text = EXAMPLE.read_text()
    for old, new in SMALLER:
        assert old in text
        text = text.replace(old, new)
    return text


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "sensor_accuracy.csv").write_text((ROOT / "examples" / "sensor_accuracy.csv").read_text())
    path = tmp_path / "city.toml"
    path.write_text(text)
    return path


def test_the_example_reads_every_section() -> None:
    cfg = load_config(EXAMPLE)
    apps = cfg.apps
    assert isinstance(apps, CityApps)
    assert apps.names == ("traffic", "sensors", "safety")
    np.testing.assert_allclose(apps.shares, [0.5, 0.3, 0.2])
    traffic, sensors, safety = apps.applications
    assert [(hw.name, w) for hw, w in traffic.hardware] == [("cpu", 2.0), ("fpga", 1.0), ("camera", 1.0)]
    assert traffic.hardware[2][0].memory_bits == 1.28e8 and traffic.hardware[2][0].kind == "asic"
    assert traffic.alpha_range == (0.8, 0.9) and sensors.tx_power_range == (0.02, 0.1)
    assert [v.name for v in traffic.application.variants] == ["r3d_18/int8", "r2plus1d_18",
                                                              "mobilenet_v2_tavg/distilled"]
    assert sensors.application.variants[0].accuracy.accuracy.tolist() == [0.80, 0.86, 0.90, 0.92]  # from its CSV
    assert safety.application.privacy.raw == "device" and safety.application.deadline == 0.5
    assert apps.edge is HARDWARE["edge_cpu"] and apps.cloud.rtt == 0.04 and apps.cloud.backhaul_rate == 1e9
    assert apps.placements == ("local", "edge", "cloud", "split", "split-cloud") and "gru.l0" in apps.splits
    assert (cfg.steps, cfg.n_stations, cfg.trigger, cfg.alpha_change_prob) == (100, 25, "drift", 0.01)


def test_the_example_runs_through_the_command_line(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("matplotlib")
    path = write(tmp_path, example_text())
    assert main(["simulate", str(path), "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    for name in ("traffic", "sensors", "safety"):
        assert f"  {name}: accuracy delivered mean" in out
    assert "decisions changed by re-solves" in out
    rows = list(csv.DictReader((tmp_path / "out" / "series.csv").read_text().splitlines()))
    assert list(rows[0]) == list(application_columns(load_config(path)))
    assert len(rows) == 8
    assert (tmp_path / "out" / "series.png").read_bytes()[:4] == b"\x89PNG"


def test_a_file_city_meets_every_requirement(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, example_text()))
    checked = []
    simulate(cfg, progress=False, on_step=lambda t, city, stage: checked.append(
        check_city_schedule(cfg.apps, city.schedule())))
    assert len(checked) >= cfg.steps and sum(checked) > 0


def _edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


@pytest.mark.parametrize("old, new, message", [
    ("share = 0.5", "share = -1", r"applications\.traffic\.share is -1; share must be > 0"),
    ("share = 0.5", "shares = 0.5", r"applications\.traffic\.shares is not a known key"),
    ('hardware = ["cpu", "asic"]', 'hardware = ["cpu", "tpu"]', r"applications\.sensors\.hardware\[1\] is 'tpu'; "
                                                                r"known hardware"),
    ("hardware = { cpu = 2, fpga = 1, camera = 1 }", "hardware = { cpu = 0 }",
     r"applications\.traffic\.hardware\.cpu is 0; cpu must be > 0"),
    ("alpha_range = [0.80, 0.90]       # each", "alpha_range = [0.80, 0.99]       # each",
     r"applications\.traffic\.alpha_range\[1\] is 0\.99; the application's variants reach at most 0\.95"),
    ("alpha_range = [0.80, 0.90]       # each", "alpha_range = [0.9, 0.8]       # each",
     r"applications\.traffic\.alpha_range is \[0\.9, 0\.8\]; its low must be <= its high"),
    ("tx_power_range = [0.02, 0.1]", "tx_power_range = [0.02]", r"applications\.sensors\.tx_power_range is \[0\.02\]"),
    ('arch = "gru_sensor"', 'arch = "gru"', r"applications\.sensors\.variants\[1\]\.arch is 'gru'; arch must be one"),
    ('arch = "gru_sensor"', 'arch = "r3d_18"', r"applications\.sensors\.variants\[1\] \(r3d_18/int8\) reads video"),
    ("bits = 8\naccuracy = { frames = [15", "bits = 4\naccuracy = { frames = [15",
     r"applications\.sensors\.variants\[1\]\.bits is 4"),
    ('accuracy = "sensor_accuracy.csv"', 'accuracy = "missing.csv"',
     r"applications\.sensors\.variants\[0\]\.accuracy is 'missing\.csv'; cannot read"),
    ('accuracy = "default"', "", r"applications\.traffic\.variants\[0\]\.accuracy is missing"),
    ('privacy = { raw = "edge", features = "edge" }', 'privacy = { raw = "space" }',
     r"applications\.traffic\.privacy\.raw is 'space'"),
    ('privacy = { raw = "edge", features = "edge" }', 'privacy = { raw = "edge", edge_servers = ["a"] }',
     r"applications\.traffic\.privacy\.edge_servers is not a known key"),
    ('input = { kind = "series", window = 60', 'input = { kind = "audio", window = 60',
     r"applications\.sensors\.input\.kind is 'audio'"),
    ("window = 60, channels = 8", "window = 0, channels = 8", r"applications\.sensors\.input\.window is 0"),
    ("deadline = 0.5", "deadline = -0.5", r"applications\.safety\.deadline is -0\.5"),
    ('hardware = "edge_cpu"            # every', 'hardware = "edge_tpu"            # every',
     r"edge\.hardware is 'edge_tpu'; known hardware"),
    ("rtt = 0.04", "rtt = -1", r"cloud\.rtt is -1"),
    ("backhaul_rate = 1e9", "", r"cloud\.backhaul_rate is missing"),
    ('placements = ["local", "edge", "cloud", "split", "split-cloud"]', 'placements = ["local", "fog"]',
     r"offer\.placements\[1\] is 'fog'"),
    ('splits = ["layer2.1.add"', 'splits = ["layer9"', r"offer\.splits has 'layer9', a layer of none"),
    ("power = 1.0", "power = 1.0\nkappa = 1e-28", r"hardware\.camera\.kappa, power: give exactly one"),
    ("[hardware.camera]", "[hardware.cpu]", r"hardware\.cpu is a preset's name"),
    ("memory_bits = 1.28e8", "memory_bits = 1.28e8\ncolour = 1", r"hardware\.camera\.colour is not a known key"),
    ("[applications.safety]", "[applications.'safety cams']", r"applications\.safety cams is not a valid name"),
    ("[edge]", "[devices]\nmodel = 'r3d_18'\n[edge]", r"devices is given, but the file describes applications"),
    ("[applications.traffic]\nshare = 0.5", "[applications.traffic]\nshare = 0.5\nalpha = 0.9",
     r"applications\.traffic\.alpha is not a known key"),
])
def test_file_errors_name_the_file_and_key(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = write(tmp_path, _edit(example_text(), old, new))
    with pytest.raises(ValueError, match=f"^{path}: " + message):
        load_config(path)


def test_sections_of_applications_need_applications(tmp_path: Path) -> None:
    path = write(tmp_path, "[simulation]\nsteps = 2\n[cloud]\nbackhaul_rate = 1e9\nrtt = 0.04\n")
    with pytest.raises(ValueError, match=f"^{path}: cloud is given, but there are no \\[applications.NAME\\]"):
        load_config(path)


def test_a_class_without_options_names_the_application(tmp_path: Path) -> None:
    # raw frames on the device, features nowhere: the camera cannot hold resnet18 whole, so it has no option
    text = _edit(example_text(), 'privacy = { raw = "device", features = "edge" }',
                 'privacy = { raw = "device", features = "device" }')
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match=rf"^{path}: applications\.safety\.alpha_range is \[0\.82, 0\.9\]; a device "
                                         r"on camera with alpha 0\.\d+ would have no option: resnet18_tavg/int8: "
                                         r"fits no placement"):
        load_config(path)


def test_a_command_line_error_is_one_line(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, _edit(example_text(), "share = 0.5", "share = 'half'"))
    assert main(["simulate", str(path), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"edgesched: error: {path}: applications.traffic.share is 'half'")


def test_python_and_file_give_the_same_city(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, example_text()))
    again = SimConfig(**{k: getattr(cfg, k) for k in ("steps", "seed", "n_stations", "devices_per_station",
                                                      "k_nearest", "bandwidth", "f_edge_max", "arrival_rate",
                                                      "departure_prob", "alpha_change_prob", "trigger",
                                                      "drift_threshold", "speed_range")}, apps=cfg.apps)
    a, b = simulate(cfg, progress=False), simulate(again, progress=False)
    np.testing.assert_array_equal(np.asarray(a["cost"]), np.asarray(b["cost"]))
