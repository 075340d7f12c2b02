"""The paper's problem (Pan et al., Sec. II-IV) on arrays: validation, then one call into the C++ core."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core
from .._validation import cell_index, deadline_array, device_array, positive_scalar, search_budget, seed_value
from ..methods import (
    EXHAUSTIVE_MAX_DEVICES,
    GAP_TOL,
    METHODS,
    NODE_LIMIT,
    THREADS,
    TIME_LIMIT,
    check_method,
    describe,
)
from ..model.defaults import F_EDGE_MAX, KAPPA, RHO, W_DELAY, W_ENERGY
from ..model.devices import Devices
from ..model.results import Schedule

__all__ = ["cell_layout", "check_exhaustive", "solve", "solve_offloading", "system_values"]

# The thin call and the handle return their schedules as Schedule objects made in the core.
_core.set_schedule_type(Schedule)

#: With ``cell``, the cell count ``max(cell) + 1`` may exceed 64 per device (empty cells) only up to this.
MAX_SPARE_CELLS = 2**24


def solve_offloading(
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
    method: str = "greedy",
    seed: int | None = None,
    cell: Any = None,
    node_limit: int = NODE_LIMIT,
    time_limit: float = TIME_LIMIT,
    gap_tol: float = GAP_TOL,
    deadline: Any = None,
    infeasible: str = "error",
) -> Schedule:
    """Decide for each device whether its inference runs locally or on the edge server.

    Solves the paper's problem P2 (eq. 9): device n either runs locally at the Theorem 1 frequency or is
    offloaded, and the offloaded devices share the edge CPU and the TDMA uplink as Theorem 2 prescribes.

    Parameters
    ----------
    macs : array_like or float
        C(M*_n), multiply-accumulates of one inference at the device's frame count (MAC), > 0.
    frames : array_like or float
        M*_n, the number of video frames per inference (whole number, > 0).
    frame_bits : array_like or float
        d_n, size of one frame in bit, > 0 (112*112*3*8 for 112x112 RGB at 8 bit).
    rate : array_like or float
        R_n, the device's uplink rate when it holds the whole channel, in bit/s, > 0.
    tx_power : array_like or float
        p_n, transmit power in W, > 0.
    f_local_max : array_like or float
        f_n^{md,max}, the device's largest CPU frequency in Hz (cycle/s), > 0.
    kappa : array_like or float, default 1e-28
        Effective switched capacitance of the device CPU, J s^2/cycle^3 (energy kappa*cycles*f^2), > 0.
    rho : array_like or float, default 0.12
        CPU cycles per MAC, > 0. Per device, it applies both locally and on the edge.
    f_edge_max : float or array_like, default 22e9
        F, the edge server's CPU capacity in Hz, > 0; with ``cell``, one per cell (a scalar broadcasts).
    w_delay, w_energy : float, default 0.5
        beta_1 (1/s, > 0) and beta_2 (1/J, >= 0), the weights of delay and energy in the cost.
    method : str, default "greedy"
        One of :data:`edgesched.METHODS`:

{methods}

        On the paper's problem ``"local"``/``"edge"`` put every device local / on the edge, ``"exhaustive"``
        visits all 2**N offloading vectors of a cell (N <= 30), and ``"random"`` offloads device n iff the top
        bit of the n-th output of SplitMix64 seeded with ``seed`` is 1 (the paper's Random baseline).
    seed : int, optional
        Seed in [0, 2**64) for ``"random"``; ``None`` draws one.
    cell : array_like of int, optional
        Independent cells (base stations with their own edge server and uplink): ``cell[n]`` is device n's
        cell, in ``0 .. n_cells - 1`` with ``n_cells = max(cell) + 1`` (a cell may be empty; ``n_cells`` at
        most ``max(2**24, 64 N)``, as each cell, empty or not, takes memory). One call solves
        every cell, threads taking cells in turn, and each cell's result equals that of the cell solved alone
        (``"random"`` draws the same numbers for the k-th device of a cell as for the k-th of a lone cell).
        The budget of ``"auto"``'s exact search applies to each cell. ``None``: one cell.
    node_limit, time_limit : int, float
        Budget of ``"auto"``'s exact search per cell (nodes, seconds); ``node_limit=0`` skips it.
    gap_tol : float, default 1e-4
        ``"auto"`` searches for a better schedule only while its certified relative gap exceeds ``gap_tol``
        (like a MIP solver's relative gap limit); 0 asks for a proof of optimality. Instances of at most
        2**22 choices are always solved exactly.
    deadline : float or array_like, optional
        D_n, the latest each device's inference may finish, in s (> 0; ``inf``: none; one for every device or
        one per device). Every returned schedule meets every deadline (``delay <= deadline``): local devices run
        faster where Theorem 1's frequency is too slow, and offloaded ones share the server as its KKT
        conditions with deadlines prescribe (docs/model.md §8). ``auto`` is exact where it proves optimality
        (up to 22 devices a cell it searches every set at the deadline-aware cost) and certifies its gap with
        the deadline-free bound where it does not; ``local`` and ``edge`` raise where their schedule cannot meet
        the deadlines; the others move offloaded devices to local until the rest fit. ``None``: no deadlines.
    infeasible : {"error", "drop"}, default "error"
        With deadlines, what to do with devices no schedule can serve: ``"error"`` raises a ValueError naming
        them and why; ``"drop"`` solves without them and lists them in ``Schedule.dropped`` (their rows have no
        resources, delay ``inf`` and energy 0, and add nothing to the cost).

    Returns
    -------
    Schedule
        With a certified ``lower_bound`` on the optimal cost and ``gap = (cost - lower_bound) / cost``; with
        ``cell``, also ``cell_cost`` (the cost of each cell; ``cost`` is their sum).

    Raises
    ------
    ValueError
        For a non-finite, non-positive or non-numeric input (naming the field and the first bad index),
        per-device arrays of different lengths, an unknown method, ``"exhaustive"`` beyond 30 devices in a
        cell, a ``cell`` that is not one non-negative integer per device (or numbers cells too sparsely), or
        inputs in range whose costs
        overflow or vanish in floating point (naming the device: ``frame_bits=1e-320``, say).

    Notes
    -----
    Theorem 2 is used in its general form: the time share is proportional to sqrt(M_n d_n / R_n). The
    paper's eq. (20) drops d_n, which is right only when every device has the same frame size.
    """
    if cell is None and deadline is None and infeasible == "error":
        # The thin call: inputs of the plain kinds (float64 arrays, floats, ints) are read in place by the core,
        # which checks every value as it reads it. It returns None for anything else or anything out of range,
        # and the checks below name the field and the first bad index.
        done = _core.try_solve_paper(macs, frames, frame_bits, rate, tx_power, f_local_max, kappa, rho, f_edge_max,
                                     w_delay, w_energy, method, seed, node_limit, time_limit, gap_tol)
        if done is not None:
            return done
    check_method(method, METHODS)
    # Types and lengths here; the core checks every value as it reads it (one pass over the inputs). If it
    # finds one outside the model, the checks below name the field and the first bad index.
    inputs = dict(macs=macs, frames=frames, frame_bits=frame_bits, rate=rate, tx_power=tx_power,
                  f_local_max=f_local_max, kappa=kappa, rho=rho)
    arrays = Devices.check_types(**inputs)
    n = max(a.shape[0] for a in arrays.values())
    cells, n_cells = cell_layout(cell, n)
    capacity, w_delay, w_energy = system_values(f_edge_max, w_delay, w_energy, n_cells)
    check_exhaustive(method, n, None if cell is None else cells, n_cells)
    if infeasible not in ("error", "drop"):
        raise ValueError(f"infeasible is {infeasible!r}; it must be 'error' or 'drop'")
    given = None if deadline is None else deadline_array(deadline, n)
    # Without a finite deadline the core takes the deadline-free path, unchanged.
    deadlines = given if given is not None and np.isfinite(given).any() else np.empty(0)
    seed_u64 = seed_value(seed) if method == "random" or seed is not None else 0  # only "random" draws
    budget = search_budget(node_limit, time_limit, gap_tol)
    try:
        out = _core.solve_paper(
            **arrays, cell=cells, f_edge_max=capacity, w_delay=w_delay, w_energy=w_energy, method=method,
            seed=seed_u64, threads=THREADS, **budget, deadline=deadlines, drop=infeasible == "drop",
        )
    except ValueError:
        Devices(**inputs)  # an input out of range: raises the message naming the field and first index
        raise  # inputs in range whose costs overflow or vanish: the core's message names the device
    cell_cost = out.cell_cost
    # The core's outputs are fresh arrays nothing else refers to, the cell index among them (the core's copy of
    # it, as it may be the caller's own array): the schedule keeps them without a copy.
    return Schedule.adopt(
        offload=out.offload, f_local=out.f_local, f_edge=out.f_edge, time_share=out.time_share, delay=out.delay,
        energy=out.energy, cost=float(cell_cost.sum()), method=method,
        lower_bound=float(out.cell_lower_bound.sum()), optimal=bool(out.cell_proven.all()), w_delay=w_delay,
        w_energy=w_energy, cell=None if cell is None else out.cell, cell_cost=None if cell is None else cell_cost,
        deadline=None if given is None else np.broadcast_to(given, (n,)).copy(),
        dropped=np.flatnonzero(out.dropped) if infeasible == "drop" and out.dropped.size else None,
    )


solve_offloading.__doc__ = (solve_offloading.__doc__ or "").replace("{methods}", describe(METHODS))


def cell_layout(cell: Any, n: int) -> tuple[np.ndarray, int]:
    """The checked cell index of ``n`` devices (int64; empty for ``None``, one cell) and the number of cells."""
    if cell is None:
        return np.empty(0, np.int64), 1
    cells = cell_index(cell, n)
    n_cells = int(cells.max()) + 1
    if n_cells > max(MAX_SPARE_CELLS, 64 * n):
        raise ValueError(
            f"cell[{int(np.argmax(cells))}] is {n_cells - 1}, for {n} devices: cells are numbered 0 .. n_cells - 1 "
            f"and the core keeps about 40 bytes for each (empty ones too); number them densely, e.g. with "
            f"np.unique(cell, return_inverse=True)[1]"
        )
    return cells, n_cells


def system_values(f_edge_max: Any, w_delay: Any, w_energy: Any, n_cells: int) -> tuple[np.ndarray, float, float]:
    """The checked server capacities (one per cell, a scalar broadcast; Hz) and weights (1/s, 1/J)."""
    if np.ndim(f_edge_max) > 1 or (np.ndim(f_edge_max) == 1 and np.shape(f_edge_max)[0] != n_cells):
        raise ValueError(f"f_edge_max has shape {np.shape(f_edge_max)}; give a scalar or one capacity per cell "
                         f"({n_cells} cell{'s' if n_cells > 1 else ''})")
    capacity = device_array("f_edge_max", f_edge_max, n_cells, unit="Hz")
    return (capacity, positive_scalar("w_delay", w_delay, unit="1/s"),
            positive_scalar("w_energy", w_energy, unit="1/J", allow_zero=True))


def check_exhaustive(method: str, n: int, cells: np.ndarray | None, n_cells: int) -> None:
    """ValueError where ``"exhaustive"`` would visit more than 2**30 choices in a cell (``cells``: the cell
    index of the ``n`` devices, or None for one cell)."""
    if method != "exhaustive":
        return
    cell_sizes = np.array([n]) if cells is None else np.bincount(cells, minlength=n_cells)
    if cell_sizes.max() > EXHAUSTIVE_MAX_DEVICES:
        k = int(np.argmax(cell_sizes))
        where = "" if cells is None else f" (cell {k})"
        raise ValueError(
            f"method='exhaustive' visits 2**N choices and accepts at most {EXHAUSTIVE_MAX_DEVICES} devices "
            f"per cell; got {int(cell_sizes[k])}{where}. Use method='auto' (exact on small instances, "
            f"certified gap otherwise)."
        )


def solve(scenario: Any, method: str = "auto", seed: int | None = None, **options: Any) -> Schedule:
    """Solve a :class:`edgesched.scenarios.Scenario` (for example ``scenarios.paper_default()``).

    The same core as :func:`solve_offloading`, called with the scenario's per-device arrays (and its
    ``deadline``, where it has one); ``options`` (``node_limit``, ``time_limit``, ``gap_tol``, ``infeasible``)
    are passed on.
    """
    deadline = getattr(scenario, "deadline", None)
    if deadline is not None and "deadline" not in options:
        options = {**options, "deadline": deadline}
    return solve_offloading(**scenario.solver_kwargs(), method=method, seed=seed, **options)
