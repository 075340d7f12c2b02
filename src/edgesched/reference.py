"""Slow, plain-Python restatement of the paper: the correctness oracle for edgesched.

Paper: G. Pan, H. Zhang, S. Xu, S. Zhang, X. Chen, "Joint Optimization of DNN Inference Delay and
Energy under Accuracy Constraints for AR Applications", Sections II-IV.

Everything here is written with plain loops and :mod:`math` on Python floats, one device at a time,
with the paper's equation numbers in the comments.  It is slow on purpose and shares no code with the
rest of the package (it imports nothing from :mod:`edgesched`), so the fast paths can be tested against
it.  Inputs may be any sequence (list, tuple, numpy array); they are converted element by element with
``float()`` / ``bool()``.  Validation is minimal (lengths, N >= 1, signs); the fast path owns the
user-facing validation.

Model and names (one entry per device n, scalars broadcast to the device count)::

    macs         C(M*_n)          [MAC]
    frames       M*_n             [frames]
    frame_bits   d_n              [bit]
    rate         R_n              [bit/s]
    tx_power     p_n              [W]
    f_local_max  f^{md,max}_n     [cycle/s]
    kappa        kappa            [J s^2 / cycle^3]   (scalar or per device)
    rho          rho              [cycle/MAC]         (scalar or per device)
    f_edge_max   f^{e,max} = F    [cycle/s]           (scalar)
    w_delay      beta_1           [1/s]               (scalar, > 0)
    w_energy     beta_2           [1/J]               (scalar, >= 0)

Offload vector: ``offload[n]`` is True when device n runs on the edge server (x_n = 1, n in N_1 = S)
and False when it runs locally (x_n = 0, n in N_0).

Where this restatement departs from the printed paper (all deliberate, see the docstrings):

* Theorem 2 is used in its general form.  The paper assumes a common rho and a common frame size d
  (Sec. II-A), and its eq. (20) for the time share, ``t_n = sqrt(M_n/R_n) / sum sqrt(M_i/R_i)``,
  drops d_n.  That is the optimum only when every d_n is equal.  With unequal d_n the KKT condition
  (22) gives ``t_n = sqrt(M_n d_n/R_n) / sum_S sqrt(M_i d_i/R_i)``, and with per-device rho eq. (21)
  gives ``f_n^e = F sqrt(rho_n C_n) / sum_S sqrt(rho_i C_i)`` (eq. (19) when rho is common).
* The paper's eq. (28) has a stray ``R_n`` under the square root of ``f_n^e``; it does not belong
  there (eq. (21) has no R_n) and eq. (30) is right without it.
* The iterative greedy of Sec. IV-C does not say what happens after device k is "put back"; repeating
  the iteration would pick the same k forever, so the algorithm stops there.
"""

from __future__ import annotations

import itertools
import math
import operator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ReferenceSchedule",
    "local_frequency",
    "edge_allocation",
    "evaluate",
    "greedy",
    "exhaustive",
    "local",
    "edge",
    "random",
    "splitmix64_bits",
    "solve_offloading",
    "deadline_local_frequency",
    "deadline_feasible",
    "deadline_allocation",
    "solve_deadlines",
    "METHODS",
    "EXHAUSTIVE_MAX_DEVICES",
]

#: Methods accepted by :func:`solve_offloading`.
METHODS = ("greedy", "exhaustive", "local", "edge", "random")

#: :func:`exhaustive` refuses more devices than this (2^20 schedules is already slow in pure Python).
EXHAUSTIVE_MAX_DEVICES = 20

_MASK64 = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15  # SplitMix64 increment (golden ratio * 2^64)
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB


@dataclass(frozen=True)
class ReferenceSchedule:
    """A decoded schedule: per-device decisions, resources, delay and energy, and the total cost.

    ``offload[n]``     True: device n is offloaded to the edge server (x_n = 1).
    ``f_local[n]``     local CPU frequency f_n^md [Hz] (Theorem 1); 0 for offloaded devices.
    ``f_edge[n]``      edge CPU share f_n^e [Hz] (Theorem 2); 0 for local devices.
    ``time_share[n]``  TDMA uplink time fraction t_n (Theorem 2); 0 for local devices.
    ``delay[n]``       D_n [s], eq. (6).
    ``energy[n]``      E_n [J], eq. (7).
    ``cost``           sum_n (w_delay * D_n + w_energy * E_n), eq. (8)/(9).
    ``method``         the solver that chose ``offload`` ("evaluate" for a given vector).
    """

    offload: list[bool]
    f_local: list[float]
    f_edge: list[float]
    time_share: list[float]
    delay: list[float]
    energy: list[float]
    cost: float
    method: str


# --------------------------------------------------------------------------------------------------
# input handling (plain Python, no numpy)
# --------------------------------------------------------------------------------------------------


