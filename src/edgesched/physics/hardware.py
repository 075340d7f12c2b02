"""Hardware classes: cycles per MAC by precision, an energy model, top frequency and memory.

The paper prices computation in CPU cycles: a task of ``C`` MACs takes ``rho * C`` cycles (Sec. II-A,
eqs. 1-2), at frequency ``f`` it takes ``rho C / f`` seconds and ``kappa rho C f^2`` joules (eq. 3), i.e. the
chip draws ``P = kappa f^3`` watts. The smart-city pipeline of Ali et al. (Step 4) runs models on CPUs, GPUs,
NPUs/TPUs, FPGAs and ASICs; here each is the same model with its own ``rho`` per precision (an accelerator does
many MACs per cycle, so ``rho << 1``; an unsupported precision has no entry), ``kappa``, ``f_max`` and memory.

:data:`HARDWARE` holds presets. **Their numbers are illustrative**, chosen to be of a plausible order for
embedded parts of each class and for an edge and a cloud server; measure your own hardware (cycles per MAC
from a timed inference, ``kappa`` from the power at a known frequency with :meth:`Hardware.from_power`).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._validation import positive_scalar

__all__ = ["BITS", "GB", "HARDWARE", "HARDWARE_KINDS", "MB", "PRECISIONS", "Hardware", "precision_of"]

#: Hardware classes of the smart-city pipeline (Ali et al., Step 4): ``"npu"`` covers NPUs and TPUs,
#: ``"server"`` edge and cloud machines.
HARDWARE_KINDS = ("cpu", "gpu", "npu", "fpga", "asic", "server")
#: Precisions, and their bits per weight and per activation.
PRECISIONS = ("fp32", "fp16", "int8")
BITS = {"fp32": 32, "fp16": 16, "int8": 8}
MB = 8e6  #: one megabyte in bit
GB = 8e9  #: one gigabyte in bit


def precision_of(bits: Any) -> str:
    """The precision stored with ``bits`` bits per value: 32 -> fp32, 16 -> fp16, 8 -> int8."""
    for name, b in BITS.items():
        if bits == b and not isinstance(bits, bool):
            return name
    raise ValueError(f"bits is {bits!r}; bits must be one of 32 (fp32), 16 (fp16), 8 (int8)")


@dataclass(frozen=True)
class Hardware:
    """One processor: the paper's cost model (eqs. 1-3) with per-precision cycles per MAC.

    Attributes
    ----------
    name : str
    kind : str
        One of :data:`HARDWARE_KINDS`.
    cycles_per_mac : mapping precision -> float
        ``rho`` in cycle/MAC for each supported precision of :data:`PRECISIONS` (> 0).
    f_max : float
        Top clock frequency in Hz (cycle/s). For an edge server, its total capacity ``F`` (shared,
        Theorem 2); for a device, ``f^md,max`` (Theorem 1 picks the frequency below it).
    kappa : float
        Switched capacitance in J s^2/cycle^3: power ``kappa f^3`` W, energy ``kappa f^2`` J per cycle (eq. 3).
    memory_bits : float
        Memory for weights and activations in bit (``math.inf``: unlimited).
    """

    name: str
    kind: str
    cycles_per_mac: Mapping[str, float]
    f_max: float
    kappa: float
    memory_bits: float = field(default=math.inf)

    def __post_init__(self) -> None:
        if self.kind not in HARDWARE_KINDS:
            raise ValueError(f"kind is {self.kind!r}; kind must be one of {', '.join(HARDWARE_KINDS)}")
        rho = dict(self.cycles_per_mac)
        if not rho:
            raise ValueError(f"cycles_per_mac of {self.name!r} is empty; give rho for at least one precision")
        for p, v in rho.items():
            if p not in PRECISIONS:
                raise ValueError(f"cycles_per_mac has precision {p!r}; precisions are {', '.join(PRECISIONS)}")
            rho[p] = positive_scalar(f"cycles_per_mac[{p!r}]", v, unit="cycle/MAC")
        object.__setattr__(self, "cycles_per_mac", rho)
        object.__setattr__(self, "f_max", positive_scalar("f_max", self.f_max, unit="Hz"))
        object.__setattr__(self, "kappa", positive_scalar("kappa", self.kappa, unit="J s^2/cycle^3"))
        if self.memory_bits != math.inf:
            object.__setattr__(self, "memory_bits", positive_scalar("memory_bits", self.memory_bits, unit="bit"))

    @classmethod
    def from_power(cls, name: str, kind: str, cycles_per_mac: Mapping[str, float], f_max: float, power: float,
                   memory_bits: float = math.inf, at_frequency: float | None = None) -> Hardware:
        """A processor drawing ``power`` W at ``at_frequency`` Hz (default ``f_max``): ``kappa = P / f^3``."""
        f = positive_scalar("at_frequency", f_max if at_frequency is None else at_frequency, unit="Hz")
        return cls(name, kind, cycles_per_mac, f_max, positive_scalar("power", power, unit="W") / f**3, memory_bits)

    def supports(self, precision: str) -> bool:
        """Whether the processor runs ``precision`` (has a cycles-per-MAC figure for it)."""
        return precision in self.cycles_per_mac

    def rho(self, precision: str) -> float:
        """Cycles per MAC (cycle/MAC) at ``precision``; ValueError if unsupported."""
        if precision not in self.cycles_per_mac:
            raise ValueError(f"{self.name!r} does not run {precision}; it runs {', '.join(self.cycles_per_mac)}")
        return self.cycles_per_mac[precision]

    def power(self, f: float | None = None) -> float:
        """Power in W at ``f`` Hz (default ``f_max``): ``kappa f^3`` (eq. 3 per second)."""
        f = self.f_max if f is None else f
        return self.kappa * f**3

    def latency(self, cycles: float) -> float:
        """Seconds to run ``cycles`` cycles at ``f_max`` (eq. 1: ``rho C / f``)."""
        return cycles / self.f_max

    def energy(self, cycles: float) -> float:
        """Joules to run ``cycles`` cycles at ``f_max`` (eq. 3: ``kappa rho C f^2``)."""
        return self.kappa * cycles * self.f_max**2


def _presets() -> dict[str, Hardware]:
    w = Hardware.from_power
    return {h.name: h for h in (
        # The paper's device: rho = 0.12 cycle/MAC, kappa = 1e-28 (Sec. V); SIMD int8 does 4 MACs per lane.
        Hardware("cpu", "cpu", {"fp32": 0.12, "fp16": 0.12, "int8": 0.03}, 1.8e9, 1e-28, 4 * GB),
        w("gpu", "gpu", {"fp32": 4e-3, "fp16": 2e-3, "int8": 1e-3}, 1.1e9, 10.0, 8 * GB),
        w("npu", "npu", {"fp16": 1e-3, "int8": 5e-4}, 1.0e9, 2.0, 2 * GB),
        w("fpga", "fpga", {"fp32": 1.6e-2, "fp16": 4e-3, "int8": 2e-3}, 3.0e8, 5.0, 1 * GB),
        w("asic", "asic", {"int8": 2e-4}, 8.0e8, 1.0, 256 * MB),
        # The paper's edge server: 22 GHz of rho = 0.12 cycle/MAC CPU (Sec. V).
        Hardware("edge_cpu", "server", {"fp32": 0.12, "fp16": 0.12, "int8": 0.03}, 22e9, 1e-28, 64 * GB),
        w("edge_gpu", "server", {"fp32": 2e-4, "fp16": 5e-5, "int8": 2.5e-5}, 1.5e9, 300.0, 80 * GB),
        w("cloud_gpu", "server", {"fp32": 1e-4, "fp16": 2.5e-5, "int8": 1.25e-5}, 1.8e9, 700.0),
    )}


#: Illustrative presets by name (see the module docstring): device classes ``cpu``, ``gpu``, ``npu``,
#: ``fpga``, ``asic`` and servers ``edge_cpu`` (the paper's), ``edge_gpu``, ``cloud_gpu``.
HARDWARE: dict[str, Hardware] = _presets()
