"""Hypothesis strategies for random heterogeneous instances of the paper's problem and of one server with
deadlines."""
from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st


@st.composite
def paper_instances(draw, min_devices: int = 1, max_devices: int = 10, *, alike: bool = False):
    """Keyword arguments for ``solve_offloading`` (minus method/seed) drawn from a realistic range.

    Devices differ in every per-device field (unequal accuracy needs, hence frames and MACs, CPUs, powers,
    frame sizes, rates) unless ``alike`` is set, when all devices are identical.
    """
    n = draw(st.integers(min_devices, max_devices))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    size = 1 if alike else n

    def field(lo: float, hi: float, log: bool = False) -> np.ndarray:
        v = np.exp(rng.uniform(np.log(lo), np.log(hi), size)) if log else rng.uniform(lo, hi, size)
        return np.broadcast_to(v, n).copy()

    frames = np.broadcast_to(rng.integers(1, 17, size), n).astype(float)
    kw = dict(
        macs=frames * field(1.5e9, 3.5e9),
        frames=frames,
        frame_bits=field(2e5, 1e6),
        rate=field(2e6, 2e8, log=True),
        tx_power=field(0.05, 0.5),
        f_local_max=field(0.8e9, 3e9),
        kappa=field(3e-29, 3e-28, log=True) if draw(st.booleans()) else 1e-28,
        rho=field(0.06, 0.25) if draw(st.booleans()) else 0.12,
        f_edge_max=float(rng.uniform(4e9, 60e9)),
        w_delay=float(rng.uniform(0.1, 1.0)),
        w_energy=float(rng.choice([0.0, rng.uniform(0.05, 1.0)], p=[0.1, 0.9])),
    )
    return kw


@st.composite
def edge_sets(draw, max_devices: int, *, tightest: float = 0.5, share_without: float = 0.25):
    """One server's offloaded devices: ``(c, w, deadline, F, w_delay)`` with c = sqrt(rho C) (sqrt(cycle)),
    w = sqrt(M d / R) (sqrt(s)) and deadlines in s drawn from ``tightest`` to 1.6 times the delays of the
    allocation without deadlines (so that some bind and some do not), a share ``share_without`` of them ``inf``;
    F in Hz, w_delay in 1/s. Arrays of float64."""
    n = draw(st.integers(1, max_devices))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    c = np.sqrt(rng.uniform(0.05, 0.25) * rng.uniform(5e9, 60e9, n))
    w = np.sqrt(rng.uniform(1e5, 5e6, n) / rng.uniform(2e6, 2e8, n))
    F, w_delay = float(rng.uniform(4e9, 60e9)), float(rng.uniform(0.1, 1.0))
    free = c * c.sum() / F + w * w.sum()  # delays at Theorem 2's shares
    deadline = free * rng.uniform(tightest, 1.6, n)
    deadline[rng.random(n) < share_without] = math.inf
    return c, w, deadline, F, w_delay
