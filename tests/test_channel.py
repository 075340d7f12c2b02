from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgesched.physics.channel import (
    DEFAULT_NOISE_DBM_PER_HZ,
    channel_gain,
    db_to_linear,
    dbm_to_watt,
    linear_to_db,
    noise_power_watt,
    path_loss_db,
    shannon_rate,
    watt_to_dbm,
)

finite_db = st.floats(min_value=-300.0, max_value=300.0, allow_nan=False)
positive = st.floats(min_value=1e-12, max_value=1e12, allow_nan=False)


# --------------------------------------------------------------------- units


def test_known_conversions() -> None:
    assert db_to_linear(10.0) == pytest.approx(10.0)
    assert db_to_linear(-3.0) == pytest.approx(0.501187, rel=1e-6)
    assert linear_to_db(100.0) == pytest.approx(20.0)
    assert dbm_to_watt(30.0) == pytest.approx(1.0)
    assert dbm_to_watt(0.0) == pytest.approx(1e-3)
    assert watt_to_dbm(0.2) == pytest.approx(23.0103, abs=1e-4)
    assert dbm_to_watt(-174.0) == pytest.approx(3.981e-21, rel=1e-3)


def test_scalar_in_scalar_out_and_arrays() -> None:
    assert np.ndim(db_to_linear(3.0)) == 0
    assert isinstance(dbm_to_watt(10), float)  # numpy.float64 is a float
    out = dbm_to_watt(np.array([[0.0, 30.0], [10.0, 20.0]]))
    assert out.shape == (2, 2) and out.dtype == np.float64
    np.testing.assert_allclose(out, [[1e-3, 1.0], [1e-2, 1e-1]])


@settings(deadline=None, max_examples=60)
@given(finite_db)
def test_db_round_trip(x: float) -> None:
    assert linear_to_db(db_to_linear(x)) == pytest.approx(x, abs=1e-9)
    assert watt_to_dbm(dbm_to_watt(x)) == pytest.approx(x, abs=1e-9)


@settings(deadline=None, max_examples=60)
@given(positive)
def test_linear_round_trip(x: float) -> None:
    assert db_to_linear(linear_to_db(x)) == pytest.approx(x, rel=1e-12)
    assert dbm_to_watt(watt_to_dbm(x)) == pytest.approx(x, rel=1e-12)


# ----------------------------------------------------------------- path loss


def test_path_loss_reference_points() -> None:
    # The paper's formula takes km: 128.1 dB at 1 km, 37.6 dB per decade.
    assert path_loss_db(1000.0) == pytest.approx(128.1)
    assert path_loss_db(100.0) == pytest.approx(128.1 - 37.6)
    assert path_loss_db(10.0) == pytest.approx(128.1 - 2 * 37.6)
    assert channel_gain(1000.0) == pytest.approx(10 ** (-12.81))


@settings(deadline=None, max_examples=50)
@given(st.floats(min_value=1.0, max_value=1e5), st.floats(min_value=1.0001, max_value=100.0))
def test_path_loss_increasing_and_gain_consistent(d: float, factor: float) -> None:
    assert path_loss_db(d * factor) > path_loss_db(d)
    assert channel_gain(d) == pytest.approx(db_to_linear(-path_loss_db(d)), rel=1e-12)


# --------------------------------------------------------------------- noise


def test_noise_power() -> None:
    # -174 dBm/Hz over 5 MHz = -107.01 dBm
    n = noise_power_watt(5e6)
    assert watt_to_dbm(n) == pytest.approx(-174.0 + 10 * math.log10(5e6))
    assert noise_power_watt(1.0, -30.0) == pytest.approx(1e-6)
    assert DEFAULT_NOISE_DBM_PER_HZ == -174.0


# --------------------------------------------------------------------- rate


def _rate_reference(b: float, p: float, d: float, n0_dbm: float = -174.0) -> float:
    pl = 128.1 + 37.6 * math.log10(d / 1000.0)
    g = 10.0 ** (-pl / 10.0)
    n0 = 10.0 ** ((n0_dbm - 30.0) / 10.0)
    return b * math.log1p(p * g / (n0 * b)) / math.log(2.0)


def test_shannon_rate_worked_example() -> None:
    # 5 MHz, 0.2 W, 250 m: PL = 105.46 dB, SNR about 286, R about 40.8 Mbit/s.
    r = shannon_rate(5e6, 0.2, 250.0)
    assert r == pytest.approx(_rate_reference(5e6, 0.2, 250.0), rel=1e-12)
    assert 40.0e6 < r < 41.5e6


