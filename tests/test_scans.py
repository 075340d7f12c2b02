"""The core's AVX2 scans (the greedy's argmax, descent's best move) against its portable loops.

Where the CPU has AVX2 the core picks AVX2 builds of these scans at run time; ``EDGESCHED_NO_AVX2`` selects the
portable loops. Both must take the same decisions, ties included, so the same instances are solved in a
subprocess with the variable set and compared choice for choice.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

SOLVE = r"""
import json, sys
import numpy as np
import edgesched as es
out = []
instances = [es.scenarios.heterogeneous(n, seed).solver_kwargs() for n in (1, 3, 7, 37, 100, 256, 257, 600)
             for seed in range(3)]
for n in (9, 40, 120, 300):  # exact ties: every third device a copy of another
    kw = es.scenarios.heterogeneous(n, n).solver_kwargs()
    for key in ("macs", "frames", "frame_bits", "rate", "tx_power", "f_local_max", "kappa", "rho"):
        kw[key] = np.broadcast_to(kw[key], n).copy()
        kw[key][::3] = kw[key][n // 2]
    instances.append(kw)
for kw in instances:
    table = es.paper_table(**kw)
    starts = [np.zeros(table.n_devices, np.int32), (np.arange(table.n_devices) % 3 == 1).astype(np.int32)]
    out.append([es.solve_offloading(**kw, method="greedy").offload.astype(int).tolist(),
                es.solve_options(table, "auto").choice.tolist(),
                [es.solve_options(table, "descent", start=s).choice.tolist() for s in starts]])
city = es.scenarios.city(30, 60, seed=5).solver_kwargs()
out.append([es.solve_offloading(**city, method=m).offload.astype(int).tolist() for m in ("greedy", "auto")])
json.dump(out, sys.stdout)
"""


def _run(no_avx2: bool) -> list:
    env = dict(os.environ)
    env.pop("EDGESCHED_NO_AVX2", None)
    if no_avx2:
        env["EDGESCHED_NO_AVX2"] = "1"
    done = subprocess.run([sys.executable, "-c", SOLVE], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_portable_scans_take_the_same_decisions():
    fast, portable = _run(False), _run(True)
    assert len(fast) == len(portable) > 0
    for i, (a, b) in enumerate(zip(fast, portable)):
        for what, x, y in zip(("greedy", "auto", "descent"), a, b):
            np.testing.assert_array_equal(x, y, err_msg=f"instance {i}, {what}")
