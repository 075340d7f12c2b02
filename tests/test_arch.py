"""Architectures as data: exact MACs, parameters, shapes and live tensors against independent counts (formulas
written out here, and PyTorch's own counts where torch is installed)."""
from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgesched import macs as macs_mod
from edgesched.physics.arch import (
    ARCHITECTURES,
    GRU,
    LSTM,
    Add,
    Architecture,
    BatchNorm,
    Conv,
    GlobalPool,
    Linear,
    Pool,
    conv1d,
    conv2d,
    get_architecture,
    gru,
    gru_sensor,
    lstm,
    lstm_sensor,
    mobilenet_v2_tavg,
    r2plus1d_18,
    r3d_18,
    resnet18_tavg,
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
    if arch.modality == "series":  # any window length
        assert arch.params(1) == arch.params(60) == arch.params(7, 1, 1) == arch.params(1000)
    else:
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
             (tv.mobilenet_v2(weights=None, num_classes=400), mobilenet_v2_tavg(), torch.zeros(9, 3, 112, 112)),
             (tv.resnet18(weights=None, num_classes=400), resnet18_tavg(), torch.zeros(9, 3, 112, 112))]
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


# -- the per-frame ResNet-18 ------------------------------------------------------------------------------

RESNET18_PARAMS_1000 = 11_689_512  # torchvision's resnet18 (num_params of its weights' meta data)
RESNET18_CONV_MACS_224 = 1_813_561_344  # its convolutions on one 224 x 224 image, torchvision's "1.81 GFLOPS"


def resnet18_closed_form(m: int, h: int, w: int, nc: int) -> int:
    """torchvision's resnet18 on each of m frames (its convolutions), plus one classifier after the average."""

    def out(x: int, k: int, s: int, p: int) -> int:
        return (x + 2 * p - k) // s + 1

    hh, ww = out(h, 7, 2, 3), out(w, 7, 2, 3)
    per_frame = hh * ww * 64 * 3 * 49
    hh, ww = out(hh, 3, 2, 1), out(ww, 3, 2, 1)  # max pool
    c_in = 64
    for planes, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        for b in range(2):
            s = stride if b == 0 else 1
            hh, ww = out(hh, 3, s, 1), out(ww, 3, s, 1)
            per_frame += hh * ww * planes * (c_in * 9 + planes * 9)
            if s != 1 or c_in != planes:
                per_frame += hh * ww * planes * c_in  # the 1x1 shortcut, same output size
            c_in = planes
    return m * per_frame + 512 * nc


def test_resnet18_against_torchvision_figures() -> None:
    a = resnet18_tavg(1000).analyze(1, 224, 224)
    assert a.params == RESNET18_PARAMS_1000
    assert a.macs == RESNET18_CONV_MACS_224 + 512 * 1000 == resnet18_closed_form(1, 224, 224, 1000)
    fc = 512 * 400
    assert resnet18_tavg().macs(16) - fc == 16 * (resnet18_tavg().macs(1) - fc)


@given(st.integers(1, 16), st.integers(1, 160), st.integers(1, 160), st.integers(1, 500))
def test_resnet18_closed_form_for_any_input(m: int, h: int, w: int, nc: int) -> None:
    assert resnet18_tavg(nc).macs(m, h, w) == resnet18_closed_form(m, h, w, nc)


# -- recurrent layers and 1-D convolutions ------------------------------------------------------------------


def recurrent_counts(gates: int, steps: int, features: int, hidden: int, layers: int, bidirectional: bool,
                     bias: bool) -> tuple[int, int]:
    """(MACs, parameters) of a stacked LSTM (4 gates) or GRU (3 gates), written out from PyTorch's parameter
    shapes: layer k has weight_ih (G h, I_k) and weight_hh (G h, h) per direction, I_0 = features and
    I_k = D h above; two biases (G h) each; the MACs are those of the two gate products every time step."""
    d = 2 if bidirectional else 1
    macs = params = 0
    for k in range(layers):
        i_k = features if k == 0 else d * hidden
        w = d * (gates * hidden * i_k + gates * hidden * hidden)
        macs += steps * w
        params += w + (d * 2 * gates * hidden if bias else 0)
    return macs, params


RECURRENT = {"lstm": (lstm, 4), "gru": (gru, 3)}


@given(st.sampled_from(sorted(RECURRENT)), st.integers(1, 300), st.integers(1, 40), st.integers(1, 96),
       st.integers(1, 3), st.booleans(), st.booleans(), st.booleans(), st.integers(1, 20))
