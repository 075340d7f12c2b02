"""The simulation loop: the world changes, the monitor evaluates, the policy re-solves."""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .._optional import optional, progress_bar
from .app_series import simulate_applications
from .city import OnlineCity
from .config import SimConfig
from .output import COLUMNS

__all__ = ["simulate"]


def _percentile(x: np.ndarray, q: float) -> float:
    return float(np.percentile(x, q)) if x.size else math.nan


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if x.size else math.nan


def simulate(config: SimConfig, *, progress: bool | None = None,
             on_step: Callable[[int, Any, str], None] | None = None) -> Any:
    """Run a configuration; the time series, one row per step (:data:`COLUMNS`; with ``config.apps``, a city
    of applications, those of :func:`~edgesched.online.app_series.application_columns`).

    Parameters
    ----------
    config : SimConfig
    progress : bool, optional
        A tqdm progress bar on stderr; ``None``: only when stderr is a terminal and tqdm is installed.
    on_step : callable, optional
        ``on_step(step, city, stage)``, called with the :class:`OnlineCity` (an
        :class:`~edgesched.online.app_city.AppCity` for a city of applications) after the monitor has evaluated
        the schedule in force (``stage="monitor"``) and after a re-solve has put a new one in force
        (``"resolved"``): to watch or check every schedule. It must not change the city.

    Returns
    -------
    pandas.DataFrame, or dict of numpy arrays when pandas is not installed
    """
    if not isinstance(config, SimConfig):
        raise ValueError(f"config must be a SimConfig; got {type(config).__name__}")
    if config.apps is not None:
        return simulate_applications(config, progress, on_step)
    sim = OnlineCity(config)
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
            cost_after, seconds, changed = cost_planned, 0.0, 0
            if resolved:
                before = sim.server.copy()
                schedule, seconds = sim.resolve(warm)
                sim.apply(schedule.choice)
                changed = int((sim.server != before).sum())
                cost_after = schedule.cost
                reference = cost_after / n
                if on_step is not None:
                    on_step(t, sim, "resolved")
            cost = float(now["cost"].sum())
            rows.append(dict(
                step=t, time_s=t * cfg.step_s, n_devices=n, arrivals=sim.arrivals,
                departures=sim.departures, alpha_changes=sim.alpha_changes, cost=cost,
                cost_per_device=cost / n if n else math.nan, cost_planned=cost_planned, drift=drift,
                delay_p50_s=_percentile(now["delay"], 50), delay_p95_s=_percentile(now["delay"], 95),
                energy_mean_j=_mean(now["energy"]), accuracy_mean=_mean(now["accuracy"]),
                offload_rate=_mean(now["offload"]), resolved=resolved, warm=resolved and warm,
                resolve_time_s=seconds, changed=changed, cost_after=cost_after,
                step_time_s=time.perf_counter() - t0))
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    series = {name: np.array([r[name] for r in rows]) for name in COLUMNS}
    pd = optional("pandas")
    return series if pd is None else pd.DataFrame(series)


