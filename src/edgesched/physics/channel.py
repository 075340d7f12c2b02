"""Wireless uplink model: unit conversions, path loss and Shannon rate.

Everything inside is SI (W, Hz, m, bit/s); decibel quantities appear only at
the edges, through the named converters :func:`db_to_linear`,
:func:`linear_to_db`, :func:`dbm_to_watt` and :func:`watt_to_dbm`.

The channel follows the paper's simulation set-up (Sec. V): path loss
``PL = 128.1 + 37.6 log10(D)`` dB with ``D`` in kilometres, thermal noise
``N0 = -174`` dBm/Hz, and a TDMA uplink in which a transmitting device has the
whole bandwidth ``B`` for its share ``t_n`` of the time (Sec. II-B, eqs. 4-5).
Its achievable rate while it transmits is therefore

    R_n = B * log2(1 + p_n * g_n / (N0 * B)),   g_n = 10 ** (-PL(d_n) / 10).

All functions are vectorised: array arguments broadcast against each other
following numpy's rules; a scalar input gives a scalar (``numpy.float64``)
output.  Bad input raises :class:`ValueError` naming the argument and the first
offending index.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import bounded_array

__all__ = [
    "DEFAULT_NOISE_DBM_PER_HZ",
    "channel_gain",
    "db_to_linear",
    "dbm_to_watt",
    "linear_to_db",
    "noise_power_watt",
    "path_loss_db",
    "shannon_rate",
    "watt_to_dbm",
]

#: Thermal noise power spectral density used by the paper (Sec. V), dBm/Hz.
DEFAULT_NOISE_DBM_PER_HZ: float = -174.0

_LN2 = float(np.log(2.0))


def _out(arr: NDArray[np.float64]) -> Any:
    """Return a 0-d result as a ``numpy.float64`` scalar, anything else as is."""
    return arr[()] if arr.ndim == 0 else arr


def _broadcast(**arrays: NDArray[np.float64]) -> list[NDArray[np.float64]]:
    try:
        return list(np.broadcast_arrays(*arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {v.shape}" for k, v in arrays.items())
        raise ValueError(f"shapes do not broadcast together: {shapes}") from None


# ---------------------------------------------------------------------------
# unit conversions (the only place dB/dBm enter or leave)
# ---------------------------------------------------------------------------


def db_to_linear(db: ArrayLike) -> Any:
    """Convert a power ratio from decibels to linear scale.

    Parameters
    ----------
    db : array_like of float
        Power ratio in dB. Must be finite.

    Returns
    -------
    numpy.float64 or ndarray of float64
        ``10 ** (db / 10)`` (dimensionless).
    """
    arr = bounded_array(db, "db", plural="dB values")
    return _out(np.power(10.0, arr / 10.0))


def linear_to_db(x: ArrayLike) -> Any:
    """Convert a linear power ratio to decibels.

    Parameters
    ----------
    x : array_like of float
        Dimensionless power ratio, ``> 0`` and finite.

    Returns
    -------
    numpy.float64 or ndarray of float64
        ``10 * log10(x)`` in dB.
    """
    arr = bounded_array(x, "x", plural="linear power ratios", low=0.0)
    return _out(10.0 * np.log10(arr))


def dbm_to_watt(dbm: ArrayLike) -> Any:
    """Convert a power from dBm to watts.

    Parameters
    ----------
    dbm : array_like of float
        Power in dBm (decibels relative to 1 mW). Must be finite.

    Returns
    -------
    numpy.float64 or ndarray of float64
        Power in W: ``10 ** ((dbm - 30) / 10)``.
    """
    arr = bounded_array(dbm, "dbm", plural="dBm values")
    return _out(np.power(10.0, (arr - 30.0) / 10.0))


def watt_to_dbm(w: ArrayLike) -> Any:
    """Convert a power from watts to dBm.

    Parameters
    ----------
    w : array_like of float
        Power in W, ``> 0`` and finite.

    Returns
    -------
    numpy.float64 or ndarray of float64
        Power in dBm: ``10 * log10(w) + 30``.
    """
    arr = bounded_array(w, "w", plural="powers", unit="W", low=0.0)
    return _out(10.0 * np.log10(arr) + 30.0)


# ---------------------------------------------------------------------------
# channel
# ---------------------------------------------------------------------------


def path_loss_db(distance_m: ArrayLike) -> Any:
    """Large-scale path loss of the paper's set-up (Sec. V, from its ref. [8]).

    ``PL = 128.1 + 37.6 * log10(D)`` dB with ``D`` in **kilometres**; this
    function takes metres and converts (``D = distance_m / 1000``).

    Parameters
    ----------
    distance_m : array_like of float
        Device-to-base-station distance in m, ``> 0`` and finite.

    Returns
    -------
    numpy.float64 or ndarray of float64
        Path loss in dB (positive: a loss).
    """
    d = bounded_array(distance_m, "distance", unit="m", low=0.0)
    return _out(128.1 + 37.6 * np.log10(d / 1000.0))


def channel_gain(distance_m: ArrayLike) -> Any:
    """Linear channel power gain ``g = 10 ** (-PL / 10)`` (dimensionless).

    Parameters
    ----------
    distance_m : array_like of float
        Distance in m, ``> 0`` and finite.

    Returns
    -------
    numpy.float64 or ndarray of float64
        Power gain in (0, inf); e.g. about ``1.6e-13`` at 1 km.
    """
    pl = np.asarray(path_loss_db(distance_m), dtype=np.float64)
    return _out(np.power(10.0, -pl / 10.0))


def noise_power_watt(
    bandwidth_hz: ArrayLike, noise_dbm_per_hz: ArrayLike = DEFAULT_NOISE_DBM_PER_HZ
) -> Any:
    """Thermal noise power ``N0 * B`` in a band.

    Parameters
    ----------
    bandwidth_hz : array_like of float
        Bandwidth ``B`` in Hz, ``> 0`` and finite.
    noise_dbm_per_hz : array_like of float, optional
        Noise power spectral density ``N0`` in dBm/Hz (default -174, Sec. V).

    Returns
    -------
    numpy.float64 or ndarray of float64
        Noise power in W.
    """
    b = bounded_array(bandwidth_hz, "bandwidth", unit="Hz", low=0.0)
    n0_dbm = bounded_array(noise_dbm_per_hz, "noise_dbm_per_hz", plural="noise densities")
    b, n0_dbm = _broadcast(bandwidth=b, noise_dbm_per_hz=n0_dbm)
    n0 = np.asarray(dbm_to_watt(n0_dbm), dtype=np.float64)  # W/Hz
    return _out(n0 * b)


def shannon_rate(
    bandwidth_hz: ArrayLike,
    tx_power_w: ArrayLike,
    distance_m: ArrayLike,
    noise_dbm_per_hz: ArrayLike = DEFAULT_NOISE_DBM_PER_HZ,
) -> Any:
    """Achievable uplink rate ``R_n`` of a device holding the whole band.

    ``R = B * log2(1 + p * g / (N0 * B))`` with ``g = 10 ** (-PL(d) / 10)``
    (:func:`path_loss_db`).  Under the paper's TDMA access (Sec. II-B) the
    device sends at this rate during its time share ``t_n``, so its uplink
    delay is ``M_n d_n / (R_n t_n)`` (eq. 4) and its energy
    ``p_n M_n d_n / R_n`` (eq. 5).

    Parameters
    ----------
    bandwidth_hz : array_like of float
        Bandwidth ``B`` in Hz, ``> 0``.
    tx_power_w : array_like of float
        Transmit power ``p`` in W, ``> 0``.
    distance_m : array_like of float
        Distance to the base station in m, ``> 0``.
    noise_dbm_per_hz : array_like of float, optional
        Noise spectral density ``N0`` in dBm/Hz (default -174).

    Returns
    -------
    numpy.float64 or ndarray of float64
        Rate in bit/s, broadcast over the arguments' shapes.
    """
    b = bounded_array(bandwidth_hz, "bandwidth", unit="Hz", low=0.0)
    p = bounded_array(tx_power_w, "tx_power", plural="transmit powers", unit="W", low=0.0)
    d = bounded_array(distance_m, "distance", unit="m", low=0.0)
    n0_dbm = bounded_array(noise_dbm_per_hz, "noise_dbm_per_hz", plural="noise densities")
    b, p, d, n0_dbm = _broadcast(bandwidth=b, tx_power=p, distance=d, noise_dbm_per_hz=n0_dbm)
    g = np.asarray(channel_gain(d), dtype=np.float64)
    noise = np.asarray(noise_power_watt(b, n0_dbm), dtype=np.float64)
    snr = p * g / noise
    # log2(1 + snr) through log1p: exact for the tiny SNRs of far devices too.
    return _out(b * np.log1p(snr) / _LN2)