def _is_sequence(x: Any) -> bool:
    if isinstance(x, (str, bytes)):
        raise TypeError(f"expected a number or a sequence of numbers, got {x!r}")
    try:
        len(x)
    except TypeError:
        return False  # a Python/numpy scalar or a 0-d array
    return True


def _scalar(name: str, x: Any) -> float:
    if _is_sequence(x):
        raise ValueError(f"{name} must be a scalar")
    v = float(x)
    if not math.isfinite(v):
        raise ValueError(f"{name} is {v}; it must be finite")
    return v


def _per_device(name: str, x: Any, n: int) -> list[float]:
    """Broadcast a scalar to ``n`` devices or convert a length-``n`` sequence to a list of floats."""
    if _is_sequence(x):
        vals = [float(v) for v in list(x)]
        if len(vals) != n:
            raise ValueError(f"{name} has {len(vals)} entries, expected {n} (one per device)")
    else:
        vals = [float(x)] * n
    for i, v in enumerate(vals):
        if not math.isfinite(v):
            raise ValueError(f"{name}[{i}] is {v}; it must be finite")
    return vals


def _check_sign(name: str, vals: list[float], *, strict: bool) -> None:
    for i, v in enumerate(vals):
        if (v <= 0.0) if strict else (v < 0.0):
            raise ValueError(f"{name}[{i}] is {v}; it must be {'> 0' if strict else '>= 0'}")


def _offload_list(offload: Any) -> list[bool]:
    if not _is_sequence(offload):
        raise ValueError("offload must be a sequence of booleans, one per device")
    out = []
    for i, v in enumerate(list(offload)):
        if v not in (0, 1):  # True/False, 0/1, numpy bools
            raise ValueError(f"offload[{i}] is {v!r}; it must be a boolean")
        out.append(bool(v))
    return out


def _device_count(*args: Any) -> int:
    """Device count N: the common length of the sequence arguments (all must agree)."""
    n = None
    for a in args:
        if _is_sequence(a):
            if n is None:
                n = len(a)
            elif len(a) != n:
                raise ValueError(f"per-device arguments have different lengths ({n} and {len(a)})")
    if n is None:
        raise ValueError("cannot infer the number of devices: every per-device argument is a scalar")
    if n < 1:
        raise ValueError("at least one device is required (N >= 1)")
    return n


class _Problem:
    """All inputs as per-device lists of floats (validated once)."""

    def __init__(
        self,
        macs: Any,
        frames: Any,
        frame_bits: Any,
        rate: Any,
        tx_power: Any,
        f_local_max: Any,
        kappa: Any,
        rho: Any,
        f_edge_max: Any,
        w_delay: Any,
        w_energy: Any,
        n: int | None = None,
    ) -> None:
        if n is None:
            n = _device_count(macs, frames, frame_bits, rate, tx_power, f_local_max, kappa, rho)
        if n < 1:
            raise ValueError("at least one device is required (N >= 1)")
        self.n = n
        self.macs = _per_device("macs", macs, n)
        self.frames = _per_device("frames", frames, n)
        self.frame_bits = _per_device("frame_bits", frame_bits, n)
        self.rate = _per_device("rate", rate, n)
        self.tx_power = _per_device("tx_power", tx_power, n)
        self.f_local_max = _per_device("f_local_max", f_local_max, n)
        self.kappa = _per_device("kappa", kappa, n)
        self.rho = _per_device("rho", rho, n)
        self.f_edge_max = _scalar("f_edge_max", f_edge_max)
        self.w_delay = _scalar("w_delay", w_delay)
        self.w_energy = _scalar("w_energy", w_energy)
        for name in ("macs", "frames", "frame_bits", "rate", "f_local_max", "rho"):
            _check_sign(name, getattr(self, name), strict=True)
        _check_sign("tx_power", self.tx_power, strict=False)
        _check_sign("kappa", self.kappa, strict=False)
        if self.f_edge_max <= 0.0:
            raise ValueError(f"f_edge_max is {self.f_edge_max}; it must be > 0")
        # With w_delay = 0, Theorem 1 gives f^md = 0 and an infinite local delay (the infimum of
        # eq. (10) is not attained), and Theorem 2 is indeterminate: the problem is degenerate.
        if self.w_delay <= 0.0:
            raise ValueError(f"w_delay is {self.w_delay}; it must be > 0")
        if self.w_energy < 0.0:
            raise ValueError(f"w_energy is {self.w_energy}; it must be >= 0")


# --------------------------------------------------------------------------------------------------
# Theorem 1: local devices (Sec. IV-A)
# --------------------------------------------------------------------------------------------------


