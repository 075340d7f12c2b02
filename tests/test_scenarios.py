from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgesched.physics.accuracy import AccuracyCurve, default_curve
from edgesched.physics.channel import shannon_rate
from edgesched.physics.macs import r3d18
from edgesched.scenarios import SOLVER_KEYS, Scenario, frame_bits_rgb, heterogeneous, paper_default

EXPECTED_KEYS = {
    "macs", "frames", "frame_bits", "rate", "tx_power", "f_local_max",
    "kappa", "rho", "f_edge_max", "w_delay", "w_energy",
}
PER_DEVICE = ("distance", "rate", "alpha", "macs", "frame_bits", "tx_power", "f_local_max", "kappa", "rho")


def _check_invariants(s: Scenario, side: float = 500.0, dmin: float = 10.0) -> None:
    n = s.n_devices
    assert s.position.shape == (n, 2) and s.position.dtype == np.float64
    for name in PER_DEVICE:
        arr = getattr(s, name)
        assert arr.shape == (n,) and arr.dtype == np.float64, name
        assert arr.flags.c_contiguous and not arr.flags.writeable, name
    assert s.frames.shape == (n,) and s.frames.dtype == np.int64
    assert np.all(np.abs(s.position) <= side / 2)
    assert np.all(s.distance >= dmin)
    np.testing.assert_array_equal(s.distance, np.hypot(s.position[:, 0], s.position[:, 1]))
    np.testing.assert_allclose(s.rate, shannon_rate(s.bandwidth, s.tx_power, s.distance, s.noise_dbm_per_hz),
                               rtol=1e-15)
    np.testing.assert_array_equal(s.macs, [float(r3d18(int(m))) for m in s.frames])
    # M* is minimal: Phi(M*) >= alpha and Phi(M* - 1) < alpha
    assert np.all(s.curve(s.frames) >= s.alpha)
    prev = s.frames - 1
    has_prev = prev >= s.curve.frames[0]
    assert np.all(s.curve(np.where(has_prev, prev, s.curve.frames[0]))[has_prev] < s.alpha[has_prev])


# ------------------------------------------------------------ paper default


def test_paper_default_values() -> None:
    s = paper_default()
    assert s.n_devices == 20 and s.seed == 0
    assert s.bandwidth == 5e6 and s.noise_dbm_per_hz == -174.0
    assert s.f_edge_max == 22e9
    np.testing.assert_array_equal(s.f_local_max, 1.8e9)
    np.testing.assert_array_equal(s.alpha, 0.9)
    np.testing.assert_array_equal(s.kappa, 1e-28)
    np.testing.assert_array_equal(s.rho, 0.12)
    np.testing.assert_array_equal(s.tx_power, 0.2)
    np.testing.assert_array_equal(s.frame_bits, 112 * 112 * 3 * 8)
    assert frame_bits_rgb() == 301_056
    assert s.w_delay == 0.5 and s.w_energy == 0.5
    assert s.curve == default_curve() and s.model == "r3d_18"
    np.testing.assert_array_equal(s.frames, 9)  # illustrative curve, alpha = 0.9
    np.testing.assert_array_equal(s.macs, 25_484_996_608.0)
    _check_invariants(s)
    # rates are tens of Mbit/s at these distances
    assert np.all((s.rate > 20e6) & (s.rate < 200e6))


def test_deterministic_per_seed() -> None:
    assert paper_default(20, 7) == paper_default(20, 7)
    assert paper_default(20, 7) != paper_default(20, 8)
    # the first devices do not depend on how many follow
    a, b = paper_default(5, 3), paper_default(10, 3)
    np.testing.assert_array_equal(a.position, b.position[:5])


@settings(deadline=None, max_examples=25)
@given(st.integers(1, 60), st.integers(0, 2**32 - 1))
def test_paper_default_invariants(n: int, seed: int) -> None:
    _check_invariants(paper_default(n, seed))


def test_min_distance_resampling() -> None:
    # A large exclusion radius forces many redraws; all must land outside it.
    s = paper_default(200, 1, min_distance=200.0)
    _check_invariants(s, dmin=200.0)
    assert s == paper_default(200, 1, min_distance=200.0)
    s2 = paper_default(50, 2, area_side=100.0, min_distance=1.0)
    _check_invariants(s2, side=100.0, dmin=1.0)


