"""A handle for solving the paper's problem again and again: the same devices (or cells), new numbers each time.

:class:`Offloader` is what a simulator or a planner keeps between steps. Its method, budget, seed and cell layout
are checked once; the C++ core keeps, across calls, the partition of the devices into cells, a pool of threads for
the cells, the storage of each thread's option table, and each cell's last schedule and dual prices. A call reads
the caller's arrays in place, so the work per call is the solve itself (``bench/RESULTS.md``: about 3 x 10^5 calls a
second at N = 20 with ``"greedy"``, 1.7 x 10^5 with ``"auto"``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core
from .._validation import search_budget, seed_value, whole_number
from ..methods import GAP_TOL, METHODS, NODE_LIMIT, TIME_LIMIT, check_method, describe
from ..model.defaults import F_EDGE_MAX, KAPPA, RHO, W_DELAY, W_ENERGY
from ..model.devices import Devices
from ..model.results import Schedule
from .offloading import cell_layout, check_exhaustive, system_values

__all__ = ["HANDLE_METHODS", "Offloader"]

#: The methods of :class:`Offloader`: those of :func:`edgesched.solve_offloading`, and ``"warm"``.
HANDLE_METHODS: tuple[str, ...] = (*METHODS, "warm")


class Offloader:
    """The paper's problem for a fixed number of devices (and cells), solved again with new numbers at every call.

    ``Offloader(n, method).solve(**inputs)`` returns what ``solve_offloading(**inputs, method=method, ...)`` returns
    for the same inputs and settings (the same schedule, bound and certificate); the handle only saves the work
    that does not change between calls. For ``"warm"`` it also reuses each cell's last schedule and prices.

    Parameters
    ----------
    n_devices : int
        N, the number of devices of every solve (>= 1). Per-device inputs are arrays of N values or scalars (one
        value for every device).
    method : str, default "greedy"
        One of :data:`HANDLE_METHODS`:

