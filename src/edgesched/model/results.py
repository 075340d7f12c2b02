"""The results of a solve: who runs where, with which resources, at what delay, energy and cost.

Every result type has the same certificate: ``cost``, ``lower_bound`` (no schedule of the instance costs less),
``gap`` (``(cost - lower_bound) / cost``, derived) and ``optimal`` (the method proved the schedule optimal).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Certified", "OptionSchedule", "Schedule", "certificate_text", "relative_gap"]


def relative_gap(cost: Any, lower_bound: Any) -> Any:
    """``(cost - lower_bound) / |cost|``, at least 0 (0 when ``cost`` is 0; NaN when either is NaN); elementwise
    for arrays."""
    if np.ndim(cost) or np.ndim(lower_bound):
        cost, lower_bound = np.asarray(cost, dtype=np.float64), np.asarray(lower_bound, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = np.maximum(0.0, (cost - lower_bound) / np.abs(cost))
        return np.where(cost == 0, np.where(np.isnan(lower_bound), np.nan, 0.0), gap)
    if cost != cost or lower_bound != lower_bound:
        return float("nan")
    return max(0.0, (cost - lower_bound) / abs(cost)) if cost != 0 else 0.0


def certificate_text(cost: float, lower_bound: float) -> str:
    """``"gap <= 1.2e-05"``, or the bound itself where it is not positive (a relative gap above 1 says nothing)."""
    if lower_bound > 0 or cost == lower_bound:
        return f"gap <= {relative_gap(cost, lower_bound):.2e}"
    return f"lower bound {lower_bound:.4g} (no relative gap)"


class Certified:
    """What every result certifies: ``cost``, ``lower_bound`` and ``optimal`` (fields of each result type) and the
    derived ``gap``."""

    cost: Any
    lower_bound: Any

    @property
    def gap(self) -> Any:
        """``(cost - lower_bound) / cost``: how far above the optimum the schedule can be, at most."""
        return relative_gap(self.cost, self.lower_bound)


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Schedule(Certified):
    """A schedule for N devices (arrays of length N, read-only).

    Attributes
    ----------
    offload : ndarray of bool
        True where the device's inference runs on the edge server (x_n = 1 in the paper).
    f_local : ndarray of float
        Local CPU frequency in Hz (cycle/s), Theorem 1; 0 where offloaded.
    f_edge : ndarray of float
        Edge CPU frequency given to the device in Hz, Theorem 2; 0 where local. Sums to ``f_edge_max``
        over the offloaded devices.
    time_share : ndarray of float
        Fraction of the TDMA uplink frame given to the device, Theorem 2; 0 where local. Sums to 1 over the
        offloaded devices.
    delay : ndarray of float
        End-to-end inference delay in s: local compute, or edge compute plus upload (eqs. 1, 2, 4, 6).
    energy : ndarray of float
        Device energy in J: local compute, or transmission (eqs. 3, 5, 7).
    cost : float
        ``sum(w_delay * delay + w_energy * energy)``, the objective of eq. (8).
    method : str
        The method that produced the schedule.
    lower_bound : float
        A certified lower bound on the optimal cost of the instance: no schedule costs less.
    optimal : bool
        The method proved this schedule optimal (to a relative tolerance of 1e-9).
    w_delay, w_energy : float
        The weights the cost was computed with (1/s and 1/J).
    cell : ndarray of int or None
        Each device's cell when the instance was solved as independent cells, else None.
    cell_cost : ndarray of float or None
        The cost of each cell (``cost`` is their sum), else None.
    deadline : ndarray of float or None
        Each device's deadline in s (``inf``: none) when the instance had deadlines, else None; every
        ``delay`` is at most its deadline.
    dropped : ndarray of int or None
        With deadlines and ``infeasible="drop"``: the devices left out (no schedule could serve them); their
        rows have no resources, delay ``inf`` and energy 0 and add nothing to ``cost``. Else None.
    """

    offload: np.ndarray
    f_local: np.ndarray
    f_edge: np.ndarray
    time_share: np.ndarray
    delay: np.ndarray
    energy: np.ndarray
    cost: float
    method: str
    lower_bound: float = field(default=float("-inf"))
    optimal: bool = field(default=False)
    w_delay: float = field(default=0.5)
    w_energy: float = field(default=0.5)
    cell: np.ndarray | None = None
    cell_cost: np.ndarray | None = None
    deadline: np.ndarray | None = None
    dropped: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name in ("offload", "f_local", "f_edge", "time_share", "delay", "energy", "cell", "cell_cost",
                     "deadline", "dropped"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, _frozen(getattr(self, name)))
        object.__setattr__(self, "cost", float(self.cost))

    @classmethod
    def adopt(cls, **fields: Any) -> Schedule:
        """A schedule that keeps the given arrays without copying them, made read-only: only for fresh arrays
        that nothing else refers to (the solver's outputs), so that a city's schedule costs no second copy."""
        for value in fields.values():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
        fields["cost"] = float(fields["cost"])
        return cls.adopt_fields(fields)

    @classmethod
    def adopt_fields(cls, fields: dict[str, Any]) -> Schedule:
        """:meth:`adopt` for fields that are already what the schedule holds (arrays fresh and read-only, ``cost``
        a float), given as one dict: the core's thin call returns them so. No field is checked or copied."""
        schedule = object.__new__(cls)
        state = schedule.__dict__
        state.update(_SCHEDULE_DEFAULTS)
        state.update(fields)
        return schedule

    @property
    def n_devices(self) -> int:
        """Number of devices N."""
        return int(self.offload.shape[0])

    @property
    def device_cost(self) -> np.ndarray:
        """Per-device cost ``w_delay * delay + w_energy * energy`` (eq. 8 summand)."""
        return self.w_delay * self.delay + self.w_energy * self.energy

    @property
    def offload_rate(self) -> float:
        """Fraction of devices offloaded to the edge server (the paper's "offloading rate")."""
        return float(np.mean(self.offload))

    def summary(self) -> str:
        """A one-line summary: method, cost, average delay/energy per device and offloading rate."""
        served = np.ones(self.n_devices, bool)
        if self.dropped is not None:
            served[self.dropped] = False  # left out (deadlines, infeasible="drop"): no delay to average
        n = max(int(served.sum()), 1)
        dropped = f", dropped {self.n_devices - int(served.sum())}" if self.dropped is not None else ""
        return (
            f"{self.method:>10s}: cost {self.cost:.6g} ({self.cost / n:.6g} per device), "
            f"mean delay {self.delay[served].mean():.4g} s, mean energy {self.energy[served].mean():.4g} J, "
            f"offloaded {int(self.offload.sum())}/{self.n_devices}{dropped}, "
            f"{certificate_text(self.cost, self.lower_bound)}"
        )

    def table(self) -> str:
        """A per-device decision table as text."""
        head = f"{'device':>6} {'where':>6} {'f_local GHz':>11} {'f_edge GHz':>10} {'share':>7} " \
               f"{'delay s':>9} {'energy J':>9} {'cost':>9}"
        rows = [head]
        for n in range(self.n_devices):
            rows.append(
                f"{n:>6d} {'edge' if self.offload[n] else 'local':>6} {self.f_local[n] / 1e9:>11.3f} "
                f"{self.f_edge[n] / 1e9:>10.3f} {self.time_share[n]:>7.4f} {self.delay[n]:>9.4f} "
                f"{self.energy[n]:>9.4f} {self.device_cost[n]:>9.4f}"
            )
        return "\n".join(rows)


#: The defaults of a Schedule's fields, for :meth:`Schedule.adopt_fields`.
_SCHEDULE_DEFAULTS: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(Schedule)}


