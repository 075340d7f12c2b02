"""The profile report (the shape of a before/after table) and its command-line subcommand."""
from __future__ import annotations

import argparse
import math

import pytest

from edgesched.experiments.profiling import ProfileReport, add_parser, profile
from edgesched.physics.hardware import HARDWARE, MB, Hardware
from edgesched.physics.macs import r3d18
from edgesched.physics.variants import ModelVariant


def test_numbers_come_from_the_variant_and_the_hardware() -> None:
    rep = profile("r3d_18", prune=0.5, bits=8, rank=0.5, frames=9)
    after = ModelVariant("r3d_18", prune=0.5, bits=8, rank=0.5)
    assert rep.macs_before == r3d18(9) and rep.macs_after == after.macs(9)
    assert rep.params_before == ModelVariant("r3d_18").params() and rep.params_after == after.params()
    assert rep.size_before == rep.params_before * 32 and rep.size_after == rep.params_after * 8
    assert rep.size_reduction == pytest.approx(1 - rep.size_after / rep.size_before, rel=1e-15)
    assert rep.clip == (9, 112, 112) and rep.after == after.name
    rows = {e.hardware: e for e in rep.hardware}
    assert set(rows) == {"cpu", "gpu", "npu", "fpga", "asic"}
    cpu = HARDWARE["cpu"]
    assert rows["cpu"].latency_before == pytest.approx(0.12 * rep.macs_before / cpu.f_max, rel=1e-15)  # eq. (1)
    assert rows["cpu"].energy_after == pytest.approx(cpu.kappa * 0.03 * rep.macs_after * cpu.f_max**2, rel=1e-12)
    assert rows["cpu"].power == pytest.approx(cpu.kappa * cpu.f_max**3, rel=1e-15)
    assert math.isnan(rows["npu"].latency_before)  # no fp32 on the NPU
    npu = HARDWARE["npu"]
    assert rows["npu"].latency_after == pytest.approx(5e-4 * rep.macs_after / npu.f_max, rel=1e-15)


def test_memory_limits_show_as_not_available() -> None:
    tiny = Hardware.from_power("tiny", "asic", {"int8": 2e-4}, 8e8, 1.0, memory_bits=8 * MB)
    rep = profile("r3d_18", bits=8, hardware=["asic", tiny])
    assert rep.hardware[0].latency_after > 0 and math.isnan(rep.hardware[1].latency_after)
    with pytest.raises(ValueError, match=r"hardware\[0\] is 'tpu9'"):
        profile("r3d_18", hardware=["tpu9"])


def test_report_text() -> None:
    rep = profile("mobilenet_v2_tavg", sparsity=0.9, bits=16)
    text = str(rep)
    assert isinstance(rep, ProfileReport) and text == rep.table()
    assert "size reduction" in text and "MACs (GMAC)" in text and "mobilenet_v2_tavg/sparse0.9/fp16" in text
    for name in ("cpu", "gpu", "npu", "fpga", "asic"):
        assert any(line.startswith(name) for line in text.splitlines())
    assert "n/a" in text  # the fp32 original does not run on the NPU or the ASIC


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="edgesched")
    add_parser(p.add_subparsers(dest="command", required=True))
    return p


def test_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    args = parser().parse_args(["profile", "r3d_18", "--prune", "0.5", "--bits", "8", "--frames", "16"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "r3d_18 -> r3d_18/prune0.5/int8" in out and "40.7" in out
    args = parser().parse_args(["profile", "r2plus1d_18", "--prune", "layer3=0.5,layer4=0.25", "--rank", "0.5"])
    assert args.prune == {"layer3": 0.5, "layer4": 0.25}
    assert args.func(args) == 0
    assert "prunelayer3:0.5,layer4:0.25/rank0.5" in capsys.readouterr().out
    args = parser().parse_args(["profile", "r3d_18", "--prune", "1.5"])
    with pytest.raises(ValueError, match=r"prune is 1\.5"):  # cli.main turns it into an error message
        args.func(args)


@pytest.mark.parametrize("argv", [["profile", "vgg16"], ["profile", "r3d_18", "--bits", "4"],
                                  ["profile", "r3d_18", "--prune", "half"]])
def test_command_line_rejects_bad_arguments(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        parser().parse_args(argv)
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err
