"""The option model's table (``docs/model.md`` §4): every device picks one option from its own menu.

An option is one way to run a device's inference (a placement, a model variant, a frame count). With
``choice[n]`` the index of device n's option within its menu and ``o_n`` that option's global index::

    total(choice) = sum_n linear[o_n] + sum_j (A[j] * U_j**2 + B[j] * V_j**2)
    U_j = sum of c[o_n] over devices whose option runs on server j,  V_j likewise with w.

``c = sqrt(rho * C)`` prices edge CPU and ``w = sqrt(bits / R)`` prices uplink airtime, so that with
``A[j] = w_delay / F_j`` and ``B[j] = w_delay`` the quadratic terms are the delays of Theorem 2.
"""
from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from .. import _core
from .._validation import deadline_array, float_array, positive_scalar
from . import theorems
from .defaults import F_EDGE_MAX, KAPPA, RHO, W_DELAY, W_ENERGY
from .devices import Devices

__all__ = ["OptionTable", "paper_table"]


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
    # A private copy: the caller's array (or a view of it) stays theirs, and cannot change after validation. It
    # lives in an immutable bytes object: a read-only flag alone can be turned off again (``setflags(write=True)``
    # on an array that owns its memory), and a table changed after its checks would send the core outside it.
    out: np.ndarray = np.frombuffer(np.ascontiguousarray(arr, dtype=dtype).tobytes(), dtype=dtype)
    return out


def _listlike(x: Any) -> bool:
    """A list, tuple or 1-D-or-more array: something with a length whose items are the entries (not a string)."""
    if isinstance(x, np.ndarray):
        return x.ndim > 0
    return isinstance(x, Sequence) and not isinstance(x, (str, bytes))


def _menu_option(option: Any, n: int, k: int) -> tuple[float, int, float, float]:
    """Option ``k`` of device ``n``'s menu as ``(linear, server, c, w)``, checked for shape and types (the values
    are checked with the table's arrays)."""
    where = f"menus[{n}][{k}] (device {n}, option {k})"
    tuple_like = _listlike(option)
    if not tuple_like or len(option) != 4:
        got = f"{len(option)} entries" if tuple_like else type(option).__name__
        raise ValueError(f"{where} must be a tuple (linear, server, c, w) of 4 entries; got {got}")
    linear, server, c, w = option
    values = []
    for name, x in (("linear", linear), ("c", c), ("w", w)):
        if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
            raise ValueError(f"{where}: {name} is {x!r}; it must be a real number")
        try:
            values.append(float(x))
        except OverflowError:  # a Python int beyond float64
            raise ValueError(f"{where}: {name} is an integer too large for a float64; it must be finite") from None
    if isinstance(server, (bool, np.bool_)) or not isinstance(server, numbers.Integral):
        raise ValueError(f"{where}: server is {server!r}; it must be an integer, -1 for no server")
    if not -1 <= int(server) <= np.iinfo(np.int32).max:
        raise ValueError(f"{where}: server is {server!r}; it must be -1 (no server) or a server's index >= 0")
    return values[0], int(server), values[1], values[2]


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
    slack : ndarray of float64, shape (O,), or None
        Deadlines (``docs/model.md`` §8): per option, the time its shared part may take, in s: the device's
        deadline less the option's local and fixed delays (``inf``: no deadline; negative: the option alone misses
        it, and is never chosen). An option on server j meets it when ``c^2 / f + w^2 / t <= slack`` with its
        shares ``f`` of the CPU ``F_j = B[j] / A[j]`` and ``t`` of the airtime; :func:`edgesched.solve_options`
        then returns choices whose options all meet theirs, priced with the deadline-aware allocation. ``None``:
        no deadlines.
    """

    option_ptr: np.ndarray
    linear: np.ndarray
    server: np.ndarray
    c: np.ndarray
    w: np.ndarray
    A: np.ndarray
    B: np.ndarray
    slack: np.ndarray | None = None

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Pickling and copying build the table again from its fields: checked, in immutable storage (a state
        # restored as it was would give writable arrays that no check has seen).
        return type(self), tuple(getattr(self, f.name) for f in fields(self))

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
        # Magnitudes: every total, bound and price the solvers compute from the table must be finite (the core's
        # rule, ``docs/model.md`` §5): the prices, the sums of c and w on each server, the costs and the squares of
        # the largest useful dual prices stay below about 1.7e302.
        _core.check_table(**self.arrays())
        if self.slack is not None:
            slack = float_array("slack", self.slack)
            if slack.shape != (n_opt,):
                raise ValueError(f"slack has shape {slack.shape}; expected ({n_opt},), one per option")
            bad = np.isnan(slack)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise ValueError(f"slack[{i}] is nan; slack must be a number of s (inf: no deadline)")
            # a private, immutable copy, as the other arrays (_array)
            object.__setattr__(self, "slack", np.frombuffer(np.ascontiguousarray(slack).tobytes(), dtype=np.float64))

    @property
    def has_deadlines(self) -> bool:
        """Whether some option has a finite slack (deadlines apply)."""
        return self.slack is not None and bool(np.isfinite(self.slack).any())

    @classmethod
    def from_menus(cls, menus: Sequence[Sequence[tuple[float, int, float, float]]], A: Any, B: Any) -> OptionTable:
        """Build a table from a list (one per device) of options ``(linear, server, c, w)``: ``linear``, ``c`` and
        ``w`` real numbers, ``server`` an integer (-1 for none). A malformed option is a ValueError naming the
        device and the option's index in its menu."""
        if not _listlike(menus):
            raise ValueError(f"menus must be a list with one menu (a list of options) per device; got "
                             f"{type(menus).__name__}")
        rows: list[tuple[float, int, float, float]] = []
        sizes = []
        for n, menu in enumerate(menus):
            if not _listlike(menu):
                raise ValueError(f"menus[{n}] must be a list of options (linear, server, c, w); got "
                                 f"{type(menu).__name__}")
            for k, option in enumerate(menu):
                rows.append(_menu_option(option, n, k))
            sizes.append(len(menu))
        ptr = np.zeros(len(sizes) + 1, dtype=np.int64)
        ptr[1:] = np.cumsum(sizes)
        cols: list[Any] = list(zip(*rows)) if rows else [[], [], [], []]
        return cls(ptr, np.array(cols[0], float), np.array(cols[1], np.int64), np.array(cols[2], float),
                   np.array(cols[3], float), np.atleast_1d(float_array("A", A)),
                   np.atleast_1d(float_array("B", B)))

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

    def arrays(self) -> dict[str, Any]:
        """The table's arrays by name (``option_ptr, linear, server, c, w, A, B``), read-only."""
        return dict(option_ptr=self.option_ptr, linear=self.linear, server=self.server, c=self.c, w=self.w,
                    A=self.A, B=self.B)

    def check_choice(self, choice: Any, name: str = "choice") -> np.ndarray:
        """Validate a choice (menu index per device) and return it as int32; errors call it ``name``."""
        # A private copy, checked and then handed to the core: another thread writing the caller's array after
        # the check cannot make the core read an option outside a menu.
        ch = np.array(choice, copy=True)
        if ch.shape != (self.n_devices,) or (ch.size and ch.dtype.kind not in "iu"):
            raise ValueError(f"{name} must be {self.n_devices} integers; got shape {ch.shape}, dtype {ch.dtype}")
        bad = (ch < 0) | (ch >= self.n_options)
        if bad.any():
            n = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name}[{n}] is {ch[n]}; device {n} has options 0..{self.n_options[n] - 1}")
        return ch.astype(np.int32, order="C")

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
        """Total cost of a choice (menu index per device); with deadlines (:attr:`slack`), the servers' shares are
        the deadline-aware allocation, and a choice that misses a deadline costs ``inf``."""
        if self.has_deadlines:
            assert self.slack is not None
            return float(_core.slack_cost(**self.arrays(), slack=self.slack, choice=self.check_choice(choice)))
        return float(_core.table_cost(**self.arrays(), choice=self.check_choice(choice)))

    def relaxation_bound(self) -> float:
        """A lower bound on every choice's cost: the convex relaxation's optimum (each device mixing its
        options), the maximum of its Lagrangian dual, on any number of servers (``docs/model.md`` §5, §5.1)."""
        return float(_core.relaxation_bound(**self.arrays()))


