from __future__ import annotations

import argparse
import csv
from pathlib import Path

import pytest

from edgesched.cli import SUBCOMMANDS, main


def test_demo_prints_every_method(capsys):
    assert main(["demo", "--devices", "8", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    for method in ("greedy", "auto", "exhaustive", "local", "edge", "random"):
        assert f"{method}: cost" in out
    assert out.count(" edge ") + out.count(" local ") >= 8  # one decision row per device


def test_demo_bad_argument_is_a_clear_error(capsys):
    assert main(["demo", "--devices", "0"]) == 2
    assert "n_devices" in capsys.readouterr().err


def test_help_exits_cleanly():
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("command", [None, "demo", "solve", "sweep", "reproduce"])
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main(([command] if command else []) + ["--help"])
    assert exc.value.code == 0
    assert "usage: edgesched" in capsys.readouterr().out


def test_a_subcommand_is_registered_by_one_function():
    names = {add(argparse.ArgumentParser().add_subparsers()).prog.split()[-1] for add in SUBCOMMANDS}
    assert names == {"demo", "solve", "sweep", "reproduce", "profile", "simulate"}


def test_profile_subcommand(capsys):
    assert main(["profile", "r3d_18", "--prune", "0.5", "--bits", "8", "--frames", "8"]) == 0
    out = capsys.readouterr().out
    assert "r3d_18 -> r3d_18/prune0.5/int8, 8 x 112 x 112" in out and "size reduction" in out


def test_solve_writes_the_schedule_csv(tmp_path, capsys):
    out = tmp_path / "schedule.csv"
    assert main(["solve", str(EXAMPLES / "paper_default.toml"), "-o", str(out), "--method", "greedy"]) == 0
    text = capsys.readouterr().out
    assert "20 devices, 1 server(s), method 'greedy'" in text and "greedy: cost" in text
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert [r["device"] for r in rows] == [f"cam{i:02d}" for i in range(20)]
    assert {r["placement"] for r in rows} <= {"edge", "local"}


def test_solve_prints_the_table_and_each_servers_cost(capsys):
    assert main(["solve", str(EXAMPLES / "two_cells.toml")]) == 0
    out = capsys.readouterr().out
    assert "server north: cost" in out and "server south: cost" in out
    assert out.count(" edge ") + out.count(" local ") >= 12


def test_solve_of_a_malformed_file_names_file_key_and_row(tmp_path, capsys):
    bad = tmp_path / "scenario.toml"
    bad.write_text((EXAMPLES / "paper_default.toml").read_text().replace(
        '{ name = "cam03", x = 53.32, y = 114.75 }', '{ name = "cam03", rate = -1.0 }'))
    assert main(["solve", str(bad)]) == 2
    assert capsys.readouterr().err == f"edgesched: error: {bad}: devices[3].rate is -1.0; rate must be > 0 bit/s\n"


def test_sweep_file_runs_and_resumes(tmp_path, capsys):
    pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    spec = tmp_path / "sweep.toml"
    spec.write_text("[sweep]\nseeds = 2\n[fixed]\nn_devices = 6\n[grid]\nbandwidth = [1e6, 5e6]\n"
                    "method = ['greedy', 'local']\n")
    out = tmp_path / "out"
    args = ["sweep", str(spec), "--out", str(out), "--workers", "1", "--no-progress"]
    assert main(args) == 0
    first = (out / "results.csv").read_text()
    assert len(first.splitlines()) == 1 + 2 * 2 * 2
    assert "offload_rate" in capsys.readouterr().out
    assert main(args) == 0  # everything is in the store: nothing runs again, same rows
    assert (out / "results.csv").read_text() == first
    assert (out / "summary.csv").exists()


def test_reproduce_writes_figure_and_data(tmp_path, capsys):
    pytest.importorskip("pandas")
    pytest.importorskip("matplotlib")
    assert main(["reproduce", "fig3", "--quick", "--seeds", "2", "--workers", "1", "--out", str(tmp_path),
                 "--no-progress"]) == 0
    assert (tmp_path / "fig3.png").stat().st_size > 0 and (tmp_path / "fig3.csv").exists()
    assert str(tmp_path / "fig3.png") in capsys.readouterr().out