@dataclass(frozen=True, eq=False)
class OptionSchedule(Certified):
    """The result of :func:`edgesched.solve_options`.

    Attributes
    ----------
    choice : ndarray of int32
        Menu index chosen for each device.
    cost : float
        Total cost of ``choice``.
    lower_bound : float
        Certified lower bound on the optimal cost (no choice costs less).
    optimal : bool
        The solver proved ``choice`` optimal (to a relative tolerance of 1e-9).
    method : str
    prices : ndarray of float64, shape (2, S), or None
        Dual prices of the servers (the multipliers of the Lagrangian relaxation, ``docs/model.md`` §5): row 0 is
        ``lambda_j``, the shadow price of server j's CPU term ``A_j U_j**2`` per unit of compute weight ``c``
        (cost/sqrt(cycle)); row 1 is ``mu_j``, the shadow price of its airtime term ``B_j V_j**2`` per unit
        of airtime weight ``w`` (cost/sqrt(s)). For ``"auto"``, ``"bnb"`` and ``"warm"`` they are the
        multipliers of the relaxation bound, for the other methods the tangent prices ``2 A_j U_j``,
        ``2 B_j V_j`` at ``choice``; None for ``"scip"``. Pass them to the next ``"warm"`` re-solve.
    """

    choice: np.ndarray
    cost: float
    lower_bound: float
    optimal: bool
    method: str
    prices: np.ndarray | None = None
