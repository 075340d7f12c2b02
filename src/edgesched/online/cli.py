"""``edgesched simulate``: run a simulation file, write its series and plot."""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from typing import Any

import numpy as np

from .._files import ScenarioFileError, output_dir
from .config import load_config
from .output import columns, plot_series, write_csv
from .simulate import simulate

__all__ = ["add_parser"]


def _over(reduce: Any, values: np.ndarray) -> float:
    """``reduce`` over the values that are not NaN (steps without devices), NaN when none are."""
    x = np.asarray(values, dtype=np.float64)
    x = x[~np.isnan(x)]
    return float(reduce(x)) if x.size else math.nan


def _run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    out = output_dir(args.out or os.path.splitext(args.config)[0] + "-results", "--out")
    t0 = time.perf_counter()
    series = simulate(config, progress=False if args.no_progress else None)
    seconds = time.perf_counter() - t0
    cols = columns(series)
    csv_path, png_path = os.path.join(out, "series.csv"), os.path.join(out, "series.png")
    try:
        write_csv(series, csv_path)
    except OSError as exc:
        raise ScenarioFileError(f"{csv_path}: cannot write the series: {exc.strerror}") from None
    resolved = cols["resolved"].astype(bool)
    print(f"{args.config}: {config.steps} steps in {seconds:.1f} s; devices {cols['n_devices'][0]} -> "
          f"{cols['n_devices'][-1]}; {int(resolved.sum())} re-solves ({'warm' if config.warm else 'cold'}, "
          f"trigger {config.trigger!r}) taking {cols['resolve_time_s'].sum():.3f} s in all")
    print(f"cost per device: mean {_over(np.mean, cols['cost_per_device']):.4g}, last "
          f"{cols['cost_per_device'][-1]:.4g}; delay p95 mean {_over(np.mean, cols['delay_p95_s']):.4g} s; "
          f"offloading rate mean {_over(np.mean, cols['offload_rate']):.3f}")
    if config.apps is not None:
        for name in config.apps.names:
            late = f", {int(cols[name + '.late'].sum())} deadline misses" if name + ".late" in cols else ""
            print(f"  {name}: accuracy delivered mean {_over(np.mean, cols[name + '.accuracy_mean']):.4g} against "
                  f"{_over(np.mean, cols[name + '.alpha_mean']):.4g} required (least margin "
                  f"{_over(np.min, cols[name + '.accuracy_margin_min']):.3g}); delay p95 mean "
                  f"{_over(np.mean, cols[name + '.delay_p95_s']):.4g} s{late}")
        print(f"  decisions changed by re-solves: {int(cols['changed'].sum())} ({int(cols['changed_variant'].sum())} "
              f"variants, {int(cols['changed_placement'].sum())} placements); options that left their menu: "
              f"{int(cols['reassigned'].sum())}")
    print(f"series: {csv_path}")
    try:
        plot_series(series, title=f"{os.path.basename(args.config)}").savefig(png_path, dpi=100)
    except ImportError as exc:
        print(f"no plot: {exc}", file=sys.stderr)
        return 0
    except OSError as exc:
        raise ScenarioFileError(f"{png_path}: cannot write the plot: {exc.strerror}") from None
    print(f"plot: {png_path}")  # outside the try: a closed stdout is not a plot that cannot be written
    return 0


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register ``simulate CONFIG.toml [--out DIR] [--no-progress]`` on an ``argparse`` subparsers object; the
    parsed namespace's ``func(args)`` runs the simulation, writes ``DIR/series.csv`` and ``DIR/series.png`` and
    returns 0."""
    p = sub.add_parser("simulate", help="an online city: devices move and come and go, the schedule is "
                                        "monitored and re-optimized (TOML; docs/simulate-format.md)",
                       description="Step a city through time, monitor the schedule in force and re-optimize it "
                                   "by the configured policy; write the per-step series as CSV and a plot.")
    p.add_argument("config", help="simulation file (TOML)")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="output directory (default: CONFIG-results next to the file)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_run)
    return p

