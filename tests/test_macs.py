from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgesched.physics.macs import MODELS, LayerMacs, _conv3d, model_macs, r3d18

R3D18_16x112 = 40_696_553_472  # torchvision documents "40.70 GFLOPS" (really MACs)

# Independent layer table at 16 x 112 x 112, written out by hand:
# (name, C_in, C_out, kernel volume, out (C, T, H, W)).
_K3, _K7, _K1 = 27, 3 * 7 * 7, 1
HAND_TABLE = [
    ("stem.0", 3, 64, _K7, (64, 16, 56, 56)),
    ("layer1.0.conv1.0", 64, 64, _K3, (64, 16, 56, 56)),
    ("layer1.0.conv2.0", 64, 64, _K3, (64, 16, 56, 56)),
    ("layer1.1.conv1.0", 64, 64, _K3, (64, 16, 56, 56)),
    ("layer1.1.conv2.0", 64, 64, _K3, (64, 16, 56, 56)),
    ("layer2.0.conv1.0", 64, 128, _K3, (128, 8, 28, 28)),
    ("layer2.0.conv2.0", 128, 128, _K3, (128, 8, 28, 28)),
    ("layer2.0.downsample.0", 64, 128, _K1, (128, 8, 28, 28)),
    ("layer2.1.conv1.0", 128, 128, _K3, (128, 8, 28, 28)),
    ("layer2.1.conv2.0", 128, 128, _K3, (128, 8, 28, 28)),
    ("layer3.0.conv1.0", 128, 256, _K3, (256, 4, 14, 14)),
    ("layer3.0.conv2.0", 256, 256, _K3, (256, 4, 14, 14)),
    ("layer3.0.downsample.0", 128, 256, _K1, (256, 4, 14, 14)),
    ("layer3.1.conv1.0", 256, 256, _K3, (256, 4, 14, 14)),
    ("layer3.1.conv2.0", 256, 256, _K3, (256, 4, 14, 14)),
    ("layer4.0.conv1.0", 256, 512, _K3, (512, 2, 7, 7)),
    ("layer4.0.conv2.0", 512, 512, _K3, (512, 2, 7, 7)),
    ("layer4.0.downsample.0", 256, 512, _K1, (512, 2, 7, 7)),
    ("layer4.1.conv1.0", 512, 512, _K3, (512, 2, 7, 7)),
    ("layer4.1.conv2.0", 512, 512, _K3, (512, 2, 7, 7)),
]


