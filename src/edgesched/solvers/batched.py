"""Many scenarios at once: the paper's two-option problem as array code over NumPy or CuPy.

A sweep solves S independent scenarios of N devices each. Here every step is one array operation over
all S x N devices, written once against an array module ``xp`` (``numpy`` on the CPU, ``cupy`` on a GPU):

- the option table (``docs/model.md`` §3-§4): option 0 local at the Theorem 1 frequency, option 1 on the edge;
- the paper's greedy (Sec. IV-C), every scenario stepping together; a scenario that stops keeps choosing
  the same rejected move (its sums no longer change), so it needs no special case, and stopped rows are
  dropped from the working arrays once they are many;
- best-improvement descent with O(1) move deltas;
- the decode to frequencies, time shares, delays and energies (Theorems 1 and 2), and the dual bound at the
  schedule's tangent prices (``docs/model.md`` §5), so that every schedule carries a certified gap.

The closed forms come from :mod:`edgesched.model.theorems`, the one array implementation of Theorems 1 and 2.

With ``xp = numpy`` the arithmetic is the C++ core's, operation for operation and sums in index order
(``cumsum``), so the decisions equal ``edgesched.solve_offloading``'s, except where two scores tie to within the
last bit: numpy's ``cbrt`` (Theorem 1) may round differently from the C library's on some processors, which
moves a local cost by one unit in the last place (seen on crafted instances with nearly equal ``kappa``; none
on 3,000 random ones). CuPy's sums and transcendental functions may round differently again.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

from .._optional import need
from .._validation import float_array
from ..methods import REGISTRY, check_method
from ..model import theorems
from ..model.defaults import F_EDGE_MAX, KAPPA, RHO, W_DELAY, W_ENERGY
from ..model.devices import DEVICE_FIELDS
from ..model.results import Certified

__all__ = ["BACKENDS", "BATCH_METHODS", "BatchSchedule", "solve_batch"]

#: Array backends accepted by :func:`solve_batch`.
BACKENDS = ("numpy", "cupy")


@dataclass(frozen=True, eq=False)
class BatchSchedule(Certified):
    """Schedules of S scenarios of N devices (read-only NumPy arrays, row s is scenario s).

    Attributes
    ----------
    offload : ndarray of bool, shape (S, N)
        True where the device's inference runs on the edge server.
    cost : ndarray of float, shape (S,)
        Each scenario's ``sum(w_delay * delay + w_energy * energy)``, eq. (8).
    lower_bound : ndarray of float, shape (S,)
        Each scenario's certified lower bound: the dual function at the schedule's tangent prices
        (``docs/model.md`` §5), a one-pass bound; ``gap`` follows from it.
    optimal : ndarray of bool, shape (S,)
        Where the bound meets the cost (to a relative 1e-9): the schedule is proven optimal.
    delay : ndarray of float, shape (S, N)
        Inference delay in s (eqs. 1, 2, 4).
    energy : ndarray of float, shape (S, N)
        Device energy in J (eqs. 3, 5).
    f_edge : ndarray of float, shape (S, N)
        Edge CPU frequency in Hz (Theorem 2); 0 where local.
    time_share : ndarray of float, shape (S, N)
        Fraction of the uplink frame (Theorem 2); 0 where local.
    f_local : ndarray of float, shape (S, N)
        Local CPU frequency in Hz (Theorem 1); 0 where offloaded.
    method : str
    """

    offload: np.ndarray
    cost: np.ndarray
    delay: np.ndarray
    energy: np.ndarray
    f_edge: np.ndarray
    time_share: np.ndarray
    f_local: np.ndarray
    lower_bound: np.ndarray
    optimal: np.ndarray
    method: str

    def __post_init__(self) -> None:
        for name in ("offload", "cost", "delay", "energy", "f_edge", "time_share", "f_local", "lower_bound",
                     "optimal"):
            a = np.array(getattr(self, name), copy=True)
            a.setflags(write=False)
            object.__setattr__(self, name, a)


class _Table(NamedTuple):
    """The two-option table of S scenarios: (S, N) per device, (S, 1) per scenario."""

    linear0: Any  # local cost w_delay*rho*C/f + w_energy*kappa*rho*C*f^2, eq. (10)
    linear1: Any  # transmit energy cost w_energy*p*M*d/R, eq. (11) without the shared part
    c: Any        # sqrt(rho*C), sqrt(cycle)
    w: Any        # sqrt(M*d/R), sqrt(s)
    f_local: Any  # Theorem 1 frequency, Hz
    A: Any        # w_delay / F, cost/cycle
    B: Any        # w_delay, cost/s


# ---------------------------------------------------------------------------------------------- kernels


def _seqsum(xp: ModuleType, x: Any) -> Any:
    """Row sums of (S, N) ``x`` added in index order, as the C++ core does (``x.sum`` is pairwise)."""
    return xp.cumsum(x, axis=1)[:, -1]


def _table(xp: ModuleType, d: dict[str, Any]) -> _Table:
    """Build the option table; ``d`` holds validated (S, N) device arrays and (S, 1) system arrays."""
    wd, we = d["w_delay"], d["w_energy"]
    cycles = d["rho"] * d["macs"]                     # rho * C(M*), cycle
    bits = d["frames"] * d["frame_bits"]              # M* d, bit
    f = theorems.local_frequency(xp, wd, we, d["kappa"], d["f_local_max"])  # Theorem 1
    return _Table(theorems.local_cost(wd, we, cycles, f, d["kappa"]),
                  theorems.transmit_cost(we, d["tx_power"], bits, d["rate"]),
                  theorems.compute_weight(cycles), theorems.airtime_weight(bits, d["rate"]), f,
                  wd / d["f_edge_max"], wd)


def _greedy(xp: ModuleType, t: _Table) -> Any:
    """The paper's greedy (Sec. IV-C) on every scenario; returns ``offload`` (S, N) bool."""
    S, N = t.c.shape
    offload = xp.ones((S, N), dtype=bool)       # start with every device offloaded
    rows = xp.arange(S)                         # scenario of each working row
    l0, c, w = t.linear0, t.c, t.w
    Ac, Bw = t.A * c, t.B * w
    l1 = t.linear1.copy()                       # -inf once a device is local: its score is then -inf
    U, V = _seqsum(xp, c), _seqsum(xp, w)       # Theorem 2 sums over the offloaded devices
    score, tmp = xp.empty((S, N)), xp.empty((S, N))
    for _ in range(N):
        m = rows.shape[0]
        r, score, tmp = xp.arange(m), score[:m], tmp[:m]
        # Score F_1n - F_0n: own edge cost (eq. 11 under Theorem 2) minus local cost (eq. 10), evaluated
        # as (l1 + Ac U + Bw V) - l0 in place (a + b == b + a exactly).
        xp.multiply(Ac, U[:, None], out=score)
        score += l1
        xp.multiply(Bw, V[:, None], out=tmp)
        score += tmp
        score -= l0
        k = xp.argmax(score, axis=1)            # first maximum: ties go to the lowest index
        ck, wk, Ack, Bwk = c[r, k], w[r, k], Ac[r, k], Bw[r, k]
        f1 = l1[r, k] + Ack * U + Bwk * V
        # Change of the total if k goes local: its own cost swaps, the others regain its shares.
        # (With no device left offloaded f1 = -inf, so delta = +inf and the scenario stops.)
        delta = l0[r, k] - f1 - Ack * (U - ck) - Bwk * (V - wk)
        move = delta < 0.0
        n_move = int(move.sum())
        if n_move == 0:
            break
        offload[rows, k] &= ~move
        l1[r, k] = xp.where(move, -xp.inf, l1[r, k])
        U = xp.where(move, U - ck, U)
        V = xp.where(move, V - wk, V)
        if n_move <= m // 2:                    # drop the stopped scenarios from the working arrays
            keep = xp.flatnonzero(move)
            rows, l0, l1, c, w, Ac, Bw, U, V = (a[keep] for a in (rows, l0, l1, c, w, Ac, Bw, U, V))
    return offload