def test_recurrent_counts_for_any_sequence(kind: str, steps: int, features: int, hidden: int, layers: int,
                                           bidirectional: bool, bias: bool, last_only: bool, classes: int) -> None:
    build, gates = RECURRENT[kind]
    net = Architecture("rnn", (*build("rnn", hidden, layers, bidirectional=bidirectional, bias=bias,
                                      return_sequence=not last_only),
                               Linear("fc", classes)), in_channels=features, modality="series")
    a = net.analyze(steps)
    macs, params = recurrent_counts(gates, steps, features, hidden, layers, bidirectional, bias)
    d = 2 if bidirectional else 1
    fc_in = d * hidden * (1 if last_only else steps)  # the classifier reads the last step, or all of them
    assert a.macs == macs + fc_in * classes
    assert a.params == params + fc_in * classes + classes
    assert a.layers[-2].out_shape == (d * hidden, 1 if last_only else steps, 1, 1)
    assert [s.name for s in a.layers[:-1]] == [f"rnn.l{k}" for k in range(layers)]
    assert {s.kind for s in a.layers[:-1]} == {kind}
    # every layer's own count: T steps of its weights, and its weights are the prunable ones
    for s in a.layers[:-1]:
        assert s.macs == steps * s.weights


@given(st.integers(1, 200), st.integers(1, 16), st.integers(1, 32), st.integers(1, 7), st.integers(1, 3),
       st.integers(0, 3), st.booleans())
def test_conv1d_counts(steps: int, c_in: int, c_out: int, k: int, stride: int, pad: int, bias: bool) -> None:
    t_out = (steps + 2 * pad - k) // stride + 1
    net = Architecture("c", (conv1d("c", c_out, k, stride, pad, bias=bias),), in_channels=c_in, modality="series")
    if t_out < 1:
        with pytest.raises(ValueError, match=r"input too small for layer 'c': T size"):
            net.analyze(steps)
        return
    s = net.analyze(steps).layers[0]
    assert s.out_shape == (c_out, t_out, 1, 1)
    assert s.macs == t_out * c_out * c_in * k
    assert s.params == c_out * c_in * k + (c_out if bias else 0)


def test_shipped_sensor_models() -> None:
    a = lstm_sensor().analyze(60)
    assert a.input_shape == (8, 60, 1, 1)
    per_step = 4 * 128 * (8 + 128) + 4 * 128 * (128 + 128)  # two LSTM layers
    assert per_step == 200_704
    assert a.macs == 60 * per_step + 128 * 6 == 12_043_008
    assert a.params == 4 * 128 * 136 + 4 * 128 * 256 + 2 * 2 * 4 * 128 + 128 * 6 + 6 == 203_526
    assert [s.out_shape for s in a.layers] == [(128, 60, 1, 1), (128, 1, 1, 1), (6, 1, 1, 1)]
    b = gru_sensor().analyze(60)
    assert b.macs == 60 * 32 * 8 * 5 + 60 * 3 * 64 * (32 + 64) + 64 * 6 == 1_183_104
    assert b.params == 32 * 8 * 5 + 2 * 32 + 3 * 64 * 96 + 2 * 3 * 64 + 64 * 6 + 6 == 20_550
    # MACs are linear in the window, the classifier aside
    assert lstm_sensor().macs(120) - 768 == 2 * (a.macs - 768)
    assert lstm_sensor(3, channels=4, hidden=16, num_layers=1).analyze(10).params == 4 * 16 * 20 + 2 * 64 + 16 * 3 + 3
    assert get_architecture("lstm_sensor").layers[-1].out_features == 6  # type: ignore[union-attr]
    assert get_architecture("lstm_sensor", 2).layers[-1].out_features == 2  # type: ignore[union-attr]
    assert get_architecture("r3d_18").layers[-1].out_features == 400  # type: ignore[union-attr]


def test_pruning_a_recurrent_stage() -> None:
    from edgesched.physics.variants import ModelVariant, prune_channels

    net = prune_channels(lstm_sensor(), {"lstm": 0.5})
    assert net.modality == "series" and net.in_channels == 8
    assert [layer.hidden for layer in net.layers[:2]] == [64, 64]  # type: ignore[union-attr]
    macs, params = recurrent_counts(4, 60, 8, 64, 2, False, True)
    assert net.analyze(60).macs == macs + 64 * 6
    assert net.analyze(60).params == params + 64 * 6 + 6
    v = ModelVariant("gru_sensor", prune=0.5, rank=0.5, bits=8)
    a = v.analyze(60)
    conv, gru_layer = a.layers[0], a.layers[2]
    assert conv.out_shape[0] == 16 and gru_layer.out_shape[0] == 32
    assert gru_layer.macs == 60 * 3 * 32 * (16 + 32)  # recurrent layers are not factorised
    assert v.macs(60) == a.macs and v.network.modality == "series"


def test_series_inputs_and_bad_recurrent_layers() -> None:
    with pytest.raises(ValueError, match=r"lstm_sensor reads a sensor series .*must be 1, not 112 x 112"):
        lstm_sensor().analyze(60, 112, 112)
    assert lstm_sensor().macs(60) == lstm_sensor().macs(60, 1, 1)
    with pytest.raises(ValueError, match=r"modality is 'audio'"):
        Architecture("x", (Linear("fc", 2),), modality="audio")
    with pytest.raises(ValueError, match=r"r\.hidden is 0"):
        LSTM("r", 0)
    with pytest.raises(ValueError, match=r"r\.bidirectional is 1; it must be True or False"):
        GRU("r", 4, bidirectional=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"rnn\.num_layers is 0"):
        lstm("rnn", 8, 0)
    with pytest.raises(ValueError, match=r"frames is 0"):
        gru_sensor().analyze(0)


