"""Numba kernels that turn physical per-option quantities into the option model of DESIGN.md §2.

Every kernel is ``@njit(cache=True, nogil=True)`` and is also correct run as plain Python
(``NUMBA_DISABLE_JIT=1``); the public wrappers validate, broadcast and allocate, the kernels only compute.

An option is described physically by the work it does where (all per option, SI units):

==============  ==========  ==========================================================================
name            unit        meaning
==============  ==========  ==========================================================================
local_cycles    cycle       CPU cycles run on the device (0 when nothing runs locally)
f_local_max     cycle/s     the device's top CPU frequency
kappa           J s^2/cyc^3 the device's switched capacitance (power = kappa f^3)
edge_cycles     cycle       cycles run on the shared edge CPU of the option's server (0 for none)
up_bits         bit         bits sent over the shared uplink (0 for none)
rate            bit/s       uplink rate to the option's server (ignored when up_bits == 0)
tx_power        W           transmit power of the device
fixed_delay     s           delay not shared with anyone (backhaul, cloud round trip, cloud compute)
==============  ==========  ==========================================================================

and becomes ``linear`` (cost that does not depend on the other devices), ``c = sqrt(edge_cycles)`` and
``w = sqrt(up_bits / rate)``; the server's ``A = w_delay / F`` and ``B = w_delay`` price the shared parts
(Theorem 2).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

__all__ = ["option_costs", "nearest_stations", "paper_options"]


@njit(cache=True, nogil=True)
def local_frequency(w_delay: float, w_energy: float, kappa: float, f_local_max: float) -> float:
    """Theorem 1, eq. (13): the CPU frequency minimising ``w_delay*t + w_energy*E`` of local work (Hz)."""
    if w_energy <= 0.0:
        return f_local_max  # no price on energy: run at full speed
    return min(np.cbrt(w_delay / (2.0 * w_energy * kappa)), f_local_max)


@njit(cache=True, nogil=True)
def _option_costs(local_cycles, f_local_max, kappa, edge_cycles, up_bits, rate, tx_power, fixed_delay,
                  w_delay, w_energy, linear, c, w, f_local):  # pragma: no cover - compiled
    for o in range(local_cycles.shape[0]):
        cost = w_delay * fixed_delay[o]
        f = 0.0
        if local_cycles[o] > 0.0:
            f = local_frequency(w_delay, w_energy, kappa[o], f_local_max[o])
            # eq. (10) with eqs. (1) and (3): local delay and energy at the Theorem 1 frequency.
            cost += w_delay * local_cycles[o] / f + w_energy * kappa[o] * local_cycles[o] * f * f
        airtime = 0.0
        if up_bits[o] > 0.0:
            airtime = up_bits[o] / rate[o]
            cost += w_energy * tx_power[o] * airtime  # eq. (5): transmit energy p * bits / R
        linear[o] = cost
        c[o] = np.sqrt(edge_cycles[o])  # Theorem 2: the edge CPU share is proportional to sqrt(cycles)
        w[o] = np.sqrt(airtime)  # Theorem 2: the TDMA share is proportional to sqrt(bits / R)
        f_local[o] = f


_FIELDS = (("local_cycles", "cycle", True), ("f_local_max", "Hz", False), ("kappa", "J s^2/cycle^3", False),
           ("edge_cycles", "cycle", True), ("up_bits", "bit", True), ("rate", "bit/s", False),
           ("tx_power", "W", True), ("fixed_delay", "s", True))


def option_costs(local_cycles: Any, f_local_max: Any, kappa: Any, edge_cycles: Any, up_bits: Any, rate: Any,
                 tx_power: Any, fixed_delay: Any, w_delay: float, w_energy: float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-option ``linear``, ``c``, ``w`` and the local CPU frequency from physical quantities.

    Parameters are per-option arrays (scalars broadcast; units in the module docstring) and the weights
    ``w_delay`` (1/s, > 0) and ``w_energy`` (1/J, >= 0). ``f_local_max``, ``kappa`` and ``rate`` must be > 0
    (they divide); the rest >= 0.

    Returns
    -------
    linear : ndarray
        ``w_delay * (local delay + fixed_delay) + w_energy * (local energy + transmit energy)``.
    c, w : ndarray
        ``sqrt(edge_cycles)`` (sqrt(cycle)) and ``sqrt(up_bits / rate)`` (sqrt(s)).
    f_local : ndarray
        The Theorem 1 frequency (Hz) where the option runs work locally, else 0.
    """
    from ._validation import float_array, _check_values, positive_scalar

    values = dict(zip((f[0] for f in _FIELDS), (local_cycles, f_local_max, kappa, edge_cycles, up_bits, rate,
                                                 tx_power, fixed_delay)))
    arrays = {}
    for name, unit, zero_ok in _FIELDS:
        a = float_array(name, values[name])
        _check_values(name, a, allow_zero=zero_ok, unit=unit, integral=False)
        arrays[name] = np.atleast_1d(a)
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError:
        sizes = ", ".join(f"{k}: {v.size}" for k, v in arrays.items())
        raise ValueError(f"option arrays have mismatched lengths ({sizes})") from None
    if len(shape) != 1:
        raise ValueError(f"option arrays must be 1-D; got shape {shape}")
    args = [np.ascontiguousarray(np.broadcast_to(a, shape)) for a in arrays.values()]
    w_delay = positive_scalar("w_delay", w_delay, unit="1/s")
    w_energy = positive_scalar("w_energy", w_energy, unit="1/J", allow_zero=True)
    out = [np.empty(shape) for _ in range(4)]
    _option_costs(*args, w_delay, w_energy, *out)
    return out[0], out[1], out[2], out[3]


