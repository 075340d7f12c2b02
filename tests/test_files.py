"""Reading files: what is not a regular file, too large, not UTF-8 or not a number is one error naming the file
(and the key and row); a byte-order mark is accepted; paths to write are checked before any work."""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgesched import _files
from edgesched._files import Num, ScenarioFileError, output_dir, output_file, read_csv, read_toml
from edgesched.scenarios import load_scenario

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

SCENARIO = """
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


def scenario(tmp_path: Path, head: str = "devices = [{ distance = 50.0 }, { distance = 80.0 }]\n",
             body: str = SCENARIO) -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(textwrap.dedent(head) + textwrap.dedent(body))
    return path


def error(fn, *args) -> str:
    with pytest.raises(ScenarioFileError) as exc:
        fn(*args)
    message = str(exc.value)
    assert "\n" not in message
    return message


# -- what is read ----------------------------------------------------------------

def test_a_directory_a_device_or_a_dangling_link_is_named(tmp_path):
    assert error(read_toml, str(tmp_path)) == f"{tmp_path}: cannot read the TOML file: it is a directory, not a file"
    if os.path.exists("/dev/zero"):  # would otherwise be read until memory runs out
        assert error(read_toml, "/dev/zero").startswith("/dev/zero: cannot read the TOML file: it is a character")
    link = tmp_path / "gone.toml"
    link.symlink_to(tmp_path / "nowhere.toml")
    assert "gone.toml: cannot read the TOML file: it is a link to" in error(read_toml, str(link))
    assert error(read_toml, str(tmp_path / "missing.toml")).endswith("missing.toml: cannot read the TOML file: "
                                                                     "no such file")


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "big.toml"
    path.write_text("x = 1\n" * 100)
    monkeypatch.setattr(_files, "MAX_TOML_BYTES", 64)
    assert error(read_toml, str(path)) == f"{path}: the TOML file has 600 bytes; at most 64 are read"


def test_text_that_is_not_utf8_names_the_file_and_line(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes("a = 1\nname = 'caf\xe9'\n".encode("latin-1"))
    assert error(read_toml, str(path)) == (f"{path}: line 2: the TOML file is not UTF-8 text (byte 0xe9 at offset 17); "
                                           "save it as UTF-8")


def test_a_byte_order_mark_is_accepted(tmp_path):
    toml = tmp_path / "bom.toml"
    toml.write_bytes(b"\xef\xbb\xbfa = 1\n")
    assert read_toml(str(toml)) == {"a": 1}
    csv = tmp_path / "bom.csv"
    csv.write_bytes(b"\xef\xbb\xbfname,rate\r\ncam,1e7\r\n")
    assert read_csv(str(csv), "devices CSV") == [(1, ["name", "rate"]), (2, ["cam", "1e7"])]


def test_deeply_nested_toml_is_an_error_not_a_crash(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert error(read_toml, str(path)).startswith(f"{path}: not valid TOML")


def test_a_huge_csv_cell_is_reported_by_its_row_and_shortened(tmp_path):
    (tmp_path / "cams.csv").write_text("name,rate\ncam0,1e7\ncam1," + "9" * 500_000 + "x\n")
    message = error(load_scenario, scenario(tmp_path, 'devices = "cams.csv"\n'))
    assert message.startswith(f"{tmp_path / 'cams.csv'}: row 3: rate is '99999")
    assert "(500003 chars)" in message and len(message) < 250


# -- numbers ---------------------------------------------------------------------

@pytest.mark.parametrize("value", ['"5e6"', '"1"', "true", "[5e6]", "{ a = 1 }"])
def test_a_toml_value_that_is_not_a_number_is_refused(tmp_path, value):
    path = scenario(tmp_path, body=SCENARIO.replace("bandwidth = 5e6", f"bandwidth = {value}"))
    assert error(load_scenario, path).startswith(f"{path}: servers[0].bandwidth is ")


def test_csv_cells_are_numbers_and_toml_strings_are_not():
    assert Num("Hz").cell("f: ", "bandwidth", " 5e6 ") == 5e6
    with pytest.raises(ScenarioFileError, match=r"f: bandwidth is '5e6'; bandwidth must be > 0 Hz \(a number, not"):
        Num("Hz").check("f: ", "bandwidth", "5e6")


@pytest.mark.parametrize("value", [np.int64(3), np.int32(3), np.float64(3.0), np.float32(3.0), np.uint8(3), 3, 3.0])
def test_numpy_scalars_are_numbers(value):
    assert Num().check("", "x", value) == 3.0
    assert Num(integer=True).whole("", "x", value) == 3


@pytest.mark.parametrize("value, message", [
    (np.bool_(True), "x is np.True_; x must be > 0"),
    (10**400, "x is 1000000000"),
    (2**64, "x is 18446744073709551616; x must be an integer >= 0 and <= 18446744073709551615"),
    (1.8446744073709552e19, "x is 1.8446744073709552e+19; x must be an integer >= 0 and <= 18446744073709551615"),
])
def test_bools_overflows_and_bounds_are_errors(value, message):
    num = Num(low=0, strict=False, integer=True, high=2**64 - 1) if "<=" in message else Num()
    with pytest.raises(ScenarioFileError) as exc:
        num.check("", "x", value)
    assert str(exc.value).startswith(message)


# -- scenario files ----------------------------------------------------------------

def test_a_bandwidth_whose_noise_power_vanishes_names_the_key(tmp_path):
    path = scenario(tmp_path, body=SCENARIO.replace("bandwidth = 5e6", "bandwidth = 1e-320"))
    assert error(load_scenario, path).startswith(f"{path}: servers[0].bandwidth is 1e-320 Hz; with "
                                                 "system.noise_dbm_per_hz = -174.0 the noise power N0 B is 0 W")


def test_a_rate_that_overflows_names_the_device_and_its_keys(tmp_path):
    path = scenario(tmp_path, "devices = [{ distance = 50.0 }, { distance = 1e-300, tx_power = 1e300 }]\n")
    message = error(load_scenario, path)
    assert message.startswith(f"{path}: devices[1].distance is 1e-300 m; the uplink rate there")
    assert "tx_power 1e+300 W" in message and "bandwidth 5e+06 Hz" in message and "is inf bit/s" in message


def test_a_cost_the_solver_rejects_names_the_device_as_the_file_gives_it(tmp_path):
    path = scenario(tmp_path, "devices = [{ distance = 50.0 }, { distance = 80.0, kappa = 1e300 }]\n")
    with pytest.raises(ScenarioFileError) as exc:
        load_scenario(path).solve("greedy")
    assert str(exc.value).startswith(f"{path}: devices[1]: its costs overflow or vanish")
    (tmp_path / "cams.csv").write_text("# cameras\nname,distance,kappa\na,50,1e-28\n\nb,80,1e300\n")
    with pytest.raises(ScenarioFileError) as exc:
        load_scenario(scenario(tmp_path, 'devices = "cams.csv"\n')).solve("greedy")
    assert str(exc.value).startswith(f"{tmp_path / 'cams.csv'}: row 5: its costs overflow or vanish")


def test_accuracy_csv_errors_name_the_file_and_row(tmp_path):
    body = SCENARIO + '[models.r3d_18]\naccuracy = "acc.csv"\n'
    path = scenario(tmp_path, body=body)
    assert error(load_scenario, path) == (f"{path}: models.r3d_18.accuracy is 'acc.csv'; cannot read "
                                          f"{tmp_path / 'acc.csv'}: no such file")
    acc = tmp_path / "acc.csv"
    acc.write_text("frames,accuracy\n4,0.8\n8,0.92\n12,0.91\n")
    assert error(load_scenario, path).startswith(f"{acc}: row 4: accuracy[2] (frames=12) is 0.91 < accuracy[1]")
    acc.write_text("frames,accuracy\n4,0.8\n8,high\n")
    assert error(load_scenario, path) == f"{acc}: row 3: accuracy is 'high'; accuracy must be in [0, 1]"
    acc.write_text("frame,accuracy\n4,0.8\n")
    assert error(load_scenario, path).startswith(f"{acc}: row 1: the header ['frame', 'accuracy'] has no 'frames'")
    acc.write_bytes(b"\xef\xbb\xbfFrames,Accuracy\r\n4,0.8\r\n8,0.92\r\n16,0.95\r\n")  # "CSV UTF-8"
    f = load_scenario(path)
    assert f.frames.tolist() == [8, 8]


def test_a_devices_csv_saved_by_a_spreadsheet_reads(tmp_path):
    (tmp_path / "cams.csv").write_bytes(b"\xef\xbb\xbfname,distance\r\ncam0,50\r\ncam1,80\r\n")
    f = load_scenario(scenario(tmp_path, 'devices = "cams.csv"\n'))
    assert f.device == ("cam0", "cam1") and f.distance.tolist() == [50.0, 80.0]
    (tmp_path / "cams.csv").write_text("name,distance,name\ncam0,50,x\n")
    assert error(load_scenario, scenario(tmp_path, 'devices = "cams.csv"\n')) == (
        f"{tmp_path / 'cams.csv'}: row 1: the header names 'name' twice")


def test_the_devices_csv_may_not_be_a_directory(tmp_path):
    (tmp_path / "cams.csv").mkdir()
    assert error(load_scenario, scenario(tmp_path, 'devices = "cams.csv"\n')) == (
        f"{tmp_path / 'scenario.toml'}: devices is 'cams.csv'; cannot read {tmp_path / 'cams.csv'}: it is a "
        "directory, not a file")


# -- paths to write ------------------------------------------------------------------

def test_output_paths_are_checked_before_any_work(tmp_path):
    assert output_file(str(tmp_path / "s.csv"), "-o") == str(tmp_path / "s.csv")
    assert error(output_file, str(tmp_path), "-o") == f"{tmp_path}: -o names a directory; give a file path"
    assert error(output_file, str(tmp_path / "no" / "s.csv"), "-o") == (
        f"{tmp_path / 'no' / 's.csv'}: -o names a file in {tmp_path / 'no'}, which is not a directory (it does not "
        "exist)")
    (tmp_path / "f").write_text("")
    assert error(output_dir, str(tmp_path / "f"), "--out") == f"{tmp_path / 'f'}: --out names a file; give a directory"
    assert error(output_dir, str(tmp_path / "f" / "sub"), "--out").startswith(
        f"{tmp_path / 'f' / 'sub'}: --out: cannot create the directory")
    output_dir(str(tmp_path / "a" / "b"), "--out")
    assert (tmp_path / "a" / "b").is_dir()


# -- every example file reads ------------------------------------------------------

@settings(max_examples=30)
@given(prefix=st.sampled_from([b"", b"\xef\xbb\xbf"]), newline=st.sampled_from([b"\n", b"\r\n"]))
def test_examples_read_with_any_line_ending_and_bom(tmp_path_factory, prefix, newline):
    folder = tmp_path_factory.mktemp("ex")
    for name in ("two_cells.toml", "two_cells_devices.csv", "two_cells_accuracy.csv"):
        (folder / name).write_bytes(prefix + (EXAMPLES / name).read_bytes().replace(b"\n", newline))
    assert load_scenario(folder / "two_cells.toml").device == load_scenario(EXAMPLES / "two_cells.toml").device