def _descent(xp: ModuleType, t: _Table, offload: Any) -> Any:
    """Best single-device flip until none lowers the total by more than 1e-13 of it, per scenario."""
    offload = offload.copy()
    r = xp.arange(offload.shape[0])
    U = _seqsum(xp, xp.where(offload, t.c, 0.0))
    V = _seqsum(xp, xp.where(offload, t.w, 0.0))
    linear = _seqsum(xp, xp.where(offload, t.linear1, t.linear0))
    A, B = t.A[:, 0], t.B[:, 0]
    while True:
        # total = sum linear + A U^2 + B V^2 (docs/model.md §3); a move must beat rounding noise on it.
        tol = 1e-13 * xp.abs(linear + (A * U * U + B * V * V))
        sign = xp.where(offload, -1.0, 1.0)     # offloaded devices would leave, local ones join
        dc, dw = sign * t.c, sign * t.w
        dlin = xp.where(offload, t.linear0 - t.linear1, t.linear1 - t.linear0)
        delta = dlin + (t.A * dc * (2.0 * U[:, None] + dc) + t.B * dw * (2.0 * V[:, None] + dw))
        k = xp.argmin(delta, axis=1)
        move = delta[r, k] < -tol
        if not bool(move.any()):
            return offload
        linear = xp.where(move, linear + dlin[r, k], linear)
        U = xp.where(move, U + dc[r, k], U)
        V = xp.where(move, V + dw[r, k], V)
        offload[r, k] ^= move


