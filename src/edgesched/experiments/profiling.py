"""Before/after profile of a compressed model, in the shape of the before/after tables of Ali et al. (Tables 3-4).

:func:`profile` applies the transforms of :mod:`edgesched.variants` to an architecture and reports exact MACs
(MAC), parameters, stored size (bit; shown in MB) and size reduction, and for each hardware class the estimated
latency ``rho C / f_max`` (s, eq. 1), energy ``kappa rho C f_max^2`` (J, eq. 3) and power ``kappa f_max^3``
(W) before (fp32, untransformed) and after. Latency and energy are the paper's cycle model with the
hardware's (illustrative, :mod:`edgesched.hardware`) cycles per MAC, not measurements. ``add_parser``
registers the ``edgesched profile`` command.
"""
from __future__ import annotations

import argparse
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..physics.arch import ARCHITECTURES, Architecture
from ..physics.hardware import HARDWARE, MB, Hardware
from ..physics.variants import ModelVariant

__all__ = ["HardwareEstimate", "ProfileReport", "add_parser", "profile"]

#: Hardware classes a profile reports by default (the hardware classes of Ali et al.'s pipeline, Step 4).
DEFAULT_HARDWARE = ("cpu", "gpu", "npu", "fpga", "asic")


@dataclass(frozen=True)
class HardwareEstimate:
    """Estimates on one hardware class; NaN where the model cannot run there (precision or memory)."""

    hardware: str
    power: float  #: W at f_max
    latency_before: float  #: s
    latency_after: float  #: s
    energy_before: float  #: J
    energy_after: float  #: J


