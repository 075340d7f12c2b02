"""DNN layers as data, and the exact analysis of a layer list: shapes, MACs, parameters and live tensors.

An :class:`Architecture` is a tuple of layers in execution order. Each layer reads the output of the
previous layer, or of the layers named in its ``inputs`` (``"input"`` is the network's input), so residual
blocks and their downsample shortcuts are plain layers (:class:`Add` joins two paths). Activations have the
shape ``(C, T, H, W)`` (batch 1): a video clip is ``3 x frames x height x width``; a sensor series
(``modality="series"``) is ``channels x samples x 1 x 1``. For one input, :meth:`Architecture.analyze`
propagates the shapes and counts, per layer:

* :class:`Conv` (Conv3d; a per-frame Conv2d has a ``(1, k, k)`` kernel, a Conv1d over a series a
  ``(k, 1, 1)`` kernel): ``MACs = T_out * H_out * W_out * C_out * (C_in / groups) * kT * kH * kW`` with
  PyTorch's output size ``floor((in + 2 * pad - kernel) / stride) + 1``; weights
  ``C_out * C_in / groups * kT * kH * kW``. With a ``rank_ratio`` the layer is factorised (low rank, rank
  ``r``) into a conv ``C_in -> r`` with the same kernel, stride and padding and a 1x1x1 conv ``r -> C_out``:
  ``MACs = T_out * H_out * W_out * r * (C_in * kT * kH * kW + C_out)``.
* :class:`Linear`: ``MACs = in_features * out_features`` (``r * (in + out)`` when factorised), weights the
  same, plus ``out_features`` bias parameters.
* :class:`LSTM` and :class:`GRU` (one recurrent layer, as one layer of PyTorch's ``nn.LSTM`` / ``nn.GRU``,
  over the T axis; the input of one time step is its ``C * H * W`` values, ``I`` features): with ``G`` gates
  (4 for an LSTM, 3 for a GRU), ``D`` directions (2 if bidirectional) and hidden size ``h``, the weights are
  ``D * G * h * (I + h)`` (PyTorch's ``weight_ih`` and ``weight_hh``), the parameters add two bias vectors
  ``D * 2 * G * h`` (``bias_ih`` and ``bias_hh``), and **the MACs are those of the gate matrix products,
  ``T * D * G * h * (I + h)``**: every time step multiplies its input by ``weight_ih`` and the previous hidden
  state by ``weight_hh`` (the first step too, with a zero state, as PyTorch computes it). The gates'
  element-wise products (an LSTM's ``f * c + i * g`` and ``o * tanh(c)``, a GRU's ``r * (W_hn h + b_hn)`` and
  its ``(1 - z) * n + z * h``, 3h multiplications a step either way) are not counted, as bias adds and
  activations are not.
* :class:`BatchNorm` (2 parameters per channel), :class:`Pool`, :class:`GlobalPool` and :class:`Add` do no
  counted MACs. Bias adds, ReLU and pooling are not MACs (the rules of :mod:`edgesched.macs`, the paper's
  MAC-based model, Sec. II-A).

The analysis also gives, for every cut "after the first k layers", the activation elements that cross it
(:attr:`Analysis.live`): what a device must upload when it runs layers ``1..k`` itself and leaves the rest to
a server (a split point). Inside a residual block both the main path and the shortcut cross the cut.
:attr:`Analysis.raw` says whether what crosses a cut is still raw input: the input itself, or a tensor made
from it by layers that apply no learned weights across values (pooling, batch norm, sums).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from numbers import Integral
from typing import Any, ClassVar

from .._validation import unit_ratio, whole_number

__all__ = [
    "GRU",
    "LSTM",
    "MODALITIES",
    "Add",
    "Analysis",
    "Architecture",
    "BatchNorm",
    "Conv",
    "GlobalPool",
    "Layer",
    "LayerStats",
    "Linear",
    "Pool",
    "Recurrent",
    "kept_width",
]

#: What an architecture reads: ``"video"`` clips ``(3, frames, height, width)``, or sensor ``"series"``
#: ``(channels, samples, 1, 1)``.
MODALITIES = ("video", "series")

Shape = tuple[int, int, int, int]  # (C, T, H, W)
Triple = tuple[int, int, int]  # (T, H, W)


def _triple(value: Any, name: str, low: int) -> Triple:
    vals = (value,) * 3 if isinstance(value, Integral) and not isinstance(value, bool) else tuple(value)
    if len(vals) != 3:
        raise ValueError(f"{name} is {value!r}; {name} must be an integer or a (T, H, W) triple")
    a, b, c = (whole_number(v, f"{name}[{i}]", low, integral_float=False) for i, v in enumerate(vals))
    return a, b, c


def kept_width(width: int, ratio: float) -> int:
    """Channels kept when a width of ``width`` is scaled by ``ratio``: ``max(1, floor(width * ratio + 1/2))``.

    Used for structured pruning (kept-width ratio) and low-rank ranks; non-decreasing in ``ratio``.
    """
    return max(1, math.floor(width * ratio + 0.5))


@dataclass(frozen=True)
class _Layer:
    """Fields every layer has: a unique ``name``, a ``stage`` tag (pruning acts per stage) and ``inputs``."""

    name: str
    stage: str = field(default="", kw_only=True)
    inputs: tuple[str, ...] = field(default=(), kw_only=True)
    kind: ClassVar[str] = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name or self.name == "input":
            raise ValueError(f"layer name is {self.name!r}; names must be non-empty strings other than 'input'")
        object.__setattr__(self, "inputs", tuple(self.inputs))
        n_in = len(self.inputs)
        bad = n_in < 2 if self.kind == "add" else n_in > 1
        if bad:
            need = "at least 2 inputs" if self.kind == "add" else "one input"
            raise ValueError(f"layer {self.name!r}: inputs is {self.inputs!r}; a {self.kind} layer takes {need}")

    def out_shape(self, ins: list[Shape]) -> Shape:
        return ins[0]

    def counts(self, ins: list[Shape], out: Shape) -> tuple[int, int, int]:
        """``(MACs, parameters, weights)`` of the layer for these shapes (weights: prunable by sparsity)."""
        return 0, 0, 0


def _window(layer: _Layer, shape: Shape, kernel: Triple, stride: Triple, padding: Triple) -> Triple:
    """PyTorch's output size ``floor((in + 2 pad - k) / s) + 1`` per dimension (conv and pooling)."""
    out = []
    for dim, (size, k, s, p) in enumerate(zip(shape[1:], kernel, stride, padding)):
        o = (size + 2 * p - k) // s + 1
        if o < 1:
            raise ValueError(
                f"input too small for layer {layer.name!r}: {'THW'[dim]} size {size} with kernel {k}, "
                f"stride {s}, padding {p} gives output size {o} < 1"
            )
        out.append(o)
    return out[0], out[1], out[2]


