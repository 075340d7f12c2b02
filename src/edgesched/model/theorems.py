"""The model's closed forms on arrays: the one NumPy/CuPy implementation of Theorems 1 and 2.

Everything that computes a local frequency, a local or transmit cost, or decodes a choice into edge CPU and
uplink shares, delays and energies on arrays calls these functions (the C++ core has its own, in
``src/cpp/core/paper.cpp``). Each function is elementwise; inputs broadcast. The functions written with
arithmetic and NumPy ufuncs alone work on NumPy arrays, on CuPy arrays (NumPy hands ufuncs of CuPy arrays to
CuPy) and on scalars, and the Numba kernels compile them as they are; :func:`local_frequency` also takes the
array module ``xp`` (``numpy`` or ``cupy``) for its ``where``. The arithmetic is the C++ core's,
operation for operation, so that decisions computed from these numbers equal the core's. The mathematics is in
``docs/model.md`` §2-§4.

Names and units: ``cycles = rho * C`` (cycle), ``bits = M * d`` (bit), ``rate`` (bit/s), ``f`` (Hz),
``kappa`` (J s^2/cycle^3), ``tx_power`` (W), ``c = sqrt(cycles)`` (sqrt(cycle)), ``w = sqrt(bits / rate)``
(sqrt(s)), ``U``/``V`` the sums of ``c``/``w`` over the devices sharing a server, ``capacity`` its CPU (Hz),
``w_delay`` (1/s) and ``w_energy`` (1/J).
"""
from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

__all__ = ["airtime_weight", "compute_weight", "deadline_local_frequency", "edge_shares", "local_cost",
           "local_delay", "local_energy", "local_frequency", "shared_delay", "shares_delay", "transmit_cost",
           "transmit_energy"]

#: Deadlines are met with this relative margin, so that a delay as decoded stays within its deadline after
#: rounding (the core's kDeadlineMargin, ``src/cpp/core/deadlines.hpp``).
DEADLINE_MARGIN = 1e-11


def local_frequency(xp: ModuleType, w_delay: Any, w_energy: Any, kappa: Any, f_local_max: Any) -> Any:
    """The CPU frequency minimising ``w_delay * delay + w_energy * energy`` of local work, Hz.

    eq. (13), Theorem 1: ``min(cbrt(w_delay / (2 w_energy kappa)), f_local_max)``; ``f_local_max`` where
    ``w_energy`` is 0 (no price on energy: full speed).
    """
    priced = w_energy > 0
    with np.errstate(divide="ignore", over="ignore"):  # a product that underflows to 0: the cap is +inf
        denom = xp.where(priced, 2.0 * (w_energy * kappa), 1.0)  # as the core: no overflow of 2 w_energy alone
        return xp.where(priced, xp.minimum(xp.cbrt(w_delay / denom), f_local_max), f_local_max)


def deadline_local_frequency(xp: ModuleType, w_delay: Any, w_energy: Any, kappa: Any, f_local_max: Any,
                             cycles: Any, deadline: Any) -> Any:
    """Theorem 1 with a deadline (docs/model.md §8): the frequency clipped to ``[cycles / D, f_local_max]``, Hz
    (``cycles / D`` with the margin :data:`DEADLINE_MARGIN`); ``f_local_max`` where even that is too slow (its
    delay then exceeds the deadline)."""
    floor = cycles / (deadline * (1.0 - DEADLINE_MARGIN))  # eq. (1): cycles / f <= D; 0 where D is inf
    return xp.minimum(f_local_max, xp.maximum(local_frequency(xp, w_delay, w_energy, kappa, f_local_max), floor))


def local_cost(w_delay: Any, w_energy: Any, cycles: Any, f: Any, kappa: Any) -> Any:
    """Weighted cost of running ``cycles`` locally at ``f``: eq. (10) with eqs. (1) and (3)."""
    return w_delay * cycles / f + w_energy * kappa * cycles * f * f


def local_delay(cycles: Any, f: Any) -> Any:
    """Local compute delay ``cycles / f``, s (eq. (1))."""
    return cycles / f


def local_energy(kappa: Any, cycles: Any, f: Any) -> Any:
    """Local compute energy ``kappa cycles f^2``, J (eq. (3))."""
    return kappa * cycles * f * f


def transmit_cost(w_energy: Any, tx_power: Any, bits: Any, rate: Any) -> Any:
    """Weighted transmit energy ``w_energy p bits / R`` (eq. (5)): the part of an offloaded device's cost that
    does not depend on the others."""
    return w_energy * tx_power * bits / rate


def transmit_energy(tx_power: Any, bits: Any, rate: Any) -> Any:
    """Transmit energy ``p bits / R``, J (eq. (5))."""
    return tx_power * bits / rate


def compute_weight(cycles: Any) -> Any:
    """``c = sqrt(cycles)``: Theorem 2 gives each device a share of the edge CPU proportional to it."""
    return np.sqrt(cycles)


def airtime_weight(bits: Any, rate: Any) -> Any:
    """``w = sqrt(bits / R)``: Theorem 2 gives each device a share of the uplink frame proportional to it."""
    return np.sqrt(bits / rate)


def edge_shares(c: Any, w: Any, U: Any, V: Any, capacity: Any) -> tuple[Any, Any]:
    """Theorem 2 (general form): the edge CPU ``f_edge = F c / U`` (Hz, eq. (19)) and the uplink time share
    ``w / V`` (eq. (20) with unequal frame sizes) of a device on a server with loads ``U``, ``V``."""
    return capacity * c / U, w / V


def shared_delay(c: Any, w: Any, U: Any, V: Any, capacity: Any) -> Any:
    """Delay of an offloaded device at Theorem 2's shares, s: eqs. (2) + (4),
    ``rho C / f_edge + M d / (R t) = c U / F + w V``."""
    return c * U / capacity + w * V


def shares_delay(c: Any, w: Any, f_edge: Any, time_share: Any) -> Any:
    """Delay of an offloaded device at given shares, s: eqs. (2) + (4), ``rho C / f_edge + M d / (R t) =
    c^2 / f_edge + w^2 / t`` (a term is 0 where its weight is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(c > 0, c * c / f_edge, 0.0) + np.where(w > 0, w * w / time_share, 0.0)