@dataclass(frozen=True)
class ProfileReport:
    """A model before and after compression (see the module docstring); sizes in bit, MACs in MAC."""

    before: str
    after: str
    clip: tuple[int, int, int]
    macs_before: int
    macs_after: int
    params_before: int
    params_after: int
    size_before: int
    size_after: int
    hardware: tuple[HardwareEstimate, ...]

    @property
    def size_reduction(self) -> float:
        """Fraction of the stored size removed ("model size reduction")."""
        return 1.0 - self.size_after / self.size_before

    def table(self) -> str:
        """The report as text: a model table (Table 3's shape) and a hardware table (Table 4's shape)."""

        def change(a: float, b: float) -> str:
            return f"{100.0 * (b - a) / a:+.1f}%" if a and math.isfinite(a) and math.isfinite(b) else "n/a"

        def fmt(x: float, scale: float) -> str:
            return f"{x / scale:.4g}" if math.isfinite(x) else "n/a"

        frames, height, width = self.clip
        lines = [f"profile: {self.before} -> {self.after}, {frames} x {height} x {width} clip "
                 "(frames x height x width)",
                 f"{'':<16}{'before':>14}{'after':>14}{'change':>10}"]
        for label, a, b, scale in (("MACs (GMAC)", self.macs_before, self.macs_after, 1e9),
                                   ("params (M)", self.params_before, self.params_after, 1e6),
                                   ("size (MB)", self.size_before, self.size_after, MB)):
            lines.append(f"{label:<16}{fmt(a, scale):>14}{fmt(b, scale):>14}"
                         f"{change(a, b):>10}")
        lines.append(f"size reduction: {100.0 * self.size_reduction:.1f}%")
        lines.append(f"{'hardware':<10}{'power W':>9}{'latency ms':>12}{'after ms':>10}{'change':>9}"
                     f"{'energy mJ':>11}{'after mJ':>10}{'change':>9}")
        for e in self.hardware:
            lines.append(f"{e.hardware:<10}{e.power:>9.3g}{fmt(e.latency_before, 1e-3):>12}"
                         f"{fmt(e.latency_after, 1e-3):>10}{change(e.latency_before, e.latency_after):>9}"
                         f"{fmt(e.energy_before, 1e-3):>11}{fmt(e.energy_after, 1e-3):>10}"
                         f"{change(e.energy_before, e.energy_after):>9}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def _estimate(v: ModelVariant, hw: Hardware, clip: tuple[int, int, int]) -> tuple[float, float]:
    """(latency s, energy J) of one clip at f_max, NaN if the precision is unsupported or it does not fit."""
    a = v.analyze(*clip)
    if not hw.supports(v.precision) or v.footprint_bits(a, 0, len(a.layers)) > hw.memory_bits:
        return math.nan, math.nan
    cycles = v.cycles(hw, a.macs)
    return hw.latency(cycles), hw.energy(cycles)


def profile(arch: str | Architecture, *, prune: float | Mapping[str, float] | None = None, bits: int = 32,
            rank: float | None = None, sparsity: float = 0.0, sparse_speedup: float = 1.0, frames: int = 16,
            height: int | None = None, width: int | None = None,
            hardware: Sequence[str | Hardware] = DEFAULT_HARDWARE) -> ProfileReport:
    """Profile ``arch`` before and after the transforms (arguments as :class:`ModelVariant`) on a
    ``frames x height x width`` clip (default 112 x 112; 1 x 1 for a sensor series, whose ``frames`` are
    samples), on each of ``hardware`` (preset names of :data:`HARDWARE` or :class:`Hardware`)."""
    before = ModelVariant(arch)
    after = ModelVariant(arch, prune=prune, rank=rank, sparsity=sparsity, sparse_speedup=sparse_speedup,
                         bits=bits)
    side = 1 if before.network.modality == "series" else 112
    clip = (frames, side if height is None else height, side if width is None else width)
    ab, aa = before.analyze(*clip), after.analyze(*clip)
    rows = []
    for i, h in enumerate(hardware):
        if isinstance(h, str):
            if h not in HARDWARE:
                raise ValueError(f"hardware[{i}] is {h!r}; presets are {', '.join(HARDWARE)}")
            h = HARDWARE[h]
        lb, eb = _estimate(before, h, clip)
        la, ea = _estimate(after, h, clip)
        rows.append(HardwareEstimate(h.name, h.power(), lb, la, eb, ea))
    return ProfileReport(before.name, after.name, clip, ab.macs, aa.macs, ab.params, aa.params,
                         before.size_bits(*clip), after.size_bits(*clip), tuple(rows))


def _prune_arg(text: str) -> float | dict[str, float]:
    """``0.5`` (every stage) or ``layer3=0.5,layer4=0.25`` (per stage)."""
    try:
        if "=" not in text:
            return float(text)
        return {k.strip(): float(v) for k, v in (item.split("=") for item in text.split(","))}
    except ValueError:
        raise argparse.ArgumentTypeError(f"--prune is {text!r}; give a ratio (0.5) or stage=ratio pairs "
                                         "(layer3=0.5,layer4=0.25)") from None


def _run(args: argparse.Namespace) -> int:
    print(profile(args.arch, prune=args.prune, bits=args.bits, rank=args.rank, sparsity=args.sparsity,
                  sparse_speedup=args.sparse_speedup, frames=args.frames, height=args.height, width=args.width))
    return 0


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register ``profile ARCH [--prune R] [--bits B] [--rank R] [--sparsity S] [--frames M] ...`` on an
    ``argparse`` subparsers object; the parsed namespace's ``func(args)`` prints the report and returns 0."""
    p = sub.add_parser("profile", help="MACs, size, latency and energy of a model before/after compression",
                       description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("arch", choices=sorted(ARCHITECTURES), help="architecture")
    p.add_argument("--prune", type=_prune_arg, default=None,
                   help="structured pruning: kept-width ratio, or stage=ratio pairs (layer3=0.5,layer4=0.5)")
    p.add_argument("--bits", type=int, choices=(32, 16, 8), default=32, help="quantization: fp32, fp16, int8")
    p.add_argument("--rank", type=float, default=None, help="low-rank factorisation: rank ratio in (0, 1]")
    p.add_argument("--sparsity", type=float, default=0.0, help="unstructured pruning: fraction of zero weights")
    p.add_argument("--sparse-speedup", type=float, default=1.0, help="compute speed-up from sparsity (>= 1)")
    p.add_argument("--frames", type=int, default=16, help="input frames M (default 16)")
    p.add_argument("--height", type=int, default=None, help="frame height in pixels (default 112; 1 for a series)")
    p.add_argument("--width", type=int, default=None, help="frame width in pixels (default 112; 1 for a series)")
    p.set_defaults(func=_run)
    return p
