"""Video DNN architectures as data: a layer list from which MACs, parameters and shapes follow.

An :class:`Architecture` is a tuple of layers in execution order. Each layer reads the output of the
previous layer, or of the layers named in its ``inputs`` (``"input"`` is the clip), so residual blocks and
their downsample shortcuts are plain layers (:class:`Add` joins two paths). For an input clip of
``frames x height x width`` pixels, :meth:`Architecture.analyze` propagates activation shapes
``(C, T, H, W)`` (batch 1) and counts, per layer:

* :class:`Conv` (Conv3d; a per-frame Conv2d has a ``(1, k, k)`` kernel, :func:`conv2d`):
  ``MACs = T_out * H_out * W_out * C_out * (C_in / groups) * kT * kH * kW`` with PyTorch's output size
  ``floor((in + 2 * pad - kernel) / stride) + 1``; weights ``C_out * C_in / groups * kT * kH * kW``.
  With a ``rank_ratio`` the layer is factorised (low rank, rank ``r``) into a conv ``C_in -> r`` with the
  same kernel, stride and padding and a 1x1x1 conv ``r -> C_out``:
  ``MACs = T_out * H_out * W_out * r * (C_in * kT * kH * kW + C_out)``.
* :class:`Linear`: ``MACs = in_features * out_features`` (``r * (in + out)`` when factorised), weights the
  same, plus ``out_features`` bias parameters.
* :class:`BatchNorm` (2 parameters per channel), :class:`Pool`, :class:`GlobalPool` and :class:`Add` do no
  counted MACs. Bias adds, ReLU and pooling are not MACs (the rules of :mod:`edgesched.macs`, the paper's
  MAC-based model, Sec. II-A).

The analysis also gives, for every cut "after the first k layers", the activation elements that cross it
(:attr:`Analysis.live`): what a device must upload when it runs layers ``1..k`` itself and leaves the rest to
a server (a split point). Inside a residual block both the main path and the shortcut cross the cut.

Shipped descriptions (torchvision's definitions, layer names as torchvision's module names):
:func:`r3d_18`, :func:`r2plus1d_18` (the (2+1)D factorisation with torchvision's ``midplanes`` formula)
and :func:`mobilenet_v2_tavg` (MobileNetV2 applied per frame with a temporal average).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from numbers import Integral
from typing import Any, ClassVar

from .._validation import unit_ratio, whole_number

__all__ = [
    "ARCHITECTURES",
    "Add",
    "Analysis",
    "Architecture",
    "BatchNorm",
    "Conv",
    "GlobalPool",
    "LayerStats",
    "Linear",
    "Pool",
    "conv2d",
    "conv2plus1d",
    "get_architecture",
    "kept_width",
    "mobilenet_v2_tavg",
    "r2plus1d_18",
    "r3d_18",
    "stages",
]

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


Layer = Conv | Linear | BatchNorm | Pool | GlobalPool | Add


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
    """An architecture analysed for one input clip (batch 1).

    Attributes
    ----------
    input_shape : (C, T, H, W)
    layers : tuple of LayerStats
        In execution order.
    live : tuple of int, length L + 1
        Activation elements crossing the cut after the first k layers (``live[0]``: the input clip,
        ``live[L]``: the output).
    live_tensors : tuple of int, length L + 1
        How many tensors cross each cut.
    """

    input_shape: Shape
    layers: tuple[LayerStats, ...]
    live: tuple[int, ...]
    live_tensors: tuple[int, ...]

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
        """Conv and linear weights (what unstructured pruning sparsifies)."""
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
        Channels of the input clip (3 for RGB).
    """

    name: str
    layers: tuple[Layer, ...]
    in_channels: int = 3

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        whole_number(self.in_channels, "in_channels", integral_float=False)
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

    def analyze(self, frames: int = 16, height: int = 112, width: int = 112) -> Analysis:
        """Shapes, MACs (MAC) and parameters of every layer for one ``frames x height x width`` clip."""
        return _analyze(self, whole_number(frames, "frames", integral_float=False),
                        whole_number(height, "height", integral_float=False),
                        whole_number(width, "width", integral_float=False))

    def macs(self, frames: int = 16, height: int = 112, width: int = 112) -> int:
        """MACs of one clip (MAC)."""
        return self.analyze(frames, height, width).macs

    def params(self, frames: int = 16, height: int = 112, width: int = 112) -> int:
        """Parameters (independent of the clip size unless a linear layer reads an unpooled tensor)."""
        return self.analyze(frames, height, width).params


