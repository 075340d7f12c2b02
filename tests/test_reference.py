"""Tests of the plain-Python oracle ``edgesched.reference`` against the paper and independent solvers."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize, minimize_scalar

from edgesched import reference as ref

SETTINGS = settings(deadline=None, max_examples=50, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------------------------------
# strategies: heterogeneous instances at the paper's scales (Sec. V)
# --------------------------------------------------------------------------------------------------


def log_uniform(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(math.log10(lo), math.log10(hi)).map(lambda e: 10.0**e)


def per_device(n: int, lo: float, hi: float) -> st.SearchStrategy[list[float]]:
    return st.lists(log_uniform(lo, hi), min_size=n, max_size=n)


def scalar_or_per_device(n: int, lo: float, hi: float) -> st.SearchStrategy[object]:
    return st.one_of(log_uniform(lo, hi), per_device(n, lo, hi))


@st.composite
def instances(draw, min_n: int = 1, max_n: int = 7) -> dict:
    """Keyword arguments for ``evaluate`` minus ``offload``: unequal d_n, R_n, p_n, f_max, C, M."""
    n = draw(st.integers(min_n, max_n))
    return dict(
        macs=draw(per_device(n, 1e8, 5e10)),
        frames=[float(m) for m in draw(st.lists(st.integers(1, 16), min_size=n, max_size=n))],
        frame_bits=draw(per_device(n, 1e5, 2e6)),
        rate=draw(per_device(n, 1e6, 5e7)),
        tx_power=draw(per_device(n, 0.05, 0.5)),
        f_local_max=draw(per_device(n, 5e8, 3e9)),
        kappa=draw(scalar_or_per_device(n, 1e-29, 1e-27)),
        rho=draw(scalar_or_per_device(n, 0.05, 0.3)),
        f_edge_max=draw(log_uniform(5e9, 5e10)),
        w_delay=draw(st.floats(0.05, 1.0)),
        w_energy=draw(st.one_of(st.just(0.0), st.floats(0.05, 1.0))),
    )


def lists_of(inst: dict) -> dict:
    """Per-device lists for every per-device field (broadcast scalars), for the test's own formulas."""
    n = len(inst["macs"])
    out = {}
    for k in ("macs", "frames", "frame_bits", "rate", "tx_power", "f_local_max", "kappa", "rho"):
        v = inst[k]
        out[k] = [float(x) for x in v] if isinstance(v, list) else [float(v)] * n
    return out


def independent_total(inst: dict, offload) -> float:
    """The closed form of docs/model.md §3: sum_{not S} F0 + sum_S e_n + (b1/F) U^2 + b1 V^2."""
    d = lists_of(inst)
    b1, b2, big_f = inst["w_delay"], inst["w_energy"], inst["f_edge_max"]
    total = u = v = 0.0
    for i, off in enumerate(offload):
        if off:
            total += b2 * d["tx_power"][i] * d["frames"][i] * d["frame_bits"][i] / d["rate"][i]
            u += math.sqrt(d["rho"][i] * d["macs"][i])
            v += math.sqrt(d["frames"][i] * d["frame_bits"][i] / d["rate"][i])
        else:
            if b2 == 0.0:
                f = d["f_local_max"][i]
            else:
                f = min((b1 / (2 * b2 * d["kappa"][i])) ** (1 / 3), d["f_local_max"][i])
            work = d["rho"][i] * d["macs"][i]
            total += b1 * work / f + b2 * d["kappa"][i] * work * f * f
    return total + b1 / big_f * u * u + b1 * v * v


# hand-checkable units: rho = 1, kappa = 1/16 (so cbrt(b1/(2 b2 kappa)) = 2 > f_local_max = 1),
# F = 4, d = R = 1, b1 = b2 = 1/2.  F0_n = 17 C_n / 32; edge: c_n = sqrt(C_n), w_n = sqrt(M_n).
HAND = dict(frame_bits=1.0, rate=1.0, f_local_max=1.0, kappa=1 / 16, rho=1.0, f_edge_max=4.0,
            w_delay=0.5, w_energy=0.5)


# --------------------------------------------------------------------------------------------------
# the module itself
# --------------------------------------------------------------------------------------------------


