"""Exact multiply-accumulate (MAC) counts ``C(M)`` of video DNNs.

The paper measures computation in MACs (Sec. II-A, eqs. 1-3: a task of
``C(M_n)`` MACs takes ``rho * C(M_n)`` CPU cycles) and notes that ``C(M)`` is
an irregular, discrete function of the number of input frames ``M`` because of
the strides and paddings of 3D convolutions (Sec. III-A).  This module counts
``C(M)`` exactly, layer by layer, for torchvision's 3D ResNet-18
(``torchvision.models.video.r3d_18``), the "ResNet-18" of the paper's
experiments (Sec. V), from its layer description :func:`edgesched.arch.r3d_18`
(other architectures and transformed variants: :mod:`edgesched.arch`,
:mod:`edgesched.variants`).

Counting rules
--------------
* Conv3d (no bias): ``MACs = T_out * H_out * W_out * C_out * C_in * kT * kH * kW``
  with PyTorch's output size ``out = floor((in + 2 * pad - kernel) / stride) + 1``
  per dimension.
* Linear: ``MACs = in_features * out_features`` (the bias add is not a MAC).
* Batch norm, ReLU, residual additions and pooling are not counted.

With these rules ``r3d18(16)`` (16 frames of 112 x 112, 400 classes) is
40,696,553,472 MACs, the "40.70 GFLOPS" torchvision documents for r3d_18
(those figures are in fact MACs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import whole_number
from .arch import Conv, LayerStats, Linear, r3d_18

__all__ = [
    "MODELS",
    "LayerMacs",
    "model_macs",
    "r3d18",
]

Shape4 = tuple[int, int, int, int]  # (C, T, H, W)
Triple = tuple[int, int, int]  # (T, H, W)


@dataclass(frozen=True)
class LayerMacs:
    """MAC count of one counted layer.

    Attributes
    ----------
    name : str
        The layer's module name in torchvision's ``r3d_18`` (e.g.
        ``"layer2.0.conv1.0"``, ``"layer2.0.downsample.0"``, ``"fc"``).
    kind : str
        ``"conv3d"`` or ``"linear"``.
    in_shape, out_shape : tuple of int
        Activation shapes ``(C, T, H, W)`` (batch size 1).  For the linear
        layer ``(features, 1, 1, 1)``.
    kernel, stride, padding : tuple of int
        ``(T, H, W)`` triples; ``(1, 1, 1)``, ``(1, 1, 1)``, ``(0, 0, 0)`` for
        the linear layer.
    macs : int
        Multiply-accumulates of the layer for one input clip.
    """

    name: str
    kind: str
    in_shape: Shape4
    out_shape: Shape4
    kernel: Triple
    stride: Triple
    padding: Triple
    macs: int


def _conv3d(
    name: str, in_shape: Shape4, c_out: int, kernel: Triple, stride: Triple, padding: Triple
) -> LayerMacs:
    """One bias-free Conv3d layer: output shape by PyTorch's floor rule and its MACs."""
    layer = Conv(name, c_out, kernel, stride, padding)
    out = layer.out_shape([in_shape])
    return LayerMacs(name, "conv3d", in_shape, out, kernel, stride, padding, layer.counts([in_shape], out)[0])


def _record(stats: LayerStats, layer: Conv | Linear) -> LayerMacs:
    if isinstance(layer, Conv):
        return LayerMacs(stats.name, "conv3d", stats.in_shapes[0], stats.out_shape, layer.kernel, layer.stride,
                         layer.padding, stats.macs)
    return LayerMacs(stats.name, "linear", stats.in_shapes[0], stats.out_shape, (1, 1, 1), (1, 1, 1), (0, 0, 0),
                     stats.macs)


@lru_cache(maxsize=1024)
def _r3d18_layers(frames: int, height: int, width: int, num_classes: int) -> tuple[LayerMacs, ...]:
    # The layer description of edgesched.arch.r3d_18; only the conv and fc layers do counted MACs.
    arch = r3d_18(num_classes)
    analysis = arch.analyze(frames, height, width)
    return tuple(_record(stats, layer) for stats, layer in zip(analysis.layers, arch.layers)
                 if isinstance(layer, (Conv, Linear)))


@overload
def r3d18(
    frames: int, height: int = ..., width: int = ..., num_classes: int = ..., *, breakdown: Literal[False] = ...
) -> int: ...


