"""What a sweep task computes: a scenario built from its parameters and seed, solved, and summarised."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..scenarios import GENERATORS, SOLVER_KEYS, Scenario
from ..solvers.batched import BATCH_METHODS, solve_batch
from ..solvers.offloading import solve

__all__ = ["METRICS", "evaluate_paper", "evaluate_paper_batch"]

#: The metrics :func:`evaluate_paper` returns, with their units.
METRICS: dict[str, str] = {
    "cost": "total cost sum_n (w_delay * delay_n + w_energy * energy_n)",
    "cost_per_device": "cost / N",
    "delay_s": "mean delay per device, s",
    "energy_j": "mean device energy, J",
    "offload_rate": "fraction of devices offloaded",
    "frames": "mean frame count M*",
    "gap": "certified relative gap to the optimum",
}

def evaluate_paper(params: Mapping[str, Any], seed: int) -> dict[str, float]:
    """Build a scenario from ``params`` and ``seed``, solve it, and return its metrics (:data:`METRICS`).

    Parameters
    ----------
    params : mapping
        ``method`` (a method of :func:`edgesched.solve`, default ``"auto"``), ``scenario`` (a key of
        :data:`GENERATORS`, default ``"paper_default"``), and keyword arguments of that generator in its
        units (``n_devices``, ``bandwidth`` in Hz, ``f_edge_max`` in Hz, ``alpha``, ``w_delay`` in 1/s,
        ``w_energy`` in 1/J, ...).
    seed : int
        Seed of the device layout, and of the ``random`` baseline.
    """
    kwargs = dict(params)
    method = kwargs.pop("method", "auto")
    generator = kwargs.pop("scenario", "paper_default")
    if generator not in GENERATORS:
        raise ValueError(f"scenario is {generator!r}; it must be one of {', '.join(GENERATORS)}")
    sc = GENERATORS[generator](seed=seed, **kwargs)
    s = solve(sc, method=method, seed=seed)
    return _metrics(sc, s.cost, s.delay, s.energy, s.offload, s.gap)


def _metrics(sc: Scenario, cost: float, delay: Any, energy: Any, offload: Any, gap: float
             ) -> dict[str, float]:
    n = sc.n_devices
    return {"cost": float(cost), "cost_per_device": float(cost) / n, "delay_s": float(np.mean(delay)),
            "energy_j": float(np.mean(energy)), "offload_rate": float(np.mean(offload)),
            "frames": float(sc.frames.mean()), "gap": float(gap)}


def evaluate_paper_batch(params: Mapping[str, Any], seeds: Sequence[int], backend: str = "numpy"
                         ) -> list[dict[str, float]]:
    """:func:`evaluate_paper` for many seeds at once: the scenarios of ``params`` with each seed, stacked
    into one :func:`edgesched.solve_batch` call on ``backend`` ("numpy" or "cupy"). Methods: those of
    :data:`edgesched.solvers.batched.BATCH_METHODS` (default ``"greedy"``); ``gap`` is the certified gap of the
    batch's one-pass bound. Returns one row of metrics per seed, in the order of ``seeds``."""
    kwargs = dict(params)
    method = kwargs.pop("method", "greedy")
    if method not in BATCH_METHODS:
        raise ValueError(f"method is {method!r}; a batched sweep solves {', '.join(BATCH_METHODS)}")
    generator = kwargs.pop("scenario", "paper_default")
    if generator not in GENERATORS:
        raise ValueError(f"scenario is {generator!r}; it must be one of {', '.join(GENERATORS)}")
    scs = [GENERATORS[generator](seed=s, **kwargs) for s in seeds]
    per_scenario = ("f_edge_max", "w_delay", "w_energy")
    per_seed = [sc.solver_kwargs() for sc in scs]
    stacked = {k: np.stack([kw[k] for kw in per_seed]) for k in SOLVER_KEYS}
    b = solve_batch(**{k: v for k, v in stacked.items() if k not in per_scenario},
                    **{k: stacked[k].reshape(-1) for k in per_scenario}, method=method, backend=backend)
    return [_metrics(sc, b.cost[i], b.delay[i], b.energy[i], b.offload[i], b.gap[i]) for i, sc in enumerate(scs)]