def _local_frequency_one(w_delay: float, w_energy: float, kappa: float, f_local_max: float) -> float:
    # eq. (13), Theorem 1: f_n^md* = min{ cbrt(beta1 / (2 beta2 kappa)), f_n^md,max }.
    # It comes from setting the derivative (14) of the convex cost (10) to zero, eq. (15), then
    # clipping to the feasible range (8f), eq. (16).  With beta2 * kappa = 0 the cost (10) is
    # decreasing in f, so the optimum is the upper bound.
    if w_energy == 0.0 or kappa == 0.0:
        return f_local_max
    return min((w_delay / (2.0 * (w_energy * kappa))) ** (1.0 / 3.0), f_local_max)


def local_frequency(w_delay: Any, w_energy: Any, kappa: Any, f_local_max: Any) -> Any:
    """Optimal local CPU frequency, Theorem 1 / eq. (13): ``min(cbrt(w_delay/(2 w_energy kappa)), f_local_max)``.

    ``w_energy == 0`` (or ``kappa == 0``) gives ``f_local_max``.  Returns a float when ``kappa`` and
    ``f_local_max`` are both scalars, otherwise a list (scalars broadcast).
    """
    wd = _scalar("w_delay", w_delay)
    we = _scalar("w_energy", w_energy)
    if not _is_sequence(kappa) and not _is_sequence(f_local_max):
        return _local_frequency_one(wd, we, float(kappa), float(f_local_max))
    n = _device_count(kappa, f_local_max)
    ks = _per_device("kappa", kappa, n)
    fs = _per_device("f_local_max", f_local_max, n)
    return [_local_frequency_one(wd, we, ks[i], fs[i]) for i in range(n)]


def _local_delay(rho: float, macs: float, f_local: float) -> float:
    # eq. (1): D_n^md = rho C(M_n) / f_n^md
    return rho * macs / f_local


def _local_energy(kappa: float, rho: float, macs: float, f_local: float) -> float:
    # eq. (3): E_n^md = kappa rho C(M_n) (f_n^md)^2
    return kappa * rho * macs * f_local * f_local


def _local_costs(p: _Problem) -> list[float]:
    """F_{0,n} for every device at its Theorem-1 frequency, eq. (10)."""
    out = []
    for i in range(p.n):
        f = _local_frequency_one(p.w_delay, p.w_energy, p.kappa[i], p.f_local_max[i])  # eq. (13)
        d = _local_delay(p.rho[i], p.macs[i], f)  # eq. (1)
        e = _local_energy(p.kappa[i], p.rho[i], p.macs[i], f)  # eq. (3)
        out.append(p.w_delay * d + p.w_energy * e)  # eq. (10): F_0,n = beta1 D^md + beta2 E^md
    return out


# --------------------------------------------------------------------------------------------------
# Theorem 2: offloaded devices (Sec. IV-B)
# --------------------------------------------------------------------------------------------------


def _edge_allocation(
    offload: list[bool],
    macs: list[float],
    frames: list[float],
    frame_bits: list[float],
    rate: list[float],
    rho: list[float],
    f_edge_max: float,
) -> tuple[list[float], list[float]]:
    n = len(offload)
    # Denominators of eqs. (19)-(20), general form, summed over the offloaded set S = N_1.
    sum_c = 0.0  # sum_{i in S} sqrt(rho_i C_i)
    sum_w = 0.0  # sum_{i in S} sqrt(M_i d_i / R_i)
    for i in range(n):
        if offload[i]:
            sum_c += math.sqrt(rho[i] * macs[i])
            sum_w += math.sqrt(frames[i] * frame_bits[i] / rate[i])
    f_edge = [0.0] * n
    time_share = [0.0] * n
    for i in range(n):
        if offload[i]:
            # eq. (19)/(30), Theorem 2 (per-device rho): f_n^e = F sqrt(rho_n C_n) / sum_S sqrt(rho_i C_i)
            # (from the KKT condition (21) and the tight budget (26); common rho cancels to eq. (19)).
            f_edge[i] = f_edge_max * math.sqrt(rho[i] * macs[i]) / sum_c
            # eq. (20)/(31), Theorem 2 general form: t_n = sqrt(M_n d_n/R_n) / sum_S sqrt(M_i d_i/R_i)
            # (from the KKT condition (22) and the tight budget (27); the paper drops d_n, which is
            # right only when every d_n is equal).
            time_share[i] = math.sqrt(frames[i] * frame_bits[i] / rate[i]) / sum_w
    return f_edge, time_share


