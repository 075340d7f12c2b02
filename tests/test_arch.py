"""Architectures as data: exact MACs, parameters, shapes and live tensors against independent counts."""
from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgesched import macs as macs_mod
from edgesched.physics.arch import (
    ARCHITECTURES,
    Add,
    Architecture,
    BatchNorm,
    Conv,
    GlobalPool,
    Linear,
    Pool,
    conv2d,
    get_architecture,
    mobilenet_v2_tavg,
    r2plus1d_18,
    r3d_18,
    stages,
)

# Parameter counts torchvision documents for its models (num_params of the weights' meta data).
TORCHVISION_PARAMS = {"r3d_18": 33_371_472, "r2plus1d_18": 31_505_325}
MOBILENET_V2_PARAMS_1000 = 3_504_872
MOBILENET_V2_MACS_224 = 300_774_272  # features + classifier of one 224 x 224 image, "0.30 GFLOPS"


def half(x: int) -> int:
    return -(-x // 2)


def r2plus1d_closed_form(m: int, h: int, w: int, nc: int) -> int:
    """C(M) of torchvision's r2plus1d_18 from its definition, written out stage by stage."""
    t, hh, ww = m, half(h), half(w)
    total = t * hh * ww * (45 * 3 * 49 + 64 * 45 * 3)  # stem: (1,7,7) 3->45, (3,1,1) 45->64
    c_in = 64
    for planes, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        for b in range(2):
            s = stride if b == 0 else 1
            mid = c_in * planes * 27 // (c_in * 9 + 3 * planes)
            h2, w2 = (half(hh), half(ww)) if s == 2 else (hh, ww)
            t2 = half(t) if s == 2 else t
            total += t * h2 * w2 * mid * c_in * 9  # conv1 spatial at the input's T
            total += t2 * h2 * w2 * planes * mid * 3  # conv1 temporal
            total += t2 * h2 * w2 * (mid * planes * 9 + planes * mid * 3)  # conv2
            if s != 1 or c_in != planes:
                total += t2 * h2 * w2 * planes * c_in  # 1x1x1 shortcut
            t, hh, ww, c_in = t2, h2, w2, planes
    return total + 512 * nc


MNV2_SETTINGS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                 (6, 320, 1, 1))


def mobilenet_v2_closed_form(m: int, h: int, w: int, nc: int) -> int:
    """MobileNetV2 per frame (times m) plus one classifier after the temporal average."""

    def out(x: int, s: int) -> int:  # 3x3, padding 1
        return (x + 2 - 3) // s + 1

    hh, ww = out(h, 2), out(w, 2)
    per_frame = hh * ww * 32 * 3 * 9
    c_in = 32
    for t, c, n, s in MNV2_SETTINGS:
        for i in range(n):
            hidden = c_in * t
            if t != 1:
                per_frame += hh * ww * hidden * c_in
            hh, ww = out(hh, s if i == 0 else 1), out(ww, s if i == 0 else 1)
            per_frame += hh * ww * hidden * 9 + hh * ww * c * hidden
            c_in = c
    per_frame += hh * ww * 1280 * 320
    return m * per_frame + 1280 * nc


def test_r3d18_description_is_the_macs_module() -> None:
    a = r3d_18().analyze(16, 112, 112)
    assert a.macs == macs_mod.r3d18(16) == 40_696_553_472
    assert a.params == TORCHVISION_PARAMS["r3d_18"]
    convs = [s for s in a.layers if s.kind in ("conv", "linear")]
    _, records = macs_mod.r3d18(16, breakdown=True)
    assert [(s.name, s.out_shape, s.macs) for s in convs] == [(r.name, r.out_shape, r.macs) for r in records]


def test_r2plus1d18_against_torchvision_figures() -> None:
    a = r2plus1d_18().analyze(16, 112, 112)
    assert a.params == TORCHVISION_PARAMS["r2plus1d_18"]
    assert abs(a.macs - 40.52e9) < 0.005e9  # torchvision documents "40.52 GFLOPS" (MACs)
    assert a.macs == r2plus1d_closed_form(16, 112, 112, 400)
    # midplanes of the first block of layer2: (64 * 128 * 27) // (64 * 9 + 3 * 128) = 230
    conv = next(s for s in a.layers if s.name == "layer2.0.conv1.0.0")
    assert conv.out_shape[0] == 230 and conv.in_shapes[0][0] == 64