def _factorised(rank_ratio: float | None, c_out: int, fan_in: int) -> int | None:
    """Rank of a low-rank factorised layer, or None where factorising would not save parameters."""
    if rank_ratio is None:
        return None
    r = kept_width(min(c_out, fan_in), rank_ratio)
    return r if r * (fan_in + c_out) < c_out * fan_in else None


@dataclass(frozen=True)
class Conv(_Layer):
    """A bias-free (by default) 3D convolution; per-frame 2D convolutions have kernel ``(1, kH, kW)``.

    Attributes
    ----------
    out_channels : int
        Output channels; ignored for a depthwise convolution (output channels = input channels).
    kernel, stride, padding : int or (T, H, W) triple
    depthwise : bool
        ``groups = C_in`` (MobileNet's depthwise convolution).
    bias : bool
    rank_ratio : float or None
        Low-rank factorisation with rank ``kept_width(min(C_out, C_in kT kH kW), rank_ratio)`` (not for
        depthwise layers); layers where that would not reduce the parameters stay dense.
    """

    out_channels: int
    kernel: Triple
    stride: Triple = (1, 1, 1)
    padding: Triple = (0, 0, 0)
    depthwise: bool = False
    bias: bool = False
    rank_ratio: float | None = None
    kind: ClassVar[str] = "conv"

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "out_channels", whole_number(self.out_channels, f"{self.name}.out_channels",
                                                              integral_float=False))
        object.__setattr__(self, "kernel", _triple(self.kernel, f"{self.name}.kernel", 1))
        object.__setattr__(self, "stride", _triple(self.stride, f"{self.name}.stride", 1))
        object.__setattr__(self, "padding", _triple(self.padding, f"{self.name}.padding", 0))
        if self.rank_ratio is not None:
            if self.depthwise:
                raise ValueError(f"layer {self.name!r}: a depthwise convolution has no low-rank factorisation")
            object.__setattr__(self, "rank_ratio", unit_ratio(self.rank_ratio, f"{self.name}.rank_ratio"))

    def out_shape(self, ins: list[Shape]) -> Shape:
        t, h, w = _window(self, ins[0], self.kernel, self.stride, self.padding)
        return (ins[0][0] if self.depthwise else self.out_channels), t, h, w

    def counts(self, ins: list[Shape], out: Shape) -> tuple[int, int, int]:
        c_in, c_out, kvol, positions = ins[0][0], out[0], math.prod(self.kernel), math.prod(out[1:])
        fan_in = kvol if self.depthwise else c_in * kvol
        r = _factorised(self.rank_ratio, c_out, fan_in)
        weights = c_out * fan_in if r is None else r * (fan_in + c_out)
        return positions * weights, weights + (c_out if self.bias else 0), weights