def _decode(xp: ModuleType, t: _Table, d: dict[str, Any], offload: Any) -> dict[str, Any]:
    """Frequencies, shares, delays, energies and costs of ``offload`` (Theorems 1 and 2), and the dual bound at
    the tangent prices ``lambda = 2 A U``, ``mu = 2 B V`` (``docs/model.md`` §5)."""
    cycles = d["rho"] * d["macs"]
    bits = d["frames"] * d["frame_bits"]
    U = _seqsum(xp, xp.where(offload, t.c, 0.0))
    V = _seqsum(xp, xp.where(offload, t.w, 0.0))
    U1 = xp.where(U > 0, U, 1.0)[:, None]        # scenarios with no device offloaded: any nonzero value
    V1 = xp.where(V > 0, V, 1.0)[:, None]
    f_edge, share = theorems.edge_shares(t.c, t.w, U1, V1, d["f_edge_max"])
    edge_delay = theorems.shared_delay(t.c, t.w, U1, V1, d["f_edge_max"])
    f = t.f_local
    delay = xp.where(offload, edge_delay, theorems.local_delay(cycles, f))
    energy = xp.where(offload, theorems.transmit_energy(d["tx_power"], bits, d["rate"]),
                      theorems.local_energy(d["kappa"], cycles, f))
    cost = _seqsum(xp, d["w_delay"] * delay + d["w_energy"] * energy)  # eqs. (6)-(8)
    A, B = t.A[:, 0], t.B[:, 0]
    lam, mu = 2.0 * A * U, 2.0 * B * V
    priced = xp.minimum(t.linear0, t.linear1 + lam[:, None] * t.c + mu[:, None] * t.w)
    bound = _seqsum(xp, priced) - (lam * lam / (4.0 * A) + mu * mu / (4.0 * B))
    lower = xp.minimum(bound, cost)
    return dict(
        offload=offload, cost=cost, delay=delay, energy=energy, f_edge=xp.where(offload, f_edge, 0.0),
        time_share=xp.where(offload, share, 0.0), f_local=xp.where(offload, 0.0, f), lower_bound=lower,
        optimal=cost - lower <= 1e-9 * xp.abs(cost),
    )


#: The array implementations of registered methods: ``(xp, table, start or None) -> offload``.
_BATCHED: dict[str, Callable[[ModuleType, _Table, Any], Any]] = {
    "greedy": lambda xp, t, start: _greedy(xp, t),
    "descent": lambda xp, t, start: _descent(xp, t, _greedy(xp, t) if start is None else start),
    "local": lambda xp, t, start: xp.zeros(t.c.shape, dtype=bool),
    "edge": lambda xp, t, start: xp.ones(t.c.shape, dtype=bool),
}
#: Methods accepted by :func:`solve_batch`, in the registry's order.
BATCH_METHODS: tuple[str, ...] = tuple(name for name in REGISTRY if name in _BATCHED)


# ------------------------------------------------------------------------------------ input and output


def _array_module(backend: str) -> ModuleType:
    if backend == "numpy":
        return np
    if backend != "cupy":
        raise ValueError(f"backend is {backend!r}; it must be one of {', '.join(BACKENDS)}")
    cupy = need("cupy", "gpu", "backend='cupy'", name="CuPy")
    try:
        n_gpus = cupy.cuda.runtime.getDeviceCount()
    except cupy.cuda.runtime.CUDARuntimeError as exc:
        raise RuntimeError(f"backend='cupy' found no usable CUDA GPU ({exc}); use backend='numpy'") from exc
    if n_gpus == 0:
        raise RuntimeError("backend='cupy' found no CUDA GPU; use backend='numpy'")
    return cupy


def _on_gpu(value: Any) -> bool:
    return hasattr(value, "__cuda_array_interface__")


