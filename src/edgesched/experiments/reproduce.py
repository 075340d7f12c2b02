"""The paper's Sec. V figures (Pan et al., Figs. 3-5) from this implementation.

:func:`reproduce` runs the sweeps of each figure on the paper's default scenario
(:func:`edgesched.scenarios.paper_default`: N = 20, B = 5 MHz, edge 22 GHz, alpha = 0.9, beta1 = beta2 = 0.5)
and writes ``figN.png`` and ``figN.csv`` (the plotted means with their 95% intervals) into a directory.

* Fig. 3: average cost per device against N for the paper's greedy, ``auto``, Local, Edge and Random.
* Fig. 4: average delay, energy and offloading rate against N, the bandwidth and the edge CPU.
* Fig. 5: average delay and energy over beta1 + beta2 = 1 for several accuracy requirements alpha.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .._files import output_dir
from . import plots
from .sweep import default_executor, summarize, sweep

__all__ = ["FIGURES", "FULL", "QUICK", "Settings", "fig3_data", "fig4_data", "fig5_data", "reproduce"]


@dataclass(frozen=True)
class Settings:
    """What each figure sweeps.

    Attributes
    ----------
    seeds : int
        Device layouts (seeds 0 .. seeds-1) per point.
    n_devices : tuple of int
        N for Fig. 3 and the first row of Fig. 4.
    bandwidth : tuple of float
        Uplink bandwidths in Hz (Fig. 4, second row).
    f_edge_max : tuple of float
        Edge CPUs in Hz (Fig. 4, third row).
    alpha : tuple of float
        Accuracy requirements (Fig. 5).
    w_delay : tuple of float
        beta1 values in (0, 1) (Fig. 5; beta2 = 1 - beta1).
    methods : tuple of str
        Methods compared in Fig. 3.
    method : str
        Method of Figs. 4-5 (the paper's greedy: the "proposed scheme").
    """

    seeds: int
    n_devices: tuple[int, ...]
    bandwidth: tuple[float, ...]
    f_edge_max: tuple[float, ...]
    alpha: tuple[float, ...]
    w_delay: tuple[float, ...]
    methods: tuple[str, ...] = ("greedy", "auto", "local", "edge", "random")
    method: str = "greedy"


#: The paper's 100 tests a point, N = 1..30.
FULL = Settings(
    seeds=100,
    n_devices=tuple(range(1, 31)),
    bandwidth=(0.5e6, 1e6, 2e6, 3e6, 5e6, 7.5e6, 10e6, 15e6, 20e6),
    f_edge_max=(2.5e9, 5e9, 10e9, 15e9, 22e9, 30e9, 40e9, 60e9, 80e9),
    alpha=(0.80, 0.85, 0.90, 0.94),
    w_delay=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
)
#: A few points and seeds, for the demo and the tests.
QUICK = Settings(
    seeds=5,
    n_devices=(1, 4, 8, 12, 20),
    bandwidth=(1e6, 5e6, 20e6),
    f_edge_max=(5e9, 22e9, 80e9),
    alpha=(0.80, 0.90),
    w_delay=(0.1, 0.5, 0.9),
)
_FIG3_METRICS = ("cost_per_device", "delay_s", "energy_j", "offload_rate")
_FIG4_METRICS = ("delay_s", "energy_j", "offload_rate")
_FIG5_METRICS = ("delay_s", "energy_j", "cost_per_device", "offload_rate", "frames")


def fig3_data(settings: Settings = FULL, **sweep_options: Any) -> Any:
    """Fig. 3's table: metrics per (N, method), long form (see :func:`edgesched.sweep.summarize`).

    ``sweep_options`` go to :func:`edgesched.sweep.sweep` (``executor``, ``progress``, ...).
    """
    grid: dict[str, list[Any]] = {"n_devices": list(settings.n_devices), "method": list(settings.methods)}
    runs = sweep(grid, settings.seeds, **sweep_options)
    return summarize(runs, ["n_devices", "method"], _FIG3_METRICS)


def fig4_data(settings: Settings = FULL, **sweep_options: Any) -> Any:
    """Fig. 4's table: metrics per (panel, x), where ``panel`` names the varied parameter (SI units)."""
    import pandas as pd  # present: sweep() has checked

    parts = []
    for panel in ("n_devices", "bandwidth", "f_edge_max"):
        runs = sweep({panel: list(getattr(settings, panel)), "method": [settings.method]}, settings.seeds,
                     **sweep_options)
        part = summarize(runs, [panel, "method"], _FIG4_METRICS).rename(columns={panel: "x"})
        parts.append(part.assign(panel=panel))
    out = pd.concat(parts, ignore_index=True)
    return out[["panel", "x", *[c for c in out.columns if c not in ("panel", "x")]]]


def fig5_data(settings: Settings = FULL, **sweep_options: Any) -> Any:
    """Fig. 5's table: metrics per (alpha, beta1) with beta2 = 1 - beta1."""
    points = [{"alpha": a, "w_delay": wd, "w_energy": round(1.0 - wd, 12), "method": settings.method}
              for a in settings.alpha for wd in settings.w_delay]
    runs = sweep(points, settings.seeds, **sweep_options)
    return summarize(runs, ["alpha", "w_delay", "w_energy", "method"], _FIG5_METRICS)


#: Figure name -> (table builder, plotter).
FIGURES: dict[str, tuple[Callable[..., Any], Callable[[Any], Any]]] = {
    "fig3": (fig3_data, plots.figure3),
    "fig4": (fig4_data, plots.figure4),
    "fig5": (fig5_data, plots.figure5),
}


def reproduce(
    figures: Iterable[str] = tuple(FIGURES),
    out: str | os.PathLike[str] = "figures",
    *,
    quick: bool = False,
    seeds: int | None = None,
    executor: Executor | None = None,
    max_workers: int | None = None,
    progress: bool | None = None,
) -> dict[str, tuple[Path, Path]]:
    """Compute and write the figures.

    Parameters
    ----------
    figures : iterable of str
        Keys of :data:`FIGURES`.
    out : path
        Output directory (created if missing): ``figN.png`` and ``figN.csv`` for each figure.
    quick : bool
        :data:`QUICK` settings (a few points and seeds) instead of :data:`FULL`.
    seeds : int, optional
        Override the settings' number of seeds.
    executor, max_workers, progress
        As for :func:`edgesched.sweep.sweep`; with no executor one process pool serves every figure.

    Returns
    -------
    dict
        Figure name -> (PNG path, CSV path).
    """
    names = list(figures)
    for name in names:
        if name not in FIGURES:
            raise ValueError(f"figure {name!r} is unknown; choose from {', '.join(FIGURES)}")
    settings = QUICK if quick else FULL
    if seeds is not None:
        if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
            raise ValueError(f"seeds is {seeds!r}; it must be an integer >= 1")
        settings = replace(settings, seeds=seeds)
    folder = Path(output_dir(os.fspath(out), "the figures' directory"))
    own = executor is None
    ex = default_executor(max_workers) if own else executor
    written = {}
    try:
        for name in names:
            build, draw = FIGURES[name]
            table = build(settings, executor=ex, max_workers=max_workers, progress=progress)
            png, csv = folder / f"{name}.png", folder / f"{name}.csv"
            table.to_csv(csv, index=False)
            plots.save(draw(table), png)
            written[name] = (png, csv)
    finally:
        if ex is not None and own:
            ex.shutdown()
    return written
