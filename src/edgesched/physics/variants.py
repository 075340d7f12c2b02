"""Model variants: an architecture, the compression transforms of the smart-city pipeline, and measured accuracy.

The smart-city pipeline of Ali et al. (Sec. III, Steps 2-3) compresses a trained model before deployment. A
:class:`ModelVariant` states which transforms were applied and their exact effect on the cost model (MACs ``C``,
parameters, stored size):

* **structured (channel) pruning** ``prune``: a kept-width ratio for every conv stage, or per stage tag
  (``{"layer3": 0.5}``); every conv of the stage keeps ``kept_width(C_out, ratio)`` filters (every LSTM or
  GRU layer ``kept_width(hidden, ratio)`` units) and the next layer's input shrinks alike. MACs and
  parameters follow exactly from the pruned layer description.
* **unstructured pruning** ``sparsity``: that fraction of the conv, linear and recurrent weights is zero. The
  stored size shrinks (bitmask format: 1 bit per weight plus the non-zeros, or dense where that is smaller);
  the compute shrinks only by the user-given ``sparse_speedup`` (default 1: dense hardware gains nothing).
* **low-rank factorisation** ``rank``: every dense conv and linear layer becomes a rank-``r`` pair
  (``r = kept_width(min(C_out, C_in k^3), rank)``) where that saves parameters; exact MACs and parameters
  (:mod:`edgesched.arch`). Recurrent layers are not factorised.
* **quantization** ``bits`` (32/16/8: fp32/fp16/int8): ``bits`` per stored weight and per activation sent
  at a split point, and the precision's cycles per MAC on each hardware class (:mod:`edgesched.hardware`).
* **distillation**: a different, smaller architecture (e.g. ``mobilenet_v2_tavg``) with its own accuracy.

The accuracy ``Phi(M)`` of a variant is measured by the user (``accuracy``, an
:class:`~edgesched.accuracy.AccuracyCurve`); transforms do not predict it.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .._validation import scalar, unit_ratio
from .accuracy import AccuracyCurve, default_curve
from .arch import (
    Analysis,
    Architecture,
    Conv,
    Linear,
    Recurrent,
    get_architecture,
    kept_width,
    stages,
)
from .hardware import BITS, Hardware, precision_of

__all__ = ["ModelVariant", "example_variants", "low_rank", "prune_channels"]


def prune_channels(arch: Architecture, keep: float | Mapping[str, float]) -> Architecture:
    """Structured pruning: the convs of each stage keep ``kept_width(C_out, ratio)`` output channels, its
    recurrent layers ``kept_width(hidden, ratio)`` hidden units.

    ``keep`` is one kept-width ratio in (0, 1] for every stage, or a mapping stage tag -> ratio (others keep
    all channels). Depthwise convs follow their input; linear layers (the class count) are not pruned. Stages
    joined by a residual connection need equal ratios (the analysis says which layer disagrees).
    """
    tags = stages(arch)
    if isinstance(keep, Mapping):
        for tag in keep:
            if tag not in tags:
                raise ValueError(f"prune has stage {tag!r}; {arch.name} has stages {', '.join(tags)}")
        ratios = {tag: unit_ratio(r, f"prune[{tag!r}]") for tag, r in keep.items()}
    else:
        ratios = dict.fromkeys(tags, unit_ratio(keep, "prune"))
    def pruned(layer: Any) -> Any:
        if layer.stage not in ratios:
            return layer
        if isinstance(layer, Conv) and not layer.depthwise:
            return replace(layer, out_channels=kept_width(layer.out_channels, ratios[layer.stage]))
        if isinstance(layer, Recurrent):
            return replace(layer, hidden=kept_width(layer.hidden, ratios[layer.stage]))
        return layer

    return Architecture(arch.name, tuple(pruned(layer) for layer in arch.layers), arch.in_channels, arch.modality)


def low_rank(arch: Architecture, rank: float) -> Architecture:
    """Low-rank factorisation with rank ratio ``rank`` in (0, 1] of every dense conv and linear layer (recurrent
    layers stay as they are)."""
    r = unit_ratio(rank, "rank")
    return Architecture(arch.name, tuple(
        replace(layer, rank_ratio=r) if isinstance(layer, Linear) or (isinstance(layer, Conv) and not layer.depthwise)
        else layer for layer in arch.layers), arch.in_channels, arch.modality)


@dataclass(frozen=True, eq=False)
class ModelVariant:
    """An architecture with compression transforms and its measured accuracy curve.

    Attributes
    ----------
    arch : Architecture or str
        The (student) architecture, or a name of :data:`edgesched.arch.ARCHITECTURES`.
    accuracy : AccuracyCurve, optional
        Measured ``Phi(M)`` of this variant (accuracy versus input frames); the pipeline needs it, a profile
        does not.
    name : str
        Label; default: the architecture's name and the transforms (``"r3d_18/prune0.5/int8"``).
    prune : float or mapping stage -> float, optional
        Kept-width ratio of structured pruning (see :func:`prune_channels`).
    rank : float, optional
        Rank ratio of low-rank factorisation (see :func:`low_rank`).
    sparsity : float
        Fraction of conv/linear weights pruned by unstructured pruning, in [0, 1).
    sparse_speedup : float
        Compute speed-up the hardware gets from that sparsity (>= 1; 1 = dense hardware).
    bits : int
        32, 16 or 8 (fp32, fp16, int8) per weight and per activation.
    network : Architecture
        (derived) the architecture after pruning and factorisation.
    """

    arch: Architecture | str
    accuracy: AccuracyCurve | None = None
    name: str = ""
    prune: float | Mapping[str, float] | None = None
    rank: float | None = None
    sparsity: float = 0.0
    sparse_speedup: float = 1.0
    bits: int = 32
    network: Architecture = field(init=False, repr=False)

    def __post_init__(self) -> None:
        arch = get_architecture(self.arch)
        if self.accuracy is not None and not isinstance(self.accuracy, AccuracyCurve):
            raise ValueError(f"accuracy must be an AccuracyCurve; got {type(self.accuracy).__name__}")
        precision_of(self.bits)
        s = scalar(self.sparsity)
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Real) or not 0.0 <= float(s) < 1.0:
            raise ValueError(f"sparsity is {s!r}; sparsity must be a fraction in [0, 1)")
        sp = scalar(self.sparse_speedup)
        if isinstance(sp, (bool, np.bool_)) or not isinstance(sp, numbers.Real) or not 1.0 <= float(sp) < math.inf:
            raise ValueError(f"sparse_speedup is {sp!r}; sparse_speedup must be a finite number >= 1")
        object.__setattr__(self, "sparsity", float(s))
        object.__setattr__(self, "sparse_speedup", float(sp))
        net = arch
        if self.prune is not None:
            net = prune_channels(net, self.prune)
        if self.rank is not None:
            net = low_rank(net, self.rank)
        object.__setattr__(self, "arch", arch)
        object.__setattr__(self, "network", net)
        if not self.name:
            object.__setattr__(self, "name", self._default_name())

    def _default_name(self) -> str:
        parts = [self.network.name]
        if self.prune is not None:
            p = self.prune
            parts.append("prune" + (f"{p:g}" if not isinstance(p, Mapping) else
                                    ",".join(f"{k}:{v:g}" for k, v in p.items())))
        if self.rank is not None:
            parts.append(f"rank{self.rank:g}")
        if self.sparsity:
            parts.append(f"sparse{self.sparsity:g}")
        if self.bits != 32:
            parts.append(self.precision)
        return "/".join(parts)

    @property
    def precision(self) -> str:
        """``"fp32"``, ``"fp16"`` or ``"int8"``."""
        return precision_of(self.bits)

    def analyze(self, frames: int = 16, height: int | None = None, width: int | None = None) -> Analysis:
        """The transformed network's per-layer shapes, MACs and parameters for one clip."""
        return self.network.analyze(frames, height, width)

    def macs(self, frames: int = 16, height: int | None = None, width: int | None = None) -> int:
        """Dense MACs of one clip (MAC), exact."""
        return self.analyze(frames, height, width).macs

    def params(self, frames: int = 16, height: int | None = None, width: int | None = None) -> int:
        """Parameters of the transformed network, exact."""
        return self.analyze(frames, height, width).params

    def stored_bits(self, params: int, weights: int) -> int:
        """Stored size in bit of ``params`` parameters of which ``weights`` are sparsified conv/linear weights:
        ``bits`` per dense value; the sparse weights in a bitmask format (1 bit each plus ``bits`` per
        non-zero) where that is smaller than dense."""
        nonzero = math.ceil(weights * (1.0 - self.sparsity))
        return (params - weights) * self.bits + min(weights * self.bits, weights + nonzero * self.bits)

    def size_bits(self, frames: int = 16, height: int | None = None, width: int | None = None) -> int:
        """Stored model size in bit (see :meth:`stored_bits`)."""
        a = self.analyze(frames, height, width)
        return self.stored_bits(a.params, a.weights)

    def footprint_bits(self, analysis: Analysis, start: int, stop: int) -> float:
        """Memory (bit) to run layers ``start .. stop - 1``: their stored weights plus the peak activations at
        ``bits`` per value."""
        _, params, peak = analysis.totals(start, stop)
        weights = sum(s.weights for s in analysis.layers[start:stop])
        return float(self.stored_bits(params, weights) + peak * self.bits)

    def cycles(self, hardware: Hardware, macs: float) -> float:
        """CPU cycles for ``macs`` MAC of this variant on ``hardware``: ``rho(precision) * C / sparse_speedup``
        (eqs. 1-3); ValueError if the hardware does not run the precision."""
        return hardware.rho(self.precision) * macs / self.sparse_speedup

    def activation_bits(self) -> int:
        """Bits per activation value sent at a split point."""
        return BITS[self.precision]


