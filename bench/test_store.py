"""Re-reading a sweep's result store: 2,000 tasks in 500 chunks (4 tasks each, as a sweep of small chunks leaves
them), read and verified chunk by chunk; and a complete store re-read by ``sweep`` (merged into one chunk by the
sweep that filled it).

    .venv/bin/python -m pytest bench/test_store.py --benchmark-only

With ``--benchmark-disable`` (``make test``) it shrinks to 40 chunks as a smoke test.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

from edgesched.experiments.store import Store
from edgesched.experiments.sweep import _tasks, grid_points, sweep

GRID = {"scenario": ["paper_default"], "n_devices": [20], "bandwidth": [1e6, 2e6, 5e6, 10e6, 20e6],
        "method": ["greedy", "auto", "local", "edge", "random"]}
TASKS_PER_CHUNK = 4


def metrics(params, seed):
    """A row shaped like evaluate_paper's, computed in no time: the bench measures the store."""
    return {"cost": 1.0 + seed, "cost_per_device": 0.05 + seed / 20, "delay_s": 1.0, "energy_j": 0.1,
            "offload_rate": 0.35, "frames": 9.0, "gap": 0.0}


class NoExecutor:
    def submit(self, *args, **kwargs):
        raise AssertionError("a task was evaluated again")


def _seeds(request) -> int:
    return 4 if request.config.getoption("benchmark_disable") else 80  # 25 points: 40 or 500 chunks


@pytest.fixture(scope="module")
def chunked(request, tmp_path_factory):
    """A store of the grid's tasks written 4 to a chunk, not merged: (path, tasks, points)."""
    path = tmp_path_factory.mktemp("store")
    points = grid_points(GRID)
    tasks = _tasks(metrics, points, list(range(_seeds(request))))
    store = Store(path)
    for i in range(0, len(tasks), TASKS_PER_CHUNK):
        part = tasks[i:i + TASKS_PER_CHUNK]
        store.write(part, [(t.key, [metrics(t.params, t.seed)]) for t in part])
    return path, tasks, points


def test_read_and_verify_every_chunk(benchmark, chunked):
    path, tasks, points = chunked
    frame = benchmark(lambda: Store(path).frame(tasks, points))  # a new Store: nothing cached
    assert len(frame) == len(tasks) and len(list(path.glob("chunk-*"))) == len(tasks) // TASKS_PER_CHUNK


def test_sweep_rereads_a_complete_store(benchmark, request, tmp_path_factory):
    path = tmp_path_factory.mktemp("complete")
    first = sweep(GRID, _seeds(request), evaluate=metrics, store=path, executor=ThreadPoolExecutor(1),
                  chunk_size=TASKS_PER_CHUNK, progress=False)
    assert len(list(path.glob("chunk-*"))) == 1  # merged by the sweep that filled it
    again = benchmark(lambda: sweep(GRID, _seeds(request), evaluate=metrics, store=path, executor=NoExecutor(),
                                    progress=False))
    assert again.equals(first)
