"""Shipped DNN architectures as layer lists, and builders for one's own (the layers and their exact counts:
:mod:`edgesched.physics.layers`, whose names this module re-exports).

Shipped descriptions (torchvision's definitions where there is one, layer names as torchvision's module names):

* video, for traffic cameras: :func:`r3d_18`, :func:`r2plus1d_18` (the (2+1)D factorisation with
  torchvision's ``midplanes`` formula);
* per-frame 2D CNNs applied to every frame of a clip, then one average over T, H and W and the classifier
  (for safety cameras): :func:`mobilenet_v2_tavg`, :func:`resnet18_tavg`;
* sensor series (``modality="series"``, input ``channels x samples``), for environmental monitoring:
  :func:`lstm_sensor` (a two-layer LSTM) and :func:`gru_sensor` (a 1-D convolution and a GRU).

:data:`ARCHITECTURES` maps each name to its builder.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._validation import whole_number
from .layers import (
    GRU,
    LSTM,
    MODALITIES,
    Add,
    Analysis,
    Architecture,
    BatchNorm,
    Conv,
    GlobalPool,
    Layer,
    LayerStats,
    Linear,
    Pool,
    Recurrent,
    kept_width,
)

__all__ = [
    "ARCHITECTURES",
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
    "conv1d",
    "conv2d",
    "conv2plus1d",
    "get_architecture",
    "gru",
    "gru_sensor",
    "kept_width",
    "lstm",
    "lstm_sensor",
    "mobilenet_v2_tavg",
    "r2plus1d_18",
    "r3d_18",
    "resnet18_tavg",
    "stages",
]


# -- builders ---------------------------------------------------------------------------------------------


def conv2d(name: str, out_channels: int, kernel: int, stride: int = 1, padding: int = 0, **kw: Any) -> Conv:
    """A 2D convolution applied to every frame: a :class:`Conv` with kernel ``(1, k, k)``."""
    return Conv(name, out_channels, (1, kernel, kernel), (1, stride, stride), (0, padding, padding), **kw)


def conv1d(name: str, out_channels: int, kernel: int, stride: int = 1, padding: int = 0, **kw: Any) -> Conv:
    """A 1-D convolution over the samples of a series (PyTorch's ``Conv1d``): a :class:`Conv` with kernel
    ``(k, 1, 1)``; ``MACs = T_out * C_out * C_in * k``."""
    return Conv(name, out_channels, (kernel, 1, 1), (stride, 1, 1), (padding, 0, 0), **kw)


def _recurrent(cls: type[LSTM | GRU], name: str, hidden: int, num_layers: int, **kw: Any) -> list[Layer]:
    n = whole_number(num_layers, f"{name}.num_layers", integral_float=False)
    return_sequence = kw.pop("return_sequence")
    return [cls(f"{name}.l{k}", hidden=hidden, return_sequence=return_sequence or k < n - 1, **kw) for k in range(n)]


def lstm(name: str, hidden: int, num_layers: int = 1, *, bidirectional: bool = False, return_sequence: bool = True,
         bias: bool = True, stage: str = "") -> list[Layer]:
    """PyTorch's ``nn.LSTM(input, hidden, num_layers, bias, bidirectional=...)`` as ``num_layers``
    :class:`LSTM` layers named ``name.l0``, ``name.l1``, ... (the input size follows from the tensor read);
    every layer but the last returns its whole sequence, the last as ``return_sequence`` says."""
    return _recurrent(LSTM, name, hidden, num_layers, bidirectional=bidirectional, return_sequence=return_sequence,
                      bias=bias, stage=stage)


def gru(name: str, hidden: int, num_layers: int = 1, *, bidirectional: bool = False, return_sequence: bool = True,
        bias: bool = True, stage: str = "") -> list[Layer]:
    """PyTorch's ``nn.GRU`` as ``num_layers`` :class:`GRU` layers, as :func:`lstm`."""
    return _recurrent(GRU, name, hidden, num_layers, bidirectional=bidirectional, return_sequence=return_sequence,
                      bias=bias, stage=stage)


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


def resnet18_tavg(num_classes: int = 400) -> Architecture:
    """torchvision's ``resnet18`` (2D) applied to every frame, then one average over T, H, W and the classifier
    512 -> ``num_classes``: a per-frame 2D CNN for video, e.g. for safety cameras.

    Stem conv 7x7 stride 2 3->64, batch norm, max pool 3x3 stride 2 padding 1; four stages of two BasicBlocks
    (two 3x3 convs, widths 64-512, stride 2 at stages 2-4 with a 1x1 stride-2 conv and batch norm on the
    shortcut). 11,689,512 parameters with 1000 classes (torchvision's figure); per frame ``1 / frames`` of the
    convolutions' MACs (1,813,561,344 MAC for one 224 x 224 frame, torchvision's "1.81 GFLOPS").
    """
    layers: list[Layer] = [conv2d("conv1", 64, 7, 2, 3, stage="stem"), BatchNorm("bn1", stage="stem"),
                           Pool("maxpool", (1, 3, 3), (1, 2, 2), (0, 1, 1), stage="stem")]
    prev, c_in = "maxpool", 64
    for stage, (planes, stride) in enumerate(((64, 1), (128, 2), (256, 2), (512, 2)), start=1):
        tag = f"layer{stage}"
        for b in range(2):
            s, pre = (stride if b == 0 else 1), f"{tag}.{b}"
            layers += [conv2d(f"{pre}.conv1", planes, 3, s, 1, stage=tag, inputs=(prev,)),
                       BatchNorm(f"{pre}.bn1", stage=tag),
                       conv2d(f"{pre}.conv2", planes, 3, 1, 1, stage=tag), BatchNorm(f"{pre}.bn2", stage=tag)]
            skip = prev
            if s != 1 or c_in != planes:  # shortcut projection: 1x1 conv with the block's stride + BN
                layers += [conv2d(f"{pre}.downsample.0", planes, 1, s, stage=tag, inputs=(prev,)),
                           BatchNorm(f"{pre}.downsample.1", stage=tag)]
                skip = f"{pre}.downsample.1"
            layers.append(Add(f"{pre}.add", stage=tag, inputs=(f"{pre}.bn2", skip)))
            prev, c_in = f"{pre}.add", planes
    layers += [GlobalPool("avgpool"), Linear("fc", whole_number(num_classes, "num_classes", integral_float=False),
                                             stage="fc")]
    return Architecture("resnet18_tavg", tuple(layers))


def lstm_sensor(num_classes: int = 6, *, channels: int = 8, hidden: int = 128, num_layers: int = 2) -> Architecture:
    """A sensor-series classifier: an LSTM of ``num_layers`` layers of ``hidden`` units over the window (as
    PyTorch's ``nn.LSTM(channels, hidden, num_layers)``), its last hidden state into a linear classifier
    ``hidden -> num_classes`` (by default 6 air-quality categories from 8 sensor channels).

    Per sample of the window ``4 h (channels + h) + 4 h (2 h) (num_layers - 1)`` MACs: 200,704 with the defaults;
    12,043,008 MAC over a 60-sample window (the classifier's 768 included); 203,526 parameters.
    """
    c = whole_number(channels, "channels", integral_float=False)
    layers: list[Layer] = [*lstm("lstm", hidden, num_layers, return_sequence=False, stage="lstm"),
                           Linear("fc", whole_number(num_classes, "num_classes", integral_float=False), stage="fc")]
    return Architecture("lstm_sensor", tuple(layers), in_channels=c, modality="series")


def gru_sensor(num_classes: int = 6, *, channels: int = 8, width: int = 32, hidden: int = 64) -> Architecture:
    """A light sensor-series classifier: a 1-D convolution (kernel 5, padding 2, ``channels -> width``, no
    bias) with batch norm, a one-layer GRU of ``hidden`` units, its last hidden state into a linear classifier
    ``hidden -> num_classes``.

    1,183,104 MAC over a 60-sample window with the defaults (the convolution 76,800, the GRU 1,105,920,
    the classifier 384); 20,550 parameters.
    """
    c = whole_number(channels, "channels", integral_float=False)
    layers: list[Layer] = [conv1d("conv.0", width, 5, padding=2, stage="conv"), BatchNorm("conv.1", stage="conv"),
                           *gru("gru", hidden, 1, return_sequence=False, stage="gru"),
                           Linear("fc", whole_number(num_classes, "num_classes", integral_float=False), stage="fc")]
    return Architecture("gru_sensor", tuple(layers), in_channels=c, modality="series")


#: Shipped architectures: name -> ``builder(num_classes) -> Architecture`` (the default classes: 400 for
#: video models, 6 for sensor models).
ARCHITECTURES: dict[str, Callable[..., Architecture]] = {
    "r3d_18": r3d_18, "r2plus1d_18": r2plus1d_18, "mobilenet_v2_tavg": mobilenet_v2_tavg,
    "resnet18_tavg": resnet18_tavg, "lstm_sensor": lstm_sensor, "gru_sensor": gru_sensor,
}


def get_architecture(arch: str | Architecture, num_classes: int | None = None) -> Architecture:
    """An :class:`Architecture` itself, or a shipped one by name (a key of :data:`ARCHITECTURES`), with
    ``num_classes`` classes (default: the builder's)."""
    if isinstance(arch, Architecture):
        return arch
    if arch not in ARCHITECTURES:
        raise ValueError(f"architecture is {arch!r}; known architectures: {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[arch]() if num_classes is None else ARCHITECTURES[arch](num_classes)


def stages(arch: Architecture) -> tuple[str, ...]:
    """The stage tags of an architecture's layers, in order of first appearance."""
    return tuple(dict.fromkeys(layer.stage for layer in arch.layers if layer.stage))