def test_per_device_arrays_and_options() -> None:
    alpha = np.array([0.8, 0.9, 0.94, 0.5])
    s = paper_default(4, 0, alpha=alpha, tx_power=[0.1, 0.2, 0.3, 0.4], f_local_max=np.full(4, 2e9),
                      max_frames=[16, 16, 16, 4], kappa=2e-28, rho=[0.1, 0.12, 0.14, 0.2])
    np.testing.assert_array_equal(s.frames, [6, 9, 15, 2])
    np.testing.assert_array_equal(s.alpha, alpha)
    np.testing.assert_array_equal(s.kappa, 2e-28)
    _check_invariants(s)
    s = paper_default(3, 0, frame_height=64, frame_width=80, num_classes=27, bandwidth=10e6, f_edge_max=5e9)
    assert s.frame_bits[0] == 64 * 80 * 24 and s.macs[0] == r3d18(9, 64, 80, 27)
    assert s.bandwidth == 10e6 and s.f_edge_max == 5e9
    custom = AccuracyCurve.from_table([4, 8, 16], [0.7, 0.85, 0.95], name="c")
    s = paper_default(3, 0, curve=custom)
    np.testing.assert_array_equal(s.frames, 16)
    assert s.curve is custom or s.curve == custom
    alpha.fill(0.0)  # the scenario holds its own copies
    assert paper_default(4, 0, alpha=[0.8, 0.9, 0.94, 0.5]).alpha[0] == 0.8


# ------------------------------------------------------------ solver kwargs


def test_solver_kwargs() -> None:
    s = paper_default(6, 4)
    kw = s.solver_kwargs()
    assert set(kw) == EXPECTED_KEYS and tuple(kw) == SOLVER_KEYS
    for key in ("macs", "frames", "frame_bits", "rate", "tx_power", "f_local_max", "kappa", "rho"):
        v = kw[key]
        assert isinstance(v, np.ndarray) and v.dtype == np.float64 and v.shape == (6,), key
        assert v.flags.c_contiguous and v.flags.writeable, key
        np.testing.assert_array_equal(v, getattr(s, key), err_msg=key)
    for key in ("f_edge_max", "w_delay", "w_energy"):
        assert type(kw[key]) is float, key
    kw["rate"][0] = -1.0  # a copy: the scenario is untouched
    assert s.rate[0] > 0
    np.testing.assert_array_equal(kw["frames"], 9.0)


# ---------------------------------------------------------- heterogeneous


def test_heterogeneous() -> None:
    h = heterogeneous(200, 5)
    assert np.all((h.alpha >= 0.80) & (h.alpha <= 0.94))
    assert np.all((h.f_local_max >= 1.0e9) & (h.f_local_max <= 2.5e9))
    assert np.all((h.tx_power >= 0.1) & (h.tx_power <= 0.4))
    assert np.unique(h.frames).size > 3
    assert np.ptp(h.alpha) > 0.1
    _check_invariants(h)
    np.testing.assert_array_equal(h.position, paper_default(200, 5).position)
    assert h == heterogeneous(200, 5) and h != heterogeneous(200, 6)
    h2 = heterogeneous(10, 1, bandwidth=20e6, alpha_range=(0.9, 0.9), tx_power_range=(0.3, 0.3))
    assert h2.bandwidth == 20e6
    np.testing.assert_array_equal(h2.alpha, 0.9)
    np.testing.assert_array_equal(h2.tx_power, 0.3)


@settings(deadline=None, max_examples=15)
@given(st.integers(1, 40), st.integers(0, 10_000))
def test_heterogeneous_invariants(n: int, seed: int) -> None:
    _check_invariants(heterogeneous(n, seed))


@pytest.mark.parametrize(
    ("kwargs", "exc", "pattern"),
    [
        ({"alpha": 0.9}, TypeError, r"draws 'alpha' itself; use alpha_range"),
        ({"tx_power": 0.2}, TypeError, r"draws 'tx_power' itself"),
        ({"alpha_range": (0.9, 0.8)}, ValueError, r"alpha_range is \(0\.9, 0\.8\); low must be <= high"),
        ({"alpha_range": (0.9, 1.1)}, ValueError, r"alpha_range\[1\] is 1\.1"),
        ({"f_local_max_range": (0.0, 1e9)}, ValueError, r"f_local_max_range\[0\] is 0\.0; .* must be > 0 Hz"),
        ({"tx_power_range": (0.1, 0.2, 0.3)}, ValueError, r"tx_power_range has shape \(3,\)"),
        ({"alpha_range": (0.9, 0.95)}, ValueError, r"device \d+: alpha\[\d+\] = 0\.9\d* is unreachable"),
        ({"n_devices": 0}, ValueError, r"n_devices is 0"),
        ({"seed": -2}, ValueError, r"seed is -2"),
    ],
)
def test_heterogeneous_validation(kwargs: dict[str, Any], exc: type[Exception], pattern: str) -> None:
    args = {"n_devices": 50, "seed": 0, **kwargs}
    with pytest.raises(exc, match=pattern):
        heterogeneous(**args)