@dataclass(frozen=True)
class Linear(_Layer):
    """A fully connected layer on the flattened input (``in_features = C * T * H * W``), with bias.

    ``rank_ratio`` factorises it into ``in -> r -> out`` as for :class:`Conv`.
    """

    out_features: int
    bias: bool = True
    rank_ratio: float | None = None
    kind: ClassVar[str] = "linear"

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "out_features", whole_number(self.out_features, f"{self.name}.out_features",
                                                              integral_float=False))
        if self.rank_ratio is not None:
            object.__setattr__(self, "rank_ratio", unit_ratio(self.rank_ratio, f"{self.name}.rank_ratio"))

    def out_shape(self, ins: list[Shape]) -> Shape:
        return self.out_features, 1, 1, 1

    def counts(self, ins: list[Shape], out: Shape) -> tuple[int, int, int]:
        fan_in = math.prod(ins[0])
        r = _factorised(self.rank_ratio, self.out_features, fan_in)
        weights = self.out_features * fan_in if r is None else r * (fan_in + self.out_features)
        return weights, weights + (self.out_features if self.bias else 0), weights


@dataclass(frozen=True)
class BatchNorm(_Layer):
    """Batch normalisation: 2 parameters (scale, shift) per channel, no counted MACs."""

    kind: ClassVar[str] = "bn"

    def counts(self, ins: list[Shape], out: Shape) -> tuple[int, int, int]:
        return 0, 2 * out[0], 0


@dataclass(frozen=True)
class Pool(_Layer):
    """Max or average pooling over a ``(T, H, W)`` window (no counted MACs)."""

    kernel: Triple
    stride: Triple = (1, 1, 1)
    padding: Triple = (0, 0, 0)
    kind: ClassVar[str] = "pool"

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "kernel", _triple(self.kernel, f"{self.name}.kernel", 1))
        object.__setattr__(self, "stride", _triple(self.stride, f"{self.name}.stride", 1))
        object.__setattr__(self, "padding", _triple(self.padding, f"{self.name}.padding", 0))

    def out_shape(self, ins: list[Shape]) -> Shape:
        return (ins[0][0], *_window(self, ins[0], self.kernel, self.stride, self.padding))


@dataclass(frozen=True)
class GlobalPool(_Layer):
    """Average over T, H and W (adaptive average pool to 1x1x1; a per-frame model's temporal average)."""

    kind: ClassVar[str] = "pool"

    def out_shape(self, ins: list[Shape]) -> Shape:
        return ins[0][0], 1, 1, 1


@dataclass(frozen=True)
class Add(_Layer):
    """Element-wise sum of two or more equally shaped inputs (a residual connection)."""

    kind: ClassVar[str] = "add"

    def out_shape(self, ins: list[Shape]) -> Shape:
        if any(s != ins[0] for s in ins):
            raise ValueError(f"layer {self.name!r} adds tensors of shapes {ins}; they must be equal "
                             "(prune the stages a residual connection joins alike)")
        return ins[0]


