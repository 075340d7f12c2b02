"""What a solved pipeline table means: each option's variant, placement and physics, decoded per device, with
totals per application and each device's excluded options."""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .. import _core
from ..model import theorems
from ..model.menus import OPTION_PHYSICS, option_costs
from ..model.results import Certified, OptionSchedule, certificate_text
from ..model.table import OptionTable
from .privacy import PLACEMENTS, Exclusion

__all__ = ["ApplicationSummary", "DeviceResult", "PipelineResult", "PipelineTable", "decode_chosen"]


@dataclass(frozen=True)
class DeviceResult:
    """One device's decision and its physics (SI units); ``feasible=False`` rows carry NaNs.

    ``frames`` is the number of input units of one inference: frames of a video, samples of a series.

    ``split`` names the last layer the device runs for a ``"split"``/``"split-cloud"`` placement;
    ``server`` is the base station used (-1 for local). ``application`` is the device's application,
    ``upload`` what leaves the device (``""``, ``"raw"`` or ``"features"``), ``deadline`` its deadline in s
    (None: none; enforced by :meth:`Pipeline.solve <edgesched.pipeline.Pipeline.solve>`), and ``excluded``
    the options it was not offered and why.
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
    application: str = ""
    upload: str = ""
    deadline: float | None = None
    excluded: tuple[Exclusion, ...] = ()

    @property
    def late(self) -> bool:
        """Whether its delay exceeds its deadline (False without a deadline)."""
        return self.feasible and self.deadline is not None and self.delay > self.deadline


@dataclass(frozen=True)
class ApplicationSummary:
    """One application's share of a result.

    ``devices`` counts its input devices, ``feasible`` those with an option; ``cost``, ``delay`` and
    ``energy`` sum over the feasible ones (cost without unit, s, J), ``mean_delay`` and ``max_delay`` are over
    them; ``placements`` counts devices per placement kind (every kind of :data:`PLACEMENTS`); ``late``
    counts devices over their deadline (0 in a pipeline's results, which enforce deadlines).
    """

    name: str
    devices: int
    feasible: int
    cost: float
    delay: float
    energy: float
    mean_delay: float
    max_delay: float
    placements: dict[str, int]
    late: int


@dataclass(frozen=True, eq=False)
class PipelineResult(Certified):
    """The decoded optimum: one :class:`DeviceResult` per input device, and the solver's certificate.

    ``applications`` names the pipeline's applications in order, ``units`` their inputs' units (``"frame"``,
    ``"sample"``).
    """

    devices: tuple[DeviceResult, ...]
    cost: float
    lower_bound: float
    optimal: bool
    method: str
    applications: tuple[str, ...] = ("default",)
    units: tuple[str, ...] = ("frame",)

    def by_application(self) -> dict[str, ApplicationSummary]:
        """Cost, delay, energy and placements per application, in the pipeline's order."""
        rows: dict[str, list[DeviceResult]] = {name: [] for name in self.applications}
        for r in self.devices:
            rows[r.application].append(r)
        out = {}
        for name, members in rows.items():
            ok = [r for r in members if r.feasible]
            delays = [r.delay for r in ok]
            kinds = dict.fromkeys(PLACEMENTS, 0)
            for r in ok:
                kinds[r.placement] += 1
            out[name] = ApplicationSummary(
                name, len(members), len(ok), math.fsum(r.cost for r in ok), math.fsum(delays),
                math.fsum(r.energy for r in ok), math.fsum(delays) / len(ok) if ok else math.nan,
                max(delays, default=math.nan), kinds, sum(r.late for r in ok))
        return out

    def applications_table(self) -> str:
        """The per-application summary as text."""
        head = (f"{'application':<14} {'devices':>7} {'cost':>10} {'delay s':>10} {'mean s':>8} {'max s':>8} "
                f"{'energy J':>9} {'late':>4}  placements")
        rows = [head]
        for a in self.by_application().values():
            kinds = ", ".join(f"{k} {n}" for k, n in a.placements.items() if n) or "-"
            count = f"{a.feasible}/{a.devices}" if a.feasible < a.devices else f"{a.devices}"
            rows.append(f"{a.name:<14} {count:>7} {a.cost:>10.4f} {a.delay:>10.4f} {a.mean_delay:>8.4f} "
                        f"{a.max_delay:>8.4f} {a.energy:>9.4f} {a.late:>4}  {kinds}")
        return "\n".join(rows)

    def explain(self, device: int, limit: int = 6) -> str:
        """Why device ``device`` got its placement: its decision, and the options it was not offered, grouped
        by rule (at most ``limit`` named per rule)."""
        if not 0 <= device < len(self.devices):
            raise ValueError(f"device is {device!r}; the devices are 0..{len(self.devices) - 1}")
        r = self.devices[device]
        if r.feasible:
            where = r.placement + (f" after {r.split}" if r.split else "")
            where += f" {'via' if r.placement in ('cloud', 'split-cloud') else 'on'} server {r.server}" \
                if r.server >= 0 else ""
            sends = f", uploads {r.upload} data" if r.upload else ", uploads nothing"
            unit = self.units[self.applications.index(r.application)]
            lines = [f"device {device} ({r.application}): {r.variant}, {r.frames} {unit}s, {where}{sends}"]
        else:
            lines = [f"device {device} ({r.application}): infeasible, no option left"]
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for e in r.excluded:
            groups[(e.rule, e.reason)].append(e.label())
        if not groups:
            lines.append("  no option of its application was left out by a rule")
        for (rule, reason), labels in groups.items():
            more = f" and {len(labels) - limit} more" if len(labels) > limit else ""
            lines.append(f"  not offered ({rule}: {reason}): {', '.join(labels[:limit])}{more}")
        return "\n".join(lines)

    def table(self) -> str:
        """A per-device decision table as text."""
        head = (f"{'device':>6} {'application':<12} {'variant':<28} {'M':>3} {'placement':<11} {'srv':>3} "
                f"{'split':<16} {'delay s':>9} {'energy J':>9} {'cost':>9}")
        rows = [head]
        for r in self.devices:
            if not r.feasible:
                rows.append(f"{r.device:>6} {r.application:<12} infeasible: no variant, frame count and placement "
                            "meets it")
                continue
            rows.append(f"{r.device:>6} {r.application:<12} {r.variant:<28} {r.frames:>3} {r.placement:<11} "
                        f"{r.server:>3} {r.split or '-':<16} {r.delay:>9.4f} {r.energy:>9.4f} {r.cost:>9.4f}")
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
        Per-option ``local_cycles`` (cycle), ``f_local_max`` (Hz), ``f_local`` (Hz), ``kappa``,
        ``edge_cycles`` (cycle), ``up_bits`` (bit), ``rate`` (bit/s), ``tx_power`` (W), ``fixed_delay`` (s).
    capacity : ndarray
        Edge CPU capacity ``F_j`` in Hz per server.
    w_delay, w_energy : float
    upload : tuple of str, per option
        ``""``, ``"raw"`` or ``"features"``: what the option sends off the device.
    applications : tuple of str
        The pipeline's applications.
    units : tuple of str
        The unit of each application's input (``"frame"``, ``"sample"``).
    application : tuple of int, per input device
        Its application (an index into ``applications``).
    deadline : tuple of float or None, per input device
    excluded : tuple of tuple of Exclusion, per input device
        The options it was not offered and why.
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
    upload: tuple[str, ...]
    applications: tuple[str, ...]
    units: tuple[str, ...]
    application: tuple[int, ...]
    deadline: tuple[float | None, ...]
    excluded: tuple[tuple[Exclusion, ...], ...]

    def decode(self, schedule: OptionSchedule) -> PipelineResult:
        """Per-device physics of a solved table (:func:`decode_chosen`: Theorem 2 per server; delay eqs. 1, 2,
        4 plus fixed cloud delays; energy eqs. 3, 5)."""
        t, p = self.table, self.physics
        choice = self.table.check_choice(schedule.choice)
        o = t.option_ptr[:-1] + choice
        deadline = shares = None
        if t.slack is not None:  # docs/model.md §8: the allocation the core prices with
            deadline = np.array([math.inf if self.deadline[n] is None else self.deadline[n] for n in self.kept])
            shares = _core.slack_allocation(**t.arrays(), slack=t.slack, choice=choice)
        out = decode_chosen({k: p[k][o] for k in OPTION_PHYSICS}, t.server[o], self.capacity, self.w_delay,
                            self.w_energy, deadline, shares)
        f, f_edge, share = out["f_local"], out["f_edge"], out["time_share"]
        delay, energy, cost = out["delay"], out["energy"], out["cost"]
        names = [self.applications[a] for a in self.application]
        rows: list[DeviceResult] = [
            DeviceResult(n, False, application=names[n], deadline=self.deadline[n], excluded=self.excluded[n])
            for n in range(self.n_input)]
        for i, n in enumerate(self.kept):
            k = int(o[i])
            rows[n] = DeviceResult(n, True, self.variant[k], int(self.frames[k]), self.placement[k],
                                   int(self.server[k]), self.split[k], float(f[i]), float(f_edge[i]),
                                   float(share[i]), float(delay[i]), float(energy[i]), float(cost[i]),
                                   names[n], self.upload[k], self.deadline[n], self.excluded[n])
        return PipelineResult(tuple(rows), schedule.cost, schedule.lower_bound, schedule.optimal, schedule.method,
                              self.applications, self.units)


def decode_chosen(physics: Mapping[str, np.ndarray], server: np.ndarray, capacity: np.ndarray, w_delay: float,
                  w_energy: float, deadline: np.ndarray | None = None,
                  shares: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """The physics of one chosen option per device: the one place option choices become delays and energies.

    ``physics`` holds the chosen options' columns of :data:`~edgesched.model.menus.OPTION_PHYSICS` (one entry
    per device), ``server`` their servers (-1: none), ``capacity`` the servers' CPUs ``F_j`` in Hz. Prices them
    with :func:`~edgesched.model.menus.option_costs` and shares each server by Theorem 2 (``docs/model.md``
    §4): ``f_edge = F c / U_j``, ``time_share = w / V_j`` (0 where nothing runs or is sent there).

    Returns ``f_local`` (Hz, Theorem 1; 0 without local work), ``f_edge`` (Hz), ``time_share``, ``delay`` (s:
    eqs. (1), (2), (4) plus fixed cloud delays), ``energy`` (J: eqs. (3), (5)) and ``cost``
    (``w_delay * delay + w_energy * energy``, eq. (8)'s summand).

    With deadlines (``docs/model.md`` §8), ``deadline`` gives each device's (s, ``inf``: none; the local
    frequencies are :func:`~edgesched.model.menus.option_costs`'s with it) and ``shares`` the servers'
    allocation ``(f_edge, time_share)`` per device (``_core.slack_allocation``), used instead of Theorem 2's.
    """
    p = physics
    _, c, w, f = option_costs(**{k: p[k] for k in OPTION_PHYSICS}, w_delay=w_delay, w_energy=w_energy,
                              deadline=deadline)
    on = server >= 0
    n_servers = capacity.shape[0]
    U = np.bincount(server[on], weights=c[on], minlength=n_servers)
    V = np.bincount(server[on], weights=w[on], minlength=n_servers)
    j = np.where(on, server, 0)
    local = f > 0
    with np.errstate(divide="ignore", invalid="ignore"):  # options without local work, edge or upload
        local_delay = np.where(local, theorems.local_delay(p["local_cycles"], f), 0.0)
        f_edge, share = theorems.edge_shares(c, w, U[j], V[j], capacity[j])
    f_edge, share = np.where(c > 0, f_edge, 0.0), np.where(w > 0, share, 0.0)
    if shares is None:
        delay = local_delay + theorems.shared_delay(c, w, U[j], V[j], capacity[j]) + p["fixed_delay"]
    else:  # the deadline-aware allocation (docs/model.md §8)
        f_edge, share = np.where(c > 0, shares[0], 0.0), np.where(w > 0, shares[1], 0.0)
        delay = local_delay + theorems.shares_delay(c, w, f_edge, share) + p["fixed_delay"]
    energy = (np.where(local, theorems.local_energy(p["kappa"], p["local_cycles"], f), 0.0)
              + theorems.transmit_energy(p["tx_power"], p["up_bits"], p["rate"]))
    cost = w_delay * delay + w_energy * energy  # eq. (8) summand
    return dict(f_local=f, f_edge=f_edge, time_share=share, delay=delay, energy=energy, cost=cost)