@njit(cache=True, nogil=True, parallel=True)
def _nearest_stations(device_xy, station_xy, k, side, bucket_ptr, bucket_station, g, station,
                      distance):  # pragma: no cover - compiled
    size = side / g
    for n in prange(device_xy.shape[0]):
        x, y = device_xy[n, 0], device_xy[n, 1]
        bx = min(max(int(x / size), 0), g - 1)
        by = min(max(int(y / size), 0), g - 1)
        found = 0
        for i in range(k):
            distance[n, i] = np.inf
            station[n, i] = -1
        r = 0
        while True:
            # every bucket on the ring at Chebyshev distance r around (bx, by)
            for cx in range(bx - r, bx + r + 1):
                if cx < 0 or cx >= g:
                    continue
                for cy in range(by - r, by + r + 1):
                    if cy < 0 or cy >= g or (abs(cx - bx) != r and abs(cy - by) != r):
                        continue
                    b = cx * g + cy
                    for q in range(bucket_ptr[b], bucket_ptr[b + 1]):
                        s = bucket_station[q]
                        d = np.hypot(station_xy[s, 0] - x, station_xy[s, 1] - y)
                        # insert into the sorted top k (ties: lower station index first)
                        if d < distance[n, k - 1] or (d == distance[n, k - 1] and s < station[n, k - 1]):
                            i = k - 1
                            while i > 0 and (distance[n, i - 1] > d or (distance[n, i - 1] == d
                                                                        and station[n, i - 1] > s)):
                                distance[n, i] = distance[n, i - 1]
                                station[n, i] = station[n, i - 1]
                                i -= 1
                            distance[n, i] = d
                            station[n, i] = s
                            found += 1
            # stations on rings beyond r are at least r bucket sides away
            if (found >= k and distance[n, k - 1] <= r * size) or r > 2 * g:
                break
            r += 1


