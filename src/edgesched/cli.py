"""The ``edgesched`` command line.

Each subcommand is registered by a function ``add_parser(sub)`` that adds its parser to an ``argparse``
subparsers object and sets ``func(args) -> exit status``; :data:`SUBCOMMANDS` lists them.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import numpy as np

from ._files import ScenarioFileError, output_dir, output_file
from .experiments import profiling
from .experiments.reproduce import FIGURES, reproduce
from .experiments.sweep import SweepTaskError
from .methods import EXHAUSTIVE_MAX_DEVICES, METHODS, OPTION_METHODS
from .model.results import Schedule, certificate_text
from .online import cli as online_cli
from .scenarios import ApplicationScenario, load_scenario, paper_default
from .solvers.offloading import solve

__all__ = ["SUBCOMMANDS", "build_parser", "main"]


def _count(text: str) -> int:
    """An argument that counts something (workers, seeds): an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1; got {text!r}")
    return value


# -- demo --------------------------------------------------------------------

def _demo(args: argparse.Namespace) -> int:
    sc = paper_default(n_devices=args.devices, seed=args.seed)
    print(f"Paper default scenario (Pan et al., Sec. V): {sc.n_devices} devices in a 500 m x 500 m square, "
          f"{sc.bandwidth / 1e6:g} MHz, edge {sc.f_edge_max / 1e9:g} GHz, alpha {sc.alpha[0]:g} -> "
          f"M* = {int(sc.frames[0])} frames, C(M*) = {sc.macs[0] / 1e9:.2f} GMAC ({sc.model}), seed {sc.seed}")
    print(f"Weights w_delay = {sc.w_delay:g} 1/s, w_energy = {sc.w_energy:g} 1/J; devices: f_local_max "
          f"{sc.f_local_max[0] / 1e9:g} GHz, tx_power {sc.tx_power[0]:g} W, kappa {sc.kappa[0]:g} J s^2/cycle^3, "
          f"rho {sc.rho[0]:g} cycle/MAC, frame {sc.frame_bits[0]:g} bit")
    results: dict[str, tuple[Schedule, float]] = {}
    for method in METHODS:
        if method == "exhaustive" and sc.n_devices > EXHAUSTIVE_MAX_DEVICES:
            continue
        t0 = time.perf_counter()
        schedule = solve(sc, method=method, seed=args.seed)
        results[method] = (schedule, time.perf_counter() - t0)
    best, _ = results["auto"]
    print(f"\nDecisions of method 'auto' ({certificate_text(best.cost, best.lower_bound)}):")
    print(best.table())
    print("\nCost of each method (w_delay * delay + w_energy * energy, summed over devices):")
    for sched, seconds in results.values():
        print(f"  {sched.summary()}  [{seconds * 1e3:.1f} ms]")
    _demo_deadlines(sc, best)
    return 0


def _demo_deadlines(sc: Any, best: Schedule) -> None:
    """A few offloaded devices given deadlines below their delays in ``best``: before and after."""
    picked = np.flatnonzero(best.offload)[:3]
    if picked.size == 0:
        return
    for tight in (0.8, 0.9, 0.95, 0.99):
        deadline = np.full(sc.n_devices, np.inf)
        deadline[picked] = best.delay[picked] * tight
        try:
            after = solve(sc, deadline=deadline)
        except ValueError:
            continue
        print(f"\nDeadlines (docs/model.md §8): devices {', '.join(str(int(n)) for n in picked)} must finish within "
              f"{tight:g} x their delays above ('auto', {certificate_text(after.cost, after.lower_bound)}):")
        print(f"  {'device':>6} {'deadline s':>10} {'before s':>9} {'after s':>8} {'where':>6} {'f_edge GHz':>10} "
              f"{'share':>7}")
        for n in picked:
            print(f"  {n:>6d} {deadline[n]:>10.4f} {best.delay[n]:>9.4f} {after.delay[n]:>8.4f} "
                  f"{'edge' if after.offload[n] else 'local':>6} {after.f_edge[n] / 1e9:>10.3f} "
                  f"{after.time_share[n]:>7.4f}")
        met = bool(np.all(after.delay <= deadline))
        print(f"  every deadline met: {'yes' if met else 'NO'}; cost {best.cost:.6g} -> {after.cost:.6g}")
        return


def add_demo_parser(sub: Any) -> argparse.ArgumentParser:
    """``edgesched demo [--devices N] [--seed S]``."""
    p = sub.add_parser("demo", help="solve the paper's default scenario with every method",
                       description="Solve the paper's Sec. V scenario with every method and print the "
                                   "per-device decisions and the cost of each method.")
    p.add_argument("--devices", type=int, default=20, help="number of devices (default 20)")
    p.add_argument("--seed", type=int, default=0, help="seed of the device layout (default 0)")
    p.set_defaults(func=_demo)
    return p