def edge_allocation(
    offload: Any,
    macs: Any,
    frames: Any,
    frame_bits: Any,
    rate: Any,
    rho: Any,
    f_edge_max: Any,
) -> tuple[list[float], list[float]]:
    """Optimal edge CPU and uplink time shares of the offloaded set S, Theorem 2 (general form).

    For n in S (``offload[n]`` True)::

        f_edge[n]     = F * sqrt(rho_n C_n)        / sum_{i in S} sqrt(rho_i C_i)         eq. (19)
        time_share[n] = sqrt(M_n d_n / R_n)        / sum_{i in S} sqrt(M_i d_i / R_i)     eq. (20)

    and 0 for local devices.  Both budgets (8c), (8d) hold with equality (eqs. (26)-(27)).

    The paper's eq. (19) reads ``F sqrt(C_n)/sum sqrt(C_i)``; that is the same thing when rho is common.
    The paper's eq. (20) reads ``sqrt(M_n/R_n)/sum sqrt(M_i/R_i)``: it drops d_n, which is right only
    when every device has the same frame size d_n (the paper's assumption in Sec. II-A).  With unequal
    d_n the KKT condition (22), ``beta1 M_n d_n / (R_n t_n^2) = mu_0``, gives the form used here.
    """
    off = _offload_list(offload)
    n = len(off)
    if n < 1:
        raise ValueError("at least one device is required (N >= 1)")
    lists = {
        "macs": _per_device("macs", macs, n),
        "frames": _per_device("frames", frames, n),
        "frame_bits": _per_device("frame_bits", frame_bits, n),
        "rate": _per_device("rate", rate, n),
        "rho": _per_device("rho", rho, n),
    }
    for name, vals in lists.items():
        _check_sign(name, vals, strict=True)
    f = _scalar("f_edge_max", f_edge_max)
    if f <= 0.0:
        raise ValueError(f"f_edge_max is {f}; it must be > 0")
    return _edge_allocation(
        off, lists["macs"], lists["frames"], lists["frame_bits"], lists["rate"], lists["rho"], f
    )


def _edge_delay(rho: float, macs: float, f_edge: float, frames: float, frame_bits: float,
                rate: float, time_share: float) -> float:
    # eq. (2) + eq. (4): D_n^e + D_n^t = rho C(M_n) / f_n^e + M_n d_n / (R_n t_n)
    return rho * macs / f_edge + frames * frame_bits / (rate * time_share)


def _edge_energy(frames: float, frame_bits: float, rate: float, tx_power: float) -> float:
    # eq. (5): E_n^t = M_n d_n p_n / R_n
    return frames * frame_bits / rate * tx_power


# --------------------------------------------------------------------------------------------------
# evaluating a given offload vector
# --------------------------------------------------------------------------------------------------


def _evaluate(p: _Problem, offload: list[bool], method: str) -> ReferenceSchedule:
    n = p.n
    f_edge, time_share = _edge_allocation(
        offload, p.macs, p.frames, p.frame_bits, p.rate, p.rho, p.f_edge_max
    )  # Theorem 2
    f_local = [0.0] * n
    delay = [0.0] * n
    energy = [0.0] * n
    for i in range(n):
        if offload[i]:
            # x_n = 1 terms of eqs. (6)-(7)
            delay[i] = _edge_delay(p.rho[i], p.macs[i], f_edge[i], p.frames[i], p.frame_bits[i],
                                   p.rate[i], time_share[i])  # eq. (2) + (4)
            energy[i] = _edge_energy(p.frames[i], p.frame_bits[i], p.rate[i], p.tx_power[i])  # eq. (5)
        else:
            # x_n = 0 terms of eqs. (6)-(7), at the Theorem-1 frequency
            f_local[i] = _local_frequency_one(p.w_delay, p.w_energy, p.kappa[i], p.f_local_max[i])
            delay[i] = _local_delay(p.rho[i], p.macs[i], f_local[i])  # eq. (1)
            energy[i] = _local_energy(p.kappa[i], p.rho[i], p.macs[i], f_local[i])  # eq. (3)
    # eq. (8) (= eq. (9) with F_0,n, F_1,n of eqs. (10)-(11)): sum_n beta1 D_n + beta2 E_n
    cost = 0.0
    for i in range(n):
        cost += p.w_delay * delay[i] + p.w_energy * energy[i]
    return ReferenceSchedule(
        offload=list(offload),
        f_local=f_local,
        f_edge=f_edge,
        time_share=time_share,
        delay=delay,
        energy=energy,
        cost=cost,
        method=method,
    )


def _total_cost(p: _Problem, offload: list[bool]) -> float:
    return _evaluate(p, offload, "evaluate").cost