def _field(xp: ModuleType, name: str, value: Any, *, unit: str, allow_zero: bool = False,
           integral: bool = False, max_ndim: int = 2) -> Any:
    """A validated float64 array on ``xp`` (not yet broadcast); ValueError names field and index."""
    if _on_gpu(value) and xp is np:
        value = value.get()
    if _on_gpu(value):
        if value.dtype.kind not in "iuf":
            raise ValueError(f"{name} must be an array of real numbers; got dtype {value.dtype}")
    else:
        value = float_array(name, value)
    # A private copy, checked and then used: another thread writing the caller's array meanwhile (numpy's loops
    # release the GIL) can neither slip a value past the checks nor change the result half way.
    arr = xp.array(value, dtype=xp.float64, copy=True)
    if arr.ndim > max_ndim:
        what = "(S, N), (S, 1), (1, N), (N,) or a scalar" if max_ndim == 2 else "(S,) or a scalar"
        raise ValueError(f"{name} has shape {arr.shape}; give {what}")
    checks = [(~xp.isfinite(arr), "finite"),
              (arr < 0 if allow_zero else arr <= 0, f"{'>= 0' if allow_zero else '> 0'} {unit}".rstrip())]
    if integral:
        checks.append((arr != xp.floor(arr), "whole numbers"))
    for bad, rule in checks:
        if bool(bad.any()):
            i = np.unravel_index(int(xp.argmax(bad.ravel())), arr.shape)
            label = name + (f"[{', '.join(str(int(j)) for j in i)}]" if arr.ndim else "")
            raise ValueError(f"{label} is {float(arr[i])}; {name} must be {rule}")
    return arr


