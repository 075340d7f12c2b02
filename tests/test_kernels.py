"""The Numba kernels, run compiled and as plain Python (``NUMBA_DISABLE_JIT=1``): the same numbers."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

from edgesched.kernels import nearest_stations


def _stations(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return nearest_stations(rng.uniform(0, 1000, (400, 2)), rng.uniform(0, 1000, (37, 2)), 3, 1000.0)


def test_kernels_are_correct_as_plain_python():
    """NUMBA_DISABLE_JIT=1 runs the kernels as Python: the same stations and distances must come out."""
    code = ("import numpy as np; from tests.test_kernels import _stations;"
            "s, d = _stations(4); print(repr((s.tolist(), d.tolist())))")
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(__file__)))
    plain_station, plain_distance = eval(out.stdout)  # noqa: S307 - our own repr of lists of numbers
    station, distance = _stations(4)
    np.testing.assert_array_equal(plain_station, station)
    np.testing.assert_allclose(plain_distance, distance, rtol=1e-15, atol=0)