def test_mobilenet_v2_against_torchvision_figures() -> None:
    a = mobilenet_v2_tavg(1000).analyze(1, 224, 224)
    assert a.params == MOBILENET_V2_PARAMS_1000
    assert a.macs == MOBILENET_V2_MACS_224 == mobilenet_v2_closed_form(1, 224, 224, 1000)
    # a per-frame model: the backbone's MACs scale with the frames, the classifier runs once
    fc = 1280 * 400
    assert mobilenet_v2_tavg().macs(16) - fc == 16 * (mobilenet_v2_tavg().macs(1) - fc)


@given(st.integers(1, 24), st.integers(1, 200), st.integers(1, 200), st.integers(1, 500))
def test_closed_forms_for_any_input(m: int, h: int, w: int, nc: int) -> None:
    assert r2plus1d_18(nc).macs(m, h, w) == r2plus1d_closed_form(m, h, w, nc)
    assert mobilenet_v2_tavg(nc).macs(m, h, w) == mobilenet_v2_closed_form(m, h, w, nc)
    assert r3d_18(nc).macs(m, h, w) == macs_mod.r3d18(m, h, w, nc)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_parameters_do_not_depend_on_the_clip(name: str) -> None:
    arch = get_architecture(name)
    assert arch.params(1, 32, 32) == arch.params(16, 112, 112) == arch.params(9, 171, 128)


def test_shapes_follow_the_layers() -> None:
    a = r3d_18().analyze(9, 112, 96)
    shape = {s.name: s.out_shape for s in a.layers}
    assert a.input_shape == (3, 9, 112, 96)
    assert shape["stem.0"] == (64, 9, 56, 48)
    assert shape["layer2.0.add"] == (128, 5, 28, 24)  # ceil(9 / 2) frames
    assert shape["layer4.1.add"] == (512, 2, 7, 6)
    assert shape["avgpool"] == (512, 1, 1, 1) and shape["fc"] == (400, 1, 1, 1)
    for s in a.layers:  # consecutive layers: the next layer reads the previous output unless told otherwise
        assert all(min(x) >= 1 for x in s.in_shapes)


def test_live_tensors_across_cuts() -> None:
    a = r3d_18().analyze(16, 112, 112)
    names = [s.name for s in a.layers]
    n = len(names)
    assert a.live[0] == 3 * 16 * 112 * 112 and a.live[n] == 400
    assert a.live_tensors[0] == a.live_tensors[n] == 1
    # after layer2.0's first conv + BN the main path and the block input (for the shortcut) both cross
    k = names.index("layer2.0.conv1.1") + 1
    assert a.live_tensors[k] == 2
    assert a.live[k] == 128 * 8 * 28 * 28 + 64 * 16 * 56 * 56
    # a block boundary: one tensor
    k = names.index("layer3.1.add") + 1
    assert a.live_tensors[k] == 1 and a.live[k] == 256 * 4 * 14 * 14
    cuts = a.split_points()
    assert k in cuts and all(a.live_tensors[c] == 1 for c in cuts)
    assert all(a.layers[c].kind != "bn" for c in cuts)
    assert names.index("avgpool") + 1 in cuts


def test_totals_and_peak() -> None:
    a = r3d_18().analyze(4, 64, 64)
    n = len(a.layers)
    macs, params, peak = a.totals(0, n)
    assert (macs, params) == (a.macs, a.params)
    head, tail = a.totals(0, 20), a.totals(20, n)
    assert head[0] + tail[0] == a.macs and head[1] + tail[1] == a.params
    # the stem holds its input and its output at once
    assert a.totals(0, 1)[2] == 3 * 4 * 64 * 64 + 64 * 4 * 32 * 32
    assert peak >= max(a.live)
    assert a.totals(3, 3) == (0, 0, 0)