@lru_cache(maxsize=4096)
def _analyze(arch: Architecture, frames: int, height: int, width: int) -> Analysis:
    n = len(arch.layers)
    shape0: Shape = (arch.in_channels, frames, height, width)
    shapes: dict[str, Shape] = {"input": shape0}
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
        shapes[layer.name], made[layer.name], prev = out, i + 1, layer.name
    last[prev] = n  # the output crosses the final cut
    live, count = [0] * (n + 2), [0] * (n + 2)
    for name, k in made.items():  # tensor crosses cuts made .. last (difference arrays)
        if name in last:
            size = math.prod(shapes[name])
            live[k] += size
            live[last[name] + 1] -= size
            count[k] += 1
            count[last[name] + 1] -= 1
    for k in range(1, n + 1):
        live[k] += live[k - 1]
        count[k] += count[k - 1]
    return Analysis(shape0, tuple(stats), tuple(live[: n + 1]), tuple(count[: n + 1]))


# -- builders ---------------------------------------------------------------------------------------------


def conv2d(name: str, out_channels: int, kernel: int, stride: int = 1, padding: int = 0, **kw: Any) -> Conv:
    """A 2D convolution applied to every frame: a :class:`Conv` with kernel ``(1, k, k)``."""
    return Conv(name, out_channels, (1, kernel, kernel), (1, stride, stride), (0, padding, padding), **kw)


def conv2plus1d(name: str, mid: int, out: int, stride: int = 1, *, stage: str = "") -> list[Layer]:
    """torchvision's ``Conv2Plus1D``: spatial ``(1,3,3)`` conv to ``mid`` channels, batch norm, temporal
    ``(3,1,1)`` conv to ``out`` channels (names ``name.0``, ``name.1``, ``name.3`` as torchvision's)."""
    return [Conv(f"{name}.0", mid, (1, 3, 3), (1, stride, stride), (0, 1, 1), stage=stage),
            BatchNorm(f"{name}.1", stage=stage),
            Conv(f"{name}.3", out, (3, 1, 1), (stride, 1, 1), (1, 0, 0), stage=stage)]


def _video_resnet(name: str, stem: list[Layer], block_conv: Callable[..., list[Layer]],
                  num_classes: int) -> Architecture:
    """torchvision's ``VideoResNet`` with BasicBlocks [2, 2, 2, 2], widths 64-512, the stem given."""
    layers = list(stem)
    prev, c_in = layers[-1].name, 64
    for stage, (planes, stride) in enumerate(((64, 1), (128, 2), (256, 2), (512, 2)), start=1):
        tag = f"layer{stage}"
        for b in range(2):
            s, pre = (stride if b == 0 else 1), f"{tag}.{b}"
            layers += block_conv(f"{pre}.conv1.0", c_in, planes, s, stage=tag)
            layers += [BatchNorm(f"{pre}.conv1.1", stage=tag)]
            layers += block_conv(f"{pre}.conv2.0", c_in, planes, 1, stage=tag)
            layers += [BatchNorm(f"{pre}.conv2.1", stage=tag)]
            skip = prev
            if s != 1 or c_in != planes:  # shortcut projection: 1x1x1 conv with the block's stride + BN
                layers += [Conv(f"{pre}.downsample.0", planes, (1, 1, 1), (s, s, s), (0, 0, 0), stage=tag,
                                inputs=(prev,)),
                           BatchNorm(f"{pre}.downsample.1", stage=tag)]
                skip = f"{pre}.downsample.1"
            layers.append(Add(f"{pre}.add", stage=tag, inputs=(f"{pre}.conv2.1", skip)))
            prev, c_in = f"{pre}.add", planes
    layers += [GlobalPool("avgpool"), Linear("fc", num_classes, stage="fc")]
    return Architecture(name, tuple(layers))


def r3d_18(num_classes: int = 400) -> Architecture:
    """torchvision's ``r3d_18``: stem Conv3d 3->64 (3,7,7) stride (1,2,2) padding (1,3,3); BasicBlocks of
    two 3x3x3 convs; stride 2 in T, H, W at stages 2-4; fc 512 -> ``num_classes``.

    40,696,553,472 MAC for a 16 x 112 x 112 clip, 33,371,472 parameters (400 classes).
    """

    def conv3x3x3(name: str, c_in: int, planes: int, stride: int, **kw: Any) -> list[Layer]:
        return [Conv(name, planes, (3, 3, 3), (stride, stride, stride), (1, 1, 1), **kw)]

    stem: list[Layer] = [Conv("stem.0", 64, (3, 7, 7), (1, 2, 2), (1, 3, 3), stage="stem"),
                         BatchNorm("stem.1", stage="stem")]
    return _video_resnet("r3d_18", stem, conv3x3x3, whole_number(num_classes, "num_classes", integral_float=False))


