"""The simulation loop every online city shares: the world changes, the monitor evaluates the schedule in force,
the policy decides whether to re-solve, and each step becomes one row of the time series."""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .._optional import optional, progress_bar
from .city import OnlineCity

__all__ = ["mean", "percentile", "run_steps"]


def percentile(x: np.ndarray, q: float) -> float:
    """The ``q``-th percentile of ``x``, NaN when it is empty (a step without devices)."""
    return float(np.percentile(x, q)) if x.size else math.nan


def mean(x: np.ndarray) -> float:
    """The mean of ``x``, NaN when it is empty."""
    return float(x.mean()) if x.size else math.nan


def run_steps(sim: OnlineCity, columns: dict[str, str], progress: bool | None,
              on_step: Callable[[int, Any, str], None] | None,
              extra: Callable[[Any, dict[str, np.ndarray], dict[str, np.ndarray] | None], dict[str, Any]] | None
              = None) -> Any:
    """Run ``sim`` for its configuration's steps; the series of ``columns`` (see :func:`~edgesched.simulate`).

    Each step: the world moves (:meth:`OnlineCity.advance`, from the second step on), the schedule in force is
    evaluated at the actual rates and kept through handovers, and the trigger decides on a re-solve (warm from
    the schedule in force and the last prices, cold the first time and after the city emptied). ``extra(sim,
    now, changed)`` adds a city's own columns from the evaluation ``now`` and the per-device masks of
    :meth:`OnlineCity.changes` (``None`` at a step without a re-solve).
    """
    cfg = sim.config
    rows: list[dict[str, Any]] = []
    reference = math.nan  # planned cost per device right after the last re-solve
    bar = progress_bar(cfg.steps, 0, progress, unit="step")
    try:
        for t in range(cfg.steps):
            t0 = time.perf_counter()
            if t:
                sim.advance()
            n = sim.n_devices
            now = sim.evaluate()
            sim.apply(sim.choice_in_force())  # handovers happened
            if on_step is not None:
                on_step(t, sim, "monitor")
            planned = now if sim.plan_rate is sim.rate else sim.evaluate(planned=True)
            cost_planned = float(planned["cost"].sum())
            drift = cost_planned / n / reference - 1.0 if n and reference > 0 else math.nan
            if n == 0:
                reference = math.nan  # nobody left: the next devices start a new schedule
            first = not reference > 0
            due = {"every": True, "periodic": t % cfg.period == 0, "drift": drift > cfg.drift_threshold,
                   "never": False}[cfg.trigger]
            resolved, warm = n > 0 and (first or due), cfg.warm and not first
            cost_after, seconds, changed = cost_planned, 0.0, None
            if resolved:
                before = sim.decisions()
                schedule, seconds = sim.resolve(warm)
                sim.apply(schedule.choice)
                changed = sim.changes(before)
                cost_after = schedule.cost
                reference = cost_after / n
                if on_step is not None:
                    on_step(t, sim, "resolved")
            cost = float(now["cost"].sum())
            row = dict(
                step=t, time_s=t * cfg.step_s, n_devices=n, arrivals=sim.arrivals,
                departures=sim.departures, alpha_changes=sim.alpha_changes, cost=cost,
                cost_per_device=cost / n if n else math.nan, cost_planned=cost_planned, drift=drift,
                delay_p50_s=percentile(now["delay"], 50), delay_p95_s=percentile(now["delay"], 95),
                energy_mean_j=mean(now["energy"]), accuracy_mean=mean(now["accuracy"]),
                offload_rate=mean(now["offload"]), resolved=resolved, warm=resolved and warm,
                resolve_time_s=seconds, cost_after=cost_after,
                **{k: 0 if changed is None else int(changed[k].sum()) for k in sim.CHANGES},
                **({} if extra is None else extra(sim, now, changed)))
            row["step_time_s"] = time.perf_counter() - t0
            rows.append(row)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    series = {name: np.array([r[name] for r in rows]) for name in columns}
    pd = optional("pandas")
    return series if pd is None else pd.DataFrame(series)
