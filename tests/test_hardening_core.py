"""The compiled core under hostile inputs: arrays that another thread writes while the core runs (it releases the
GIL). Every call returns finite numbers or raises a ValueError that names an input; none crashes or hangs."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

# ------------------------------------------------------------------------------------ inputs written meanwhile

# Solves `iterations` times while a second thread keeps writing bad and good values into one of the arrays the
# call reads (the core runs without the GIL, so the writes land during the solve). Every call must return finite
# numbers whose cells are those of the schedule's own copy of the labels, or raise ValueError; a crash kills the
# subprocess and fails the test rather than the test run.
MUTATE = r"""
import json, sys, threading
import numpy as np
import edgesched as es

PER_DEVICE = ("macs", "frames", "frame_bits", "rate", "tx_power", "f_local_max", "kappa", "rho")
field, layout, iterations = sys.argv[1], sys.argv[2], int(sys.argv[3])
n, K = 100_000, 8
kw = es.scenarios.heterogeneous(n, seed=1).solver_kwargs()
kw = {k: (np.broadcast_to(np.asarray(v, float), n).copy() if k in PER_DEVICE else v) for k, v in kw.items()}
kw["f_edge_max"] = np.full(K, 22e9)
cell = (np.arange(n) % K if layout == "interleaved" else np.arange(n) * K // n).astype(np.int64)
target = cell if field == "cell" else kw[field]
half = slice(n // 2, n)  # read last: the writer is running by then
good = target[half].copy()
bad = [np.full_like(good, v) for v in {"cell": [2**40, -1, K], "frames": [np.nan, 2.5, -3.0]}.get(
    field, [np.nan, np.inf, -1.0, 0.0])]
idle = np.ones(4 * good.size)
stop = threading.Event()

def write():  # numpy releases the GIL while it copies: the writes land during the Python checks and the core's
    i = 0     # reads alike; the idle work keeps the values good most of the time, so many calls pass the checks
    while not stop.is_set():
        target[half] = bad[i % len(bad)]
        target[half] = good
        np.sqrt(idle, out=idle)
        i += 1

writer = threading.Thread(target=write)
writer.start()
counts = {"result": 0, "error": 0}
try:
    for i in range(iterations):
        method = ("local", "random")[i % 2]
        try:
            s = es.solve_offloading(**kw, cell=cell, method=method)
        except ValueError as e:  # naming the array written, or saying that another thread changed it
            assert field in str(e) or "another thread changed" in str(e), str(e)
            counts["error"] += 1
            continue
        numbers = [s.f_local, s.f_edge, s.time_share, s.delay, s.energy, s.cell_cost, [s.cost, s.lower_bound]]
        assert all(np.isfinite(x).all() for x in numbers), "a result holds a number that is not finite"
        assert s.cell.min() >= 0 and s.cell.max() < K, "the schedule's cells are not those it was solved with"
        per_cell = np.bincount(s.cell, weights=s.device_cost, minlength=K)
        np.testing.assert_allclose(per_cell, s.cell_cost, rtol=1e-9)
        counts["result"] += 1
finally:
    stop.set()
    writer.join()
print(json.dumps(counts))
"""


@pytest.mark.parametrize("field, layout", [("cell", "interleaved"), ("cell", "sorted"), ("rate", "sorted"),
                                           ("frames", "sorted"), ("f_local_max", "sorted"), ("kappa", "interleaved")])
def test_inputs_written_during_the_solve(field, layout):
    # "sorted": each cell a run of devices, whose inputs the core reads in place; "interleaved": gathered.
    iterations = 40
    done = subprocess.run([sys.executable, "-c", MUTATE, field, layout, str(iterations)], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    assert counts["result"] + counts["error"] == iterations
