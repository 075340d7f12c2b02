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
from numba import njit

__all__ = ["option_costs"]


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
    from ._validation import positive_scalar

    values = dict(zip((f[0] for f in _FIELDS), (local_cycles, f_local_max, kappa, edge_cycles, up_bits, rate,
                                                 tx_power, fixed_delay)))
    arrays = {}
    for name, unit, zero_ok in _FIELDS:
        a = np.asarray(values[name])
        if a.dtype.kind not in "iuf" or a.dtype == bool:
            raise ValueError(f"{name} must be real numbers ({unit}); got dtype {a.dtype}")
        a = np.atleast_1d(a.astype(np.float64, copy=False))
        bad = ~np.isfinite(a) | ((a < 0) if zero_ok else (a <= 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name}[{i}] is {a.flat[i]}; {name} must be finite and {'>=' if zero_ok else '>'} 0 "
                             f"{unit}")
        arrays[name] = a
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