def evaluate(
    offload: Any,
    macs: Any,
    frames: Any,
    frame_bits: Any,
    rate: Any,
    tx_power: Any,
    f_local_max: Any,
    *,
    kappa: Any = 1e-28,
    rho: Any = 0.12,
    f_edge_max: Any = 22e9,
    w_delay: Any = 0.5,
    w_energy: Any = 0.5,
) -> ReferenceSchedule:
    """Decode a given offload vector into a full schedule and its cost.

    Local devices run at the Theorem-1 frequency (eq. (13)); offloaded devices get the Theorem-2
    allocation over the offloaded set (eqs. (19)-(20), general form).  Delay eq. (6), energy eq. (7),
    cost eq. (8).  ``method`` of the result is ``"evaluate"``.
    """
    off = _offload_list(offload)
    p = _Problem(macs, frames, frame_bits, rate, tx_power, f_local_max, kappa, rho, f_edge_max,
                 w_delay, w_energy, n=len(off))
    return _evaluate(p, off, "evaluate")


# --------------------------------------------------------------------------------------------------
# offloading policies (Sec. IV-C and the baselines of Sec. V-A)
# --------------------------------------------------------------------------------------------------


def _greedy(p: _Problem) -> list[bool]:
    n = p.n
    # Step 1 (Sec. IV-C): F_0,n of every device executed locally, eqs. (10), (13).
    f0 = _local_costs(p)
    # Step 2: start with every device offloaded, |N_1| = N.
    offload = [True] * n
    current = _total_cost(p, offload)
    while any(offload):  # stop when N_1 is empty
        # F_1,n for n in N_1 under the current N_1: eq. (11) at the Theorem-2 allocation.
        f_edge, time_share = _edge_allocation(
            offload, p.macs, p.frames, p.frame_bits, p.rate, p.rho, p.f_edge_max
        )
        k = -1
        best = -math.inf
        for i in range(n):
            if not offload[i]:
                continue
            d = _edge_delay(p.rho[i], p.macs[i], f_edge[i], p.frames[i], p.frame_bits[i], p.rate[i],
                            time_share[i])  # eq. (2) + (4)
            e = _edge_energy(p.frames[i], p.frame_bits[i], p.rate[i], p.tx_power[i])  # eq. (5)
            f1 = p.w_delay * d + p.w_energy * e  # eq. (11)
            # device with the largest difference F_1,n - F_0,n; ties -> lowest index
            if k < 0 or f1 - f0[i] > best:
                k = i
                best = f1 - f0[i]
        # Try moving k from N_1 to N_0 and recompute the total cost of the new sets, eq. (9).
        offload[k] = False
        trial = _total_cost(p, offload)
        if trial < current:
            current = trial  # cost reduced: keep the move, next iteration
        else:
            offload[k] = True  # not reduced: put k back into N_1 and stop
            break
    return offload


def _exhaustive(p: _Problem) -> list[bool]:
    if p.n > EXHAUSTIVE_MAX_DEVICES:
        raise ValueError(
            f"exhaustive search over 2^{p.n} offload vectors refused: "
            f"N must be <= {EXHAUSTIVE_MAX_DEVICES}"
        )
    best: list[bool] | None = None
    best_cost = math.inf
    # "Enumeration method" of Sec. IV-C: every x in {0,1}^N, cost recomputed from scratch.
    # product order; strict < keeps the first minimiser (lexicographically smallest, False < True).
    for x in itertools.product((False, True), repeat=p.n):
        c = _total_cost(p, list(x))
        if best is None or c < best_cost:
            best = list(x)
            best_cost = c
    assert best is not None
    return best


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or seed is None:
        raise TypeError(f"seed must be an int in [0, 2**64), got {seed!r}")
    s = operator.index(seed)
    if not 0 <= s <= _MASK64:
        raise ValueError(f"seed is {s}; it must be in [0, 2**64)")
    return s


def splitmix64_bits(seed: Any, n: Any) -> list[int]:
    """The first ``n`` 64-bit outputs of SplitMix64 seeded with ``seed`` (an int in [0, 2**64)).

    Output i (0-based), all arithmetic mod 2**64, gamma = 0x9E3779B97F4A7C15::

        x = seed + (i + 1) * gamma
        z = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB
        z = z ^ (z >> 31)

    For seed 0 the outputs start 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F.
    The ``random`` baseline offloads device i iff ``z >> 63 == 1`` (the top bit of output i).
    """
    s = _check_seed(seed)
    count = operator.index(n)
    if count < 0:
        raise ValueError(f"n is {count}; it must be >= 0")
    out = []
    for i in range(count):
        x = (s + (i + 1) * _GAMMA) & _MASK64
        z = ((x ^ (x >> 30)) * _MIX1) & _MASK64
        z = ((z ^ (z >> 27)) * _MIX2) & _MASK64
        z = z ^ (z >> 31)
        out.append(z)
    return out


def _random(p: _Problem, seed: Any) -> list[bool]:
    # Baseline "Random" of Sec. V-A: each device offloaded with probability 1/2,
    # here the top bit of the n-th SplitMix64 output.
    return [(z >> 63) == 1 for z in splitmix64_bits(seed, p.n)]