# ---------------------------------------------------------- paper_default validation


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"n_devices": 0}, r"n_devices is 0; n_devices must be an integer >= 1"),
        ({"n_devices": 2.5}, r"n_devices is 2\.5"),
        ({"n_devices": True}, r"n_devices is True"),
        ({"seed": -1}, r"seed is -1; seed must be an integer >= 0"),
        ({"seed": 1.5}, r"seed is 1\.5"),
        ({"seed": None}, r"seed is None"),
        ({"bandwidth": 0.0}, r"bandwidth is 0\.0; bandwidths must be > 0 Hz"),
        ({"bandwidth": [5e6, 5e6]}, r"bandwidth must be a scalar"),
        ({"alpha": [0.9, 0.9, 1.2, 0.9]}, r"alpha\[2\] is 1\.2; accuracy requirements must be <= 1"),
        ({"alpha": [0.9, 0.9, 0.95, 0.9]}, r"device 2: alpha\[2\] = 0\.95 is unreachable .* 0\.94389"),
        ({"alpha": [0.9, 0.9]}, r"alpha has shape \(2,\); expected a scalar or shape \(4,\)"),
        ({"tx_power": [0.2, 0.2, 0.2, -0.2]}, r"tx_power\[3\] is -0\.2; transmit powers must be > 0 W"),
        ({"f_local_max": [1e9, np.nan, 1e9, 1e9]}, r"f_local_max\[1\] is nan; device CPU frequencies must be finite"),
        ({"f_local_max": np.ones((4, 1))}, r"f_local_max has shape \(4, 1\)"),
        ({"kappa": 0.0}, r"kappa is 0\.0; energy coefficients kappa must be > 0"),
        ({"rho": [0.1, 0.1, 0.1, -1.0]}, r"rho\[3\] is -1\.0"),
        ({"max_frames": [16, 16, 0, 16]}, r"max_frames\[2\] is 0; frame counts must be integers >= 1"),
        ({"max_frames": [16, 16]}, r"max_frames has shape \(2,\)"),
        ({"max_frames": 8}, r"device 0: alpha\[0\] = 0\.9 is unreachable .* at most 8 frames"),
        ({"min_distance": 250.0}, r"min_distance is 250\.0; it must be < area_side / 2 = 250\.0 m"),
        ({"min_distance": 0.0}, r"min_distance is 0\.0; minimum distances must be > 0 m"),
        ({"area_side": -5.0}, r"area_side is -5\.0"),
        ({"curve": [0.5, 0.9]}, r"curve must be an AccuracyCurve"),
        ({"model": "resnet50"}, r"model is 'resnet50'; known models: r3d_18"),
        ({"frame_height": 0}, r"frame_height is 0"),
        ({"f_edge_max": -1.0}, r"f_edge_max is -1\.0; edge CPU frequencies must be > 0 Hz"),
        ({"w_delay": -0.5}, r"w_delay is -0\.5; weights must be >= 0"),
        ({"w_delay": 0.0, "w_energy": 0.0}, r"w_delay and w_energy are both 0"),
        ({"noise_dbm_per_hz": np.inf}, r"noise_dbm_per_hz is inf"),
    ],
)
def test_paper_default_validation(kwargs: dict[str, Any], pattern: str) -> None:
    args = {"n_devices": 4, "seed": 0, **kwargs}
    with pytest.raises(ValueError, match=pattern):
        paper_default(**args)


def test_weights_may_be_zero_one_at_a_time() -> None:
    assert paper_default(2, 0, w_delay=1.0, w_energy=0.0).w_energy == 0.0
    assert paper_default(2, 0, w_delay=0.0, w_energy=1.0).w_delay == 0.0


# ---------------------------------------------------------- Scenario itself


def _fields(n: int = 3) -> dict[str, Any]:
    return dict(
        position=np.array([[30.0, 40.0], [0.0, 100.0], [-60.0, -80.0]])[:n],
        distance=np.array([50.0, 100.0, 100.0])[:n],
        rate=np.array([5e7, 4e7, 4e7])[:n],
        alpha=0.9,
        frames=[9, 9, 9][:n],
        macs=float(r3d18(9)),
        frame_bits=301_056.0,
        tx_power=0.2,
        f_local_max=1.8e9,
        kappa=1e-28,
        rho=0.12,
        f_edge_max=22e9,
        w_delay=0.5,
        w_energy=0.5,
        bandwidth=5e6,
        noise_dbm_per_hz=-174.0,
        curve=default_curve(),
        model="r3d_18",
    )


