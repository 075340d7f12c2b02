"""Peak memory of a city solve (10^4 cells x 100 devices) against its input arrays: the rise of the peak
resident set size (VmHWM, reset before the solve) over the resident set size before it (Linux).

    PYTHONPATH=src .venv/bin/python bench/peak_memory.py greedy
"""
from __future__ import annotations

import gc
import sys

import numpy as np

import edgesched as es


def rss(field: str = "VmHWM") -> int:
    """The process's peak (VmHWM) or present (VmRSS) resident set size in bytes."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith(field))


def reset_peak() -> None:
    """Set the peak resident set size to the present one (Linux >= 4.0), so that an earlier peak (building
    the city) does not hide the solve's."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def main(method: str) -> None:
    city = es.scenarios.city(10_000, 100, seed=1)
    kw = city.solver_kwargs()
    small = {k: v[:1000] for k, v in kw.items() if isinstance(v, np.ndarray) and v.shape == (city.n_devices,)}
    es.solve_offloading(**{**small, "cell": None, "f_edge_max": 22e9}, method=method)  # imports, first calls
    inputs = sum(v.nbytes for v in kw.values() if isinstance(v, np.ndarray))
    del city
    gc.collect()
    reset_peak()
    before = rss("VmRSS")
    es.solve_offloading(**kw, method=method)
    rise = rss("VmHWM") - before
    print(f"{method}: inputs {inputs / 1e6:.0f} MB, peak rise {rise / 1e6:.0f} MB = {rise / inputs:.2f}x the inputs")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "greedy")