@dataclass(frozen=True)
class Recurrent(_Layer):
    """One recurrent layer over the T axis (one layer of PyTorch's ``nn.LSTM`` / ``nn.GRU``); see the module
    docstring for its counts.

    Attributes
    ----------
    hidden : int
        Hidden size ``h`` per direction (structured pruning keeps ``kept_width(h, ratio)`` of it).
    bidirectional : bool
        A second direction over the reversed sequence; the output has ``2 h`` channels.
    return_sequence : bool
        Output every time step, ``(D h, T, 1, 1)`` (PyTorch's ``output``), or only the last,
        ``(D h, 1, 1, 1)`` (the final hidden state ``h_n``, what a classifier reads).
    bias : bool
        PyTorch's ``bias``: the two bias vectors ``bias_ih`` and ``bias_hh``.
    """

    hidden: int
    bidirectional: bool = False
    return_sequence: bool = True
    bias: bool = True
    gates: ClassVar[int] = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "hidden", whole_number(self.hidden, f"{self.name}.hidden", integral_float=False))
        for flag in ("bidirectional", "return_sequence", "bias"):
            if not isinstance(getattr(self, flag), bool):
                raise ValueError(f"{self.name}.{flag} is {getattr(self, flag)!r}; it must be True or False")

    @property
    def directions(self) -> int:
        """``D``: 2 if bidirectional, else 1."""
        return 2 if self.bidirectional else 1

    def out_shape(self, ins: list[Shape]) -> Shape:
        return self.directions * self.hidden, (ins[0][1] if self.return_sequence else 1), 1, 1

    def counts(self, ins: list[Shape], out: Shape) -> tuple[int, int, int]:
        c, t, h, w = ins[0]
        features = c * h * w  # I: the values of one time step
        weights = self.directions * self.gates * self.hidden * (features + self.hidden)  # weight_ih, weight_hh
        biases = self.directions * 2 * self.gates * self.hidden if self.bias else 0  # bias_ih, bias_hh
        return t * weights, weights + biases, weights  # the gate matrix products, every time step


@dataclass(frozen=True)
class LSTM(Recurrent):
    """A long short-term memory layer: 4 gates (input, forget, cell, output)."""

    gates: ClassVar[int] = 4
    kind: ClassVar[str] = "lstm"


@dataclass(frozen=True)
class GRU(Recurrent):
    """A gated recurrent unit layer: 3 gates (reset, update, new)."""

    gates: ClassVar[int] = 3
    kind: ClassVar[str] = "gru"


Layer = Conv | Linear | BatchNorm | Pool | GlobalPool | Add | LSTM | GRU

#: Layer kinds that apply no learned weights across values: their output is raw input if an input is.
_RAW_PRESERVING = frozenset({"bn", "pool", "add"})


@dataclass(frozen=True)
class LayerStats:
    """One layer of an :class:`Analysis`: shapes ``(C, T, H, W)``, MACs (MAC), parameters, weights."""

    name: str
    kind: str
    stage: str
    in_shapes: tuple[Shape, ...]
    out_shape: Shape
    macs: int
    params: int
    weights: int


@dataclass(frozen=True)
class Analysis:
    """An architecture analysed for one input (batch 1).

    Attributes
    ----------
    input_shape : (C, T, H, W)
    layers : tuple of LayerStats
        In execution order.
    live : tuple of int, length L + 1
        Activation elements crossing the cut after the first k layers (``live[0]``: the input,
        ``live[L]``: the output).
    live_tensors : tuple of int, length L + 1
        How many tensors cross each cut.
    raw : tuple of bool, length L + 1
        Whether raw input crosses each cut: the input itself, or a tensor computed from it only by pooling,
        batch norm or sums (``raw[0]`` is True). A split upload at a cut where this is False carries
        features only.
    """

    input_shape: Shape
    layers: tuple[LayerStats, ...]
    live: tuple[int, ...]
    live_tensors: tuple[int, ...]
    raw: tuple[bool, ...]

    @property
    def macs(self) -> int:
        """Total MACs of one clip (MAC)."""
        return sum(s.macs for s in self.layers)

    @property
    def params(self) -> int:
        """Total parameters (weights, biases, batch-norm scales and shifts)."""
        return sum(s.params for s in self.layers)

    @property
    def weights(self) -> int:
        """Conv, linear and recurrent weights (what unstructured pruning sparsifies)."""
        return sum(s.weights for s in self.layers)

    def totals(self, start: int, stop: int) -> tuple[int, int, int]:
        """``(MACs, parameters, peak activation elements)`` of layers ``start .. stop - 1``.

        The peak holds, for some layer in the range, every tensor live before it plus its output.
        """
        part = self.layers[start:stop]
        peak = max((self.live[i] + math.prod(s.out_shape) for i, s in enumerate(part, start)), default=0)
        return sum(s.macs for s in part), sum(s.params for s in part), peak

    def split_points(self) -> tuple[int, ...]:
        """Cuts ``0 < k < L`` worth splitting at: a single tensor crosses, and layer k+1 is no batch norm
        (a batch norm belongs with the layer before it)."""
        n = len(self.layers)
        return tuple(k for k in range(1, n) if self.live_tensors[k] == 1 and self.layers[k].kind != "bn")


