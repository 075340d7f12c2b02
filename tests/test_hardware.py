"""Hardware classes: cycles per MAC by precision, kappa from power, memory, and the paper's eqs. 1 and 3."""
from __future__ import annotations

import math

import pytest

from edgesched import reference
from edgesched.physics.hardware import (
    BITS,
    GB,
    HARDWARE,
    HARDWARE_KINDS,
    MB,
    PRECISIONS,
    Hardware,
    precision_of,
)


def test_every_class_of_seed_000_has_a_preset() -> None:
    kinds = {h.kind for h in HARDWARE.values()}
    assert {"cpu", "gpu", "npu", "fpga", "asic"} <= kinds <= set(HARDWARE_KINDS)
    for h in HARDWARE.values():
        assert set(h.cycles_per_mac) <= set(PRECISIONS) and h.cycles_per_mac
        assert h.f_max > 0 and h.kappa > 0 and h.memory_bits > 0
    # accelerators do many MACs per cycle, and int8 at least as many as fp32 where both run
    for h in HARDWARE.values():
        if h.supports("int8") and h.supports("fp32"):
            assert h.rho("int8") <= h.rho("fp32")


def test_paper_device_is_the_cpu_preset() -> None:
    cpu = HARDWARE["cpu"]
    assert cpu.rho("fp32") == 0.12 and cpu.kappa == 1e-28  # Sec. V
    assert HARDWARE["edge_cpu"].f_max == 22e9


def test_kappa_from_power() -> None:
    h = Hardware.from_power("x", "gpu", {"fp16": 1e-3}, 1.2e9, 15.0, 4 * GB)
    assert h.kappa == pytest.approx(15.0 / 1.2e9**3, rel=1e-15)
    assert h.power() == pytest.approx(15.0, rel=1e-12)
    at = Hardware.from_power("y", "fpga", {"int8": 1e-3}, 4e8, 2.0, at_frequency=2e8)
    assert at.power(2e8) == pytest.approx(2.0, rel=1e-12) and at.power() == pytest.approx(16.0, rel=1e-12)
    assert MB * 1000 == GB == 8e9


def test_latency_and_energy_are_eqs_1_and_3() -> None:
    h = HARDWARE["gpu"]
    macs = 3.7e9
    cycles = h.rho("fp16") * macs
    assert h.latency(cycles) == pytest.approx(reference._local_delay(h.rho("fp16"), macs, h.f_max), rel=1e-15)
    assert h.energy(cycles) == pytest.approx(
        reference._local_energy(h.kappa, h.rho("fp16"), macs, h.f_max), rel=1e-12)


def test_precisions() -> None:
    assert [precision_of(b) for b in (32, 16, 8)] == ["fp32", "fp16", "int8"]
    assert all(BITS[precision_of(b)] == b for b in (32, 16, 8))
    assert not HARDWARE["npu"].supports("fp32") and HARDWARE["npu"].supports("int8")
    with pytest.raises(ValueError, match=r"'asic' does not run fp16; it runs int8"):
        HARDWARE["asic"].rho("fp16")
    for bad in (4, True, "8"):
        with pytest.raises(ValueError, match="bits is"):
            precision_of(bad)


@pytest.mark.parametrize(("kw", "pattern"), [
    ({"kind": "tpu2"}, r"kind is 'tpu2'; kind must be one of cpu"),
    ({"cycles_per_mac": {}}, r"cycles_per_mac of 'h' is empty"),
    ({"cycles_per_mac": {"int4": 1.0}}, r"precision 'int4'"),
    ({"cycles_per_mac": {"fp32": -1.0}}, r"cycles_per_mac\['fp32'\] is -1\.0"),
    ({"f_max": 0.0}, r"f_max is 0\.0"),
    ({"kappa": math.nan}, r"kappa is nan"),
    ({"memory_bits": -1}, r"memory_bits is -1"),
    ({"f_max": True}, r"f_max must be a real number; got bool"),
])
def test_bad_hardware_is_a_clear_error(kw: dict, pattern: str) -> None:
    args = {"name": "h", "kind": "cpu", "cycles_per_mac": {"fp32": 0.1}, "f_max": 1e9, "kappa": 1e-28} | kw
    with pytest.raises(ValueError, match=pattern):
        Hardware(**args)


def test_unlimited_memory_by_default() -> None:
    assert Hardware("h", "server", {"fp32": 0.1}, 1e9, 1e-28).memory_bits == math.inf
