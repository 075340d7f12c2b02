"""The simulation loop of a city of applications and its time series: the columns of the city of one model
(:data:`~edgesched.online.output.COLUMNS`), what the pipeline adds, and a block of columns per application."""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..pipeline.privacy import PLACEMENTS
from .app_city import AppCity
from .config import SimConfig
from .loop import mean, percentile, run_steps
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


def _row(sim: AppCity, now: dict[str, np.ndarray], changes: dict[str, np.ndarray] | None) -> dict[str, Any]:
    """What a step of a city of applications adds to the row of a city of one model (``changes``: the masks of
    :meth:`AppCity.changes` at a step with a re-solve)."""
    changed = None if changes is None else changes["changed"]
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
            "accuracy_mean": mean(now["accuracy"][mine]), "alpha_mean": mean(now["alpha"][mine]),
            "accuracy_margin_min": float(margin.min()) if margin.size else math.nan,
            "delay_p50_s": percentile(now["delay"][mine], 50), "delay_p95_s": percentile(now["delay"][mine], 95),
            "energy_mean_j": mean(now["energy"][mine]), "late": int(now["late"][mine].sum()),
            **{f"n_{p}": int(kinds[i]) for i, p in enumerate(PLACEMENTS)},
            "changed": 0 if changed is None else int(changed[mine].sum()),
        }
        row.update({f"{city_app.name}.{k}": v for k, v in block.items()})
    return row


def simulate_applications(config: SimConfig, progress: bool | None = None,
                          on_step: Callable[[int, AppCity, str], None] | None = None) -> Any:
    """The loop of :func:`~edgesched.online.simulate` for a city of applications (``config.apps``); the series
    has the columns of :func:`application_columns`."""
    return run_steps(AppCity(config), application_columns(config), progress, on_step, extra=_row)
