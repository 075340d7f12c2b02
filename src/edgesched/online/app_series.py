"""The simulation loop of a city of applications and its time series: the columns of the city of one model
(:data:`~edgesched.online.output.COLUMNS`), what the pipeline adds, and a block of columns per application."""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .._optional import optional, progress_bar
from ..pipeline.privacy import PLACEMENTS
from .app_city import AppCity
from .config import SimConfig
from .output import COLUMNS

__all__ = ["application_columns", "simulate_applications"]

#: Columns a city of applications adds to :data:`COLUMNS`, with their meaning.
EXTRA_COLUMNS: dict[str, str] = {
    "reassigned": "devices whose option in force left their menu at this step (their requirement changed, say) "
                  "and that took their cheapest option at the last prices",
    "changed_variant": "devices whose model variant the re-solve changed",
    "changed_placement": "devices whose placement (kind, cut or station) the re-solve changed",
    "late": "devices whose delay exceeds their application's deadline",
    **{f"n_{p}": f"devices placed {p}" for p in PLACEMENTS},
}
#: Columns of each application ``A``, named ``A.<column>``.
PER_APPLICATION: dict[str, str] = {
    "n_devices": "its devices present",
    "cost": "their total cost (actual rates)",
    "accuracy_mean": "mean accuracy delivered, the chosen variant's Phi(M)",
    "alpha_mean": "mean accuracy required",
    "accuracy_margin_min": "least accuracy delivered minus required over its devices (>= 0)",
    "delay_p50_s": "median delay, s",
    "delay_p95_s": "95th percentile delay, s",
    "energy_mean_j": "mean device energy, J",
    "late": "devices over the application's deadline (only with a deadline)",
    **{f"n_{p}": f"its devices placed {p}" for p in PLACEMENTS},
    "changed": "its devices whose option the re-solve changed",
}


def application_columns(config: SimConfig) -> dict[str, str]:
    """Every column of a city of applications' series, in order, with its meaning."""
    assert config.apps is not None
    out = {**COLUMNS, **EXTRA_COLUMNS}
    if all(a.application.deadline is None for a in config.apps.applications):
        del out["late"]
    for a in config.apps.applications:
        for key, text in PER_APPLICATION.items():
            if key == "late" and a.application.deadline is None:
                continue
            out[f"{a.name}.{key}"] = f"{a.name}: {text}"
    return out


def _percentile(x: np.ndarray, q: float) -> float:
    return float(np.percentile(x, q)) if x.size else math.nan


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if x.size else math.nan


def _row(sim: AppCity, now: dict[str, np.ndarray], changed: np.ndarray | None) -> dict[str, Any]:
    """What a step of a city of applications adds to the row of a city of one model."""
    assert sim.config.apps is not None
    kinds = np.bincount(now["kind"], minlength=len(PLACEMENTS))
    row: dict[str, Any] = {"reassigned": sim.reassigned, "late": int(now["late"].sum()),
                           **{f"n_{p}": int(kinds[i]) for i, p in enumerate(PLACEMENTS)}}
    for a, city_app in enumerate(sim.config.apps.applications):
        mine = now["app"] == a
        kinds = np.bincount(now["kind"][mine], minlength=len(PLACEMENTS))
        margin = now["accuracy"][mine] - now["alpha"][mine]
        block = {
            "n_devices": int(mine.sum()), "cost": float(now["cost"][mine].sum()),
            "accuracy_mean": _mean(now["accuracy"][mine]), "alpha_mean": _mean(now["alpha"][mine]),
            "accuracy_margin_min": float(margin.min()) if margin.size else math.nan,
            "delay_p50_s": _percentile(now["delay"][mine], 50), "delay_p95_s": _percentile(now["delay"][mine], 95),
            "energy_mean_j": _mean(now["energy"][mine]), "late": int(now["late"][mine].sum()),
            **{f"n_{p}": int(kinds[i]) for i, p in enumerate(PLACEMENTS)},
            "changed": 0 if changed is None else int(changed[mine].sum()),
        }
        row.update({f"{city_app.name}.{k}": v for k, v in block.items()})
    return row


def simulate_applications(config: SimConfig, progress: bool | None = None,
                          on_step: Callable[[int, AppCity, str], None] | None = None) -> Any:
    """The loop of :func:`~edgesched.online.simulate` for a city of applications (``config.apps``); the series
    has the columns of :func:`application_columns`."""
    sim = AppCity(config)
    cfg = sim.config
    names = application_columns(cfg)
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
            cost_after, seconds = cost_planned, 0.0
            changed = variant = placement = None
            if resolved:
                d = sim.population
                before = (d.variant.copy(), d.kind.copy(), d.cut.copy(), d.server.copy())
                schedule, seconds = sim.resolve(warm)
                sim.apply(schedule.choice)
                variant = d.variant != before[0]
                placement = (d.kind != before[1]) | (d.cut != before[2]) | (d.server != before[3])
                changed = variant | placement
                cost_after = schedule.cost
                reference = cost_after / n
                if on_step is not None:
                    on_step(t, sim, "resolved")
            cost = float(now["cost"].sum())
            row = dict(
                step=t, time_s=t * cfg.step_s, n_devices=n, arrivals=sim.arrivals,
                departures=sim.departures, alpha_changes=sim.alpha_changes, cost=cost,
                cost_per_device=cost / n if n else math.nan, cost_planned=cost_planned, drift=drift,
                delay_p50_s=_percentile(now["delay"], 50), delay_p95_s=_percentile(now["delay"], 95),
                energy_mean_j=_mean(now["energy"]), accuracy_mean=_mean(now["accuracy"]),
                offload_rate=_mean(now["offload"]), resolved=resolved, warm=resolved and warm,
                resolve_time_s=seconds, changed=0 if changed is None else int(changed.sum()), cost_after=cost_after,
                changed_variant=0 if variant is None else int(variant.sum()),
                changed_placement=0 if placement is None else int(placement.sum()),
                **_row(sim, now, changed))
            row["step_time_s"] = time.perf_counter() - t0
            rows.append(row)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    series = {name: np.array([r[name] for r in rows]) for name in names}
    pd = optional("pandas")
    return series if pd is None else pd.DataFrame(series)