@dataclass(frozen=True)
class Architecture:
    """A DNN as a layer list (see the module docstring).

    Attributes
    ----------
    name : str
    layers : tuple of layers
        In execution order; names unique; ``inputs`` name earlier layers or ``"input"``.
    in_channels : int
        Channels of the input: 3 for RGB video, the sensor channels of a series.
    modality : str
        ``"video"`` (clips of ``frames x height x width`` pixels) or ``"series"`` (sensor series of
        ``frames`` samples, analysed with ``height = width = 1``); see :data:`MODALITIES`.
    """

    name: str
    layers: tuple[Layer, ...]
    in_channels: int = 3
    modality: str = "video"

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        whole_number(self.in_channels, "in_channels", integral_float=False)
        if self.modality not in MODALITIES:
            raise ValueError(f"modality is {self.modality!r}; modalities are {', '.join(MODALITIES)}")
        if not self.layers:
            raise ValueError(f"architecture {self.name!r} has no layers")
        seen = {"input"}
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, _Layer):
                raise ValueError(f"layers[{i}] is a {type(layer).__name__}; expected a layer of edgesched.arch")
            missing = [s for s in layer.inputs if s not in seen]
            if missing:
                raise ValueError(f"layers[{i}] ({layer.name!r}) reads {missing[0]!r}, which is no earlier layer")
            if layer.name in seen:
                raise ValueError(f"layers[{i}]: the name {layer.name!r} is used twice")
            seen.add(layer.name)

    def analyze(self, frames: int = 16, height: int | None = None, width: int | None = None) -> Analysis:
        """Shapes, MACs (MAC) and parameters of every layer for one ``frames x height x width`` clip (default
        112 x 112), or for a series of ``frames`` samples (``height = width = 1``, the default; anything else
        is a ValueError)."""
        m = whole_number(frames, "frames", integral_float=False)
        side = 1 if self.modality == "series" else 112
        h = whole_number(side if height is None else height, "height", integral_float=False)
        w = whole_number(side if width is None else width, "width", integral_float=False)
        if self.modality == "series" and (h, w) != (1, 1):
            raise ValueError(f"{self.name} reads a sensor series (channels x samples): height and width must be 1, "
                             f"not {h} x {w}")
        return _analyze(self, m, h, w)

    def macs(self, frames: int = 16, height: int | None = None, width: int | None = None) -> int:
        """MACs of one input (MAC)."""
        return self.analyze(frames, height, width).macs

    def params(self, frames: int = 16, height: int | None = None, width: int | None = None) -> int:
        """Parameters (independent of the input's size unless a linear or recurrent layer reads an unpooled
        tensor; independent of the frames or samples for every shipped architecture)."""
        return self.analyze(frames, height, width).params


@lru_cache(maxsize=4096)
def _analyze(arch: Architecture, frames: int, height: int, width: int) -> Analysis:
    n = len(arch.layers)
    shape0: Shape = (arch.in_channels, frames, height, width)
    shapes: dict[str, Shape] = {"input": shape0}
    raw: dict[str, bool] = {"input": True}  # the tensor is raw input (see Analysis.raw)
    made: dict[str, int] = {"input": 0}  # cut after which the tensor exists
    last: dict[str, int] = {}  # index (0-based) of the last layer reading it
    stats = []
    prev = "input"
    for i, layer in enumerate(arch.layers):
        srcs = layer.inputs or (prev,)
        ins = [shapes[s] for s in srcs]
        out = layer.out_shape(ins)
        macs, params, weights = layer.counts(ins, out)
        stats.append(LayerStats(layer.name, layer.kind, layer.stage, tuple(ins), out, macs, params, weights))
        for s in srcs:
            last[s] = i
        raw[layer.name] = layer.kind in _RAW_PRESERVING and any(raw[s] for s in srcs)
        shapes[layer.name], made[layer.name], prev = out, i + 1, layer.name
    last[prev] = n  # the output crosses the final cut
    live, count, raw_count = [0] * (n + 2), [0] * (n + 2), [0] * (n + 2)
    for name, k in made.items():  # tensor crosses cuts made .. last (difference arrays)
        if name in last:
            size = math.prod(shapes[name])
            live[k] += size
            live[last[name] + 1] -= size
            count[k] += 1
            count[last[name] + 1] -= 1
            if raw[name]:
                raw_count[k] += 1
                raw_count[last[name] + 1] -= 1
    for k in range(1, n + 1):
        live[k] += live[k - 1]
        count[k] += count[k - 1]
        raw_count[k] += raw_count[k - 1]
    return Analysis(shape0, tuple(stats), tuple(live[: n + 1]), tuple(count[: n + 1]),
                    tuple(r > 0 for r in raw_count[: n + 1]))
