from __future__ import annotations

import pytest

from edgesched.cli import main


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
