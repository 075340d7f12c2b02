"""What a solved pipeline table means: each option's variant, placement and physics, decoded per device."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..model import theorems
from ..model.results import Certified, OptionSchedule, certificate_text
from ..model.table import OptionTable

__all__ = ["DeviceResult", "PipelineResult", "PipelineTable"]


@dataclass(frozen=True)
class DeviceResult:
    """One device's decision and its physics (SI units); ``feasible=False`` rows carry NaNs.

    ``split`` names the last layer the device runs for a ``"split"``/``"split-cloud"`` placement;
    ``server`` is the base station used (-1 for local).
    """

    device: int
    feasible: bool
    variant: str = ""
    frames: int = 0
    placement: str = ""
    server: int = -1
    split: str | None = None
    f_local: float = math.nan  #: Hz (Theorem 1)
    f_edge: float = math.nan  #: Hz of the edge server's CPU (Theorem 2)
    time_share: float = math.nan  #: fraction of the uplink frame (Theorem 2)
    delay: float = math.nan  #: s
    energy: float = math.nan  #: J
    cost: float = math.nan  #: w_delay * delay + w_energy * energy


@dataclass(frozen=True, eq=False)
class PipelineResult(Certified):
    """The decoded optimum: one :class:`DeviceResult` per input device, and the solver's certificate."""

    devices: tuple[DeviceResult, ...]
    cost: float
    lower_bound: float
    optimal: bool
    method: str

    def table(self) -> str:
        """A per-device decision table as text."""
        head = (f"{'device':>6} {'variant':<28} {'M':>3} {'placement':<11} {'srv':>3} {'split':<16} "
                f"{'delay s':>9} {'energy J':>9} {'cost':>9}")
        rows = [head]
        for r in self.devices:
            if not r.feasible:
                rows.append(f"{r.device:>6} infeasible: no variant, frame count and placement meets it")
                continue
            rows.append(f"{r.device:>6} {r.variant:<28} {r.frames:>3} {r.placement:<11} {r.server:>3} "
                        f"{r.split or '-':<16} {r.delay:>9.4f} {r.energy:>9.4f} {r.cost:>9.4f}")
        rows.append(f"total cost {self.cost:.6g} (lower bound {self.lower_bound:.6g}, "
                    f"{certificate_text(self.cost, self.lower_bound)}, {self.method})")
        return "\n".join(rows)


@dataclass(frozen=True, eq=False)
class PipelineTable:
    """The option table of a pipeline and what each option means.

    Attributes
    ----------
    table : OptionTable
        Over the feasible devices only (``kept[i]`` is the input index of table device i).
    kept, infeasible : tuple of int
        Input indices of the devices in the table and of those left out (``infeasible="drop"``).
    n_input : int
        Number of input devices.
    variant, placement, split : tuple of str, per option
    frames, server : ndarray of int, per option
    physics : dict of ndarray
        Per-option ``local_cycles`` (cycle), ``f_local`` (Hz), ``kappa``, ``edge_cycles`` (cycle),
        ``up_bits`` (bit), ``rate`` (bit/s), ``tx_power`` (W), ``fixed_delay`` (s).
    capacity : ndarray
        Edge CPU capacity ``F_j`` in Hz per server.
    w_delay, w_energy : float
    """

    table: OptionTable
    kept: tuple[int, ...]
    infeasible: tuple[int, ...]
    n_input: int
    variant: tuple[str, ...]
    placement: tuple[str, ...]
    split: tuple[str | None, ...]
    frames: np.ndarray
    server: np.ndarray
    physics: dict[str, np.ndarray]
    capacity: np.ndarray
    w_delay: float
    w_energy: float

    def decode(self, schedule: OptionSchedule) -> PipelineResult:
        """Per-device physics of a solved table (Theorem 2 per server: ``f_edge = F c / U``,
        ``time_share = w / V``; delay eqs. 1, 2, 4 plus fixed cloud delays; energy eqs. 3, 5)."""
        t, p = self.table, self.physics
        o = t.option_ptr[:-1] + self.table.check_choice(schedule.choice)
        srv = t.server[o]
        on = srv >= 0
        U = np.bincount(srv[on], weights=t.c[o][on], minlength=t.n_servers)
        V = np.bincount(srv[on], weights=t.w[o][on], minlength=t.n_servers)
        j = np.where(on, srv, 0)
        c, w, f = t.c[o], t.w[o], p["f_local"][o]
        local = f > 0
        with np.errstate(divide="ignore", invalid="ignore"):  # options without local work, edge or upload
            local_delay = np.where(local, theorems.local_delay(p["local_cycles"][o], f), 0.0)
            f_edge, share = theorems.edge_shares(c, w, U[j], V[j], self.capacity[j])
        f_edge, share = np.where(c > 0, f_edge, 0.0), np.where(w > 0, share, 0.0)
        delay = (local_delay + theorems.shared_delay(c, w, U[j], V[j], self.capacity[j])
                 + p["fixed_delay"][o])
        energy = (np.where(local, theorems.local_energy(p["kappa"][o], p["local_cycles"][o], f), 0.0)
                  + theorems.transmit_energy(p["tx_power"][o], p["up_bits"][o], p["rate"][o]))
        cost = self.w_delay * delay + self.w_energy * energy  # eq. (8) summand
        rows: list[DeviceResult] = [DeviceResult(n, False) for n in range(self.n_input)]
        for i, n in enumerate(self.kept):
            k = int(o[i])
            rows[n] = DeviceResult(n, True, self.variant[k], int(self.frames[k]), self.placement[k],
                                   int(self.server[k]), self.split[k], float(f[i]), float(f_edge[i]),
                                   float(share[i]), float(delay[i]), float(energy[i]), float(cost[i]))
        return PipelineResult(tuple(rows), schedule.cost, schedule.lower_bound, schedule.optimal, schedule.method)