# -- reproduce ---------------------------------------------------------------

def _reproduce(args: argparse.Namespace) -> int:
    names = list(FIGURES) if args.figure == "all" else [args.figure]
    output_dir(args.out, "--out")
    t0 = time.perf_counter()
    written = reproduce(names, args.out, quick=args.quick, seeds=args.seeds, max_workers=args.workers,
                        progress=False if args.no_progress else None)
    print(f"{'quick ' if args.quick else ''}reproduction of {', '.join(names)} in {time.perf_counter() - t0:.1f} s:")
    for name, (png, csv) in written.items():
        print(f"  {name}: {png}  (data: {csv})")
    return 0


def add_reproduce_parser(sub: Any) -> argparse.ArgumentParser:
    """``edgesched reproduce fig3|fig4|fig5|all [--quick] [--out DIR] [--seeds N] [--workers N]``."""
    p = sub.add_parser("reproduce", help="the paper's Sec. V figures (Figs. 3-5) from this implementation",
                       description="Run the sweeps of the paper's Figs. 3-5 on its default scenario and write "
                                   "figN.png and figN.csv (means with 95%% intervals) into --out.")
    p.add_argument("figure", choices=(*FIGURES, "all"), help="which figure (all: every one)")
    p.add_argument("--quick", action="store_true", help="a few points and 5 seeds (seconds) instead of the "
                                                        "full sweeps (100 seeds a point)")
    p.add_argument("--out", default="figures", metavar="DIR", help="output directory (default ./figures)")
    p.add_argument("--seeds", type=_count, default=None, help="seeds per point (overrides the settings)")
    p.add_argument("--workers", type=_count, default=None, help="worker processes (default: one per CPU)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_reproduce)
    return p


# -- solve -------------------------------------------------------------------

def _solve(args: argparse.Namespace) -> int:
    if args.output:
        output_file(args.output, "-o")
    sc = load_scenario(args.scenario)
    if isinstance(sc, ApplicationScenario):
        return _solve_applications(sc, args)
    if args.method not in METHODS:
        raise ValueError(f"{sc.path}: --method {args.method} solves option tables, as a scenario of applications "
                         f"has; this file gives one model per device: use one of {', '.join(METHODS)}")
    schedule = sc.solve(method=args.method, seed=args.seed)
    print(f"{sc.path}: {sc.n_devices} devices, {len(sc.server_names)} server(s), method {args.method!r}")
    print(schedule.summary())
    if schedule.cell_cost is not None:
        for name, cost in zip(sc.server_names, schedule.cell_cost):
            print(f"  server {name}: cost {cost:.6g}")
    if args.output:
        sc.write_schedule(schedule, args.output)
        print(f"schedule of {sc.n_devices} devices written to {args.output}")
    else:
        print(schedule.table())
    return 0


def _solve_applications(sc: ApplicationScenario, args: argparse.Namespace) -> int:
    """``edgesched solve`` of a scenario of applications: through the pipeline, results per application."""
    result = sc.solve(method=args.method, seed=args.seed)
    cloud = "a cloud" if sc.pipeline.cloud is not None else "no cloud"
    print(f"{sc.path}: {sc.n_devices} devices of {len(sc.applications)} application(s), {len(sc.server_names)} "
          f"edge server(s), {cloud}, method {args.method!r}")
    print(f"{args.method}: cost {result.cost:.6g} ({certificate_text(result.cost, result.lower_bound)}"
          f"{', optimal' if result.optimal else ''})")
    print(result.applications_table())
    if args.output:
        sc.write_schedule(result, args.output)
        print(f"schedule of {sc.n_devices} devices written to {args.output}")
    else:
        print(result.table())
    return 0


#: Methods ``edgesched solve`` accepts: the paper's problem's, then those of option tables only.
SOLVE_METHODS = (*METHODS, *(m for m in OPTION_METHODS if m not in METHODS))


def add_solve_parser(sub: Any) -> argparse.ArgumentParser:
    """``edgesched solve SCENARIO.toml [-o schedule.csv] [--method auto] [--seed S]``."""
    p = sub.add_parser("solve", help="solve a scenario file (TOML; format in docs/scenario-format.md)",
                       description="Read a scenario file, solve it and print the schedule, or write it as CSV "
                                   "with -o (one row per device).")
    p.add_argument("scenario", help="scenario file (TOML)")
    p.add_argument("-o", "--output", metavar="CSV", help="write the per-device schedule to this CSV file")
    p.add_argument("--method", choices=SOLVE_METHODS, default="auto",
                   help="solver (default auto); a scenario of applications takes any method of option tables")
    p.add_argument("--seed", type=int, default=0, help="seed of the random baseline (default 0)")
    p.set_defaults(func=_solve)
    return p


# -- sweep -------------------------------------------------------------------

def _sweep(args: argparse.Namespace) -> int:
    from .experiments.sweep import summarize, sweep
    from .experiments.sweep_file import load_sweep

    spec = load_sweep(args.sweep)
    out = output_dir(args.out or spec.out, "--out" if args.out else f"sweep.out of {spec.path}")
    t0 = time.perf_counter()
    runs = sweep(spec.grid, spec.seeds, store=os.path.join(out, "store"), max_workers=args.workers,
                 chunk_size=spec.chunk_size, progress=False if args.no_progress else None, scheduler=args.scheduler)
    varied = [k for k, v in spec.grid.items() if len(v) > 1]
    summary = summarize(runs, varied or ["scenario"], ["cost_per_device", "delay_s", "energy_j", "offload_rate"])
    for frame, name in ((runs, "results.csv"), (summary, "summary.csv")):
        path = os.path.join(out, name)
        try:
            frame.to_csv(path, index=False)
        except OSError as exc:
            raise ScenarioFileError(f"{path}: cannot write the sweep's {name}: {exc.strerror}") from None
    where = f" on the Dask cluster at {args.scheduler}" if args.scheduler else ""
    print(f"{spec.path}: {len(runs)} rows ({len(spec.seeds)} seeds a point) in {time.perf_counter() - t0:.1f} s"
          f"{where}")
    wide = summary.pivot_table(index=varied or ["scenario"], columns="metric", values="mean", sort=False)
    print(wide.to_string(float_format=lambda v: f"{v:.4g}"))
    print(f"results: {os.path.join(out, 'results.csv')}, means and 95% intervals: {os.path.join(out, 'summary.csv')}")
    return 0


def add_sweep_parser(sub: Any) -> argparse.ArgumentParser:
    """``edgesched sweep SWEEP.toml [--out DIR] [--workers N] [--scheduler ADDRESS]``."""
    p = sub.add_parser("sweep", help="run a sweep file (TOML): parameters x seeds, resumable",
                       description="Run every grid point of a sweep file with every seed on a process pool, or on "
                                   "the workers of a running Dask cluster (--scheduler). Results are stored in "
                                   "DIR/store as they finish, so an interrupted sweep resumes where it stopped; "
                                   "DIR/results.csv and DIR/summary.csv are written at the end.")
    p.add_argument("sweep", help="sweep file (TOML)")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="output directory (default: the file's [sweep] out, else FILE-results next to it)")
    p.add_argument("--workers", type=_count, default=None,
                   help="worker processes (default: one per CPU; on a cluster, its workers' threads)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="run on a running Dask cluster, given its scheduler's address (tcp://host:8786); its "
                        "workers need edgesched installed (pip install 'edgesched[dask]')")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_sweep)
    return p


