"""The general option model (DESIGN.md §2): every device picks one option from its own menu.

An option is one way to run a device's inference (a placement, a model variant, a frame count). With
``choice[n]`` the index of device n's option within its menu and ``o_n`` that option's global index::

    total(choice) = sum_n linear[o_n] + sum_j (A[j] * U_j**2 + B[j] * V_j**2)
    U_j = sum of c[o_n] over devices whose option runs on server j,  V_j likewise with w.

``c = sqrt(rho * C)`` prices edge CPU and ``w = sqrt(bits / R)`` prices uplink airtime, so that with
``A[j] = w_delay / F_j`` and ``B[j] = w_delay`` the quadratic terms are the delays of Theorem 2.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _core
from ._validation import (GAP_TOL, device_array, device_count, float_array, positive_scalar, search_budget,
                          seed_value)
from .schedule import relative_gap

__all__ = ["OptionTable", "OptionSchedule", "solve_options", "paper_table", "OPTION_METHODS"]

#: Methods accepted by :func:`solve_options`.
OPTION_METHODS = ("auto", "greedy", "descent", "warm", "bnb", "exhaustive", "local", "edge", "random", "scip")
#: Largest number of choices ``method="exhaustive"`` enumerates.
EXHAUSTIVE_MAX_CHOICES = 2**30


def _array(name: str, value: Any, dtype: type, length: int | None = None) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array; got shape {arr.shape}")
    if dtype is np.float64:
        if arr.dtype.kind not in "iuf" or arr.dtype.kind == "b":
            raise ValueError(f"{name} must be an array of real numbers; got dtype {arr.dtype}")
        bad = ~np.isfinite(arr.astype(np.float64))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name}[{i}] is {arr[i]}; {name} must be finite")
    elif arr.size:
        if arr.dtype.kind not in "iu":
            raise ValueError(f"{name} must be an array of integers; got dtype {arr.dtype}")
        info = np.iinfo(dtype)
        bad = (arr < info.min) | (arr > info.max)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name}[{i}] is {arr[i]}; it does not fit in {np.dtype(dtype).name}")
    if length is not None and arr.shape[0] != length:
        raise ValueError(f"{name} has {arr.shape[0]} entries, expected {length}")
    # A private copy: the caller's array (or a view of it) stays theirs, and cannot change after validation.
    out = np.array(arr, dtype=dtype, order="C", copy=True)
    out.setflags(write=False)
    return out


def _nonnegative(name: str, arr: np.ndarray) -> None:
    bad = arr < 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name}[{i}] is {arr[i]}; {name} must be >= 0")


@dataclass(frozen=True, eq=False)
class OptionTable:
    """Per-device option menus in CSR layout, with per-server prices.

    Attributes
    ----------
    option_ptr : ndarray of int64, shape (N + 1,)
        Device n's options are ``option_ptr[n] .. option_ptr[n+1] - 1``; every device has at least one.
    linear : ndarray of float64, shape (O,)
        Cost of the option that does not depend on other devices (weighted local compute delay and energy,
        transmit energy, fixed cloud delays), in cost units.
    server : ndarray of int32, shape (O,)
        Server whose CPU and uplink the option shares, or -1 for none.
    c : ndarray of float64, shape (O,)
        Compute weight ``sqrt(rho * C)`` in sqrt(cycle) (0 when nothing runs on a server CPU).
    w : ndarray of float64, shape (O,)
        Airtime weight ``sqrt(bits / R)`` in sqrt(s) (0 when nothing is uploaded).
    A, B : ndarray of float64, shape (S,)
        Per-server prices: ``A[j] = w_delay / F_j`` (cost/cycle) and ``B[j] = w_delay`` (cost/s).
    """

    option_ptr: np.ndarray
    linear: np.ndarray
    server: np.ndarray
    c: np.ndarray
    w: np.ndarray
    A: np.ndarray
    B: np.ndarray

    def __post_init__(self) -> None:
        ptr = _array("option_ptr", self.option_ptr, np.int64)
        if ptr.shape[0] < 2:
            raise ValueError("option_ptr needs at least two entries (one device)")
        if ptr[0] != 0:
            raise ValueError(f"option_ptr[0] is {ptr[0]}; it must be 0")
        empty = np.diff(ptr) <= 0
        if empty.any():
            n = int(np.flatnonzero(empty)[0])
            raise ValueError(f"device {n} has no option (option_ptr[{n + 1}] <= option_ptr[{n}])")
        n_opt = int(ptr[-1])
        object.__setattr__(self, "option_ptr", ptr)
        for name in ("linear", "c", "w"):
            object.__setattr__(self, name, _array(name, getattr(self, name), np.float64, n_opt))
        server = _array("server", self.server, np.int32, n_opt)
        object.__setattr__(self, "server", server)
        A = _array("A", self.A, np.float64)
        B = _array("B", self.B, np.float64, A.shape[0])
        object.__setattr__(self, "A", A)
        object.__setattr__(self, "B", B)
        for name in ("c", "w", "A", "B"):
            _nonnegative(name, getattr(self, name))
        bad = (server < -1) | (server >= A.shape[0])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"server[{i}] is {server[i]}; servers are -1 (none) or 0..{A.shape[0] - 1}")
        loose = (server == -1) & ((self.c != 0) | (self.w != 0))
        if loose.any():
            i = int(np.flatnonzero(loose)[0])
            raise ValueError(f"option {i} uses no server (server[{i}] = -1) but has c or w != 0")

    @classmethod
    def from_menus(cls, menus: list[list[tuple[float, int, float, float]]], A: Any, B: Any) -> OptionTable:
        """Build a table from a list (one per device) of options ``(linear, server, c, w)``."""
        ptr = np.zeros(len(menus) + 1, dtype=np.int64)
        ptr[1:] = np.cumsum([len(m) for m in menus])
        flat = [opt for menu in menus for opt in menu]
        cols = list(zip(*flat)) if flat else [[], [], [], []]
        return cls(ptr, np.array(cols[0], float), np.array(cols[1], np.int32), np.array(cols[2], float),
                   np.array(cols[3], float), np.atleast_1d(np.asarray(A, float)), np.atleast_1d(np.asarray(B, float)))

    @property
    def n_devices(self) -> int:
        """Number of devices N."""
        return int(self.option_ptr.shape[0] - 1)

    @property
    def n_options(self) -> np.ndarray:
        """Menu size of each device."""
        return np.diff(self.option_ptr)

    @property
    def n_servers(self) -> int:
        """Number of servers S."""
        return int(self.A.shape[0])

    def _arrays(self) -> dict[str, np.ndarray]:
        return dict(option_ptr=self.option_ptr, linear=self.linear, server=self.server, c=self.c, w=self.w,
                    A=self.A, B=self.B)

    def check_choice(self, choice: Any, name: str = "choice") -> np.ndarray:
        """Validate a choice (menu index per device) and return it as int32; errors call it ``name``."""
        ch = np.asarray(choice)
        if ch.shape != (self.n_devices,) or (ch.size and ch.dtype.kind not in "iu"):
            raise ValueError(f"{name} must be {self.n_devices} integers; got shape {ch.shape}, dtype {ch.dtype}")
        bad = (ch < 0) | (ch >= self.n_options)
        if bad.any():
            n = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name}[{n}] is {ch[n]}; device {n} has options 0..{self.n_options[n] - 1}")
        return np.ascontiguousarray(ch, dtype=np.int32)

    def check_prices(self, prices: Any) -> np.ndarray:
        """Validate dual prices (see :attr:`OptionSchedule.prices`) and return them as a (2, S) float64 array."""
        p = np.asarray(prices)
        if p.shape != (2, self.n_servers) or p.dtype.kind not in "iuf":
            raise ValueError(f"prices must be a (2, {self.n_servers}) array of real numbers (row 0 lambda_j, row 1 "
                             f"mu_j); got shape {p.shape}, dtype {p.dtype}")
        p = p.astype(np.float64)
        bad = ~(p >= 0) | ~np.isfinite(p)  # NaN fails both
        if bad.any():
            row, j = (int(i[0]) for i in np.nonzero(bad))
            raise ValueError(f"prices[{row}, {j}] is {p[row, j]}; prices must be finite and >= 0")
        return np.ascontiguousarray(p)

    def cost(self, choice: Any) -> float:
        """Total cost of a choice (menu index per device)."""
        return float(_core.table_cost(**self._arrays(), choice=self.check_choice(choice)))

    def relaxation_bound(self) -> float:
        """A lower bound on every choice's cost: the Lagrangian dual of the convex relaxation (each device
        mixing its options). With one server it equals the relaxation's optimum; with several, block
        coordinate ascent may stop short of it (the bound stays valid)."""
        return float(_core.relaxation_bound(**self._arrays()))


@dataclass(frozen=True, eq=False)
class OptionSchedule:
    """The result of :func:`solve_options`.

    Attributes
    ----------
    choice : ndarray of int32
        Menu index chosen for each device.
    cost : float
        Total cost of ``choice``.
    lower_bound : float
        Certified lower bound on the optimal cost (no choice costs less).
    gap : float
        ``(cost - lower_bound) / cost``: how far from optimal the schedule can be, at most.
    optimal : bool
        The solver proved ``choice`` optimal (to a relative tolerance of 1e-9).
    method : str
    prices : ndarray of float64, shape (2, S), or None
        Dual prices of the servers (the multipliers of the Lagrangian relaxation, DESIGN.md §1-2): row 0 is
        ``lambda_j``, the shadow price of server j's CPU term ``A_j U_j**2`` per unit of compute weight ``c``
        (cost/sqrt(cycle)); row 1 is ``mu_j``, the shadow price of its airtime term ``B_j V_j**2`` per unit
        of airtime weight ``w`` (cost/sqrt(s)). For ``"auto"``, ``"bnb"`` and ``"warm"`` they are the
        multipliers of the relaxation bound, for the other methods the tangent prices ``2 A_j U_j``,
        ``2 B_j V_j`` at ``choice``; None for ``"scip"``. Pass them to the next ``"warm"`` re-solve.
    """

    choice: np.ndarray
    cost: float
    lower_bound: float
    gap: float
    optimal: bool
    method: str
    prices: np.ndarray | None = None


def solve_options(
    table: OptionTable,
    method: str = "auto",
    *,
    start: Any = None,
    prices: Any = None,
    seed: int | None = None,
    node_limit: int = 200_000,
    time_limit: float = 1.0,
    gap_tol: float = GAP_TOL,
) -> OptionSchedule:
    """Choose one option per device minimising the total cost of ``table``.

    Parameters
    ----------
    table : OptionTable
    method : str, default "auto"
        ``"auto"``: the paper's greedy (where the table has its two-option shape) and the rounded convex
        relaxation, each improved by descent, then an exact search when the instance is small enough
        (exhaustive up to 2**22 choices, else the reduced-cost enumeration at the relaxation's dual prices and
        then branch-and-bound, within ``node_limit``/``time_limit``); never
        worse than ``"greedy"``. ``"greedy"``: the paper's policy (two-option tables only).
        ``"descent"``: best single-device changes from ``start`` (default: every device on option 0) until
        none improves. ``"warm"``: a re-solve after a small change of the table (the online city's), from
        ``start`` (the schedule in force) and ``prices`` (the previous schedule's :attr:`OptionSchedule.prices`):
        the cheaper of descent from ``start`` and of the relaxation rounded at the prices (after one sweep of
        dual ascent around them) then descent, improved by pair moves (two devices trading load on a server);
        its bound is the dual value at those prices.
        ``"bnb"``: the relaxation's dual prices, then the reduced-cost enumeration (every option set whose
        reduced costs sum below the gap; exact, as ``total = dual bound + reduced costs + completed squares``) on
        half the node budget, then branch-and-bound on the relaxation bound with the devices that cannot pay
        fixed. ``"exhaustive"``: every choice in
        Gray-code order (at most 2**30). ``"local"``/``"edge"``: option 0 / option 1 for every device.
        ``"random"``: a uniform option per device (SplitMix64, ``seed``). ``"scip"``: the exact MIQP through
        PySCIPOpt (``pip install 'edgesched[exact]'``).
    start : array_like of int, optional
        Starting choice (menu index per device) for ``"descent"`` and ``"warm"``.
    prices : array_like of float, shape (2, S), optional
        Starting dual prices for ``"warm"`` (row 0 ``lambda_j`` in cost/sqrt(cycle), row 1 ``mu_j`` in
        cost/sqrt(s), finite and >= 0), usually the previous schedule's ``prices``; default: the tangent
        prices at the descent from ``start``.
    seed : int, optional
        Seed for ``"random"``.
    node_limit, time_limit : int, float
        Budget of the exact search in ``"auto"`` and ``"bnb"`` (nodes: option sets enumerated plus
        branch-and-bound nodes; seconds); for ``"scip"``, its
        wall-clock limit in seconds (0: none).
    gap_tol : float, default 1e-4
        ``"auto"`` searches only while its certified relative gap exceeds ``gap_tol``, like a
        MIP solver's relative gap limit; 0 asks for a proof of optimality. Tables of at most 2**22 choices are
        always solved exactly. ``"bnb"`` always proves.

    Returns
    -------
    OptionSchedule
    """
    if not isinstance(table, OptionTable):
        raise ValueError(f"table must be an OptionTable; got {type(table).__name__}")
    if method not in OPTION_METHODS:
        raise ValueError(f"method is {method!r}; it must be one of {', '.join(OPTION_METHODS)}")
    if method == "scip":
        from .exact import solve_scip

        r = solve_scip(table, time_limit=float(time_limit) if time_limit else None)
        return OptionSchedule(r.choice, r.cost, r.lower_bound, relative_gap(r.cost, r.lower_bound), r.optimal, method)
    if method == "exhaustive" and np.prod(table.n_options.astype(float)) > EXHAUSTIVE_MAX_CHOICES:
        raise ValueError(
            f"method='exhaustive' enumerates every choice and accepts at most 2**30 of them; this table has "
            f"{np.prod(table.n_options.astype(float)):.3g}. Use method='auto' or 'bnb'."
        )
    if method in ("local", "edge"):
        k = 0 if method == "local" else 1
        short = table.n_options <= k
        if short.any():
            raise ValueError(f"method={method!r} picks option {k}, but device {int(np.flatnonzero(short)[0])} "
                             f"has {table.n_options[short][0]} option(s)")
    if prices is not None and method != "warm":
        raise ValueError(f"prices are only used by method='warm'; got method={method!r}")
    start_arr = table.check_choice(start, "start") if start is not None else np.zeros(table.n_devices, np.int32)
    prices_arr = table.check_prices(prices) if prices is not None else None
    budget = search_budget(node_limit, time_limit, gap_tol)
    out = _core.solve_options(**table._arrays(), method=method, start=start_arr, prices=prices_arr,
                              seed=seed_value(seed), threads=os.cpu_count() or 1, **budget)
    cost, lb = float(out.cost), float(out.lower_bound)
    return OptionSchedule(out.choice, cost, lb, relative_gap(cost, lb), bool(out.proven), method,
                          out.prices)


def paper_table(
    macs: Any, frames: Any, frame_bits: Any, rate: Any, tx_power: Any, f_local_max: Any, *,
    kappa: Any = 1e-28, rho: Any = 0.12, f_edge_max: float = 22e9, w_delay: float = 0.5, w_energy: float = 0.5,
) -> OptionTable:
    """The paper's problem as a two-option table (option 0 local at the Theorem 1 frequency, option 1 on
    server 0). Arguments and units as :func:`edgesched.solve_offloading`; built by the same C++ code."""
    arrays = paper_arrays(macs, frames, frame_bits, rate, tx_power, f_local_max, kappa=kappa, rho=rho)
    system = paper_system(f_edge_max, w_delay, w_energy)
    t = _core.paper_table(**arrays, **system)
    return OptionTable(t.option_ptr, t.linear, t.server, t.c, t.w, t.A, t.B)


_UNITS = dict(macs="MAC", frames="frames", frame_bits="bit", rate="bit/s", tx_power="W", f_local_max="Hz",
              kappa="J s^2/cycle^3", rho="cycle/MAC")


def paper_arrays(macs: Any, frames: Any, frame_bits: Any, rate: Any, tx_power: Any, f_local_max: Any, *,
                 kappa: Any, rho: Any, check_values: bool = True) -> dict[str, np.ndarray]:
    """Validated, broadcast per-device arrays of the paper's model (ValueError names field and index).

    With ``check_values=False`` only types and lengths are checked and a scalar stays an array of length 1:
    for the core, which checks every value as it reads it (see :func:`edgesched.solve_offloading`).
    """
    per_device = dict(macs=macs, frames=frames, frame_bits=frame_bits, rate=rate, tx_power=tx_power,
                      f_local_max=f_local_max, kappa=kappa, rho=rho)
    n = device_count(**per_device)
    if not check_values:
        return {name: np.atleast_1d(float_array(name, value)) for name, value in per_device.items()}
    return {name: device_array(name, value, n, unit=_UNITS[name], integral=(name == "frames"))
            for name, value in per_device.items()}


def paper_system(f_edge_max: Any, w_delay: Any, w_energy: Any) -> dict[str, float]:
    """Validated system scalars: F > 0 Hz, w_delay > 0, w_energy >= 0."""
    return dict(f_edge_max=positive_scalar("f_edge_max", f_edge_max, unit="Hz"),
                w_delay=positive_scalar("w_delay", w_delay, unit="1/s"),
                w_energy=positive_scalar("w_energy", w_energy, unit="1/J", allow_zero=True))
