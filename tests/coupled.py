"""Coupled cities for tests and benchmarks, built from the physics alone (not from ``scenarios.city``).

Stations sit at the centres of a ``g x g`` grid of 500 m squares; devices are uniform over the whole area; each
device may run locally or offload to any of its ``k`` nearest stations (brute-force distances), at the Shannon rate
of the paper's channel to that station. Accuracy needs, device CPUs and transmit powers are heterogeneous.
Option 0 is local; option ``1 + i`` offloads to the device's ``i``-th nearest station.
"""
from __future__ import annotations

import numpy as np

import edgesched as es
from edgesched.model.menus import option_costs
from edgesched.physics.accuracy import default_curve, min_frames
from edgesched.physics.channel import shannon_rate
from edgesched.physics.macs import model_macs

SPACING = 500.0  # m between stations
FRAME_BITS = 112 * 112 * 3 * 8  # 8-bit RGB frame


def coupled_city(n_devices: int, n_stations: int, k: int = 3, seed: int = 0, *, f_edge: float = 22e9,
                 bandwidth: float = 5e6, w_delay: float = 0.5, w_energy: float = 0.5) -> es.OptionTable:
    """A coupled city of ``n_devices`` devices and ``n_stations`` stations (a square number) as an option table."""
    g = int(round(np.sqrt(n_stations)))
    if g * g != n_stations:
        raise ValueError(f"n_stations is {n_stations}; it must be a square number")
    k = min(k, n_stations)
    rng = np.random.default_rng([seed, n_devices, n_stations, k])
    side = g * SPACING
    i = np.arange(n_stations)
    stations = np.column_stack(((i // g + 0.5) * SPACING, (i % g + 0.5) * SPACING))
    xy = rng.uniform(0.0, side, size=(n_devices, 2))
    alpha = rng.uniform(0.80, 0.94, n_devices)
    f_local = rng.uniform(1.0e9, 2.5e9, n_devices)
    power = rng.uniform(0.1, 0.4, n_devices)
    dist = np.hypot(xy[:, None, 0] - stations[None, :, 0], xy[:, None, 1] - stations[None, :, 1])
    near = np.argsort(dist, axis=1, kind="stable")[:, :k]
    d = np.maximum(np.take_along_axis(dist, near, axis=1), 10.0)
    rate = np.asarray(shannon_rate(bandwidth, power[:, None], d), dtype=float)
    frames = np.asarray(min_frames(default_curve(), alpha), dtype=np.int64)
    cycles = 0.12 * np.asarray(model_macs("r3d_18", frames), dtype=float)
    bits = frames * float(FRAME_BITS)
    # Per device: local, then one option per station.
    n_opt = k + 1
    local = np.zeros((n_devices, n_opt), bool)
    local[:, 0] = True
    opt_rate = np.concatenate([np.ones((n_devices, 1)), rate], axis=1)
    linear, c, w, _ = option_costs(
        local_cycles=np.where(local, cycles[:, None], 0.0).ravel(),
        f_local_max=np.repeat(f_local, n_opt), kappa=1e-28,
        edge_cycles=np.where(local, 0.0, cycles[:, None]).ravel(),
        up_bits=np.where(local, 0.0, bits[:, None]).ravel(), rate=opt_rate.ravel(),
        tx_power=np.repeat(power, n_opt), fixed_delay=0.0, w_delay=w_delay, w_energy=w_energy)
    server = np.concatenate([np.full((n_devices, 1), -1), near], axis=1).astype(np.int32).ravel()
    ptr = np.arange(n_devices + 1, dtype=np.int64) * n_opt
    return es.OptionTable(ptr, linear, server, c, w, np.full(n_stations, w_delay / f_edge),
                          np.full(n_stations, w_delay))


def relaxation_scip(table: es.OptionTable, time_limit: float | None = None) -> float:
    """The continuous relaxation's optimum (each device mixing its options) by SCIP, on the scaled model of
    ``edgesched.solvers.exact``: ``min sum p linear + sum_j (u_j^2 + v_j^2)``, ``u_j = sum sqrt(A_j) c p``."""
    from pyscipopt import Model, quicksum

    m = Model()
    m.hideOutput()
    m.setParam("numerics/feastol", 1e-9)
    m.setParam("numerics/dualfeastol", 1e-9)
    m.setParam("limits/gap", 0.0)
    if time_limit:
        m.setParam("limits/time", float(time_limit))
    ptr = table.option_ptr
    sa, sb = np.sqrt(table.A), np.sqrt(table.B)
    u_terms: list[list] = [[] for _ in range(table.n_servers)]
    v_terms: list[list] = [[] for _ in range(table.n_servers)]
    obj = []
    for n in range(table.n_devices):
        xs = []
        for o in range(ptr[n], ptr[n + 1]):
            x = m.addVar(lb=0.0, ub=1.0)
            xs.append(x)
            obj.append(table.linear[o] * x)
            j = table.server[o]
            if j >= 0:
                u_terms[j].append(sa[j] * table.c[o] * x)
                v_terms[j].append(sb[j] * table.w[o] * x)
        m.addCons(quicksum(xs) == 1)
    t = []
    for j in range(table.n_servers):
        u, v, tj = m.addVar(lb=0.0), m.addVar(lb=0.0), m.addVar(lb=0.0)
        m.addCons(u == quicksum(u_terms[j]))
        m.addCons(v == quicksum(v_terms[j]))
        m.addCons(tj >= u * u + v * v)
        t.append(tj)
    m.setObjective(quicksum(obj) + quicksum(t))
    m.optimize()
    return float(m.getObjVal())
