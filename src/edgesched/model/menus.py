"""Option tables from physics: the prices of each option from the work it does where (``docs/model.md`` §4).

An option is described physically by (all per option, SI units):

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
(Theorem 2). The closed forms are those of :mod:`edgesched.model.theorems`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_values, float_array, positive_scalar
from ..kernels import station_options
from . import theorems
from .devices import Devices
from .table import OptionTable

__all__ = ["OPTION_PHYSICS", "option_costs", "station_arrays", "station_table"]

#: The physical description of an option: name -> (unit, may be 0).
OPTION_PHYSICS: dict[str, tuple[str, bool]] = {
    "local_cycles": ("cycle", True), "f_local_max": ("Hz", False), "kappa": ("J s^2/cycle^3", False),
    "edge_cycles": ("cycle", True), "up_bits": ("bit", True), "rate": ("bit/s", False),
    "tx_power": ("W", True), "fixed_delay": ("s", True),
}


def option_costs(local_cycles: Any, f_local_max: Any, kappa: Any, edge_cycles: Any, up_bits: Any, rate: Any,
                 tx_power: Any, fixed_delay: Any, w_delay: float, w_energy: float, deadline: Any = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-option ``linear``, ``c``, ``w`` and the local CPU frequency from physical quantities.

    Parameters are per-option arrays (scalars broadcast; units in the module docstring) and the weights
    ``w_delay`` (1/s, > 0) and ``w_energy`` (1/J, >= 0). ``f_local_max``, ``kappa`` and ``rate`` must be > 0
    (they divide); the rest >= 0. ``deadline`` (s per option, ``inf``: none; already validated) raises the
    frequency of an option that runs only locally (no edge work, no upload) just enough to finish its local
    work within the deadline less its fixed delay (``docs/model.md`` §8; at most ``f_local_max``); an option
    with a shared part keeps Theorem 1's frequency.

    Returns
    -------
    linear : ndarray
        ``w_delay * (local delay + fixed_delay) + w_energy * (local energy + transmit energy)``.
    c, w : ndarray
        ``sqrt(edge_cycles)`` (sqrt(cycle)) and ``sqrt(up_bits / rate)`` (sqrt(s)).
    f_local : ndarray
        The Theorem 1 frequency (Hz) where the option runs work locally, else 0.
    """
    values = dict(zip(OPTION_PHYSICS, (local_cycles, f_local_max, kappa, edge_cycles, up_bits, rate, tx_power,
                                       fixed_delay)))
    arrays = {}
    for name, (unit, zero_ok) in OPTION_PHYSICS.items():
        a = float_array(name, values[name])
        check_values(name, a, allow_zero=zero_ok, unit=unit, integral=False)
        arrays[name] = np.atleast_1d(a)
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError:
        sizes = ", ".join(f"{k}: {v.size}" for k, v in arrays.items())
        raise ValueError(f"option arrays have mismatched lengths ({sizes})") from None
    if len(shape) != 1:
        raise ValueError(f"option arrays must be 1-D; got shape {shape}")
    p = {k: np.broadcast_to(a, shape) for k, a in arrays.items()}
    w_delay = positive_scalar("w_delay", w_delay, unit="1/s")
    w_energy = positive_scalar("w_energy", w_energy, unit="1/J", allow_zero=True)
    local, sending = p["local_cycles"] > 0.0, p["up_bits"] > 0.0
    f = np.where(local, theorems.local_frequency(np, w_delay, w_energy, p["kappa"], p["f_local_max"]), 0.0)
    cycles = p["local_cycles"]
    if deadline is not None:  # docs/model.md §8: Theorem 1 clipped to [cycles / D, f_local_max]
        alone = local & (p["edge_cycles"] == 0.0) & (p["up_bits"] == 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            raised = theorems.deadline_local_frequency(np, w_delay, w_energy, p["kappa"], p["f_local_max"], cycles,
                                                       np.broadcast_to(deadline, shape) - p["fixed_delay"])
        f = np.where(alone, raised, f)
    with np.errstate(divide="ignore", invalid="ignore"):  # options without local work: f = 0, cost 0
        local_part = np.where(local, theorems.local_cost(w_delay, w_energy, cycles, f, p["kappa"]), 0.0)
    airtime = np.where(sending, p["up_bits"] / p["rate"], 0.0)
    transmit = np.where(sending, theorems.transmit_cost(w_energy, p["tx_power"], p["up_bits"], p["rate"]), 0.0)
    linear = w_delay * p["fixed_delay"] + local_part + transmit
    return linear, theorems.compute_weight(p["edge_cycles"]), np.sqrt(airtime), f


def station_arrays(devices: Devices, rate: Any, station: Any, w_delay: float, w_energy: float
                   ) -> dict[str, np.ndarray]:
    """The per-option arrays of :func:`station_table` (``option_ptr``, ``linear``, ``server``, ``c``, ``w``)."""
    cycles = devices.cycles
    f = theorems.local_frequency(np, w_delay, w_energy, devices.kappa, devices.f_local_max)  # Theorem 1
    local = theorems.local_cost(w_delay, w_energy, cycles, f, devices.kappa)  # eq. (10)
    linear, server, c, w = station_options(local, theorems.compute_weight(cycles), devices.bits, devices.tx_power,
                                           rate, station, w_energy)
    n, k = np.shape(rate)
    return dict(option_ptr=np.arange(n + 1, dtype=np.int64) * (k + 1), linear=linear, server=server, c=c, w=w)


def station_table(devices: Devices, rate: Any, station: Any, capacity: Any, w_delay: float,
                  w_energy: float) -> OptionTable:
    """The paper's model with several reachable stations per device, as an option table.

    Device n gets ``1 + k`` options: local at the Theorem 1 frequency (option 0), then offloading to each of its
    stations ``station[n, i]`` at uplink rate ``rate[n, i]`` (bit/s; option ``1 + i``). Server j is station j,
    of CPU ``capacity[j]`` (Hz): ``A[j] = w_delay / capacity[j]``, ``B[j] = w_delay``. With one station per
    device these are the numbers of :func:`edgesched.paper_table`.
    """
    capacity = np.asarray(capacity, dtype=np.float64)
    return OptionTable(**station_arrays(devices, rate, station, w_delay, w_energy), A=w_delay / capacity,
                       B=np.full(capacity.shape, float(w_delay)))