def nearest_stations(device_xy: Any, station_xy: Any, k: int, side: float) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest stations of every device, nearest first (ties: lower station index).

    A bucket grid over the ``side`` x ``side`` m square and a ring search per device, in parallel; exact.
    Points outside the square are allowed (they fall in the border buckets).

    Parameters
    ----------
    device_xy, station_xy : array_like, shape (N, 2) and (S, 2)
        Positions in m.
    k : int
        Stations per device, ``1 <= k <= S``.
    side : float
        Side of the area in m.

    Returns
    -------
    station : ndarray of int64, shape (N, k)
    distance : ndarray of float64, shape (N, k)
        In m.
    """
    dev = np.ascontiguousarray(device_xy, dtype=np.float64)
    sta = np.ascontiguousarray(station_xy, dtype=np.float64)
    for name, a in (("device_xy", dev), ("station_xy", sta)):
        if a.ndim != 2 or a.shape[1] != 2:
            raise ValueError(f"{name} must have shape (n, 2) (x, y in m); got {a.shape}")
        bad = ~np.isfinite(a).all(axis=1)
        if bad.any():
            raise ValueError(f"{name}[{int(np.flatnonzero(bad)[0])}] is not finite")
    if not 1 <= int(k) <= sta.shape[0]:
        raise ValueError(f"k is {k}; it must be between 1 and the number of stations ({sta.shape[0]})")
    from ._validation import positive_scalar

    side = positive_scalar("side", side, unit="m")
    g = max(1, int(np.sqrt(sta.shape[0] / max(int(k), 1))))
    bucket = np.clip((sta / (side / g)).astype(np.int64), 0, g - 1)
    key = bucket[:, 0] * g + bucket[:, 1]
    bucket_station = np.argsort(key, kind="stable")
    bucket_ptr = np.zeros(g * g + 1, np.int64)
    np.cumsum(np.bincount(key, minlength=g * g), out=bucket_ptr[1:])
    station = np.empty((dev.shape[0], int(k)), np.int64)
    distance = np.empty((dev.shape[0], int(k)))
    _nearest_stations(dev, sta, int(k), side, bucket_ptr, bucket_station, g, station, distance)
    return station, distance


@njit(cache=True, nogil=True, parallel=True)
def _paper_options(macs, frames, frame_bits, rate, station, tx_power, f_local_max, kappa, rho, w_delay,
                   w_energy, option_ptr, linear, server, c, w):  # pragma: no cover - compiled
    n_dev, k = rate.shape
    for n in prange(n_dev):
        o = n * (k + 1)
        option_ptr[n] = o
        cycles = rho[n] * macs[n]  # rho * C(M*_n)
        bits = frames[n] * frame_bits[n]  # M*_n * d_n
        f = local_frequency(w_delay, w_energy, kappa[n], f_local_max[n])  # Theorem 1
        # option 0, local: eq. (10) with eqs. (1), (3)
        linear[o] = w_delay * cycles / f + w_energy * kappa[n] * cycles * f * f
        server[o] = -1
        c[o] = 0.0
        w[o] = 0.0
        for i in range(k):  # option 1 + i: offload to the i-th nearest station, eq. (11) after Theorem 2
            linear[o + 1 + i] = w_energy * tx_power[n] * bits / rate[n, i]  # eq. (5)
            server[o + 1 + i] = station[n, i]
            c[o + 1 + i] = np.sqrt(cycles)
            w[o + 1 + i] = np.sqrt(bits / rate[n, i])
    option_ptr[n_dev] = n_dev * (k + 1)


def paper_options(macs: np.ndarray, frames: np.ndarray, frame_bits: np.ndarray, rate: np.ndarray,
                  station: np.ndarray, tx_power: np.ndarray, f_local_max: np.ndarray, kappa: np.ndarray,
                  rho: np.ndarray, w_delay: float, w_energy: float) -> dict[str, np.ndarray]:
    """CSR option arrays of the paper's model with several reachable stations per device.

    Device n gets ``1 + k`` options: local (Theorem 1), then offloading to each of its stations
    ``station[n, i]`` at uplink rate ``rate[n, i]`` (bit/s). Per-device arrays are float64 of length N
    (validated by the caller); ``rate`` and ``station`` have shape (N, k). Returns ``option_ptr``,
    ``linear``, ``server``, ``c`` and ``w`` for :class:`edgesched.OptionTable`, the same numbers
    :func:`edgesched.paper_table` gives for one station.
    """
    n, k = rate.shape
    n_opt = n * (k + 1)
    out = dict(option_ptr=np.empty(n + 1, np.int64), linear=np.empty(n_opt), server=np.empty(n_opt, np.int32),
               c=np.empty(n_opt), w=np.empty(n_opt))
    _paper_options(macs, frames, frame_bits, rate, station.astype(np.int32, copy=False), tx_power, f_local_max,
                   kappa, rho, float(w_delay), float(w_energy), out["option_ptr"], out["linear"], out["server"],
                   out["c"], out["w"])
    return out
