"""Numba kernels: the loops that array code cannot express well.

Every kernel is ``@njit(cache=True, nogil=True)`` and is also correct run as plain Python
(``NUMBA_DISABLE_JIT=1``); the public wrappers validate, broadcast and allocate, the kernels only compute. Where a
kernel needs the model's closed forms it compiles those of :mod:`edgesched.model.theorems` as they are.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

from ._validation import positive_scalar
from .model import theorems

__all__ = ["nearest_stations", "station_options"]

_transmit_cost = njit(cache=True, nogil=True)(theorems.transmit_cost)
_airtime_weight = njit(cache=True, nogil=True)(theorems.airtime_weight)


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
def _station_options(local_cost, c, bits, tx_power, rate, station, w_energy, linear, server, cc,
                     w):  # pragma: no cover - compiled
    n_dev, k = rate.shape
    for n in prange(n_dev):
        o = n * (k + 1)
        linear[o] = local_cost[n]  # option 0: local
        server[o] = -1
        cc[o] = 0.0
        w[o] = 0.0
        for i in range(k):  # option 1 + i: offload to the i-th station
            linear[o + 1 + i] = _transmit_cost(w_energy, tx_power[n], bits[n], rate[n, i])
            server[o + 1 + i] = station[n, i]
            cc[o + 1 + i] = c[n]
            w[o + 1 + i] = _airtime_weight(bits[n], rate[n, i])


def station_options(local_cost: np.ndarray, c: np.ndarray, bits: np.ndarray, tx_power: np.ndarray,
                    rate: np.ndarray, station: np.ndarray, w_energy: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The options of devices that may run locally or offload to any of ``k`` stations, in CSR order.

    Per device (float64, length N, already valid): the local option's cost ``local_cost``, the compute weight
    ``c`` (sqrt(cycle)), the input ``bits`` and the transmit power ``tx_power`` (W); per link, shape (N, k): the
    ``rate`` (bit/s) and the ``station``. Device n's options are ``n (k + 1) .. n (k + 1) + k``: local, then
    each station. Returns ``linear``, ``server`` (int32), ``c`` and ``w``, each of length ``N (k + 1)``.
    """
    n, k = rate.shape
    out = (np.empty(n * (k + 1)), np.empty(n * (k + 1), np.int32), np.empty(n * (k + 1)), np.empty(n * (k + 1)))
    _station_options(np.ascontiguousarray(local_cost, dtype=np.float64), np.ascontiguousarray(c, dtype=np.float64),
                     np.ascontiguousarray(bits, dtype=np.float64), np.ascontiguousarray(tx_power, dtype=np.float64),
                     np.ascontiguousarray(rate, dtype=np.float64), np.ascontiguousarray(station, dtype=np.int32),
                     float(w_energy), *out)
    return out