def paper_table(
    macs: Any, frames: Any, frame_bits: Any, rate: Any, tx_power: Any, f_local_max: Any, *,
    kappa: Any = KAPPA, rho: Any = RHO, f_edge_max: float = F_EDGE_MAX, w_delay: float = W_DELAY,
    w_energy: float = W_ENERGY, deadline: Any = None,
) -> OptionTable:
    """The paper's problem as a two-option table (option 0 local at the Theorem 1 frequency, option 1 on
    server 0). Arguments and units as :func:`edgesched.solve_offloading`; built by the same C++ code.

    With ``deadline`` (s per device or one for all; ``inf``: none) the table has a :attr:`OptionTable.slack`:
    the local option runs at Theorem 1's frequency raised to meet the deadline (docs/model.md §8; its slack is
    the deadline less that delay, negative where even ``f_local_max`` is too slow) and the edge option's slack is
    the deadline."""
    devices = Devices(macs, frames, frame_bits, rate, tx_power, f_local_max, kappa, rho)
    w_delay = positive_scalar("w_delay", w_delay, unit="1/s")
    w_energy = positive_scalar("w_energy", w_energy, unit="1/J", allow_zero=True)
    t = _core.paper_table(**devices.arrays(), f_edge_max=positive_scalar("f_edge_max", f_edge_max, unit="Hz"),
                          w_delay=w_delay, w_energy=w_energy)
    if deadline is None:
        return OptionTable(t.option_ptr, t.linear, t.server, t.c, t.w, t.A, t.B)
    n = devices.n_devices
    D = np.broadcast_to(deadline_array(deadline, n), (n,))
    arr = devices.arrays()
    cycles = arr["rho"] * arr["macs"]
    f = theorems.deadline_local_frequency(np, w_delay, w_energy, arr["kappa"], arr["f_local_max"], cycles, D)
    linear = np.array(t.linear)
    linear[0::2] = theorems.local_cost(w_delay, w_energy, cycles, f, arr["kappa"])  # eq. (10)
    slack = np.empty_like(linear)
    slack[0::2] = D - theorems.local_delay(cycles, f)  # eq. (1)
    slack[1::2] = D
    return OptionTable(t.option_ptr, linear, t.server, t.c, t.w, t.A, t.B, slack)