def greedy(
    macs: Any,
    frames: Any,
    frame_bits: Any,
    rate: Any,
    tx_power: Any,
    f_local_max: Any,
    *,
    kappa: Any = 1e-28,
    rho: Any = 0.12,
    f_edge_max: Any = 22e9,
    w_delay: Any = 0.5,
    w_energy: Any = 0.5,
) -> list[bool]:
    """The paper's iterative greedy offloading policy, Sec. IV-C, exactly as written.

    1. F_0,n (eq. (10) at Theorem 1) for every device.
    2. Start with every device offloaded (N_1 = all).
    3. Each iteration: F_1,n (eq. (11) at the Theorem-2 allocation of the current N_1) for n in N_1;
       k = argmax_{n in N_1} (F_1,n - F_0,n), ties to the lowest index; tentatively move k to N_0.
       If the total cost (eq. (9), recomputed from scratch) strictly decreases, keep the move and
       continue; otherwise put k back and stop.  Also stop when N_1 is empty.

    The paper leaves implicit that the algorithm stops after putting k back (repeating would pick the
    same k forever).  It is a heuristic: it can end above the optimum of :func:`exhaustive`, although
    the paper calls its result "the optimal offloading policy".
    """
    p = _Problem(macs, frames, frame_bits, rate, tx_power, f_local_max, kappa, rho, f_edge_max,
                 w_delay, w_energy)
    return _greedy(p)


def exhaustive(
    macs: Any,
    frames: Any,
    frame_bits: Any,
    rate: Any,
    tx_power: Any,
    f_local_max: Any,
    *,
    kappa: Any = 1e-28,
    rho: Any = 0.12,
    f_edge_max: Any = 22e9,
    w_delay: Any = 0.5,
    w_energy: Any = 0.5,
) -> list[bool]:
    """Optimal offload vector by enumerating all 2^N vectors (``itertools.product`` order).

    Each vector's cost is recomputed from scratch with Theorems 1-2; the first minimiser in product
    order wins ties (the lexicographically smallest tuple, False < True).  Raises ``ValueError`` for
    N > 20.
    """
    p = _Problem(macs, frames, frame_bits, rate, tx_power, f_local_max, kappa, rho, f_edge_max,
                 w_delay, w_energy)
    return _exhaustive(p)


def local(
    macs: Any,
    frames: Any,
    frame_bits: Any,
    rate: Any,
    tx_power: Any,
    f_local_max: Any,
    *,
    kappa: Any = 1e-28,
    rho: Any = 0.12,
    f_edge_max: Any = 22e9,
    w_delay: Any = 0.5,
    w_energy: Any = 0.5,
) -> list[bool]:
    """Baseline "Local" (Sec. V-A): every device runs locally (all False)."""
    p = _Problem(macs, frames, frame_bits, rate, tx_power, f_local_max, kappa, rho, f_edge_max,
                 w_delay, w_energy)
    return [False] * p.n


def edge(
    macs: Any,
    frames: Any,
    frame_bits: Any,
    rate: Any,
    tx_power: Any,
    f_local_max: Any,
    *,
    kappa: Any = 1e-28,
    rho: Any = 0.12,
    f_edge_max: Any = 22e9,
    w_delay: Any = 0.5,
    w_energy: Any = 0.5,
) -> list[bool]:
    """Baseline "Edge" (Sec. V-A): every device is offloaded (all True)."""
    p = _Problem(macs, frames, frame_bits, rate, tx_power, f_local_max, kappa, rho, f_edge_max,
                 w_delay, w_energy)
    return [True] * p.n


def random(
    macs: Any,
    frames: Any,
    frame_bits: Any,
    rate: Any,
    tx_power: Any,
    f_local_max: Any,
    *,
    seed: Any,
    kappa: Any = 1e-28,
    rho: Any = 0.12,
    f_edge_max: Any = 22e9,
    w_delay: Any = 0.5,
    w_energy: Any = 0.5,
) -> list[bool]:
    """Baseline "Random" (Sec. V-A): device n offloaded iff the top bit of SplitMix64 output n is 1.

    ``seed`` (keyword, required) is an int in [0, 2**64); see :func:`splitmix64_bits`.
    """
    p = _Problem(macs, frames, frame_bits, rate, tx_power, f_local_max, kappa, rho, f_edge_max,
                 w_delay, w_energy)
    return _random(p, seed)