def _shifted(curve: AccuracyCurve, delta: float, name: str) -> AccuracyCurve:
    return AccuracyCurve(curve.frames, np.clip(curve.accuracy + delta, 0.0, 1.0), name)


def example_variants() -> list[ModelVariant]:
    """Example variants with **ILLUSTRATIVE accuracy curves, not measurements**.

    Every curve is :func:`edgesched.accuracy.default_curve` (itself illustrative) shifted by a made-up
    accuracy change: R3D-18 (0), R3D-18 pruned to half width (-0.01), R3D-18 int8 (-0.004), R3D-18 rank 0.5
    int8 (-0.015), R(2+1)D-18 (+0.01) and a MobileNetV2 per-frame student distilled from R3D-18 (-0.03).
    Replace them with measured tables (:meth:`AccuracyCurve.from_csv`) for real studies.
    """
    base = default_curve()
    spec: list[tuple[dict[str, Any], float]] = [
        ({"arch": "r3d_18"}, 0.0),
        ({"arch": "r3d_18", "prune": 0.5}, -0.01),
        ({"arch": "r3d_18", "bits": 8}, -0.004),
        ({"arch": "r3d_18", "rank": 0.5, "bits": 8}, -0.015),
        ({"arch": "r2plus1d_18"}, 0.01),
        ({"arch": "mobilenet_v2_tavg", "name": "mobilenet_v2_tavg/distilled"}, -0.03),
    ]
    out = []
    for kw, delta in spec:
        name = ModelVariant(**kw).name
        out.append(ModelVariant(accuracy=_shifted(base, delta, f"illustrative:{name}"), **kw))
    return out