@overload
def r3d18(
    frames: int, height: int = ..., width: int = ..., num_classes: int = ..., *, breakdown: Literal[True]
) -> tuple[int, list[LayerMacs]]: ...


def r3d18(
    frames: int, height: int = 112, width: int = 112, num_classes: int = 400, *, breakdown: bool = False
) -> int | tuple[int, list[LayerMacs]]:
    """Exact conv + fc MAC count ``C(M)`` of torchvision's 3D ResNet-18.

    Architecture (``torchvision.models.video.r3d_18``): stem Conv3d 3->64,
    kernel (3,7,7), stride (1,2,2), padding (1,3,3); four stages of two
    BasicBlocks with widths 64/128/256/512, each block two 3x3x3 Conv3d with
    padding 1; the first conv of stages 2-4 has stride 2 in T, H and W and its
    block a 1x1x1 stride-2 Conv3d on the shortcut; global average pool; fc
    512 -> ``num_classes``.  Batch norm, ReLU, additions and pooling are not
    counted.

    ``C(M)`` grows with ``M`` as a staircase: the stem and stage 1 are linear
    in ``M``, but each stride-2 stage rounds its temporal size up
    (``ceil(T / 2)``), so stages 2-4 only grow when ``M`` crosses an odd
    number, e.g. ``M = 15`` and ``16`` have the same stage 2-4 sizes (8, 4, 2).

    Parameters
    ----------
    frames : int
        Number of input frames ``M`` (clip length), ``>= 1``.
    height, width : int, optional
        Frame size in pixels (default 112 x 112), ``>= 1``.
    num_classes : int, optional
        Output classes of the fc layer (default 400, Kinetics-400), ``>= 1``.
    breakdown : bool, optional
        Also return the per-layer records.

    Returns
    -------
    int or (int, list of LayerMacs)
        Total MACs for one clip; with ``breakdown=True`` also the list of
        counted layers in execution order (stem, layer1..layer4, fc).

    Raises
    ------
    ValueError
        If an argument is not an integer ``>= 1`` (naming it), or an input is
        too small for a layer (naming the layer; cannot happen for the r3d_18
        paddings, which keep every output size ``>= 1``).
    """
    m = whole_number(frames, "frames")
    h = whole_number(height, "height")
    w = whole_number(width, "width")
    nc = whole_number(num_classes, "num_classes")
    layers = _r3d18_layers(m, h, w, nc)
    total = sum(layer.macs for layer in layers)
    if breakdown:
        return total, list(layers)
    return total


def _r3d18_total(frames: int, height: int, width: int, num_classes: int) -> int:
    return r3d18(frames, height, width, num_classes)


#: Models whose MACs this module counts: name -> ``fn(frames, height, width, num_classes) -> int``.
MODELS: dict[str, Any] = {"r3d_18": _r3d18_total}


def model_macs(
    model: str, frames: ArrayLike, *, height: int = 112, width: int = 112, num_classes: int = 400
) -> NDArray[np.float64]:
    """``C(M)`` of a named model for an array of frame counts.

    Parameters
    ----------
    model : str
        A key of :data:`MODELS` (``"r3d_18"``).
    frames : array_like of int
        Frame counts ``M >= 1`` (integral floats accepted).
    height, width, num_classes : int, optional
        As for :func:`r3d18`.

    Returns
    -------
    ndarray of float64
        MACs per entry of *frames*, same shape.  float64 represents these
        counts exactly (they are far below 2**53).
    """
    if model not in MODELS:
        raise ValueError(f"model is {model!r}; known models: {', '.join(sorted(MODELS))}")
    arr = np.asarray(frames)
    if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise ValueError(f"frames must be integer frame counts; got dtype {arr.dtype}")
    flat = arr.reshape(-1)
    fn = MODELS[model]
    out = np.empty(flat.shape, dtype=np.float64)
    cache: dict[int, float] = {}
    for i, v in enumerate(flat.tolist()):
        fv = float(v)
        if not (math.isfinite(fv) and fv == math.floor(fv) and fv >= 1):
            idx = "" if arr.ndim == 0 else "[" + ", ".join(str(int(t)) for t in np.unravel_index(i, arr.shape)) + "]"
            raise ValueError(f"frames{idx} is {v!r}; frame counts must be integers >= 1")
        m = int(fv)
        if m not in cache:
            cache[m] = float(fn(m, height, width, num_classes))
        out[i] = cache[m]
    return out.reshape(arr.shape)