#: Subcommand registrars, in the order ``--help`` lists them.
SUBCOMMANDS: tuple[Callable[[Any], argparse.ArgumentParser], ...] = (
    add_demo_parser,
    add_solve_parser,
    add_sweep_parser,
    add_reproduce_parser,
    profiling.add_parser,
    online_cli.add_parser,
)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (the subcommands' parsers are of this class too)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="edgesched", description="Schedule video-DNN inference of camera "
                     "devices between the devices and edge servers (Pan et al.).")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in SUBCOMMANDS:
        add(sub)
    return parser


#: Exit status after the reader of the output went away (as a process killed by SIGPIPE).
EXIT_BROKEN_PIPE = 141


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit does not fail again on a closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (a test's capture): nothing to flush
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run a subcommand; every error is one line on stderr (``edgesched: error: FILE: KEY ...``) and a non-zero
    exit status, never a traceback. A closed pipe on stdout (``edgesched solve F | head -1``) ends quietly."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (ValueError, ImportError, SweepTaskError) as exc:
        message = str(exc)
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # writing an output: the disk is full, a directory is read-only, ...
        message = f"{exc.filename}: {exc.strerror}" if exc.filename else f"{exc.strerror or exc}"
    except MemoryError:
        message = f"out of memory running '{args.command}'; try a smaller instance"
    except KeyboardInterrupt:
        message = "interrupted"
    print(f"edgesched: error: {' '.join(message.split())}", file=sys.stderr)
    return 130 if message == "interrupted" else 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
