"""Peak memory of a city solve (10^4 cells x 100 devices) against its input arrays, from VmHWM (Linux).

    PYTHONPATH=src .venv/bin/python bench/peak_memory.py greedy
"""
from __future__ import annotations

import gc
import sys

import numpy as np

import edgesched as es


def peak_rss() -> int:
    """The process's peak resident set size in bytes (VmHWM)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM"))


def main(method: str) -> None:
    city = es.scenarios.city(10_000, 100, seed=1)
    kw = city.solver_kwargs()
    small = {k: v[:1000] for k, v in kw.items() if isinstance(v, np.ndarray) and v.shape == (city.n_devices,)}
    es.solve_offloading(**{**small, "cell": None, "f_edge_max": 22e9}, method=method)  # imports, first calls
    inputs = sum(v.nbytes for v in kw.values() if isinstance(v, np.ndarray))
    del city
    gc.collect()
    before = peak_rss()
    es.solve_offloading(**kw, method=method)
    rise = peak_rss() - before
    print(f"{method}: inputs {inputs / 1e6:.0f} MB, peak rise {rise / 1e6:.0f} MB = {rise / inputs:.2f}x the inputs")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "greedy")