def _inputs(xp: ModuleType, per_device: dict[str, Any], per_scenario: dict[str, Any]) -> dict[str, Any]:
    """Validate and broadcast: (S, N) device arrays, (S, 1) system arrays, on ``xp``."""
    d = {k: _field(xp, k, v, unit=DEVICE_FIELDS[k][0], integral=(k == "frames")) for k, v in per_device.items()}
    try:
        S, N = np.broadcast_shapes((1, 1), *(a.shape for a in d.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {a.shape}" for k, a in d.items())
        raise ValueError(f"per-device arrays do not broadcast to one (S, N) shape: {shapes}") from None
    if S == 0 or N == 0:
        raise ValueError(f"the per-device arrays have shape ({S}, {N}); at least one scenario and one device "
                         f"are needed")
    d = {k: xp.broadcast_to(a, (S, N)) for k, a in d.items()}
    units = dict(f_edge_max="Hz", w_delay="1/s", w_energy="1/J")
    for k, v in per_scenario.items():
        a = _field(xp, k, v, unit=units[k], allow_zero=(k == "w_energy"), max_ndim=1)
        if a.ndim == 1 and a.shape[0] != S:
            raise ValueError(f"{k} has {a.shape[0]} entries but there are {S} scenarios; give a scalar or one "
                             f"per scenario")
        d[k] = xp.broadcast_to(a.reshape(-1, 1), (S, 1))
    return d


def _check_table(xp: ModuleType, t: _Table, d: dict[str, Any]) -> None:
    """ValueError naming the first scenario and device whose costs overflow or vanish in floating point (inputs in
    range, units off: ``frame_bits=1e-320``, say), the rule of the C++ core (``docs/model.md`` §5)."""
    cycles = d["rho"] * d["macs"]
    delay, energy0 = theorems.local_delay(cycles, t.f_local), theorems.local_energy(d["kappa"], cycles, t.f_local)
    energy1 = theorems.transmit_energy(d["tx_power"], d["frames"] * d["frame_bits"], d["rate"])

    def positive(x: Any) -> Any:
        return xp.isfinite(x) & (x > 0)

    bad = ~(xp.isfinite(t.linear0) & xp.isfinite(t.linear1) & positive(t.c) & positive(t.w) & positive(delay)
            & xp.isfinite(energy0) & xp.isfinite(energy1))
    if bool(bad.any()):
        s, n = (int(i) for i in np.unravel_index(int(xp.argmax(bad.ravel())), bad.shape))
        raise ValueError(
            f"scenario {s}, device {n}: its costs overflow or vanish (local cost {float(t.linear0[s, n]):g}, edge "
            f"cost {float(t.linear1[s, n]):g}, local energy {float(energy0[s, n]):g} J, edge energy "
            f"{float(energy1[s, n]):g} J); check the units of its inputs")
    scale = xp.broadcast_to(t.A, (t.A.shape[0], 1)).ravel()
    bad_a = ~positive(scale)
    if bool(bad_a.any()):
        s = int(xp.argmax(bad_a))
        raise ValueError(f"scenario {s}: w_delay / f_edge_max is {float(scale[s]):g}; it must be finite and > 0 "
                         f"(check the units of w_delay and f_edge_max)")


def _check_result(out: dict[str, Any]) -> None:
    """ValueError naming the first scenario whose totals overflow: every number of a schedule is finite."""
    for name in ("cost", "lower_bound", "delay", "energy", "f_edge", "time_share", "f_local"):
        a = np.asarray(out[name])
        bad = ~np.isfinite(a)
        if bad.any():
            s = int(np.unravel_index(int(np.argmax(bad.ravel())), a.shape)[0])
            raise ValueError(f"scenario {s}: its {name} is not finite (cost {float(out['cost'][s]):g}); the sums "
                             f"over its devices overflow a float64: check the units of its inputs")


def _start(xp: ModuleType, start: Any, shape: tuple[int, int]) -> Any:
    if _on_gpu(start) and xp is np:
        start = start.get()
    arr = start if _on_gpu(start) else np.asarray(start)
    if arr.dtype.kind not in "biu" or arr.ndim > 2:
        raise ValueError(f"start must be a bool array of shape {shape}; got dtype {arr.dtype}, shape {arr.shape}")
    arr = xp.asarray(arr)
    bad = (arr != 0) & (arr != 1)
    if bool(bad.any()):
        raise ValueError("start must hold 0/1 or bool (True: offloaded)")
    try:
        return xp.ascontiguousarray(xp.broadcast_to(arr.astype(bool), shape))
    except ValueError:
        raise ValueError(f"start has shape {arr.shape}; it must broadcast to {shape}") from None


def solve_batch(
    macs: Any, frames: Any, frame_bits: Any, rate: Any, tx_power: Any, f_local_max: Any, *,
    kappa: Any = KAPPA, rho: Any = RHO, f_edge_max: Any = F_EDGE_MAX, w_delay: Any = W_DELAY,
    w_energy: Any = W_ENERGY,
    method: str = "greedy", start: Any = None, backend: str = "numpy",
) -> BatchSchedule:
    """Solve S independent scenarios of the paper's problem (one edge server each) in one array pass.

    Parameters
    ----------
    macs, frames, frame_bits, rate, tx_power, f_local_max, kappa, rho : array_like
        Per device, as in :func:`edgesched.solve_offloading` (MAC, frames (whole), bit, bit/s, W, Hz,
        J s^2/cycle^3, cycle/MAC; all > 0), of shape (S, N): row s is scenario s. Scalars, (S, 1), (1, N) and
        (N,) broadcast. With ``backend="cupy"`` they may be CuPy arrays already on the GPU.
    f_edge_max, w_delay, w_energy : float or array_like of shape (S,)
        Per scenario: F in Hz (> 0), beta_1 in 1/s (> 0), beta_2 in 1/J (>= 0).
    method : {"greedy", "descent", "local", "edge"}
        ``"greedy"``: the paper's policy (Sec. IV-C), the same decisions as ``solve_offloading``'s.
        ``"descent"``: best single-device flips from ``start`` (default: the greedy's result) until none
        lowers a scenario's cost by more than 1e-13 of it; never worse than its start.
        ``"local"``/``"edge"``: every device local / offloaded.
    start : array_like of bool, shape (S, N), optional
        Starting offload decisions for ``"descent"`` (True: offloaded).
    backend : {"numpy", "cupy"}
        ``"cupy"`` runs on a CUDA GPU (``pip install 'edgesched[gpu]'``); results come back as NumPy arrays.

    Returns
    -------
    BatchSchedule

    Raises
    ------
    ValueError
        For a non-finite, non-positive or non-numeric input (naming the field and the first bad index),
        shapes that do not broadcast, an unknown method or backend, or ``start`` with another method.
    ImportError
        ``backend="cupy"`` without CuPy installed.
    RuntimeError
        ``backend="cupy"`` with CuPy but no usable CUDA GPU.
    """
    check_method(method, BATCH_METHODS)
    if start is not None and method != "descent":
        raise ValueError(f"start is only used by method='descent'; got method={method!r}")
    xp = _array_module(backend)
    d = _inputs(xp, dict(macs=macs, frames=frames, frame_bits=frame_bits, rate=rate, tx_power=tx_power,
                         f_local_max=f_local_max, kappa=kappa, rho=rho),
                dict(f_edge_max=f_edge_max, w_delay=w_delay, w_energy=w_energy))
    start_arr = None if start is None else _start(xp, start, d["macs"].shape)
    # Numbers that overflow or vanish are found by the checks and named in a ValueError, not warned about.
    with np.errstate(all="ignore"):
        t = _table(xp, d)
        _check_table(xp, t, d)
        offload = _BATCHED[method](xp, t, start_arr)
        out = _decode(xp, t, d, offload)
    if xp is not np:
        out = {k: v.get() for k, v in out.items()}
    _check_result(out)
    return BatchSchedule(**out, method=method)
