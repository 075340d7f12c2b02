"""Model variants: exact MACs and parameters of pruned / factorised / quantised / sparse models, checked
against counts written out independently here."""
from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgesched.physics.accuracy import default_curve
from edgesched.physics.arch import get_architecture, r3d_18
from edgesched.physics.hardware import HARDWARE
from edgesched.physics.variants import ModelVariant, example_variants, low_rank, prune_channels


def keep(c: int, r: float) -> int:
    return max(1, math.floor(c * r + 0.5))


def r3d_conv_table(m: int, h: int, w: int, widths: tuple[int, int, int, int, int]) -> list[tuple[int, int, int, int]]:
    """(C_in, C_out, kernel volume, output positions) of every conv of r3d_18 with the given stem and stage
    widths, written out from torchvision's definition (ceil-halving at the stride-2 stages)."""

    def half(x: int) -> int:
        return -(-x // 2)

    t, hh, ww = m, half(h), half(w)
    rows = [(3, widths[0], 147, t * hh * ww)]
    c_in = widths[0]
    for stage, c in enumerate(widths[1:]):
        if stage:
            t, hh, ww = half(t), half(hh), half(ww)
        v = t * hh * ww
        rows += [(c_in, c, 27, v), (c, c, 27, v)]
        if stage:
            rows.append((c_in, c, 1, v))  # the shortcut projection of stages 2-4
        rows += [(c, c, 27, v), (c, c, 27, v)]
        c_in = c
    return rows


def dense_counts(rows: list[tuple[int, int, int, int]], c_last: int, nc: int) -> tuple[int, int]:
    macs = sum(ci * co * k * v for ci, co, k, v in rows) + c_last * nc
    params = sum(ci * co * k + 2 * co for ci, co, k, _ in rows) + c_last * nc + nc  # + BN, + fc bias
    return macs, params


ratios = st.floats(0.05, 1.0)


@given(ratios, ratios, ratios, ratios, st.integers(1, 20), st.integers(8, 160))
def test_structured_pruning_exact(r1: float, r2: float, r3: float, r4: float, m: int, hw: int) -> None:
    # the stem and layer1 share a residual path, so they share a ratio
    prune = {"stem": r1, "layer1": r1, "layer2": r2, "layer3": r3, "layer4": r4}
    v = ModelVariant("r3d_18", prune=prune)
    widths = (keep(64, r1), keep(64, r1), keep(128, r2), keep(256, r3), keep(512, r4))
    macs, params = dense_counts(r3d_conv_table(m, hw, hw, widths), widths[-1], 400)
    assert v.macs(m, hw, hw) == macs
    assert v.params() == params


def test_unpruned_counts_are_the_original() -> None:
    macs, params = dense_counts(r3d_conv_table(16, 112, 112, (64, 64, 128, 256, 512)), 512, 400)
    assert ModelVariant("r3d_18", prune=1.0).macs(16) == macs == 40_696_553_472
    assert ModelVariant("r3d_18", prune=1.0, rank=1.0).params() == params


def factorised(ci: int, co: int, k: int, q: float) -> int:
    """Weights of a C_in -> C_out layer (kernel volume k) factorised at rank ratio q, dense if no smaller."""
    r = keep(min(co, ci * k), q)
    return min(r * (ci * k + co), co * ci * k)


@given(st.floats(0.02, 1.0), st.integers(1, 16))
def test_low_rank_exact(q: float, m: int) -> None:
    rows = r3d_conv_table(m, 112, 112, (64, 64, 128, 256, 512))
    fc = factorised(512, 400, 1, q)
    macs = sum(v * factorised(ci, co, k, q) for ci, co, k, v in rows) + fc
    params = sum(factorised(ci, co, k, q) + 2 * co for ci, co, k, _ in rows) + fc + 400  # + BN, + fc bias
    variant = ModelVariant("r3d_18", rank=q)
    assert variant.macs(m) == macs
    assert variant.params() == params


def test_pruning_and_rank_compose() -> None:
    both = ModelVariant("r3d_18", prune=0.5, rank=0.25)
    assert both.network == low_rank(prune_channels(r3d_18(), 0.5), 0.25)
    assert both.macs() < ModelVariant("r3d_18", prune=0.5).macs() < ModelVariant("r3d_18").macs()
    assert both.name == "r3d_18/prune0.5/rank0.25"


@pytest.mark.parametrize("arch", ["r3d_18", "r2plus1d_18", "mobilenet_v2_tavg"])
@given(a=st.floats(0.05, 1.0), b=st.floats(0.05, 1.0))
def test_macs_and_params_monotone_in_kept_ratio(arch: str, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    small, big = ModelVariant(arch, prune=lo), ModelVariant(arch, prune=hi)
    assert small.macs(8) <= big.macs(8) <= ModelVariant(arch).macs(8)
    assert small.params() <= big.params()
    lr_small, lr_big = ModelVariant(arch, rank=lo), ModelVariant(arch, rank=hi)
    assert lr_small.macs(8) <= lr_big.macs(8) <= ModelVariant(arch).macs(8)


def test_mobilenet_pruning_keeps_depthwise_and_residuals_consistent() -> None:
    v = ModelVariant("mobilenet_v2_tavg", prune={"block3": 0.5, "head": 0.25})
    a = v.analyze(4, 112, 112)
    by = {s.name: s for s in a.layers}
    assert by["features.4.conv.2"].out_shape[0] == 16  # block3 (32 channels) halved
    assert by["features.5.conv.1.0"].out_shape[0] == by["features.5.conv.0.0"].out_shape[0] == 96  # 32 * 6 halved
    assert by["features.18.0"].out_shape[0] == 320
    assert by["classifier.1"].out_shape[0] == 400  # classes are never pruned


def test_unstructured_sparsity_changes_size_not_macs() -> None:
    dense = ModelVariant("r3d_18", bits=8)
    sparse = ModelVariant("r3d_18", bits=8, sparsity=0.75)
    a = dense.analyze()
    assert sparse.macs() == dense.macs()
    nonzero = math.ceil(a.weights * 0.25)
    assert sparse.size_bits() == (a.params - a.weights) * 8 + a.weights + nonzero * 8
    assert dense.size_bits() == a.params * 8
    # a little sparsity does not pay for its bitmask: stored dense
    assert ModelVariant("r3d_18", bits=8, sparsity=0.05).size_bits() == dense.size_bits()
    # compute gains only what the user says the hardware gains
    cpu = HARDWARE["cpu"]
    assert sparse.cycles(cpu, 1e9) == dense.cycles(cpu, 1e9) == 0.03 * 1e9
    fast = ModelVariant("r3d_18", bits=8, sparsity=0.75, sparse_speedup=2.5)
    assert fast.cycles(cpu, 1e9) == pytest.approx(0.03 * 1e9 / 2.5)


@pytest.mark.parametrize(("bits", "precision"), [(32, "fp32"), (16, "fp16"), (8, "int8")])
def test_quantization_size_and_precision(bits: int, precision: str) -> None:
    v = ModelVariant("r2plus1d_18", bits=bits)
    assert v.precision == precision and v.activation_bits() == bits
    assert v.size_bits() == v.params() * bits
    assert v.cycles(HARDWARE["gpu"], 1e6) == HARDWARE["gpu"].cycles_per_mac[precision] * 1e6
    with pytest.raises(ValueError, match="does not run fp32"):
        ModelVariant("r3d_18").cycles(HARDWARE["asic"], 1.0)


def test_distillation_is_a_smaller_architecture() -> None:
    teacher, student = ModelVariant("r3d_18"), ModelVariant("mobilenet_v2_tavg", name="student")
    assert student.macs() * 20 < teacher.macs() and student.params() * 10 < teacher.params()
    assert student.name == "student"


def test_footprint_counts_weights_and_activations() -> None:
    v = ModelVariant("r3d_18", bits=16)
    a = v.analyze(4)
    n = len(a.layers)
    _, params, peak = a.totals(0, n)
    assert v.footprint_bits(a, 0, n) == (params + peak) * 16
    head, tail = a.totals(0, 10)[2], a.totals(10, n)[2]  # the weights split between the two parts
    assert v.footprint_bits(a, 0, 10) + v.footprint_bits(a, 10, n) == (params + head + tail) * 16


def test_example_variants_are_marked_illustrative() -> None:
    assert "ILLUSTRATIVE" in (example_variants.__doc__ or "")
    variants = example_variants()
    assert len({v.name for v in variants}) == len(variants)
    for v in variants:
        assert v.accuracy is not None and v.accuracy.name.startswith("illustrative")
        assert v.accuracy.min_frames(0.5) >= 1
    assert {get_architecture(v.network.name).name for v in variants} == {"r3d_18", "r2plus1d_18",
                                                                        "mobilenet_v2_tavg"}


@pytest.mark.parametrize(("kw", "pattern"), [
    ({"prune": 0.0}, r"prune is 0\.0; prune must be a number in \(0, 1\]"),
    ({"prune": {"layer9": 0.5}}, r"prune has stage 'layer9'; r3d_18 has stages stem, layer1"),
    ({"prune": {"layer2": 2}}, r"prune\['layer2'\] is 2"),
    ({"rank": -0.1}, r"rank is -0\.1"),
    ({"bits": 4}, r"bits is 4; bits must be one of 32"),
    ({"sparsity": 1.0}, r"sparsity is 1\.0"),
    ({"sparse_speedup": 0.5}, r"sparse_speedup is 0\.5"),
    ({"accuracy": [0.9]}, r"accuracy must be an AccuracyCurve"),
])
def test_bad_variants_are_clear_errors(kw: dict, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        ModelVariant("r3d_18", **kw)


def test_mismatched_residual_pruning_names_the_layer() -> None:
    v = ModelVariant("r3d_18", prune={"layer1": 0.5}, accuracy=default_curve())
    with pytest.raises(ValueError, match=r"layer 'layer1\.0\.add' adds tensors of shapes"):
        v.macs()