def _closed_form(m: int, h: int, w: int, nc: int) -> int:
    """C(M) from the ceil-halving closed form (a different code path from macs.py).

    Every stride-2 layer of r3d_18 maps a size x to ceil(x / 2) (stem H/W:
    (x + 6 - 7)//2 + 1; 3x3x3 pad 1 and 1x1x1 pad 0: (x - 1)//2 + 1).
    """

    def half(x: int) -> int:
        return -(-x // 2)

    t, hh, ww = m, half(h), half(w)
    total = t * hh * ww * 64 * 3 * 147  # stem
    total += 4 * t * hh * ww * 64 * 64 * 27  # layer1
    c_in = 64
    for c in (128, 256, 512):
        t, hh, ww = half(t), half(hh), half(ww)
        v = t * hh * ww
        # conv1 (c_in -> c), downsample (1x1x1), conv2 + 2 convs of block 2 (c -> c)
        total += v * c * (c_in * 27 + c_in + 3 * c * 27)
        c_in = c
    return total + 512 * nc


def test_r3d18_16_frames_exact() -> None:
    total = r3d18(16)
    assert total == R3D18_16x112
    assert abs(total - 40.70e9) < 0.01e9
    assert r3d18(16, 112, 112, 400) == total
    assert isinstance(total, int)


def test_layer_table_against_hand_written_shapes() -> None:
    total, layers = r3d18(16, breakdown=True)
    assert [layer.name for layer in layers] == [row[0] for row in HAND_TABLE] + ["fc"]
    for layer, (name, c_in, c_out, kvol, out) in zip(layers, HAND_TABLE):
        assert layer.kind == "conv3d", name
        assert layer.out_shape == out, name
        assert layer.in_shape[0] == c_in, name
        assert math.prod(layer.kernel) == kvol, name
        assert layer.macs == math.prod(out[1:]) * c_out * c_in * kvol, name
    assert layers[0].in_shape == (3, 16, 112, 112)
    assert (layers[0].kernel, layers[0].stride, layers[0].padding) == ((3, 7, 7), (1, 2, 2), (1, 3, 3))
    assert all(layer.padding == (0, 0, 0) for layer in layers if "downsample" in layer.name)
    assert all(layer.stride == (2, 2, 2) for layer in layers if layer.name.endswith(("0.conv1.0", "downsample.0"))
               and not layer.name.startswith("layer1"))
    fc = layers[-1]
    assert fc.kind == "linear" and fc.in_shape == (512, 1, 1, 1) and fc.out_shape == (400, 1, 1, 1)
    assert fc.macs == 512 * 400
    assert sum(layer.macs for layer in layers) == total
    # the hand table alone reproduces the total
    hand = sum(math.prod(out[1:]) * c_out * c_in * k for _, c_in, c_out, k, out in HAND_TABLE) + 512 * 400
    assert hand == R3D18_16x112


def test_layer_records_are_frozen() -> None:
    _, layers = r3d18(8, breakdown=True)
    assert isinstance(layers[0], LayerMacs)
    with pytest.raises(dataclasses.FrozenInstanceError):
        layers[0].macs = 0  # type: ignore[misc]
    layers.clear()  # the returned list is the caller's own
    assert len(r3d18(8, breakdown=True)[1]) == 21


@settings(deadline=None, max_examples=80)
@given(st.integers(1, 48), st.integers(1, 240), st.integers(1, 240), st.integers(1, 1000))
def test_matches_closed_form(m: int, h: int, w: int, nc: int) -> None:
    assert r3d18(m, h, w, nc) == _closed_form(m, h, w, nc)


def test_staircase_in_frames() -> None:
    c = [r3d18(m) for m in range(1, 65)]
    assert all(b > a for a, b in zip(c, c[1:]))  # non-decreasing (in fact increasing)
    # stem + layer1 grow by exactly this much per frame at 112 x 112:
    per_frame = 56 * 56 * 64 * (3 * 147 + 4 * 64 * 27)
    assert per_frame == 1_475_776_512
    for m in range(1, 64):
        step = c[m] - c[m - 1]  # C(m + 1) - C(m)
        if m % 2 == 1:  # m odd -> m + 1 even: ceil(m / 2) unchanged, stages 2-4 flat
            assert step == per_frame, m
        else:
            assert step > per_frame, m


def _temporal_sizes(m: int) -> tuple[int, ...]:
    _, layers = r3d18(m, breakdown=True)
    return tuple(layer.out_shape[1] for layer in layers if layer.name.endswith(".1.conv2.0"))


def test_consecutive_frames_with_equal_deep_stage_sizes() -> None:
    # C(15) and C(16) share the stage 2-4 temporal sizes (8, 4, 2); only stem and layer1 grow.
    assert _temporal_sizes(15) == (15, 8, 4, 2)
    assert _temporal_sizes(16) == (16, 8, 4, 2)
    assert r3d18(16) - r3d18(15) == 1_475_776_512
    # 16 -> 17 crosses into a new step: every stage grows.
    assert _temporal_sizes(17) == (17, 9, 5, 3)
    # and 8 -> 9 (the default M* = 9) too
    assert _temporal_sizes(8) == (8, 4, 2, 1)
    assert _temporal_sizes(9) == (9, 5, 3, 2)


@settings(deadline=None, max_examples=40)
@given(st.integers(1, 40), st.integers(1, 200), st.integers(1, 200))
def test_odd_to_even_step_is_stem_plus_layer1(k: int, h: int, w: int) -> None:
    m = 2 * k - 1
    _, layers = r3d18(m, h, w, breakdown=True)
    shallow = sum(layer.macs for layer in layers if layer.name.startswith(("stem", "layer1")))
    assert r3d18(m + 1, h, w) - r3d18(m, h, w) == shallow // m


def test_num_classes_only_changes_fc() -> None:
    assert r3d18(9, num_classes=27) - r3d18(9, num_classes=400) == 512 * (27 - 400)


def test_tiny_inputs_are_valid() -> None:
    # The paddings keep every output size >= 1: a 1 x 1 x 1 clip still runs.
    total, layers = r3d18(1, 1, 1, 1, breakdown=True)
    assert all(min(layer.out_shape) >= 1 for layer in layers)
    assert total == _closed_form(1, 1, 1, 1)


def test_integral_floats_and_numpy_ints_accepted() -> None:
    assert r3d18(16.0) == r3d18(np.int64(16)) == R3D18_16x112


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"frames": 0}, r"frames is 0; frames must be an integer >= 1"),
        ({"frames": -3}, r"frames is -3"),
        ({"frames": 2.5}, r"frames is 2\.5"),
        ({"frames": True}, r"frames is True"),
        ({"frames": "16"}, r"frames is '16'"),
        ({"frames": float("nan")}, r"frames is nan"),
        ({"frames": 16, "height": 0}, r"height is 0; height must be an integer >= 1"),
        ({"frames": 16, "width": 1.5}, r"width is 1\.5; width must be an integer >= 1"),
        ({"frames": 16, "num_classes": 0}, r"num_classes is 0; num_classes must be an integer >= 1"),
    ],
)
def test_r3d18_validation(kwargs: dict[str, object], pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        r3d18(**kwargs)  # type: ignore[arg-type]


def test_too_small_input_names_the_layer() -> None:
    with pytest.raises(ValueError, match=r"input too small for layer 'layerX\.conv': H size 2 .* output size 0 < 1"):
        _conv3d("layerX.conv", (8, 4, 2, 5), 8, (3, 3, 3), (1, 1, 1), (0, 0, 0))
    ok = _conv3d("ok", (8, 4, 3, 5), 16, (3, 3, 3), (1, 1, 1), (0, 0, 0))
    assert ok.out_shape == (16, 2, 1, 3) and ok.macs == 2 * 1 * 3 * 16 * 8 * 27


def test_model_macs() -> None:
    assert "r3d_18" in MODELS
    out = model_macs("r3d_18", np.array([[9, 16], [9, 1]]))
    assert out.dtype == np.float64 and out.shape == (2, 2)
    assert out[0, 1] == float(R3D18_16x112) and int(out[0, 1]) == R3D18_16x112
    assert out[0, 0] == out[1, 0] == r3d18(9)
    np.testing.assert_array_equal(model_macs("r3d_18", [4.0, 5.0], height=64, width=80, num_classes=10),
                                  [r3d18(4, 64, 80, 10), r3d18(5, 64, 80, 10)])
    assert model_macs("r3d_18", 16).shape == ()


@pytest.mark.parametrize(
    ("model", "frames", "pattern"),
    [
        ("resnet50", [16], r"model is 'resnet50'; known models: r3d_18"),
        ("r3d_18", [16, 0], r"frames\[1\] is 0; frame counts must be integers >= 1"),
        ("r3d_18", [16, 15.5], r"frames\[1\] is 15\.5"),
        ("r3d_18", [[1, 2], [3, -1]], r"frames\[1, 1\] is -1"),
        ("r3d_18", [True], r"frames must be integer frame counts"),
        ("r3d_18", ["a"], r"frames must be integer frame counts"),
    ],
)
def test_model_macs_validation(model: str, frames: object, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        model_macs(model, frames)  # type: ignore[arg-type]


def test_against_torchvision_forward_hooks() -> None:
    """Cross-check with a forward-hook count when torch/torchvision happen to be installed."""
    torch = pytest.importorskip("torch")
    tv_video = pytest.importorskip("torchvision.models.video")
    try:
        model = tv_video.r3d_18(weights=None).eval()
    except TypeError:  # torchvision < 0.13 has no ``weights`` argument
        model = tv_video.r3d_18().eval()
    counts: dict[str, int] = {}

    def hook(name: str):  # type: ignore[no-untyped-def]
        def fn(mod, inp, out) -> None:  # type: ignore[no-untyped-def]
            if isinstance(mod, torch.nn.Conv3d):
                k = math.prod(mod.kernel_size) * mod.in_channels // mod.groups
                counts[name] = out.numel() * k
            else:
                counts[name] = mod.in_features * mod.out_features * out.shape[0]

        return fn

    for name, mod in model.named_modules():
        if isinstance(mod, (torch.nn.Conv3d, torch.nn.Linear)):
            mod.register_forward_hook(hook(name))
    for m in (1, 9, 16):
        counts.clear()
        with torch.no_grad():
            model(torch.zeros(1, 3, m, 112, 112))
        total, layers = r3d18(m, breakdown=True)
        assert {layer.name: layer.macs for layer in layers} == counts
        assert total == sum(counts.values())