def test_public_api_and_no_numpy():
    for name in ref.__all__:
        assert hasattr(ref, name), name
    src = inspect.getsource(ref)
    imported = set()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0] if node.level == 0 else "<relative>")
    assert imported <= {"__future__", "itertools", "math", "operator", "dataclasses", "typing"}, imported
    sched = ref.evaluate([True], [1e9], [4], [3e5], [1e7], [0.1], [1e9])
    with pytest.raises(dataclasses.FrozenInstanceError):
        sched.cost = 0.0  # frozen
    assert isinstance(sched.cost, float) and sched.method == "evaluate"
    for field in ("offload", "f_local", "f_edge", "time_share", "delay", "energy"):
        assert isinstance(getattr(sched, field), list)


# --------------------------------------------------------------------------------------------------
# Theorem 1
# --------------------------------------------------------------------------------------------------


@SETTINGS
@given(
    macs=log_uniform(1e8, 5e10),
    rho=log_uniform(0.05, 0.3),
    kappa=log_uniform(1e-29, 1e-26),
    f_max=log_uniform(3e8, 3e9),
    w_delay=st.floats(0.05, 1.0),
    w_energy=st.floats(0.05, 1.0),
)
def test_theorem1_matches_bounded_scalar_minimiser(macs, rho, kappa, f_max, w_delay, w_energy):
    def f0(f):  # eq. (10)
        return w_delay * rho * macs / f + w_energy * kappa * rho * macs * f * f

    f_star = ref.local_frequency(w_delay, w_energy, kappa, f_max)
    assert 0.0 < f_star <= f_max
    scale = f0(f_star)
    res = minimize_scalar(lambda x: f0(x * f_max) / scale, bounds=(1e-9, 1.0), method="bounded",
                          options={"xatol": 1e-10})
    assert f0(f_star) <= f0(res.x * f_max) * (1 + 1e-12)
    assert f_star / f_max == pytest.approx(res.x, abs=1e-6)


def test_theorem1_edge_cases():
    assert ref.local_frequency(0.5, 0.5, 1 / 16, 10.0) == pytest.approx(2.0)  # cbrt(8)
    assert ref.local_frequency(0.5, 0.5, 1 / 16, 1.0) == 1.0  # clipped at f_max
    assert ref.local_frequency(0.5, 0.0, 1e-28, 1.5e9) == 1.5e9  # no energy weight
    assert ref.local_frequency(0.5, 0.5, [1 / 16, 1 / 16], [10.0, 1.0]) == pytest.approx([2.0, 1.0])
    # the paper's defaults: kappa = 1e-28, b1 = b2 = 0.5 -> cbrt(5e27) ~ 1.71 GHz
    assert ref.local_frequency(0.5, 0.5, 1e-28, 1e10) == pytest.approx(5e27 ** (1 / 3))


# --------------------------------------------------------------------------------------------------
# Theorem 2
# --------------------------------------------------------------------------------------------------


def edge_delay_cost(inst: dict, f_edge, t) -> float:
    """sum_S b1 (rho C / f_e + M d / (R t)) -- eq. (17) without the constant energy term."""
    d = lists_of(inst)
    return sum(
        inst["w_delay"] * (d["rho"][i] * d["macs"][i] / f_edge[i]
                           + d["frames"][i] * d["frame_bits"][i] / (d["rate"][i] * t[i]))
        for i in range(len(f_edge))
    )


