"""Solving an option table: one option per device, minimising the table's total cost (``docs/model.md`` §4-§6)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core
from .._validation import search_budget, seed_value
from ..methods import (
    EXHAUSTIVE_MAX_CHOICES,
    GAP_TOL,
    NODE_LIMIT,
    OPTION_METHODS,
    REGISTRY,
    THREADS,
    TIME_LIMIT,
    check_method,
    describe,
)
from ..model.results import OptionSchedule
from ..model.table import OptionTable
from .exact import solve_scip

__all__ = ["solve_options"]


def solve_options(
    table: OptionTable,
    method: str = "auto",
    *,
    start: Any = None,
    prices: Any = None,
    seed: int | None = None,
    node_limit: int = NODE_LIMIT,
    time_limit: float = TIME_LIMIT,
    gap_tol: float = GAP_TOL,
) -> OptionSchedule:
    """Choose one option per device minimising the total cost of ``table``.

    Parameters
    ----------
    table : OptionTable
    method : str, default "auto"
        One of :data:`edgesched.OPTION_METHODS`:

{methods}

        ``"descent"`` starts from ``start`` (default: every device on option 0). ``"warm"`` re-solves after a
        small change of the table (the online city's), from ``start`` (the schedule in force) and ``prices``
        (the previous schedule's :attr:`OptionSchedule.prices`); its bound is the dual value at those prices.
        ``"local"``/``"edge"`` put every device on option 0 / option 1. ``"bnb"`` always proves optimality
        (within the budget).
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

    With deadlines (a table with :attr:`~edgesched.OptionTable.slack`, e.g. ``paper_table(..., deadline=...)``)
    every method returns a choice whose options all meet their slacks, with its deadline-aware cost: options
    that cannot are never chosen (a device with none is a ValueError naming it), devices on a server that cannot
    serve them in time move to their cheapest option elsewhere, ``auto`` then improves the choice at the true
    cost, and ``exhaustive`` is exact; bounds come from the table without deadlines (docs/model.md §8).

    Returns
    -------
    OptionSchedule
    """
    if not isinstance(table, OptionTable):
        raise ValueError(f"table must be an OptionTable; got {type(table).__name__}")
    check_method(method, OPTION_METHODS)
    if REGISTRY[method].engine == "scip" and table.has_deadlines:
        raise ValueError("method='scip' does not model deadlines (the table has a finite slack); use 'auto', "
                         "'exhaustive' or 'bnb'")
    if REGISTRY[method].engine == "scip":
        r = solve_scip(table, time_limit=float(time_limit) if time_limit else None)
        return OptionSchedule(r.choice, r.cost, r.lower_bound, r.optimal, method)
    if method == "exhaustive" and np.prod(table.n_options.astype(float)) > EXHAUSTIVE_MAX_CHOICES:
        raise ValueError(
            f"method='exhaustive' enumerates every choice and accepts at most "
            f"2**{EXHAUSTIVE_MAX_CHOICES.bit_length() - 1} of them; this table has "
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
    slack = table.slack if table.has_deadlines and table.slack is not None else np.empty(0)
    out = _core.solve_options(**table.arrays(), method=method, start=start_arr, prices=prices_arr,
                              seed=seed_value(seed) if method == "random" or seed is not None else 0,
                              threads=THREADS, **budget, slack=slack)
    return OptionSchedule(out.choice, float(out.cost), float(out.lower_bound), bool(out.proven), method, out.prices)


solve_options.__doc__ = (solve_options.__doc__ or "").replace("{methods}", describe(OPTION_METHODS))


