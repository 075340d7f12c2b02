"""Exact solution of an :class:`~edgesched.options.OptionTable` as a mixed-integer convex QP, through SCIP.

This is the optional oracle (``pip install 'edgesched[exact]'``) that the C++ solvers are measured against;
nothing else in edgesched needs it, and PySCIPOpt is imported only when :func:`solve_scip` is called.

Formulation (``docs/model.md`` §4). Write ``a_o = sqrt(A[s_o]) * c[o]`` and ``b_o = sqrt(B[s_o]) * w[o]`` for an option
``o`` on server ``s_o``, so that ``A_j U_j**2 = u_j**2`` with ``u_j = sum a_o x_o`` (and likewise ``v_j``); the
scaled sums are O(1) in cost units while the raw ``U_j`` of the paper's tables reaches 1e7 sqrt(cycle), which would
make SCIP's absolute feasibility tolerance meaningless. Then::

    min   const + sum_{n,o} (linear[o] - linear[base_n]) x_{n,o} + sum_j t_j
    s.t.  sum_o x_{n,o} <= 1          (device n; its base option is the one taken when all its x are 0)
          u_j = sum_{o on j} a_o x_{n,o},   v_j = sum_{o on j} b_o x_{n,o}
          t_j >= u_j**2 + v_j**2       (one convex quadratic epigraph per server; SCIP needs a linear objective)
          x binary, u, v, t >= 0 continuous

Before building the model each menu is reduced: an option is dropped when another option of the same device
costs no more in ``linear``, ``c`` and ``w`` and uses the same server or none (it can never be strictly better).
The *base* option of a device is its cheapest option that uses no server (``server = -1`` or ``c = w = 0``) when
it has one; it then needs no variable, so the paper's two-option (local/edge) table has exactly one binary per
device. A device without such an option keeps one binary per option with ``sum_o x_{n,o} = 1``. Devices left
with a single option are constants. See ``solve_scip`` for the measured alternatives.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._optional import need
from ..model.results import Certified
from ..model.table import OptionTable

__all__ = ["ExactResult", "solve_scip"]


@dataclass(frozen=True, eq=False)
class ExactResult(Certified):
    """The result of :func:`solve_scip`.

    Attributes
    ----------
    choice : ndarray of int32, shape (N,)
        Menu index chosen for each device (as in :meth:`OptionTable.cost`).
    cost : float
        ``table.cost(choice)``, recomputed by edgesched (not SCIP's objective value), in cost units.
    lower_bound : float
        SCIP's dual bound: no choice costs less (up to SCIP's tolerances, ~1e-9 relative); ``<= cost``.
    optimal : bool
        SCIP proved ``choice`` optimal: status ``"optimal"``, or ``"gaplimit"`` with ``gap <= 1e-9``.
    status : str
        SCIP's status string: ``"optimal"``, ``"gaplimit"``, ``"timelimit"``, ... (``"trivial"`` when no device
        has a choice to make and SCIP was not called).
    solve_time : float
        Wall-clock seconds spent in building and solving the model.
    """

    choice: np.ndarray
    cost: float
    lower_bound: float
    optimal: bool
    status: str
    solve_time: float


def _reduce_menu(lin: list[float], srv: list[int], a: list[float], b: list[float]) -> tuple[list[int], int]:
    """Indices (within the menu) of the options worth keeping, and the base option (-1: none without server).

    ``srv`` must already be -1 for options with ``a = b = 0``. Option ``o`` is dropped when some ``p`` has
    ``srv[p] in (-1, srv[o])``, ``lin[p] <= lin[o]``, ``a[p] <= a[o]``, ``b[p] <= b[o]`` and is strictly better
    in one of them or equal with a smaller index. Plain Python: menus are short.
    """
    k = len(lin)
    keep: list[int] = []
    for o in range(k):
        lo, so, ao, bo = lin[o], srv[o], a[o], b[o]
        for p in range(k):
            if p == o or not (srv[p] < 0 or srv[p] == so):
                continue
            if lin[p] <= lo and a[p] <= ao and b[p] <= bo and (p < o or lin[p] < lo or a[p] < ao or b[p] < bo):
                break  # p dominates o
        else:
            keep.append(o)
    base = -1
    for o in keep:
        if srv[o] < 0 and (base < 0 or lin[o] < lin[base]):
            base = o
    return keep, base


def solve_scip(
    table: OptionTable,
    *,
    time_limit: float | None = None,
    gap: float = 1e-9,
    threads: int = 1,
    start: Any = None,
) -> ExactResult:
    """Solve ``table`` to proven optimality (within ``gap``) as a mixed-integer convex QP with SCIP.

    Parameters
    ----------
    table : OptionTable
        The instance (``docs/model.md`` §4): ``total(choice) = sum_n linear[o_n] + sum_j (A_j U_j**2 + B_j V_j**2)``,
        in cost units (weighted seconds and joules: ``w_delay * s + w_energy * J``).
    time_limit : float, optional
        Wall-clock limit in seconds for SCIP (``None``: none). When it is hit the best choice found so far is
        returned with ``optimal=False`` and SCIP's dual bound as ``lower_bound``.
    gap : float, default 1e-9
        Relative gap ``|primal - dual| / min(|primal|, |dual|)`` at which SCIP stops (its ``limits/gap``).
    threads : int, default 1
        With ``threads > 1`` SCIP's concurrent solver races that many differently-tuned solves. On the tables
        edgesched builds this was slower than one thread (``bench/RESULTS.md``, "SCIP formulations"); it is there
        for hard instances.
    start : array_like of int, optional
        A choice (menu index per device) handed to SCIP as its first incumbent, e.g. the result of
        ``solve_options(table, "auto")``; it can only shorten the search. It is also the answer if SCIP
        finds nothing better before ``time_limit``.

    Returns
    -------
    ExactResult

    Raises
    ------
    ImportError
        When PySCIPOpt is not installed (``pip install 'edgesched[exact]'``).
    ValueError
        For a table that is not an :class:`OptionTable`, a negative or non-finite ``gap``, a non-positive
        ``time_limit``, ``threads < 1``, or an invalid ``start``.

    Notes
    -----
    The model (module docstring) has one binary per non-base option, two continuous sums ``u_j``, ``v_j`` and
    one epigraph variable ``t_j >= u_j**2 + v_j**2`` per server: of the formulations measured (``bench/RESULTS.md``,
    "SCIP formulations"), the fastest on multi-server tables and as fast as any on the paper's.
    """
    t0 = time.perf_counter()
    scip = need("pyscipopt", "exact", "method='scip'", name="PySCIPOpt")

    if not isinstance(table, OptionTable):
        raise ValueError(f"table must be an OptionTable; got {type(table).__name__}")
    if not (isinstance(gap, (int, float)) and math.isfinite(gap) and gap >= 0):
        raise ValueError(f"gap is {gap!r}; it must be a finite relative gap >= 0")
    if time_limit is not None and not (isinstance(time_limit, (int, float)) and time_limit > 0):
        raise ValueError(f"time_limit is {time_limit!r}; it must be > 0 s (or None for no limit)")
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ValueError(f"threads is {threads!r}; it must be an integer >= 1")
    start_choice = table.check_choice(start) if start is not None else None

    ptr = table.option_ptr
    srv_all = table.server.astype(np.int64)
    sa, sb = np.sqrt(table.A), np.sqrt(table.B)
    n_dev, n_srv = table.n_devices, table.n_servers
    on = srv_all >= 0
    a_all = np.zeros(srv_all.shape[0])
    b_all = np.zeros(srv_all.shape[0])
    a_all[on] = sa[srv_all[on]] * table.c[on]
    b_all[on] = sb[srv_all[on]] * table.w[on]
    srv_all[(a_all == 0) & (b_all == 0)] = -1  # an option that adds nothing to any server uses none

    model = scip.Model()
    model.hideOutput()
    model.setParam("limits/gap", float(gap))
    if time_limit is not None:
        model.setParam("limits/time", float(time_limit))

    const: float = 0.0  # cost of every device's base option (or of its only option)
    dev_vars: list[list[tuple[int, Any]]] = []  # per device: (menu index, binary) of its non-base options
    dev_base = np.zeros(n_dev, dtype=np.int32)  # menu index taken when all of a device's binaries are 0
    u_fixed, v_fixed = np.zeros(n_srv), np.zeros(n_srv)  # parts of u_j, v_j that no choice changes
    u_max, v_max = np.zeros(n_srv), np.zeros(n_srv)  # upper bounds of u_j, v_j
    u_terms: list[list[tuple[float, Any]]] = [[] for _ in range(n_srv)]
    v_terms: list[list[tuple[float, Any]]] = [[] for _ in range(n_srv)]
    ptr_l, lin_l, srv_l = ptr.tolist(), table.linear.tolist(), srv_all.tolist()
    a_l, b_l = a_all.tolist(), b_all.tolist()
    for n in range(n_dev):
        lo, hi = ptr_l[n], ptr_l[n + 1]
        lin, srv, a, b = lin_l[lo:hi], srv_l[lo:hi], a_l[lo:hi], b_l[lo:hi]
        keep, base = _reduce_menu(lin, srv, a, b)
        dev_base[n] = base if base >= 0 else keep[0]
        if len(keep) == 1:
            o = keep[0]
            const += lin[o]
            if srv[o] >= 0:
                u_fixed[srv[o]] += a[o]
                v_fixed[srv[o]] += b[o]
            dev_vars.append([])
            continue
        ref = lin[base] if base >= 0 else 0.0
        const += ref
        xs: list[tuple[int, Any]] = []
        bu: dict[int, float] = {}  # the largest a, b this device can add to each server
        bv: dict[int, float] = {}
        for o in keep:
            if o == base:
                continue
            x = model.addVar(name=f"x_{n}_{o}", vtype="B", obj=lin[o] - ref)
            xs.append((o, x))
            j = srv[o]
            if j >= 0:
                if a[o] > 0:
                    u_terms[j].append((a[o], x))
                if b[o] > 0:
                    v_terms[j].append((b[o], x))
                bu[j] = max(bu.get(j, 0.0), a[o])
                bv[j] = max(bv.get(j, 0.0), b[o])
        for j, top in bu.items():
            u_max[j] += top
        for j, top in bv.items():
            v_max[j] += top
        pick = scip.quicksum(x for _, x in xs)
        model.addCons(pick <= 1 if base >= 0 else pick == 1, name=f"device_{n}")
        dev_vars.append(xs)

    for j in range(n_srv):
        squares: list[Any] = []
        for name, fixed, most, terms in (("u", u_fixed, u_max, u_terms), ("v", v_fixed, v_max, v_terms)):
            if not terms[j]:
                const += float(fixed[j]) ** 2  # nothing on server j can change this sum
                continue
            z = model.addVar(name=f"{name}_{j}", lb=float(fixed[j]), ub=float(fixed[j] + most[j]))
            model.addCons(z == float(fixed[j]) + scip.quicksum(k * x for k, x in terms[j]), name=f"{name}_{j}")
            squares.append(z * z)
        if squares:
            t = model.addVar(name=f"t_{j}", lb=0.0, obj=1.0)
            model.addCons(t >= scip.quicksum(squares), name=f"epigraph_{j}")
    model.addObjoffset(const)

    choice = dev_base.copy()
    if any(dev_vars):
        if start_choice is not None:
            choice = start_choice.copy()
            sol = model.createPartialSol()
            for n, xs in enumerate(dev_vars):
                for o, x in xs:
                    model.setSolVal(sol, x, 1.0 if int(start_choice[n]) == o else 0.0)
            model.addSol(sol)  # SCIP completes u, v, t
        if int(threads) > 1:
            model.setParam("parallel/maxnthreads", int(threads))
            model.solveConcurrent()
        else:
            model.optimize()
        status = str(model.getStatus())
        if model.getNSols() > 0:
            best = model.getBestSol()
            choice = dev_base.copy()
            for n, xs in enumerate(dev_vars):
                for o, x in xs:
                    if model.getSolVal(best, x) > 0.5:
                        choice[n] = o
                        break
            if start_choice is not None and table.cost(start_choice) < table.cost(choice):
                choice = start_choice.copy()  # SCIP's tolerances can make it prefer a hair-worse choice
        dual = float(model.getDualbound())
    else:
        status = "trivial"
        dual = math.inf
    cost = table.cost(choice)
    # The dual bound can exceed the recomputed cost by SCIP's tolerances; a bound above the cost is no bound.
    lower = min(dual, cost)
    optimal = status in ("optimal", "trivial") or (status == "gaplimit" and gap <= 1e-9)
    return ExactResult(choice, cost, lower, optimal, status, time.perf_counter() - t0)