@SETTINGS
@given(instances(min_n=2, max_n=6))
def test_theorem2_matches_slsqp(inst):
    n = len(inst["macs"])
    d = lists_of(inst)
    big_f = inst["f_edge_max"]
    f_edge, t = ref.edge_allocation([True] * n, inst["macs"], inst["frames"], inst["frame_bits"],
                                    inst["rate"], inst["rho"], big_f)
    # budgets (8c), (8d) met with equality, eqs. (26)-(27)
    assert sum(f_edge) == pytest.approx(big_f, rel=1e-12)
    assert sum(t) == pytest.approx(1.0, rel=1e-12)
    assert all(x > 0 for x in f_edge) and all(x > 0 for x in t)
    closed = edge_delay_cost(inst, f_edge, t)

    # SLSQP over z = (f_edge / F, t), objective scaled by the closed-form value -> O(1)
    a = [d["rho"][i] * d["macs"][i] / big_f for i in range(n)]
    b = [d["frames"][i] * d["frame_bits"][i] / d["rate"][i] for i in range(n)]

    def obj(z):
        y, s = z[:n], z[n:]
        return inst["w_delay"] * (sum(a[i] / y[i] for i in range(n)) + sum(b[i] / s[i] for i in range(n))) / closed

    cons = [
        {"type": "ineq", "fun": lambda z: 1.0 - np.sum(z[:n])},  # (8d) sum f_e <= F
        {"type": "ineq", "fun": lambda z: 1.0 - np.sum(z[n:])},  # (8c) sum t <= 1
    ]
    z0 = np.full(2 * n, 1.0 / n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = minimize(obj, z0, method="SLSQP", bounds=[(1e-6, 1.0)] * (2 * n), constraints=cons,
                       options={"ftol": 1e-14, "maxiter": 1000})
    # SLSQP may overshoot the budgets by its own feasibility tolerance; give it that much
    slack = max(0.0, np.sum(res.x[:n]) - 1.0) + max(0.0, np.sum(res.x[n:]) - 1.0)
    assert 1.0 <= res.fun * (1 + 1e-9 + 2 * slack)  # the closed form is never worse
    if res.success:
        assert res.fun == pytest.approx(1.0, rel=1e-7)  # and SLSQP finds the same optimum
    # any other feasible allocation (budgets used in full) is no better either
    rng = np.random.default_rng(n)
    for _ in range(20):
        y = rng.dirichlet(np.ones(n))
        s = rng.dirichlet(np.ones(n))
        assert 1.0 <= obj(np.concatenate([y, s])) * (1 + 1e-12)


def test_theorem2_paper_eq20_only_right_with_equal_frame_bits():
    macs, frames, rate = [2e9, 8e9, 5e9], [4.0, 16.0, 8.0], [2e6, 1e7, 4e7]

    def paper_t(frames, rate, off):  # eq. (20) as printed: sqrt(M/R) / sum sqrt(M/R)
        s = sum(math.sqrt(frames[i] / rate[i]) for i in range(len(off)) if off[i])
        return [math.sqrt(frames[i] / rate[i]) / s if off[i] else 0.0 for i in range(len(off))]

    off = [True, True, True]
    _, t_equal = ref.edge_allocation(off, macs, frames, 3e5, rate, 0.12, 22e9)
    assert t_equal == pytest.approx(paper_t(frames, rate, off), rel=1e-12)
    # unequal d_n: the general form is strictly better than eq. (20) as printed
    bits = [1e5, 3e5, 2e6]
    inst = dict(macs=macs, frames=frames, frame_bits=bits, rate=rate, tx_power=0.1, f_local_max=1e9,
                kappa=1e-28, rho=0.12, f_edge_max=22e9, w_delay=0.5, w_energy=0.5)
    f_e, t_gen = ref.edge_allocation(off, macs, frames, bits, rate, 0.12, 22e9)
    assert edge_delay_cost(inst, f_e, t_gen) < edge_delay_cost(inst, f_e, paper_t(frames, rate, off)) * (1 - 1e-3)
    # common rho: eq. (19) as printed, F sqrt(C_n) / sum sqrt(C_i)
    s = sum(math.sqrt(c) for c in macs)
    assert f_e == pytest.approx([22e9 * math.sqrt(c) / s for c in macs], rel=1e-12)


def test_edge_allocation_zero_for_local_devices():
    f_e, t = ref.edge_allocation([False, True, False, True], [1e9, 4e9, 2e9, 1e9], 8, 3e5,
                                 [1e7, 1e7, 2e7, 4e7], [0.1, 0.1, 0.2, 0.4], 10e9)
    assert f_e[0] == f_e[2] == 0.0 and t[0] == t[2] == 0.0
    assert f_e[1] == pytest.approx(10e9 * 2e4 / (2e4 + 2e4))  # sqrt(rho C) = 2e4 for both
    assert t[1] == pytest.approx(2.0 / 3.0)  # sqrt(1/1e7) : sqrt(1/4e7) = 2 : 1
    f1, t1 = ref.edge_allocation([True], [1e9], [8], [3e5], [1e7], 0.12, 22e9)
    assert f1 == [22e9] and t1 == [1.0]


# --------------------------------------------------------------------------------------------------
# evaluate and the closed-form total
# --------------------------------------------------------------------------------------------------


@SETTINGS
@given(instances(), st.data())
def test_evaluate_equals_closed_form_total(inst, data):
    n = len(inst["macs"])
    offload = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    sched = ref.evaluate(offload, **inst)
    assert sched.cost == pytest.approx(independent_total(inst, offload), rel=1e-12)
    # eq. (8): the cost is the weighted sum of the reported delays and energies
    b1, b2 = inst["w_delay"], inst["w_energy"]
    assert sched.cost == pytest.approx(sum(b1 * dl + b2 * e for dl, e in zip(sched.delay, sched.energy)),
                                       rel=1e-12)
    d = lists_of(inst)
    for i in range(n):
        if offload[i]:
            assert sched.f_local[i] == 0.0 and sched.f_edge[i] > 0 and sched.time_share[i] > 0
            # eq. (5) transmit energy only
            assert sched.energy[i] == pytest.approx(
                d["tx_power"][i] * d["frames"][i] * d["frame_bits"][i] / d["rate"][i], rel=1e-12)
        else:
            assert sched.f_edge[i] == 0.0 and sched.time_share[i] == 0.0
            assert sched.f_local[i] == pytest.approx(
                ref.local_frequency(b1, b2, d["kappa"][i], d["f_local_max"][i]), rel=1e-15)
            assert sched.delay[i] == pytest.approx(d["rho"][i] * d["macs"][i] / sched.f_local[i], rel=1e-12)
    if any(offload):
        assert sum(sched.f_edge) == pytest.approx(inst["f_edge_max"], rel=1e-12)
        assert sum(sched.time_share) == pytest.approx(1.0, rel=1e-12)


def test_broadcasting_and_array_inputs():
    lists = dict(macs=[1e9, 3e9, 8e9], frames=[4, 8, 16], frame_bits=[3e5, 3e5, 3e5],
                 rate=[1e7, 2e6, 3e7], tx_power=[0.1, 0.1, 0.1], f_local_max=[1.8e9, 1.8e9, 1.8e9],
                 kappa=[1e-28] * 3, rho=[0.12] * 3)
    scalars = dict(lists, frame_bits=3e5, tx_power=0.1, f_local_max=1.8e9, kappa=1e-28, rho=0.12)
    arrays = {k: np.asarray(v) for k, v in lists.items()}
    off = [True, False, True]
    a = ref.evaluate(off, **lists)
    assert ref.evaluate(off, **scalars) == a
    assert ref.evaluate(np.array(off), **arrays) == a
    assert ref.solve_offloading(**arrays, method="exhaustive").offload == ref.exhaustive(**lists)
    assert all(type(x) is float for x in a.delay) and all(type(x) is bool for x in a.offload)


def test_minimal_validation():
    with pytest.raises(ValueError):
        ref.evaluate([True, False], [1e9], 4, 3e5, 1e7, 0.1, 1e9)  # length mismatch
    with pytest.raises(ValueError):
        ref.evaluate([], [], [], [], [], [], [])  # N = 0
    with pytest.raises(ValueError):
        ref.greedy(1e9, 4, 3e5, 1e7, 0.1, 1e9)  # no per-device sequence: N unknown
    with pytest.raises(ValueError):
        ref.evaluate([True], [1e9], 4, 3e5, 1e7, 0.1, 1e9, w_delay=0.0)  # degenerate
    with pytest.raises(ValueError):
        ref.evaluate([True], [-1e9], 4, 3e5, 1e7, 0.1, 1e9)
    with pytest.raises(ValueError):
        ref.solve_offloading([1e9], 4, 3e5, 1e7, 0.1, 1e9, method="nope")


# --------------------------------------------------------------------------------------------------
# offloading policies
# --------------------------------------------------------------------------------------------------


def brute_force_min(inst: dict) -> float:
    n = len(inst["macs"])
    return min(independent_total(inst, [(mask >> i) & 1 == 1 for i in range(n)]) for mask in range(1 << n))


@SETTINGS
@given(instances(max_n=7), st.integers(0, 2**64 - 1))
def test_exhaustive_is_optimal_and_beats_every_policy(inst, seed):
    best = ref.solve_offloading(**inst, method="exhaustive")
    assert best.cost == pytest.approx(brute_force_min(inst), rel=1e-12)
    assert best.cost == pytest.approx(independent_total(inst, best.offload), rel=1e-12)
    for method in ("greedy", "local", "edge", "random"):
        other = ref.solve_offloading(**inst, method=method, seed=seed)
        assert best.cost <= other.cost * (1 + 1e-12), method
        assert other.method == method
    assert ref.exhaustive(**inst) == best.offload
    assert ref.local(**inst) == [False] * len(inst["macs"])
    assert ref.edge(**inst) == [True] * len(inst["macs"])


def test_exhaustive_ties_go_to_the_lexicographically_smallest_vector():
    # two identical devices, C = 4, M = 1, p = 0: one offloaded costs 2.125 + 0.5 + 0.5 = 3.125,
    # both 0.125 * 16 + 0.5 * 4 = 4, none 4.25.  [False, True] and [True, False] tie.
    kw = dict(HAND, macs=[4.0, 4.0], frames=[1.0, 1.0], tx_power=0.0)
    assert ref.evaluate([False, True], **kw).cost == ref.evaluate([True, False], **kw).cost == 3.125
    assert ref.exhaustive(**kw) == [False, True]
    assert ref.greedy(**kw) == [False, True]  # equal F1 - F0 -> lowest index moves first


def test_exhaustive_refuses_large_n():
    with pytest.raises(ValueError):
        ref.exhaustive([1e9] * 21, 4, 3e5, 1e7, 0.1, 1e9)


@SETTINGS
@given(instances(max_n=8))
def test_greedy_never_worse_than_edge(inst):
    g = ref.solve_offloading(**inst, method="greedy")
    e = ref.solve_offloading(**inst, method="edge")
    assert g.cost <= e.cost
    assert g.method == "greedy" and g.offload == ref.greedy(**inst)


@SETTINGS
@given(instances(min_n=1, max_n=1), st.integers(1, 10))
def test_greedy_optimal_for_identical_devices(one, n):
    inst = {k: (v * n if isinstance(v, list) else v) for k, v in one.items()}
    g = ref.solve_offloading(**inst, method="greedy")
    assert g.cost == pytest.approx(brute_force_min(inst), rel=1e-12)
    if n <= 8:
        assert g.cost == pytest.approx(ref.solve_offloading(**inst, method="exhaustive").cost, rel=1e-12)


def test_greedy_hand_example_two_devices():
    # C = [4, 1], M = [1, 1], p = 0.  F0 = [2.125, 0.53125].  All offloaded: U = 3, V = 2,
    # total = 0.125 * 9 + 0.5 * 4 = 3.125; F1 = 0.125 c U + 0.5 w V = [1.75, 1.375];
    # F1 - F0 = [-0.375, 0.84375] -> k = 1; moving it gives 0.53125 + 0.125 * 4 + 0.5 = 1.53125 (kept).
    # Next: S = {0}, F1 = 1.0, moving 0 gives 2.65625 > 1.53125 -> put back, stop.
    kw = dict(HAND, macs=[4.0, 1.0], frames=[1.0, 1.0], tx_power=0.0)
    s = ref.solve_offloading(**kw, method="greedy")
    assert s.offload == [True, False]
    assert s.cost == 1.53125
    assert s.f_local == [0.0, 1.0] and s.f_edge == [4.0, 0.0] and s.time_share == [1.0, 0.0]
    assert s.delay == [2.0, 1.0] and s.energy == [0.0, 0.0625]
    assert ref.exhaustive(**kw) == [True, False]
    assert ref.evaluate([True, True], **kw).cost == 3.125
    assert ref.evaluate([False, False], **kw).cost == 2.65625
    assert ref.evaluate([False, True], **kw).cost == 2.75


def test_greedy_is_not_optimal_three_devices():
    # C = [4, 16, 4], M = [1, 9, 1], p = [1, 0, 0]: F0 = [2.125, 8.5, 2.125], c = [2, 4, 2], w = [1, 3, 1],
    # e = [0.5, 0, 0].  All offloaded: U = 8, V = 5, total = 8 + 12.5 + 0.5 = 21;
    # F1 = c + 2.5 w + e = [5, 11.5, 4.5], F1 - F0 = [2.875, 3, 2.375] -> move 1: 8.5 + 4.5 = 13 (kept).
    # S = {0, 2}: F1 = [2.5, 2], F1 - F0 = [0.375, -0.125] -> move 0: 10.625 + 1 = 11.625 (kept).
    # S = {2}: moving 2 gives 12.75 > 11.625 -> stop at [F, F, T], 11.625.
    # The optimum offloads only the big device: 4.25 + 0.125 * 16 + 0.5 * 9 = 10.75.
    kw = dict(HAND, macs=[4.0, 16.0, 4.0], frames=[1.0, 9.0, 1.0], tx_power=[1.0, 0.0, 0.0])
    assert ref.evaluate([True, True, True], **kw).cost == 21.0
    g = ref.solve_offloading(**kw, method="greedy")
    assert g.offload == [False, False, True] and g.cost == 11.625
    e = ref.solve_offloading(**kw, method="exhaustive")
    assert e.offload == [False, True, False] and e.cost == 10.75


def test_greedy_stops_when_all_local():
    # edge far worse than local for everyone: greedy empties S and stops
    kw = dict(HAND, macs=[1.0, 1.0], frames=[100.0, 100.0], tx_power=1.0)
    assert ref.greedy(**kw) == [False, False]
    assert ref.greedy(**dict(kw, macs=[1.0], frames=[100.0], tx_power=[1.0])) == [False]


# --------------------------------------------------------------------------------------------------
# random baseline and SplitMix64
# --------------------------------------------------------------------------------------------------


def test_splitmix64_known_vector():
    assert ref.splitmix64_bits(0, 3) == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]
    assert ref.splitmix64_bits(0, 0) == []
    assert all(0 <= z < 2**64 for z in ref.splitmix64_bits(2**64 - 1, 50))
    # top bits of the known outputs: E... -> 1, 6... -> 0, 0... -> 0
    assert ref.random([1e9] * 3, 4, 3e5, 1e7, 0.1, 1e9, seed=0) == [True, False, False]
    for bad in (-1, 2**64):
        with pytest.raises(ValueError):
            ref.splitmix64_bits(bad, 3)


