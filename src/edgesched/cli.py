"""The ``edgesched`` command line."""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from . import scenarios
from .offloading import solve

__all__ = ["main"]

DEMO_METHODS = ("greedy", "auto", "exhaustive", "local", "edge", "random")


def _demo(args: argparse.Namespace) -> int:
    sc = scenarios.paper_default(n_devices=args.devices, seed=args.seed)
    print(f"Paper default scenario (Pan et al., Sec. V): {sc.n_devices} devices in a 500 m x 500 m square, "
          f"{sc.bandwidth / 1e6:g} MHz, edge {sc.f_edge_max / 1e9:g} GHz, alpha {sc.alpha[0]:g} -> "
          f"M* = {int(sc.frames[0])} frames, C(M*) = {sc.macs[0] / 1e9:.2f} GMAC ({sc.model}), seed {sc.seed}")
    results = {}
    for method in DEMO_METHODS:
        if method == "exhaustive" and sc.n_devices > 30:
            continue
        t0 = time.perf_counter()
        results[method] = solve(sc, method=method, seed=args.seed)
        results[method] = (results[method], time.perf_counter() - t0)
    best, _ = results["auto"]
    print(f"\nDecisions of method 'auto' (certified gap {best.gap:.1e}):")
    print(best.table())
    print("\nCost of each method (w_delay * delay + w_energy * energy, summed over devices):")
    for method, (sched, seconds) in results.items():
        print(f"  {sched.summary()}  [{seconds * 1e3:.1f} ms]")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="edgesched", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="solve the paper's default scenario with every method",
                          description="Solve the paper's Sec. V scenario with every method and print the "
                                      "per-device decisions and the cost of each method.")
    demo.add_argument("--devices", type=int, default=20, help="number of devices (default 20)")
    demo.add_argument("--seed", type=int, default=0, help="seed of the device layout (default 0)")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ValueError as exc:
        print(f"edgesched: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