def r2plus1d_18(num_classes: int = 400) -> Architecture:
    """torchvision's ``r2plus1d_18``: every 3x3x3 conv factorised into (1,3,3) then (3,1,1) with
    ``midplanes = (in * out * 27) // (in * 9 + 3 * out)`` (both convs of a block use the block's
    ``midplanes``); stem (1,7,7) 3->45 then (3,1,1) 45->64. 31,505,325 parameters (400 classes).
    """

    def block(name: str, c_in: int, planes: int, stride: int, *, stage: str) -> list[Layer]:
        # torchvision BasicBlock: midplanes from the block's inplanes and planes, for conv1 and conv2 alike
        mid = (c_in * planes * 3 * 3 * 3) // (c_in * 3 * 3 + 3 * planes)
        return conv2plus1d(name, mid, planes, stride, stage=stage)

    stem: list[Layer] = [Conv("stem.0", 45, (1, 7, 7), (1, 2, 2), (0, 3, 3), stage="stem"),
                         BatchNorm("stem.1", stage="stem"),
                         Conv("stem.3", 64, (3, 1, 1), (1, 1, 1), (1, 0, 0), stage="stem"),
                         BatchNorm("stem.4", stage="stem")]
    return _video_resnet("r2plus1d_18", stem, block, whole_number(num_classes, "num_classes", integral_float=False))


def mobilenet_v2_tavg(num_classes: int = 400) -> Architecture:
    """torchvision's ``mobilenet_v2`` (width 1.0) applied to every frame, then one average over T, H, W
    and the classifier 1280 -> ``num_classes``: a light per-frame 2D backbone for video.

    3,504,872 parameters with 1000 classes (torchvision's figure); per frame ``1 / frames`` of the MACs.
    """
    layers: list[Layer] = [conv2d("features.0.0", 32, 3, 2, 1, stage="stem"), BatchNorm("features.0.1", stage="stem")]
    prev, c_in, i = "features.0.1", 32, 1
    # inverted residual settings (t, c, n, s): expansion, output channels, repeats, first stride
    for group, (t, c, n, s) in enumerate(((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                                          (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)), start=1):
        tag = f"block{group}"
        for r in range(n):
            stride, pre, j = (s if r == 0 else 1), f"features.{i}.conv", 0
            block_in, block = prev, list[Layer]()
            if t != 1:  # 1x1 expansion to round(c_in * t) channels
                block += [conv2d(f"{pre}.0.0", c_in * t, 1, stage=tag), BatchNorm(f"{pre}.0.1", stage=tag)]
                j = 1
            block += [conv2d(f"{pre}.{j}.0", 1, 3, stride, 1, depthwise=True, stage=tag),
                      BatchNorm(f"{pre}.{j}.1", stage=tag),
                      conv2d(f"{pre}.{j + 1}", c, 1, stage=tag), BatchNorm(f"{pre}.{j + 2}", stage=tag)]
            layers += block
            prev = block[-1].name
            if stride == 1 and c_in == c:  # residual connection
                layers.append(Add(f"features.{i}.add", stage=tag, inputs=(prev, block_in)))
                prev = f"features.{i}.add"
            c_in, i = c, i + 1
    layers += [conv2d(f"features.{i}.0", 1280, 1, stage="head"), BatchNorm(f"features.{i}.1", stage="head"),
               GlobalPool("avgpool"), Linear("classifier.1", num_classes, stage="fc")]
    return Architecture("mobilenet_v2_tavg", tuple(layers))


#: Shipped architectures: name -> ``builder(num_classes=400) -> Architecture``.
ARCHITECTURES: dict[str, Callable[..., Architecture]] = {
    "r3d_18": r3d_18, "r2plus1d_18": r2plus1d_18, "mobilenet_v2_tavg": mobilenet_v2_tavg,
}


def get_architecture(arch: str | Architecture, num_classes: int = 400) -> Architecture:
    """An :class:`Architecture` itself, or a shipped one by name (a key of :data:`ARCHITECTURES`)."""
    if isinstance(arch, Architecture):
        return arch
    if arch not in ARCHITECTURES:
        raise ValueError(f"architecture is {arch!r}; known architectures: {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[arch](num_classes)


def stages(arch: Architecture) -> tuple[str, ...]:
    """The stage tags of an architecture's layers, in order of first appearance."""
    return tuple(dict.fromkeys(layer.stage for layer in arch.layers if layer.stage))

