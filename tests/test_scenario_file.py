from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edgesched
from edgesched import scenarios
from edgesched.experiments.sweep_file import load_sweep
from edgesched.physics.accuracy import default_curve
from edgesched.physics.macs import r3d18
from edgesched.scenarios import ScenarioFileError, load_scenario

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

HEAD = """
[system]
w_delay = 0.5
w_energy = 0.5

[[servers]]
bandwidth = 5e6
f_edge_max = 22e9

[device_defaults]
alpha = 0.9
tx_power = 0.2
f_local_max = 1.8e9
"""


def write(tmp_path: Path, body: str, head: str = HEAD, name: str = "scenario.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body) + textwrap.dedent(head))
    return path


def devices(*rows: str) -> str:
    return "devices = [\n" + "".join(f"  {{ {r} }},\n" for r in rows) + "]\n"


def test_paper_default_example_is_the_paper_scenario():
    f = load_scenario(EXAMPLES / "paper_default.toml")
    sc = scenarios.paper_default(20, seed=0)
    assert f.n_devices == 20 and f.server_names == ("bs",)
    assert f.device[0] == "cam00" and f.model == ("r3d_18",) * 20
    np.testing.assert_array_equal(f.frames, sc.frames)
    np.testing.assert_array_equal(f.macs, sc.macs)
    np.testing.assert_array_equal(f.frame_bits, sc.frame_bits)
    np.testing.assert_allclose(f.distance, sc.distance, atol=0.01)  # positions rounded to 1 cm
    np.testing.assert_allclose(f.rate, sc.rate, rtol=1e-3)
    mine, paper = f.solve("auto"), edgesched.solve(sc, "auto")
    np.testing.assert_array_equal(mine.offload, paper.offload)
    assert mine.cost == pytest.approx(paper.cost, rel=1e-4)


def test_two_cells_example_reads_the_devices_csv_and_both_models():
    f = load_scenario(EXAMPLES / "two_cells.toml")
    assert f.server_names == ("north", "south") and f.n_devices == 12
    assert f.cell.tolist() == [0 if s == "north" else 1 for s in f.server]
    i = f.device.index("cam00")  # r3d_18_quarter, alpha 0.835 -> 8 frames in its table
    assert (f.model[i], int(f.frames[i]), f.macs[i]) == ("r3d_18_quarter", 8, 5.09e9)
    j = f.device.index("cam01")  # r3d_18 (a blank cell takes the default), alpha 0.857 -> 7 frames
    assert (f.model[j], int(f.frames[j])) == ("r3d_18", 7)
    assert f.macs[j] == r3d18(7)
    k = f.device.index("cam09")  # given by its rate
    assert f.rate[k] == 2.5e7 and np.isnan(f.distance[k])
    s = f.solve("auto")
    assert s.cell_cost is not None and s.cost == pytest.approx(s.cell_cost.sum())
    for cell, name in enumerate(f.server_names):  # each server is an independent cell
        m = f.cell == cell
        alone = edgesched.solve_offloading(f.macs[m], f.frames[m], f.frame_bits[m], f.rate[m], f.tx_power[m],
                                           f.f_local_max[m], f_edge_max=f.f_edge_max[cell], method="auto")
        assert s.cell_cost[cell] == pytest.approx(alone.cost, rel=1e-12), name


def test_location_by_position_distance_or_rate_agree(tmp_path):
    f = load_scenario(write(tmp_path, devices("x = 30.0, y = 40.0", "distance = 50.0",
                                              "rate = 1e7", "x = -30.0, y = -40.0")))
    assert f.distance[:2].tolist() == [50.0, 50.0] and f.rate[0] == f.rate[1] == f.rate[3]
    assert f.rate[2] == 1e7
    assert f.frames.tolist() == [default_curve().min_frames(0.9)] * 4


def test_schedule_csv_has_one_row_per_device(tmp_path):
    f = load_scenario(EXAMPLES / "paper_default.toml")
    s = f.solve("greedy")
    out = tmp_path / "schedule.csv"
    f.write_schedule(s, out)
    lines = out.read_text().splitlines()
    assert lines[0].startswith("device,server,model,alpha,frames")
    assert len(lines) == 21
    assert lines[1].split(",")[7] == ("edge" if s.offload[0] else "local")


@pytest.mark.parametrize("body, message", [
    (devices("rate = 1e7", "rate = 1e7", "rate = 1e7", "rate = -1.0"),
     "{f}: devices[3].rate is -1.0; rate must be > 0 bit/s"),
    (devices("distance = 50.0", "distance = 50.0, alpha = 1.5"),
     "{f}: devices[1].alpha is 1.5; alpha must be in [0, 1]"),
    (devices("distance = 50.0", "distance = 50.0, alpha = 0.99"),
     "{f}: devices[1].alpha: alpha = 0.99 is unreachable with curve 'illustrative-exp'"),
    (devices("distance = 50.0, tx_power = 'high'"),
     "{f}: devices[0].tx_power is 'high'; tx_power must be > 0 W"),
    (devices("distance = 50.0, f_locl_max = 1e9"),
     "{f}: devices[0].f_locl_max is not a known key; device keys:"),
    (devices("distance = 50.0", "x = 1.0"),
     "{f}: devices[1].y is missing; give both x and y (m)"),
    (devices("distance = 50.0, rate = 1e7"),
     "{f}: devices[0].location: give exactly one of rate (bit/s), distance (m), or x and y (m); got rate, distance"),
    (devices("name = 'a', rate = 1e7", "name = 'a', rate = 1e7"),
     "{f}: devices[1].name is 'a', which an earlier device already has"),
    (devices("rate = 1e7, server = 'bs9'"), "{f}: devices[0].server is 'bs9'; known servers: server0"),
    (devices("rate = 1e7, model = 'vgg'"), "{f}: devices[0].model is 'vgg'; known models: r3d_18"),
    (devices("rate = 1e7, max_frames = 2.5"), "{f}: devices[0].max_frames is 2.5; max_frames must be an integer >= 1"),
    ("devices = []\n", "{f}: devices is missing or empty"),
    (devices("rate = 1e7") + "sytem = 1\n", "{f}: sytem is not a known key; top-level keys:"),
    (devices("rate = 1e7") + "[models.r3d_18]\nmacs = { frames = [4, 8], macs = [1e9, 2e9] }\n",
     "{f}: devices[0].model 'r3d_18' needs C(M) at M* = 9 frames, but its macs table has only frames [4, 8]"),
    (devices("rate = 1e7") + "[models.r3d_18]\naccuracy = { frames = [1, 2], accuracy = [0.9, 0.5] }\n",
     "{f}: models.r3d_18.accuracy: "),
    (devices("rate = 1e7") + "[models.tiny]\naccuracy = 'default'\n",
     "{f}: models.tiny.macs is 'tiny'; give a counted model (r3d_18)"),
    (devices("rate = 1e7") + "x = [\n", "{f}: not valid TOML: "),
])
def test_malformed_scenario_names_file_key_and_row(tmp_path, body, message):
    path = write(tmp_path, body)
    with pytest.raises(ScenarioFileError) as exc:
        load_scenario(path)
    assert str(exc.value).startswith(message.format(f=path))


@pytest.mark.parametrize("head, message", [
    (HEAD.replace("f_edge_max = 22e9", "f_edge_max = 0"), "{f}: servers[0].f_edge_max is 0; f_edge_max must be > 0 Hz"),
    (HEAD.replace("f_edge_max = 22e9", ""), "{f}: servers[0].f_edge_max is missing"),
    (HEAD.replace("w_delay = 0.5", "w_delay = -0.5"), "{f}: system.w_delay is -0.5; w_delay must be > 0 1/s"),
    (HEAD.replace("tx_power = 0.2", "tx_power = 0.0"),
     "{f}: device_defaults.tx_power is 0.0; tx_power must be > 0 W"),
    (HEAD.replace("tx_power = 0.2", "rate = 1e6"), "{f}: device_defaults.rate is not a known key"),
    (HEAD.replace("tx_power = 0.2", ""), "{f}: devices[0].tx_power is missing; give it per device or in "),
    (HEAD + "[[servers]]\nbandwidth = 1e6\nf_edge_max = 1e9\n",
     "{f}: devices[0].server is missing; with several servers each device must name one (server0, server1)"),
])
def test_malformed_sections_are_named(tmp_path, head, message):
    path = write(tmp_path, devices("rate = 1e7"), head=head)
    with pytest.raises(ScenarioFileError) as exc:
        load_scenario(path)
    assert str(exc.value).startswith(message.format(f=path))


def test_devices_csv_errors_name_the_csv_file_and_its_row(tmp_path):
    (tmp_path / "cams.csv").write_text("# a comment\nname,distance,tx_power\na,50,0.2\n\nb,60,abc\n")
    path = write(tmp_path, 'devices = "cams.csv"\n')
    with pytest.raises(ScenarioFileError) as exc:
        load_scenario(path)
    assert str(exc.value) == f"{tmp_path / 'cams.csv'}: row 5: tx_power is 'abc'; tx_power must be > 0 W"
    (tmp_path / "cams.csv").write_text("name,distance\na,50,7\n")
    with pytest.raises(ScenarioFileError, match=r"cams.csv: row 2: expected 2 columns \(name, distance\), got 3"):
        load_scenario(path)
    path = write(tmp_path, 'devices = "missing.csv"\n')
    with pytest.raises(ScenarioFileError, match=r"scenario.toml: devices is 'missing.csv'; cannot read"):
        load_scenario(path)


POSITIVE = ["rate", "distance", "tx_power", "f_local_max", "kappa", "rho"]


@settings(max_examples=40)
@given(row=st.integers(0, 4), key=st.sampled_from(POSITIVE),
       value=st.sampled_from(["0.0", "-1.0", "-1e300", "nan", "inf", "-inf", "true", "'x'"]))
def test_any_bad_device_value_is_reported_with_its_row_and_key(tmp_path_factory, row, key, value):
    rows = ["distance = 50.0"] * 5
    bad = f"{key} = {value}" if key == "distance" else f"distance = 50.0, {key} = {value}"
    if key == "rate":
        bad = f"rate = {value}"
    rows[row] = bad
    path = write(tmp_path_factory.mktemp("s"), devices(*rows))
    with pytest.raises(ScenarioFileError) as exc:
        load_scenario(path)
    assert str(exc.value).startswith(f"{path}: devices[{row}].{key} is ")


# -- sweep files -------------------------------------------------------------

def test_sweep_example_is_a_grid_over_bandwidth_and_method():
    spec = load_sweep(EXAMPLES / "sweep_bandwidth.toml")
    assert spec.grid["bandwidth"] == [1e6, 2e6, 5e6, 10e6, 20e6]
    assert spec.grid["method"] == ["greedy", "auto", "local", "edge", "random"]
    assert spec.grid["n_devices"] == [20] and spec.grid["scenario"] == ["paper_default"]
    assert spec.seeds == list(range(20))
    assert spec.out == str(EXAMPLES / "sweep_bandwidth-results")


@pytest.mark.parametrize("text, message", [
    ("[grid]\nbandwidth = [5e6, -1.0]\n", "{f}: grid.bandwidth[1]: bandwidth is -1.0; bandwidths must be > 0 Hz"),
    ("[grid]\nbandwith = [5e6]\n", "{f}: grid.bandwith is not a known key; [grid] parameter keys:"),
    ("[grid]\nmethod = ['greedy', 'fast']\n", "{f}: grid.method[1] is 'fast'; methods: greedy, auto"),
    ("[fixed]\nn_devices = 0\n", "{f}: fixed.n_devices: n_devices is 0"),
    ("[grid]\nn_devices = 5\n", "{f}: grid.n_devices is 5; grid values must be a non-empty list"),
    ("[fixed]\nn_devices = 5\n[grid]\nn_devices = [5]\n", "{f}: grid.n_devices is also in [fixed]"),
    ("[sweep]\nseeds = 0\n", "{f}: sweep.seeds is 0; seeds must be an integer >= 1"),
    ("[sweep]\nseeds = [1, 1]\n", "{f}: sweep.seeds must be a non-empty list of distinct integers"),
    ("[sweep]\nscenario = 'city'\n", "{f}: sweep.scenario is 'city'; it must be one of paper_default, heterogeneous"),
])
def test_malformed_sweep_file_names_file_and_key(tmp_path, text, message):
    path = tmp_path / "sweep.toml"
    path.write_text(text)
    with pytest.raises(ScenarioFileError) as exc:
        load_sweep(path)
    assert str(exc.value).startswith(message.format(f=path))
