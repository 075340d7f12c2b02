"""Peak memory of a city solve (10^4 cells x 100 devices) against its input arrays, from VmHWM (Linux).

    PYTHONPATH=src .venv/bin/python bench/peak_memory.py greedy
"""
import sys, numpy as np, edgesched as es
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"): return int(line.split()[1]) * 1024
method = sys.argv[1]
c = es.scenarios.city(10_000, 100, seed=1)
kw = c.solver_kwargs()
es.solve_offloading(**{k: (v[:1000] if isinstance(v, np.ndarray) and v.shape == (c.n_devices,) else v) for k, v in kw.items() if k not in ("cell", "f_edge_max")}, f_edge_max=22e9, method=method)  # warm up imports
inputs = sum(v.nbytes for v in kw.values() if isinstance(v, np.ndarray))
del c
import gc; gc.collect()
before = hwm()
s = es.solve_offloading(**kw, method=method)
after = hwm()
print(f"{method}: inputs {inputs/1e6:.0f} MB, peak rise {(after-before)/1e6:.0f} MB = {(after-before)/inputs:.2f}x inputs")