def test_scenario_by_hand_broadcasts_scalars() -> None:
    s = Scenario(**_fields())
    assert s.n_devices == 3 and s.seed is None
    np.testing.assert_array_equal(s.kappa, [1e-28] * 3)
    assert s.frames.dtype == np.int64
    assert type(s.f_edge_max) is float
    s1 = Scenario(**_fields(1))
    assert s1.n_devices == 1 and s1.solver_kwargs()["macs"].shape == (1,)


def test_scenario_frozen_readonly_unhashable() -> None:
    s = paper_default(3, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.bandwidth = 1.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        s.rate[0] = 1.0
    with pytest.raises(TypeError):
        hash(s)
    assert s != "scenario"


def test_replace_revalidates_and_keeps_derived_fields() -> None:
    s = paper_default(3, 0)
    t = s.replace(w_delay=0.8, w_energy=0.2)
    assert (t.w_delay, t.w_energy) == (0.8, 0.2) and (s.w_delay, s.w_energy) == (0.5, 0.5)
    np.testing.assert_array_equal(t.frames, s.frames)
    u = s.replace(rate=s.rate * 2)
    np.testing.assert_array_equal(u.rate, s.rate * 2)
    with pytest.raises(ValueError, match=r"rate\[1\] is -1\.0; rates must be > 0 bit/s"):
        s.replace(rate=[1e7, -1.0, 1e7])


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        ({"distance": [50.0, 100.0, -1.0]}, r"distance\[2\] is -1\.0; distances must be > 0 m"),
        ({"distance": 50.0}, r"distance has shape \(\); expected shape \(n,\) with n >= 1"),
        ({"distance": []}, r"distance has shape \(0,\)"),
        ({"position": np.zeros((3, 3))}, r"position has shape \(3, 3\); expected \(3, 2\)"),
        ({"position": [[0.0, 1.0], [np.nan, 0.0], [1.0, 1.0]]}, r"position\[1, 0\] is nan"),
        ({"rate": [1e7, 0.0, 1e7]}, r"rate\[1\] is 0\.0; rates must be > 0 bit/s"),
        ({"rate": [1e7, 1e7]}, r"rate has shape \(2,\); expected a scalar or shape \(3,\)"),
        ({"alpha": [0.9, 1.5, 0.9]}, r"alpha\[1\] is 1\.5; accuracy requirements must be <= 1"),
        ({"frames": [9, 2.5, 9]}, r"frames\[1\] is 2\.5; frame counts must be integers >= 1"),
        ({"frames": [9, 9, 0]}, r"frames\[2\] is 0; frame counts must be integers >= 1"),
        ({"macs": [1e9, 1e9, -1e9]}, r"macs\[2\] is -1000000000\.0; MAC counts must be > 0 MAC"),
        ({"frame_bits": [0.0, 1.0, 1.0]}, r"frame_bits\[0\] is 0\.0; frame sizes must be > 0 bit"),
        ({"tx_power": [0.2, np.inf, 0.2]}, r"tx_power\[1\] is inf; transmit powers must be finite"),
        ({"f_local_max": [1e9, 1e9, 0.0]}, r"f_local_max\[2\] is 0\.0; device CPU frequencies must be > 0 Hz"),
        ({"kappa": [-1e-28, 1e-28, 1e-28]}, r"kappa\[0\] is -1e-28"),
        ({"rho": [0.1, 0.0, 0.1]}, r"rho\[1\] is 0\.0; cycles per MAC must be > 0 cycle/MAC"),
        ({"f_edge_max": 0.0}, r"f_edge_max is 0\.0"),
        ({"f_edge_max": [1e9, 1e9]}, r"f_edge_max must be a scalar"),
        ({"bandwidth": -1.0}, r"bandwidth is -1\.0; bandwidths must be > 0 Hz"),
        ({"w_energy": -0.1}, r"w_energy is -0\.1; weights must be >= 0"),
        ({"w_delay": 0.0, "w_energy": 0.0}, r"both 0"),
        ({"noise_dbm_per_hz": np.nan}, r"noise_dbm_per_hz is nan"),
        ({"curve": "default"}, r"curve must be an AccuracyCurve; got str"),
        ({"model": ""}, r"model is ''; model must be a non-empty str"),
        ({"seed": -3}, r"seed is -3; seed must be an integer >= 0"),
    ],
)
def test_scenario_validation(change: dict[str, Any], pattern: str) -> None:
    fields = {**_fields(), **change}
    with pytest.raises(ValueError, match=pattern):
        Scenario(**fields)