@settings(deadline=None, max_examples=80)
@given(
    st.floats(min_value=1e3, max_value=1e9),
    st.floats(min_value=1e-4, max_value=10.0),
    st.floats(min_value=1.0, max_value=5e4),
    st.floats(min_value=-200.0, max_value=-100.0),
)
def test_shannon_rate_matches_scalar_formula(b: float, p: float, d: float, n0: float) -> None:
    assert shannon_rate(b, p, d, n0) == pytest.approx(_rate_reference(b, p, d, n0), rel=1e-9)


@settings(deadline=None, max_examples=50)
@given(
    st.floats(min_value=1e3, max_value=1e8),
    st.floats(min_value=1e-3, max_value=1.0),
    st.floats(min_value=10.0, max_value=2000.0),
)
def test_shannon_rate_monotone(b: float, p: float, d: float) -> None:
    r = shannon_rate(b, p, d)
    assert 0 < r
    assert shannon_rate(b, p * 1.5, d) > r
    assert shannon_rate(b, p, d * 1.5) < r
    assert shannon_rate(b * 1.5, p, d) > r  # more bandwidth never hurts
    # below the Shannon limit for infinite bandwidth, p*g/(N0 ln 2)
    n0 = dbm_to_watt(-174.0)
    assert r < p * channel_gain(d) / (n0 * math.log(2)) * (1 + 1e-12)


def test_shannon_rate_broadcasts() -> None:
    d = np.array([10.0, 100.0, 250.0, 400.0])
    p = np.array([[0.1], [0.2]])
    r = shannon_rate(5e6, p, d)
    assert r.shape == (2, 4) and r.dtype == np.float64
    for i in range(2):
        for j in range(4):
            assert r[i, j] == pytest.approx(_rate_reference(5e6, float(p[i, 0]), float(d[j])), rel=1e-12)


def test_shannon_rate_far_device_uses_log1p() -> None:
    # At 1000 km the SNR is about 1e-6: the rate is ~ B*snr/ln2, not 0.
    b, p, d = 1e6, 0.1, 1e6
    snr = p * channel_gain(d) / noise_power_watt(b)
    assert snr < 1e-3
    assert shannon_rate(b, p, d) == pytest.approx(b * math.log1p(snr) / math.log(2), rel=1e-12)


# --------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: path_loss_db([100.0, 20.0, 3.0, -1.0]), r"distance\[3\] is -1\.0; distances must be > 0 m"),
        (lambda: path_loss_db(0.0), r"distance is 0\.0; distances must be > 0 m"),
        (lambda: path_loss_db([1.0, np.nan]), r"distance\[1\] is nan; distances must be finite"),
        (lambda: path_loss_db([[1.0, 2.0], [3.0, -4.0]]), r"distance\[1, 1\] is -4\.0"),
        (lambda: channel_gain([5.0, -2.0]), r"distance\[1\]"),
        (lambda: linear_to_db([1.0, 0.0]), r"x\[1\] is 0\.0; linear power ratios must be > 0"),
        (lambda: watt_to_dbm([-0.1]), r"w\[0\] is -0\.1; powers must be > 0 W"),
        (lambda: db_to_linear([0.0, np.inf]), r"db\[1\] is inf; dB values must be finite"),
        (lambda: dbm_to_watt(np.nan), r"dbm is nan; dBm values must be finite"),
        (lambda: noise_power_watt([1e6, 0.0]), r"bandwidth\[1\] is 0\.0; bandwidths must be > 0 Hz"),
        (lambda: noise_power_watt(1e6, np.nan), r"noise_dbm_per_hz is nan"),
        (lambda: shannon_rate([5e6, -5e6], 0.2, 100.0), r"bandwidth\[1\] is -5000000\.0; bandwidths must be > 0 Hz"),
        (lambda: shannon_rate(5e6, [0.2, 0.0], 100.0), r"tx_power\[1\] is 0\.0; transmit powers must be > 0 W"),
        (lambda: shannon_rate(5e6, 0.2, [1.0, 2.0, -3.0]), r"distance\[2\] is -3\.0; distances must be > 0 m"),
        (lambda: shannon_rate(5e6, 0.2, 100.0, [np.inf]), r"noise_dbm_per_hz\[0\] is inf"),
        (lambda: shannon_rate(5e6, [0.1, 0.2], [1.0, 2.0, 3.0]), r"tx_power \(2,\).*distance \(3,\)"),
        (lambda: path_loss_db("far"), r"distance must be a real number"),
    ],
)
def test_validation_errors(call, pattern: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=pattern):
        call()
