"""Figures of the paper's Sec. V from :func:`edgesched.sweep.summarize` tables (matplotlib, no pyplot).

Each function takes a long summary table (columns ``metric, mean, ci95_low, ci95_high, n`` plus the group
columns) and returns a :class:`matplotlib.figure.Figure`; :func:`save` writes it as a PNG through the Agg
canvas, so no display and no global backend setting are involved. matplotlib is optional
(``pip install 'edgesched[plot]'``) and imported only here, inside the functions.
"""
from __future__ import annotations

import os
from typing import Any

from .._optional import need

__all__ = ["LABELS", "figure3", "figure4", "figure5", "save"]

#: Axis labels of the metrics and parameters, with units.
LABELS = {
    "cost_per_device": "average cost per device\n(cost = w_delay * delay + w_energy * energy)",
    "delay_s": "average delay per device (s)",
    "energy_j": "average device energy (J)",
    "offload_rate": "offloading rate\n(fraction of devices offloaded)",
    "n_devices": "number of devices N",
    "bandwidth": "bandwidth B (MHz)",
    "f_edge_max": "edge CPU f$^{e,max}$ (GHz)",
    "w_delay": r"$\beta_1$ (delay weight; $\beta_2 = 1 - \beta_1$)",
}
_SCALE = {"bandwidth": 1e-6, "f_edge_max": 1e-9}  # Hz -> MHz, GHz on the axes
_STYLE = {  # method -> line style; greedy and auto overlap on the paper's instances, so they differ in marker
    "greedy": {"color": "C0", "marker": "o", "linestyle": "-", "label": "proposed (paper's greedy)"},
    "auto": {"color": "C1", "marker": "x", "linestyle": "--", "label": "auto (ours)"},
    "local": {"color": "C2", "marker": "s", "linestyle": "-", "label": "Local"},
    "edge": {"color": "C3", "marker": "^", "linestyle": "-", "label": "Edge"},
    "random": {"color": "C4", "marker": "d", "linestyle": "-", "label": "Random"},
}


def _figure(rows: int, cols: int, size: tuple[float, float]) -> tuple[Any, Any]:
    mpl_figure = need("matplotlib.figure", "plot", "edgesched.experiments.plots")
    fig = mpl_figure.Figure(figsize=size, layout="constrained")
    return fig, fig.subplots(rows, cols, squeeze=False)


def _band(ax: Any, rows: Any, x: str, label: str, **style: Any) -> None:
    """A mean line with its 95% interval shaded."""
    rows = rows.sort_values(x)
    xs = rows[x].to_numpy(dtype=float) * _SCALE.get(x, 1.0)
    line, = ax.plot(xs, rows["mean"], markersize=4, linewidth=1.4, label=label, **style)
    ax.fill_between(xs, rows["ci95_low"], rows["ci95_high"], color=line.get_color(), alpha=0.2, linewidth=0)


def _seeds(summary: Any) -> int:
    return int(summary["n"].max())


def figure3(summary: Any) -> Any:
    """Fig. 3: average cost per device against N for each method (columns ``n_devices, method``)."""
    fig, axes = _figure(1, 1, (6.4, 4.4))
    ax = axes[0, 0]
    data = summary[summary["metric"] == "cost_per_device"]
    for method in data["method"].unique():
        style = dict(_STYLE.get(method, {"label": method}))
        _band(ax, data[data["method"] == method], "n_devices", style.pop("label"), **style)
    ax.set_xlabel(LABELS["n_devices"])
    ax.set_ylabel(LABELS["cost_per_device"])
    ax.set_title(f"Fig. 3: average cost per device ({_seeds(summary)} seeds a point, 95% CI)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def figure4(summary: Any) -> Any:
    """Fig. 4: delay, energy and offloading rate against N, bandwidth and edge CPU (columns ``panel, x``)."""
    panels = list(summary["panel"].unique())
    metrics = ("delay_s", "energy_j", "offload_rate")
    fig, axes = _figure(len(panels), len(metrics), (11.0, 3.0 * len(panels)))
    method = summary["method"].iloc[0]
    for r, panel in enumerate(panels):
        for c, metric in enumerate(metrics):
            ax = axes[r, c]
            rows = summary[(summary["panel"] == panel) & (summary["metric"] == metric)].rename(columns={"x": panel})
            _band(ax, rows, panel, f"{method}: mean, 95% CI", color=f"C{c}", marker="o")
            ax.set_xlabel(LABELS[panel])
            ax.set_ylabel(LABELS[metric])
            ax.grid(alpha=0.3)
            if metric == "offload_rate":
                ax.set_ylim(-0.03, 1.05)
            ax.legend(fontsize=7)
    fig.suptitle(f"Fig. 4: method {method!r}, {_seeds(summary)} seeds a point; other parameters at the paper's "
                 "defaults (N = 20, B = 5 MHz, edge 22 GHz)", fontsize=10)
    return fig


def figure5(summary: Any) -> Any:
    """Fig. 5: delay-energy trade-off over beta1 + beta2 = 1 per accuracy requirement (columns ``alpha, w_delay``)."""
    fig, axes = _figure(1, 3, (13.0, 4.0))
    wide = summary.pivot_table(index=["alpha", "w_delay"], columns="metric", values="mean").reset_index()
    for k, alpha in enumerate(sorted(summary["alpha"].unique())):
        color = f"C{k}"
        label = f"alpha = {alpha:g} (M* = {wide.loc[wide['alpha'] == alpha, 'frames'].iloc[0]:.0f})"
        pts = wide[wide["alpha"] == alpha].sort_values("w_delay")
        axes[0, 0].plot(pts["energy_j"], pts["delay_s"], marker="o", markersize=4, color=color, label=label)
        for metric, ax in (("delay_s", axes[0, 1]), ("energy_j", axes[0, 2])):
            rows = summary[(summary["alpha"] == alpha) & (summary["metric"] == metric)]
            _band(ax, rows, "w_delay", label, color=color, marker="o")
    axes[0, 0].set_xlabel(LABELS["energy_j"])
    axes[0, 0].set_ylabel(LABELS["delay_s"])
    axes[0, 0].set_title(r"trade-off as $\beta_1$ goes 0.1 $\to$ 0.9 (left to right)", fontsize=9)
    for metric, ax in (("delay_s", axes[0, 1]), ("energy_j", axes[0, 2])):
        ax.set_xlabel(LABELS["w_delay"])
        ax.set_ylabel(LABELS[metric])
    for ax in axes[0]:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"Fig. 5: delay, energy and accuracy ({_seeds(summary)} seeds a point, N = 20)", fontsize=10)
    return fig


def save(fig: Any, path: str | os.PathLike[str], dpi: int = 100) -> None:
    """Write ``fig`` as a PNG file (Agg canvas)."""
    fig.savefig(path, dpi=dpi)
