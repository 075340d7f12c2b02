"""The simulation's output: the time series' columns, CSV and a plot."""
from __future__ import annotations

import csv
import os
from typing import Any

import numpy as np

from .._optional import need

__all__ = ["COLUMNS", "TIMING_COLUMNS", "plot_applications", "plot_series", "write_csv"]

#: Columns of the time series, with units.
COLUMNS: dict[str, str] = {
    "step": "step index t (0 is the initial deployment)",
    "time_s": "t * step_s, s",
    "n_devices": "devices present",
    "arrivals": "devices that joined at this step",
    "departures": "devices that left at this step",
    "alpha_changes": "devices that redrew their accuracy requirement",
    "cost": "total cost of the schedule in force on the actual channel: sum of w_delay*delay + w_energy*energy",
    "cost_per_device": "cost / n_devices",
    "cost_planned": "the same on the channel the solver plans on (csi)",
    "drift": "(cost_planned / n) over its value right after the last re-solve, minus 1",
    "delay_p50_s": "median delay of the schedule in force, s",
    "delay_p95_s": "95th percentile delay, s",
    "energy_mean_j": "mean device energy, J",
    "accuracy_mean": "mean accuracy Phi(M*) (each >= its alpha)",
    "offload_rate": "fraction of devices offloading",
    "resolved": "whether a re-solve happened (its decisions hold from the next step)",
    "warm": "whether that re-solve was warm (from the schedule in force and the last dual prices)",
    "resolve_time_s": "wall time of the solver call, s (0 without a re-solve)",
    "changed": "devices whose server (or local) the re-solve changed",
    "cost_after": "planned cost of the schedule decided at this step (cost_planned without a re-solve)",
    "step_time_s": "wall time of the whole step (world, monitor, re-solve), s",
}
#: Columns that depend on the machine's speed, not on the seed.
TIMING_COLUMNS = ("resolve_time_s", "step_time_s")



def columns(series: Any) -> dict[str, np.ndarray]:
    """The series as a dict of numpy arrays (from a DataFrame or a dict)."""
    return {name: np.asarray(series[name]) for name in series}


def write_csv(series: Any, path: str | os.PathLike[str]) -> None:
    """Write a time series (DataFrame or dict of arrays) as CSV; floats round-trip exactly."""
    cols = columns(series)
    with open(os.fspath(path), "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(cols)
        for row in zip(*(c.tolist() for c in cols.values())):
            out.writerow([repr(v) if isinstance(v, float) else v for v in row])


#: Panels of :func:`plot_series`: (columns, y label).
_PANELS = (
    (("cost_per_device",), "cost per device of the schedule in force\n(w_delay * delay + w_energy * energy)"),
    (("drift",), "drift of planned cost per device"),
    (("delay_p50_s", "delay_p95_s"), "delay (s)"),
    (("energy_mean_j",), "mean energy (J)"),
    (("offload_rate",), "offloading rate"),
    (("n_devices",), "devices"),
    (("resolve_time_s",), "re-solve time (s)"),
    (("changed",), "decisions changed"),
)


def plot_series(series: Any, title: str | None = None) -> Any:
    """A :class:`matplotlib.figure.Figure` of a time series (no pyplot; save it with ``fig.savefig``).

    Eight panels against the step: cost per device, drift, delay p50/p95, mean energy, offloading rate, devices,
    re-solve time and decisions changed; re-solve steps are marked on every panel. The series of a city of
    applications gets :func:`plot_applications`'s panels instead.
    """
    mpl_figure = need("matplotlib.figure", "plot", "edgesched.online.plot_series")
    cols = columns(series)
    if "reassigned" in cols:
        return plot_applications(cols, mpl_figure, title)
    fig = mpl_figure.Figure(figsize=(13.0, 6.0), layout="constrained")
    axes = fig.subplots(2, 4, sharex=True).ravel()
    step, resolved = cols["step"], cols["resolved"].astype(bool)
    for ax, (names, label) in zip(axes, _PANELS):
        for i, name in enumerate(names):
            ax.plot(step, cols[name].astype(float), linewidth=1.0, label=name)
            ax.plot(step[resolved], cols[name][resolved].astype(float), "o", markersize=2.5, color="C3",
                    label="re-solve" if i == 0 else None)
        ax.set_ylabel(label, fontsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in axes[4:]:
        ax.set_xlabel("step")
    fig.suptitle(title or f"online city: {int(resolved.sum())} re-solves (red dots) in {step.size} steps",
                 fontsize=10)
    return fig




def plot_applications(cols: dict[str, np.ndarray], mpl_figure: Any, title: str | None = None) -> Any:
    """The figure of a city of applications' series: per application (one colour each) the accuracy delivered
    (solid) against required (dashed), delay p95 (solid) and p50 (dashed), mean energy, deadline misses and
    devices; for the whole city the cost per device, placements by kind, re-solve time, and the devices whose
    decision changed (variant, placement) or whose option left their menu."""
    apps = [name[: -len(".n_devices")] for name in cols if name.endswith(".n_devices")]
    step, resolved = cols["step"], cols["resolved"].astype(bool)
    fig = mpl_figure.Figure(figsize=(14.0, 8.5), layout="constrained")
    axes = fig.subplots(3, 3, sharex=True).ravel()

    def per_app(ax: Any, key: str, label: str, dashed: str | None = None) -> None:
        for i, app in enumerate(apps):
            if f"{app}.{key}" in cols:
                ax.plot(step, cols[f"{app}.{key}"].astype(float), color=f"C{i}", linewidth=1.0, label=app)
            if dashed is not None and f"{app}.{dashed}" in cols:
                ax.plot(step, cols[f"{app}.{dashed}"].astype(float), color=f"C{i}", linewidth=1.0, linestyle="--")
        ax.set_ylabel(label, fontsize=8)

    per_app(axes[0], "accuracy_mean", "accuracy delivered (solid)\nand required (dashed), mean", "alpha_mean")
    per_app(axes[1], "delay_p95_s", "delay p95 (solid), p50 (dashed), s", "delay_p50_s")
    per_app(axes[2], "energy_mean_j", "mean device energy (J)")
    per_app(axes[3], "late", "devices over their deadline")
    per_app(axes[4], "n_devices", "devices")
    axes[5].plot(step, cols["cost_per_device"].astype(float), linewidth=1.0, label="cost per device")
    axes[5].plot(step[resolved], cols["cost_per_device"][resolved].astype(float), "o", markersize=2.5, color="C3",
                 label="re-solve")
    axes[5].set_ylabel("cost per device of the schedule in force", fontsize=8)
    for i, kind in enumerate(("local", "edge", "cloud", "split", "split-cloud")):
        if f"n_{kind}" in cols:
            axes[6].plot(step, cols[f"n_{kind}"].astype(float), color=f"C{i}", linewidth=1.0, label=kind)
    axes[6].set_ylabel("devices by placement", fontsize=8)
    axes[7].plot(step, cols["resolve_time_s"].astype(float), linewidth=1.0, label="re-solve time")
    axes[7].set_ylabel("re-solve time (s)", fontsize=8)
    for name in ("changed_variant", "changed_placement", "reassigned"):
        axes[8].plot(step, cols[name].astype(float), linewidth=1.0, label=name.replace("_", " "))
    axes[8].set_ylabel("devices whose decision changed", fontsize=8)
    for ax in axes:
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    for ax in axes[6:]:
        ax.set_xlabel("step")
    fig.suptitle(title or f"a city of applications: {int(resolved.sum())} re-solves in {step.size} steps",
                 fontsize=10)
    return fig