{methods}

        ``"warm"`` re-solves each cell from its schedule and dual prices of the previous call (descent, the
        relaxation rounded at near-optimal prices, pair moves: ``docs/model.md`` §6, item 7) and certifies it by
        the dual bound at those prices; a cell's first solve runs ``"auto"``. It suits inputs that change a
        little between calls (a moving device, a fading channel), where it skips the greedy and the exact search.
    cell : array_like of int, optional
        Independent cells, as for :func:`edgesched.solve_offloading`: ``cell[n]`` is device n's cell, in
        ``0 .. n_cells - 1``; fixed for the handle's life. Its cells are solved on a pool of threads kept by the
        handle (one per machine thread, at most one per cell with devices). ``None``: one cell.
    seed : int, optional
        Seed in [0, 2**64) for ``"random"``, used at every call (the same decisions for the same inputs);
        ``None`` draws a new one at every call.
    node_limit, time_limit, gap_tol : int, float, float
        The budget of ``"auto"``'s exact search per cell (nodes, seconds) and its relative gap tolerance, as for
        :func:`edgesched.solve_offloading`.

    Raises
    ------
    ValueError
        For an unknown method, an ``n_devices`` that is not an integer >= 1, a ``cell`` that is not one
        non-negative integer per device, ``"exhaustive"`` beyond 30 devices in a cell, or a bad seed or budget
        (the messages of :func:`edgesched.solve_offloading`).

    Notes
    -----
    One call at a time runs on a handle (a second thread's call waits for the first). The schedules it returns
    are independent of it (fresh read-only arrays; with cells, every schedule shares the handle's read-only
    copy of ``cell``).
    """

    def __init__(self, n_devices: int, method: str = "greedy", *, cell: Any = None, seed: int | None = None,
                 node_limit: int = NODE_LIMIT, time_limit: float = TIME_LIMIT, gap_tol: float = GAP_TOL) -> None:
        self.method: str = check_method(method, HANDLE_METHODS)
        self.n_devices: int = whole_number(n_devices, "n_devices", integral_float=False)
        cells, n_cells = cell_layout(cell, self.n_devices)
        self.n_cells: int = n_cells
        check_exhaustive(method, self.n_devices, None if cell is None else cells, n_cells)
        if seed is not None:
            seed = seed_value(seed)
        self.seed: int | None = seed
        budget = search_budget(node_limit, time_limit, gap_tol)
        self._engine = _core.PaperHandle(self.n_devices, method, cells, n_cells, seed, **budget)

    def solve(
        self,
        macs: Any,
        frames: Any,
        frame_bits: Any,
        rate: Any,
        tx_power: Any,
        f_local_max: Any,
        *,
        kappa: Any = KAPPA,
        rho: Any = RHO,
        f_edge_max: Any = F_EDGE_MAX,
        w_delay: float = W_DELAY,
        w_energy: float = W_ENERGY,
    ) -> Schedule:
        """Solve the instance given by these inputs; arguments, units and errors as
        :func:`edgesched.solve_offloading` (MAC, frames, bit, bit/s, W, Hz, J s^2/cycle^3, cycle/MAC; Hz per
        cell; 1/s, 1/J), with per-device arrays of ``n_devices`` values.

        Float64 arrays (one-dimensional, C order), floats and ints are read in place; other kinds (lists, integer
        arrays, views with strides) are checked and converted first, as :func:`edgesched.solve_offloading` does.

        Returns
        -------
        Schedule
            As :func:`edgesched.solve_offloading` returns it.
        """
        fields = self._engine.solve(macs, frames, frame_bits, rate, tx_power, f_local_max, kappa, rho, f_edge_max,
                                    w_delay, w_energy, False)
        if fields is None:
            fields = self._checked_solve(dict(macs=macs, frames=frames, frame_bits=frame_bits, rate=rate,
                                              tx_power=tx_power, f_local_max=f_local_max, kappa=kappa, rho=rho),
                                         f_edge_max, w_delay, w_energy)
        if isinstance(fields, Schedule):  # one cell: the schedule made by the core
            return fields
        # cells: the totals summed as solve_offloading sums them
        fields["cost"] = float(fields["cell_cost"].sum())
        fields["lower_bound"] = float(fields.pop("cell_lower_bound").sum())
        fields["optimal"] = bool(fields.pop("cell_proven").all())
        return Schedule.adopt_fields(fields)

    def _checked_solve(self, inputs: dict[str, Any], f_edge_max: Any, w_delay: Any, w_energy: Any) -> Any:
        """The checks of :func:`edgesched.solve_offloading`, in its order and with its messages, then the solve on
        the checked values (the core's error, named by field and index, where a value is outside the model)."""
        arrays = Devices.check_types(**inputs)
        for name, value in inputs.items():
            if np.ndim(value) == 1 and np.shape(value)[0] != self.n_devices:
                raise ValueError(f"{name} has {np.shape(value)[0]} entries but this Offloader solves "
                                 f"{self.n_devices} devices; give one value per device, or a scalar for all")
        plain = [np.full(self.n_devices, a[0]) if np.ndim(inputs[name]) == 0 else a for name, a in arrays.items()]
        capacity, w_delay, w_energy = system_values(f_edge_max, w_delay, w_energy, self.n_cells)
        try:
            fields = self._engine.solve(plain[0], plain[1], plain[2], plain[3], plain[4], plain[5], plain[6],
                                        plain[7], capacity, w_delay, w_energy, True)
        except ValueError:
            Devices(**inputs)  # an input out of range: raises the message naming the field and first index
            raise  # inputs in range whose costs overflow or vanish: the core's message names the device
        if fields is None:  # every input is plain here, so the core either solves or raises
            raise RuntimeError("the checked inputs were not taken by the core")
        return fields

    @property
    def prices(self) -> np.ndarray:
        """Each cell's dual prices from the last call, shape (2, n_cells): row 0 is ``lambda``, the price of the
        edge CPU term per unit of compute weight ``sqrt(rho C)`` (cost/sqrt(cycle)), row 1 ``mu``, the price of
        the airtime term per unit of airtime weight ``sqrt(M d / R)`` (cost/sqrt(s)) (``docs/model.md`` §5). For
        ``"auto"`` and ``"warm"`` they are the multipliers of the dual bound, for the other methods the tangent
        prices at the schedule; NaN for a cell not solved yet. ``"warm"`` starts from them."""
        return self._engine.prices

    @property
    def threads(self) -> int:
        """Threads the handle solves its cells on (1: the caller's own)."""
        return int(self._engine.threads)

    def __repr__(self) -> str:
        cells = "" if self.n_cells == 1 else f", n_cells={self.n_cells}"
        return f"Offloader(n_devices={self.n_devices}, method={self.method!r}{cells})"


Offloader.__doc__ = (Offloader.__doc__ or "").replace("{methods}", describe(HANDLE_METHODS))