def solve_offloading(
    macs: Any,
    frames: Any,
    frame_bits: Any,
    rate: Any,
    tx_power: Any,
    f_local_max: Any,
    *,
    kappa: Any = 1e-28,
    rho: Any = 0.12,
    f_edge_max: Any = 22e9,
    w_delay: Any = 0.5,
    w_energy: Any = 0.5,
    method: str = "greedy",
    seed: Any = None,
) -> ReferenceSchedule:
    """Choose an offload vector with ``method`` and decode it (Theorems 1-2, eqs. (6)-(8)).

    ``method`` is one of "greedy" (Sec. IV-C), "exhaustive", "local", "edge", "random"; ``seed`` is
    required for "random" and ignored otherwise.  The result's ``method`` is the method name.
    """
    p = _Problem(macs, frames, frame_bits, rate, tx_power, f_local_max, kappa, rho, f_edge_max,
                 w_delay, w_energy)
    if method == "greedy":
        off = _greedy(p)
    elif method == "exhaustive":
        off = _exhaustive(p)
    elif method == "local":
        off = [False] * p.n
    elif method == "edge":
        off = [True] * p.n
    elif method == "random":
        if seed is None:
            raise ValueError('method="random" needs a seed (an int in [0, 2**64))')
        off = _random(p, seed)
    else:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    return _evaluate(p, off, method)


# --------------------------------------------------------------------------------------------------
# Deadlines (docs/model.md §8): every device's delay at most its deadline D_n
# --------------------------------------------------------------------------------------------------


def deadline_local_frequency(w_delay: float, w_energy: float, kappa: float, f_local_max: float, cycles: float,
                             deadline: float) -> float | None:
    """Theorem 1 with a deadline: the cost (10) is convex in f, so its minimiser over the feasible interval
    [cycles / D, f_max] is Theorem 1's frequency clipped to it; None when cycles / D > f_max (too slow locally)."""
    floor = cycles / deadline if deadline != math.inf else 0.0  # eq. (1): cycles / f <= D
    if floor > f_local_max:
        return None
    return max(_local_frequency_one(w_delay, w_energy, kappa, f_local_max), floor)


def deadline_feasible(c: list[float], w: list[float], deadline: list[float], f_edge_max: float) -> bool:
    """Whether one server of CPU F and one uplink frame can serve every device within its deadline.

    c_n = sqrt(rho C_n), w_n = sqrt(M_n d_n / R_n): device n needs c_n^2 / f_n + w_n^2 / t_n <= D_n. Feasible
    iff, with a = F - sum c^2/D, d = 1 - sum w^2/D and b = sum c w / D: a >= 0, d >= 0 and b^2 <= a d
    (docs/model.md §8). Devices without a deadline (D = inf) add nothing.
    """
    a, d, b = f_edge_max, 1.0, 0.0
    for cn, wn, dn in zip(c, w, deadline):
        if dn != math.inf:
            a -= cn * cn / dn
            d -= wn * wn / dn
            b += cn * wn / dn
    return a >= 0.0 and d >= 0.0 and b * b <= a * d


def deadline_allocation(c: list[float], w: list[float], deadline: list[float], f_edge_max: float,
                        w_delay: float) -> tuple[list[float], list[float]] | None:
    """The edge CPU and time shares minimising sum_n w_delay (c_n^2 / f_n + w_n^2 / t_n) subject to
    sum f <= F, sum t <= 1 and c_n^2 / f_n + w_n^2 / t_n <= D_n; None when no allocation meets every deadline.

    By its own method, brute force over the KKT conditions: with s_n = sqrt(w_delay + nu_n) (nu_n the
    deadline's multiplier) and x = sqrt(lambda), y = sqrt(mu) the budgets' multipliers, f_n = c_n s_n / x and
    t_n = w_n s_n / y. For each guess of the binding set B (s_n = (c_n x + w_n y) / D_n on B, sqrt(w_delay)
    elsewhere) the budgets are a 2x2 linear system in (x, y); the guess whose solution is consistent (B's
    devices at s_n >= sqrt(w_delay), the others within their deadlines) is the optimum (the problem is convex
    and its optimum unique). 2^N guesses: for small N only.
    """
    n = len(c)
    s0 = math.sqrt(w_delay)
    bounded = [i for i in range(n) if deadline[i] != math.inf]
    for bits in itertools.product((False, True), repeat=len(bounded)):
        binding = set(i for i, b in zip(bounded, bits) if b)
        # (F - sum_B c^2/D) x - (sum_B c w/D) y = s0 sum_{not B} c
        # -(sum_B c w/D) x + (1 - sum_B w^2/D) y = s0 sum_{not B} w
        a11, a12, a22, r1, r2 = f_edge_max, 0.0, 1.0, 0.0, 0.0
        for i in range(n):
            if i in binding:
                a11 -= c[i] * c[i] / deadline[i]
                a12 -= c[i] * w[i] / deadline[i]
                a22 -= w[i] * w[i] / deadline[i]
            else:
                r1 += s0 * c[i]
                r2 += s0 * w[i]
        det = a11 * a22 - a12 * a12
        if det <= 0.0:
            continue
        x = (r1 * a22 - a12 * r2) / det
        y = (a11 * r2 - a12 * r1) / det
        if not (x > 0.0 and y > 0.0):
            continue
        s = []
        ok = True
        for i in range(n):
            need = (c[i] * x + w[i] * y) / deadline[i] if deadline[i] != math.inf else 0.0
            if i in binding:
                ok = ok and need >= s0 * (1.0 - 1e-12)
                s.append(need)
            else:
                ok = ok and need <= s0 * (1.0 + 1e-12)
                s.append(s0)
        if ok:
            return [c[i] * s[i] / x for i in range(n)], [w[i] * s[i] / y for i in range(n)]
    return None