def test_a_small_custom_architecture() -> None:
    arch = Architecture("tiny", (
        conv2d("c1", 8, 3, 1, 1, stage="s1"),
        BatchNorm("b1", stage="s1"),
        Conv("c2", 8, (3, 3, 3), 1, 1, stage="s1"),
        Add("res", inputs=("c2", "b1")),
        Pool("pool", (1, 2, 2), (1, 2, 2)),
        Conv("dw", 1, (1, 3, 3), padding=(0, 1, 1), depthwise=True, bias=True),
        GlobalPool("gap"),
        Linear("fc", 5),
    ), in_channels=1)
    a = arch.analyze(2, 8, 8)
    by = {s.name: s for s in a.layers}
    assert by["c1"].macs == 2 * 8 * 8 * 8 * 1 * 9 and by["c1"].params == 8 * 9
    assert by["c2"].macs == 2 * 8 * 8 * 8 * 8 * 27
    assert by["pool"].out_shape == (8, 2, 4, 4) and by["pool"].macs == 0
    assert by["dw"].out_shape == (8, 2, 4, 4) and by["dw"].macs == 2 * 4 * 4 * 8 * 9
    assert by["dw"].params == 8 * 9 + 8 and by["dw"].weights == 8 * 9
    assert by["fc"].params == 8 * 5 + 5 and by["fc"].macs == 40
    assert by["b1"].params == 16
    assert stages(arch) == ("s1",)


@pytest.mark.parametrize(("build", "pattern"), [
    (lambda: Architecture("x", ()), r"has no layers"),
    (lambda: Architecture("x", (conv2d("a", 4, 3), conv2d("a", 4, 3))), r"'a' is used twice"),
    (lambda: Architecture("x", (conv2d("a", 4, 3), Add("s", inputs=("a", "zz")))), r"reads 'zz'"),
    (lambda: Architecture("x", ("conv",)), r"layers\[0\] is a str"),  # type: ignore[arg-type]
    (lambda: Conv("c", 0, 3), r"c\.out_channels is 0"),
    (lambda: Conv("c", 4, (3, 3)), r"c\.kernel"),
    (lambda: Conv("c", 4, 3, padding=-1), r"c\.padding\[0\] is -1"),
    (lambda: Conv("c", 4, 3, depthwise=True, rank_ratio=0.5), r"depthwise .* no low-rank"),
    (lambda: Conv("c", 4, 3, rank_ratio=1.5), r"c\.rank_ratio is 1\.5"),
    (lambda: Linear("input", 4), r"names must be non-empty"),
    (lambda: Add("s", inputs=("a",)), r"at least 2 inputs"),
    (lambda: get_architecture("resnet50"), r"known architectures: r3d_18"),
])
def test_bad_descriptions_are_clear_errors(build, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        build()


def test_bad_inputs_name_the_layer() -> None:
    with pytest.raises(ValueError, match=r"input too small for layer 'stem\.0': H size 2"):
        Architecture("x", (Conv("stem.0", 4, 7),)).analyze(8, 2, 64)
    arch = Architecture("x", (conv2d("a", 4, 3, 2, 1), Add("s", inputs=("a", "input"))))
    with pytest.raises(ValueError, match=r"layer 's' adds tensors of shapes"):
        arch.analyze(1, 8, 8)
    with pytest.raises(ValueError, match=r"frames is 0"):
        r3d_18().analyze(0)


def test_against_torchvision_forward_hooks() -> None:
    """Per-layer conv MACs and parameter totals against torchvision, when torch happens to be installed."""
    torch = pytest.importorskip("torch")
    tv = pytest.importorskip("torchvision.models")
    counts: dict[str, int] = {}

    def hook(name: str):  # type: ignore[no-untyped-def]
        def fn(mod, inp, out) -> None:  # type: ignore[no-untyped-def]
            counts[name] = out.numel() * math.prod(mod.kernel_size) * mod.in_channels // mod.groups
        return fn

    cases = [(tv.video.r2plus1d_18(weights=None), r2plus1d_18(), torch.zeros(1, 3, 9, 112, 112)),
             (tv.mobilenet_v2(weights=None, num_classes=400), mobilenet_v2_tavg(), torch.zeros(9, 3, 112, 112))]
    for model, arch, x in cases:
        counts.clear()
        for name, mod in model.named_modules():
            if isinstance(mod, (torch.nn.Conv2d, torch.nn.Conv3d)):
                mod.register_forward_hook(hook(name))
        with torch.no_grad():
            model.eval()(x)
        ours = {s.name: s.macs for s in arch.analyze(9, 112, 112).layers if s.kind == "conv"}
        assert ours == counts
        assert arch.params() == sum(p.numel() for p in model.parameters())