def test_raw_input_across_cuts() -> None:
    """A cut carries raw input while the input itself, or a tensor made from it by pooling, batch norm or sums
    only, crosses it; the shipped models' first layer has learned weights, so only cut 0 is raw."""
    net = Architecture("pooled", (
        Pool("p", (1, 2, 2), (1, 2, 2)), BatchNorm("b"),  # still raw
        conv2d("c", 3, 3, 1, 1), Add("s", inputs=("c", "b")),  # the sum holds raw data
        conv2d("d", 4, 1), GlobalPool("g"), Linear("fc", 2),
    ))
    a = net.analyze(2, 8, 8)
    assert a.raw == (True, True, True, True, True, False, False, False)
    skip = Architecture("skip", (conv2d("c", 3, 3, 1, 1), Add("s", inputs=("c", "input")), Linear("fc", 2)))
    # the input crosses cut 1 for the sum, and the sum of raw input and features counts as raw
    assert skip.analyze(1, 4, 4).raw == (True, True, True, False)
    for name in ARCHITECTURES:
        arch = get_architecture(name)
        b = arch.analyze(3) if arch.modality == "series" else arch.analyze(3, 32, 32)
        assert b.raw[0] and not any(b.raw[1:]), name


def _torch_counts(torch, module, x):  # type: ignore[no-untyped-def]
    """PyTorch's own counts of one forward pass: parameters (sum of numel), and the MACs of its matrix
    products and convolutions (FlopCounterMode's flops / 2; oneDNN's fused RNN kernels off, so that the
    recurrent layers run as the matrix products the counter sees), or None where torch has no flop counter."""
    params = sum(p.numel() for p in module.parameters())
    try:
        from torch.utils.flop_counter import FlopCounterMode
    except ImportError:  # torch before 2.1
        return params, None
    mkldnn, enabled = torch.backends.mkldnn, torch.backends.mkldnn.enabled
    mkldnn.enabled = False
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as flops:
            module.eval()(x)
    finally:
        mkldnn.enabled = enabled
    return params, flops.get_total_flops() // 2


@pytest.mark.parametrize(("kind", "steps", "features", "hidden", "layers", "bidirectional", "bias"), [
    ("LSTM", 60, 8, 128, 2, False, True), ("LSTM", 7, 3, 5, 3, True, True), ("LSTM", 1, 1, 1, 1, False, False),
    ("GRU", 60, 32, 64, 1, False, True), ("GRU", 13, 6, 9, 2, True, False), ("GRU", 2, 4, 3, 3, True, True),
])
def test_recurrent_against_torch(kind: str, steps: int, features: int, hidden: int, layers: int,
                                 bidirectional: bool, bias: bool) -> None:
    """Parameters against ``sum(p.numel())``, MACs against the weight matrices' sizes times the steps and
    against torch's flop counter, for PyTorch's own LSTM and GRU modules."""
    torch = pytest.importorskip("torch")
    module = getattr(torch.nn, kind)(features, hidden, num_layers=layers, bias=bias, bidirectional=bidirectional)
    build = lstm if kind == "LSTM" else gru
    net = Architecture("rnn", tuple(build("rnn", hidden, layers, bidirectional=bidirectional, bias=bias)),
                       in_channels=features, modality="series")
    a = net.analyze(steps)
    params, macs = _torch_counts(torch, module, torch.zeros(steps, 1, features))  # (T, batch, features)
    assert a.params == params
    assert a.macs == steps * sum(p.numel() for name, p in module.named_parameters() if name.startswith("weight_"))
    if macs is not None:
        assert a.macs == macs
    assert a.layers[-1].out_shape[:2] == (module(torch.zeros(steps, 1, features))[0].shape[2], steps)


def test_sensor_models_against_torch() -> None:
    torch = pytest.importorskip("torch")
    nn = torch.nn

    class Classifier(nn.Module):  # type: ignore[misc]
        def __init__(self, front: list, rnn, head) -> None:  # type: ignore[no-untyped-def]
            super().__init__()
            self.front, self.rnn, self.head = nn.Sequential(*front), rnn, head

        def forward(self, x):  # type: ignore[no-untyped-def]  # x: (batch, channels, samples)
            y = self.front(x).permute(2, 0, 1)  # (samples, batch, features)
            return self.head(self.rnn(y)[0][-1])

    cases = [(Classifier([], nn.LSTM(8, 128, 2), nn.Linear(128, 6)), lstm_sensor()),
             (Classifier([nn.Conv1d(8, 32, 5, padding=2, bias=False), nn.BatchNorm1d(32)], nn.GRU(32, 64),
                         nn.Linear(64, 6)), gru_sensor())]
    for model, arch in cases:
        params, macs = _torch_counts(torch, model, torch.zeros(1, 8, 60))
        assert arch.params() == params
        if macs is not None:
            assert arch.macs(60) == macs
