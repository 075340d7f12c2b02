"""Every command-line error is one line on stderr naming the file (and the key), with a non-zero exit status and no
traceback; a closed pipe on stdout ends quietly."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import edgesched
from edgesched.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ROOT = Path(__file__).resolve().parents[1]


def one_line_error(capsys, argv: list[str], *expected: str) -> str:
    """Run ``main(argv)``: a non-zero status and one line on stderr holding every ``expected`` text."""
    status = main(argv)
    err = capsys.readouterr().err
    assert status != 0
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert err.startswith("edgesched: error: ") and "Traceback" not in err, err
    for text in expected:
        assert text in err, (text, err)
    return err


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


# -- paths to write ----------------------------------------------------------------

def test_solve_output_that_is_a_directory_or_in_a_missing_one(tmp_path, capsys):
    scenario = str(EXAMPLES / "paper_default.toml")
    one_line_error(capsys, ["solve", scenario, "-o", str(tmp_path)], f"{tmp_path}: -o names a directory")
    missing = tmp_path / "nope" / "s.csv"
    one_line_error(capsys, ["solve", scenario, "-o", str(missing)], f"{missing}: -o names a file in",
                   "does not exist")


def test_out_directories_that_are_files(tmp_path, capsys, monkeypatch):
    pytest.importorskip("pandas")
    afile = write(tmp_path / "afile", "")
    sweep = write(tmp_path / "sweep.toml", "[sweep]\nseeds = 1\n[fixed]\nn_devices = 3\n")
    one_line_error(capsys, ["sweep", sweep, "--out", afile], f"{afile}: --out names a file; give a directory")
    sim = write(tmp_path / "sim.toml", "[simulation]\nsteps = 2\n[city]\nn_stations = 4\ndevices_per_station = 2\n")
    one_line_error(capsys, ["simulate", sim, "--out", afile, "--no-progress"], f"{afile}: --out names a file")
    one_line_error(capsys, ["reproduce", "fig3", "--quick", "--out", os.path.join(afile, "figs")],
                   f"{afile}{os.sep}figs: --out: cannot create the directory")
    write(tmp_path / "sweep-results", "")  # the default output directory of sweep.toml, taken by a file
    one_line_error(capsys, ["sweep", sweep], "sweep-results: sweep.out of ", "names a file")


# -- files to read ---------------------------------------------------------------------

def test_files_that_are_not_regular_or_not_utf8(tmp_path, capsys):
    if os.path.exists("/dev/zero"):
        one_line_error(capsys, ["solve", "/dev/zero"], "/dev/zero: cannot read the scenario file: it is a character")
    one_line_error(capsys, ["solve", str(tmp_path)], f"{tmp_path}: cannot read the scenario file: it is a directory")
    bad = tmp_path / "latin.toml"
    bad.write_bytes(b"# caf\xe9\n")
    one_line_error(capsys, ["solve", str(bad)], f"{bad}: line 1: the scenario file is not UTF-8 text")
    one_line_error(capsys, ["simulate", str(bad)], f"{bad}: line 1: the simulation file is not UTF-8 text")
    one_line_error(capsys, ["sweep", str(bad)], f"{bad}: line 1: the sweep file is not UTF-8 text")


def test_a_missing_accuracy_csv_and_a_huge_cell(tmp_path, capsys):
    text = (EXAMPLES / "two_cells.toml").read_text()
    (tmp_path / "two_cells_devices.csv").write_text((EXAMPLES / "two_cells_devices.csv").read_text())
    scenario = write(tmp_path / "two_cells.toml", text)
    one_line_error(capsys, ["solve", scenario], f"{scenario}: models.r3d_18_quarter.accuracy is "
                   f"'two_cells_accuracy.csv'; cannot read {tmp_path / 'two_cells_accuracy.csv'}: no such file")
    write(tmp_path / "two_cells_accuracy.csv", "frames,accuracy\n4,0.7\n8," + "8" * 300_000 + "\n")
    one_line_error(capsys, ["solve", scenario], f"{tmp_path / 'two_cells_accuracy.csv'}: row 3: accuracy is inf")


def test_a_bandwidth_that_makes_the_rate_overflow_is_named(tmp_path, capsys):
    text = (EXAMPLES / "paper_default.toml").read_text().replace("bandwidth = 5e6", "bandwidth = 1e-320")
    scenario = write(tmp_path / "s.toml", text)
    one_line_error(capsys, ["solve", scenario], f"{scenario}: servers[0].bandwidth is 1e-320 Hz")


def test_a_toml_string_is_not_a_number(tmp_path, capsys):
    text = (EXAMPLES / "paper_default.toml").read_text().replace("bandwidth = 5e6", 'bandwidth = "5e6"')
    scenario = write(tmp_path / "s.toml", text)
    one_line_error(capsys, ["solve", scenario], f"{scenario}: servers[0].bandwidth is '5e6'")


# -- sweep files: what a task would fail on is checked up front --------------------------

@pytest.mark.parametrize("body, expected", [
    ("[grid]\nw_delay = [0.5, 0.0]\n", "grid.w_delay[1]: w_delay is 0.0; w_delay must be > 0"),
    ("[fixed]\nn_devices = 40\nmethod = 'exhaustive'\n", "fixed.method is 'exhaustive' and fixed.n_devices is 40"),
    ("[grid]\nmethod = ['greedy', 'exhaustive']\nn_devices = [4, 40]\n",
     "grid.method[1] is 'exhaustive' and grid.n_devices[1] is 40; exhaustive solves at most"),
    ("[sweep]\nseeds = [0, 18446744073709551616]\n", "sweep.seeds[1] is 18446744073709551616"),
    ("[sweep]\nseeds = [1e300]\n", "sweep.seeds[0] is 1e+300"),
    ("[sweep]\nseeds = 1e300\n", "sweep.seeds is 1e+300 with 1 grid point(s); 1e+300 tasks would take about"),
    ("[fixed]\nn_devices = 1e12\n", "fixed.n_devices: n_devices is 1000000000000.0; 1,000,000,000,000 devices"),
    ("[grid]\nbandwidth = [1e6, 1000000]\n", "grid.bandwidth[1] is 1000000, the same value as grid.bandwidth[0]"),
    ("[grid]\nbandwidth = ['5e6']\n", "grid.bandwidth[0] is '5e6'; bandwidth takes numbers"),
    ("[sweep]\nscenario = 'heterogeneous'\n[fixed]\nalpha_range = [0.8, 0.944]\n",
     "fixed.alpha_range: device 0: alpha[0] = 0.944 is unreachable"),
])
def test_sweep_values_a_task_would_fail_on_are_refused_up_front(tmp_path, capsys, body, expected):
    pytest.importorskip("pandas")
    path = write(tmp_path / "sweep.toml", body)
    one_line_error(capsys, ["sweep", path, "--out", str(tmp_path / "out")], f"{path}: {expected}")
    assert not (tmp_path / "out").exists()


def test_a_damaged_store_is_named(tmp_path, capsys):
    pytest.importorskip("pandas")
    path = write(tmp_path / "sweep.toml", "[sweep]\nseeds = 2\n[fixed]\nn_devices = 3\nmethod = 'greedy'\n")
    out = tmp_path / "out"
    assert main(["sweep", path, "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    capsys.readouterr()
    chunk = next((out / "store").glob("chunk-*.parquet"))
    chunk.write_bytes(chunk.read_bytes()[:-5])
    one_line_error(capsys, ["sweep", path, "--out", str(out), "--no-progress"], f"{chunk}: damaged")
    chunk.unlink()
    store = out / "store"
    os.rename(store, tmp_path / "moved")
    store.write_text("")
    one_line_error(capsys, ["sweep", path, "--out", str(out)], f"{store}: the sweep store must be a directory")


# -- simulation files: sizes and magnitudes ----------------------------------------------

@pytest.mark.parametrize("body, expected", [
    ("[city]\nstation_spacing = 1e308\n", "city.station_spacing is 1e+308; with it the city's side"),
    ("[city]\nn_stations = 1e12\n", "city.n_stations is 1000000000000; 1,000,000,000,000 stations would take"),
    ("[policy]\ncold_node_limit = 1e30\n", "policy.cold_node_limit is 1e+30; cold_node_limit must be an integer"),
    ("[population]\narrival_rate = 1e30\n", "population.arrival_rate is 1e+30 over simulation.steps = 100 steps"),
    ("[city]\nf_edge_max = 1e-320\n", "city.f_edge_max is 1e-320; with it a server's price"),
    ("[city]\nbandwidth = 1e-320\n", "city.bandwidth is 1e-320; with it the noise power N0 B is 0 W"),
])
def test_simulate_values_that_cannot_work_are_refused_naming_the_key(tmp_path, capsys, body, expected):
    path = write(tmp_path / "sim.toml", body)
    one_line_error(capsys, ["simulate", path, "--out", str(tmp_path / "out")], f"{path}: {expected}")


# -- the process: entry point, exit status, pipes ------------------------------------------

def _run(args: list[str], **kw) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(edgesched.__file__).resolve().parents[1]),
                                         env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "edgesched", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120, **kw)


@pytest.mark.parametrize("argv, expected", [
    (["sweep", "x.toml", "--workers", "0"], "edgesched sweep: error: argument --workers: must be an integer >= 1"),
    (["reproduce", "fig3", "--seeds", "-2"], "edgesched reproduce: error: argument --seeds: must be an integer >= 1"),
    (["solve"], "edgesched solve: error: the following arguments are required: scenario"),
])
def test_argument_errors_in_process(capsys, argv, expected):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.count("\n") == 1 and err.startswith(expected), err


def test_argument_errors_are_one_line_too():
    done = _run(["solve", "--method", "fastest", "x.toml"])
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "argument --method: invalid choice: 'fastest'" in done.stderr


def test_a_closed_pipe_ends_quietly(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(edgesched.__file__).resolve().parents[1]),
                                         env.get("PYTHONPATH", "")])
    cmd = f"'{sys.executable}' -m edgesched solve examples/paper_default.toml | head -1"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120)
    assert done.stdout.startswith("examples/paper_default.toml: 20 devices") and done.stdout.count("\n") == 1
    assert done.stderr == ""
    assert done.returncode in (0, 141)  # 0 when everything fitted in the pipe before head closed it
    read, write = os.pipe()
    os.close(read)  # a reader that is gone before anything is written: every write fails
    try:
        child = subprocess.run([sys.executable, "-m", "edgesched", "solve", "examples/paper_default.toml"],
                               stdout=write, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT, timeout=120)
    finally:
        os.close(write)
    assert child.stderr == "" and child.returncode == 141


class _ClosedPipe:
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_pipe_in_process(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    assert main(["solve", str(EXAMPLES / "paper_default.toml")]) == 141
    assert capsys.readouterr().err == ""