def solve_deadlines(
    macs: Any,
    frames: Any,
    frame_bits: Any,
    rate: Any,
    tx_power: Any,
    f_local_max: Any,
    *,
    deadline: Any,
    kappa: Any = 1e-28,
    rho: Any = 0.12,
    f_edge_max: Any = 22e9,
    w_delay: Any = 0.5,
    w_energy: Any = 0.5,
) -> ReferenceSchedule:
    """The optimum of the paper's problem with per-device deadlines (s; ``math.inf``: none), by brute force over
    every offloading set (product order, first minimiser kept): local devices at :func:`deadline_local_frequency`,
    offloaded ones at :func:`deadline_allocation`. ValueError when no set serves every device in time."""
    p = _Problem(macs, frames, frame_bits, rate, tx_power, f_local_max, kappa, rho, f_edge_max,
                 w_delay, w_energy)
    if p.n > 12:
        raise ValueError(f"solve_deadlines enumerates 3^N KKT guesses; N must be <= 12, got {p.n}")
    # inf (no deadline) is allowed, per device too: not _per_device, which asks for finite values
    dl = [float(v) for v in list(deadline)] if _is_sequence(deadline) else [float(deadline)] * p.n
    if len(dl) != p.n:
        raise ValueError(f"deadline has {len(dl)} entries, expected {p.n} (one per device)")
    for i, d in enumerate(dl):
        if not d > 0.0:
            raise ValueError(f"deadline[{i}] is {d}; it must be > 0 s")
    cyc = [p.rho[i] * p.macs[i] for i in range(p.n)]
    c = [math.sqrt(x) for x in cyc]
    w = [math.sqrt(p.frames[i] * p.frame_bits[i] / p.rate[i]) for i in range(p.n)]
    f_loc = [deadline_local_frequency(p.w_delay, p.w_energy, p.kappa[i], p.f_local_max[i], cyc[i], dl[i])
             for i in range(p.n)]
    best: ReferenceSchedule | None = None
    for x in itertools.product((False, True), repeat=p.n):
        if any(not x[i] and f_loc[i] is None for i in range(p.n)):
            continue
        on = [i for i in range(p.n) if x[i]]
        alloc = deadline_allocation([c[i] for i in on], [w[i] for i in on], [dl[i] for i in on], p.f_edge_max,
                                    p.w_delay) if on else ([], [])
        if alloc is None:
            continue
        f_edge, share = [0.0] * p.n, [0.0] * p.n
        for k, i in enumerate(on):
            f_edge[i], share[i] = alloc[0][k], alloc[1][k]
        f_local, delay, energy = [0.0] * p.n, [0.0] * p.n, [0.0] * p.n
        for i in range(p.n):
            if x[i]:
                delay[i] = _edge_delay(p.rho[i], p.macs[i], f_edge[i], p.frames[i], p.frame_bits[i], p.rate[i],
                                       share[i])  # eqs. (2) + (4)
                energy[i] = _edge_energy(p.frames[i], p.frame_bits[i], p.rate[i], p.tx_power[i])  # eq. (5)
            else:
                f = f_loc[i]
                assert f is not None
                f_local[i] = f
                delay[i] = _local_delay(p.rho[i], p.macs[i], f)  # eq. (1)
                energy[i] = _local_energy(p.kappa[i], p.rho[i], p.macs[i], f)  # eq. (3)
        cost = 0.0
        for i in range(p.n):
            cost += p.w_delay * delay[i] + p.w_energy * energy[i]  # eq. (8)
        if best is None or cost < best.cost:
            best = ReferenceSchedule(list(x), f_local, f_edge, share, delay, energy, cost, "deadlines")
    if best is None:
        alone = [i for i in range(p.n)
                 if f_loc[i] is None and not deadline_feasible([c[i]], [w[i]], [dl[i]], p.f_edge_max)]
        if alone:
            raise ValueError(f"device {alone[0]} cannot meet its deadline even with the server to itself")
        raise ValueError("no offloading set serves every device within its deadline")
    return best