def test_random_reproducible_distinct_and_balanced():
    n = 4000
    args = ([1e9] * n, 4, 3e5, 1e7, 0.1, 1e9)
    a = ref.random(*args, seed=12345)
    assert a == ref.random(*args, seed=12345)
    assert a == [(z >> 63) == 1 for z in ref.splitmix64_bits(12345, n)]
    vectors = {tuple(ref.random(*args, seed=s)) for s in range(10)} | {tuple(a)}
    assert len(vectors) == 11
    for s in (0, 1, 2**63, 2**64 - 1):
        k = sum(ref.random(*args, seed=s))
        assert abs(k - n / 2) < 5 * math.sqrt(n) / 2  # within 5 sigma of Binomial(n, 1/2)
    sched = ref.solve_offloading(*args[:1], *args[1:], method="random", seed=12345)
    assert sched.offload == a and sched.method == "random"
    with pytest.raises(ValueError):
        ref.solve_offloading(*args, method="random")  # seed required


def test_small_cases_exhaustive_listing():
    """N = 1: both options, and itertools.product order for ties (both equal when edge == local)."""
    kw = dict(HAND, macs=[4.0], frames=[1.0], tx_power=[0.0])
    # local 2.125; edge 0.125 * 4 + 0.5 * 1 = 1.0
    assert ref.exhaustive(**kw) == [True] and ref.greedy(**kw) == [True]
    assert ref.solve_offloading(**kw, method="local").cost == 2.125
    costs = {x: ref.evaluate(list(x), **dict(HAND, macs=[4.0, 1.0], frames=[1.0, 1.0], tx_power=0.0)).cost
             for x in itertools.product((False, True), repeat=2)}
    assert min(costs, key=costs.get) == (True, False)
