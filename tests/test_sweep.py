from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

import edgesched
from edgesched import scenarios
from edgesched.experiments.evaluate import evaluate_paper
from edgesched.experiments.sweep import SweepTaskError, grid_points, summarize, sweep

ROOT = Path(__file__).resolve().parents[1]


def toy(params, seed):
    """A deterministic evaluator: two rows per task."""
    return [{"part": k, "value": params["x"] * 100 + seed * 10 + k} for k in range(2)]


def failing(params, seed):
    if params["x"] == 2 and seed == 1:
        raise RuntimeError("boom")
    return {"value": float(params["x"] + seed)}


def summed(params, seed):
    return {"value": float(sum(params["r"]) + seed)}


def slow_paper(params, seed):
    """evaluate_paper, slowed down so that a sweep of it can be killed halfway."""
    time.sleep(0.05)
    return evaluate_paper(params, seed)


def threads():
    return ThreadPoolExecutor(2)


class NoExecutor:
    """An executor that must not be used: the store already holds every task."""

    def submit(self, *args, **kwargs):
        raise AssertionError("a task was evaluated again")


def test_grid_points_are_the_product_with_the_last_name_fastest():
    pts = grid_points({"a": [1, 2], "b": ["x", "y", "z"], "c": 7})
    assert len(pts) == 6
    assert pts[0] == {"a": 1, "b": "x", "c": 7}
    assert pts[1] == {"a": 1, "b": "y", "c": 7}
    assert pts[3] == {"a": 2, "b": "x", "c": 7}
    assert grid_points([{"a": np.float64(1.5)}]) == [{"a": 1.5}]
    with pytest.raises(ValueError, match=r"grid\['b'\] is empty"):
        grid_points({"a": [1], "b": []})


def test_rows_are_tidy_and_in_grid_order():
    df = sweep({"x": [3, 1]}, seeds=[5, 0], evaluate=toy, executor=threads(), chunk_size=1)
    assert list(df.columns) == ["x", "seed", "part", "value"]
    assert df[["x", "seed", "part"]].values.tolist() == [
        [3, 5, 0], [3, 5, 1], [3, 0, 0], [3, 0, 1], [1, 5, 0], [1, 5, 1], [1, 0, 0], [1, 0, 1]]
    assert (df["value"] == df["x"] * 100 + df["seed"] * 10 + df["part"]).all()


def test_list_valued_parameters_come_back_as_tuples_that_group(tmp_path):
    df = sweep({"r": [[1, 2], [3, 4]]}, 2, evaluate=summed, store=tmp_path, executor=threads())
    assert df["r"].tolist() == [(1, 2), (1, 2), (3, 4), (3, 4)]
    assert summarize(df, ["r"])["mean"].tolist() == [3.5, 7.5]


def test_evaluate_paper_reports_the_schedule_of_solve():
    row = evaluate_paper({"n_devices": 9, "bandwidth": 2e6, "method": "greedy"}, 4)
    s = edgesched.solve(scenarios.paper_default(9, 4, bandwidth=2e6), method="greedy")
    assert row["cost"] == s.cost
    assert row["cost_per_device"] == s.cost / 9
    assert row["delay_s"] == s.delay.mean() and row["energy_j"] == s.energy.mean()
    assert row["offload_rate"] == s.offload_rate
    with pytest.raises(ValueError, match="scenario is 'nope'"):
        evaluate_paper({"scenario": "nope"}, 0)


@settings(max_examples=8)
@given(done_mask=st.lists(st.booleans(), min_size=12, max_size=12), chunk=st.integers(1, 5))
def test_a_partly_filled_store_resumes_to_the_uninterrupted_result(tmp_path_factory, done_mask, chunk):
    grid = {"x": [1, 2, 3], "y": ["a", "b"]}
    seeds = [0, 1]
    reference = sweep(grid, seeds, evaluate=toy, executor=threads())
    store = tmp_path_factory.mktemp("store")
    # Finish an arbitrary subset of the 12 tasks first, as an interrupted run would have.
    points = grid_points(grid)
    first = [(p, s) for (p, s), done in zip(((p, s) for p in points for s in seeds), done_mask) if done]
    for p, s in first:
        sweep([p], [s], evaluate=toy, store=store, executor=threads())
    resumed = sweep(grid, seeds, evaluate=toy, store=store, executor=threads(), chunk_size=chunk)
    pd.testing.assert_frame_equal(resumed, reference)
    stored = pd.concat([pd.read_parquet(f) for f in store.glob("chunk-*.parquet")])
    assert stored["_task"].nunique() == 12
    assert len(stored) == 24  # two rows per task, none twice


def test_leftover_temporary_files_are_ignored_and_removed(tmp_path):
    (tmp_path / ".tmp-killed.parquet").write_bytes(b"PAR1 half a chunk")
    df = sweep({"x": [1]}, [0, 1], evaluate=toy, store=tmp_path, executor=threads())
    assert len(df) == 4
    assert not list(tmp_path.glob(".tmp-*"))


def test_a_failing_task_is_named_and_finished_tasks_stay_stored(tmp_path):
    with pytest.raises(SweepTaskError, match=r"parameters \{'x': 2\} with seed 1 failed: RuntimeError: boom"):
        sweep({"x": [1, 2]}, [0, 1], evaluate=failing, store=tmp_path, executor=ThreadPoolExecutor(1),
              chunk_size=1, max_workers=1)
    stored = pd.concat([pd.read_parquet(f) for f in tmp_path.glob("chunk-*.parquet")])
    assert {(1, 0), (1, 1)} <= set(zip(stored["x"], stored["seed"]))


@pytest.mark.parametrize("kwargs, message", [
    ({"seeds": 0}, "seeds is 0"),
    ({"seeds": [1, 1]}, "repeated"),
    ({"seeds": [0, -2]}, r"seeds\[1\] is -2"),
    ({"chunk_size": 0}, "chunk_size is 0"),
    ({"grid": {"x": [object()]}}, "is not a number, string, bool or list"),
])
def test_bad_arguments_are_named(kwargs, message):
    args = {"grid": {"x": [1]}, "seeds": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        sweep(evaluate=toy, executor=threads(), **args)


def test_progress_bar_when_asked(capsys):
    sweep({"x": [1, 2]}, 2, evaluate=toy, executor=threads(), progress=True)
    assert "4/4" in capsys.readouterr().err
    sweep({"x": [1, 2]}, 2, evaluate=toy, executor=threads(), progress=False)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("module, extra", [("pandas", "sweep"), ("pyarrow", "sweep")])
def test_missing_optional_dependency_says_which_extra(monkeypatch, module, extra):
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError, match=rf"needs {module}: pip install 'edgesched\[{extra}\]'"):
        sweep({"x": [1]}, 1, evaluate=toy, executor=threads())


def test_missing_tqdm_only_matters_when_a_bar_is_asked_for(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    assert len(sweep({"x": [1]}, 1, evaluate=toy, executor=threads())) == 2  # stderr is not a TTY here
    with pytest.raises(ImportError, match=r"needs tqdm: pip install 'edgesched\[sweep\]'"):
        sweep({"x": [1]}, 1, evaluate=toy, executor=threads(), progress=True)


@settings(max_examples=20)
@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=30))
def test_summary_is_the_mean_with_a_normal_95_percent_interval(values):
    frame = pd.DataFrame({"g": ["a"] * len(values), "seed": range(len(values)), "m": values})
    row = summarize(frame, ["g"]).iloc[0]
    assert row["metric"] == "m" and row["n"] == len(values)
    assert row["mean"] == pytest.approx(np.mean(values), abs=1e-9)
    if len(values) > 1:
        half = 1.96 * np.std(values, ddof=1) / math.sqrt(len(values))
        assert row["ci95_high"] - row["mean"] == pytest.approx(half, abs=1e-9)
        assert row["mean"] - row["ci95_low"] == pytest.approx(half, abs=1e-9)
    else:
        assert np.isnan(row["ci95_low"])


def test_dask_client_runs_the_same_sweep():
    distributed = pytest.importorskip("distributed")
    grid = {"n_devices": [2, 9], "method": ["greedy", "random"]}
    reference = sweep(grid, 3, executor=threads())
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        pd.testing.assert_frame_equal(sweep(grid, 3, executor=client), reference)
        pd.testing.assert_frame_equal(sweep(grid, 3, executor=client.get_executor()), reference)


CHILD = """
import sys
from edgesched.experiments.sweep import sweep
from tests.test_sweep import slow_paper, KILL_GRID
sweep(KILL_GRID, 30, evaluate=slow_paper, store=sys.argv[1], max_workers=2, chunk_size=2, progress=False)
"""
KILL_GRID = {"n_devices": [3, 9], "method": ["greedy", "random"]}
KILL_TASKS = 2 * 2 * 30


def _stored_tasks(store: Path) -> list[str]:
    return [k for f in store.glob("chunk-*.parquet") for k in pd.read_parquet(f)["_task"]]


def test_a_sweep_killed_with_sigkill_resumes_to_exactly_the_uninterrupted_rows(tmp_path):
    """The sweep runs in a child process (with its own process pool) and is SIGKILLed twice mid-run."""
    store = tmp_path / "store"
    env = dict(os.environ)
    src = str(Path(edgesched.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), src, env.get("PYTHONPATH", "")])

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-c", CHILD, str(store)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)

    for kill_after in (6, 20):  # tasks stored before the kill
        child = start()
        deadline = time.monotonic() + 60
        while (not store.exists() or len(_stored_tasks(store)) < kill_after) and time.monotonic() < deadline:
            assert child.poll() is None, child.stderr.read().decode()
            time.sleep(0.01)
        os.killpg(child.pid, signal.SIGKILL)  # the child and its workers, mid-run
        child.wait()
        child.stderr.close()
        stored = _stored_tasks(store)
        assert kill_after <= len(stored) < KILL_TASKS  # killed halfway, not after the end
        assert len(stored) == len(set(stored))
    child = start()
    _, err = child.communicate(timeout=120)
    assert child.returncode == 0, err.decode()

    stored = _stored_tasks(store)
    assert len(stored) == len(set(stored)) == KILL_TASKS
    resumed = sweep(KILL_GRID, 30, evaluate=slow_paper, store=store, executor=NoExecutor())
    uninterrupted = sweep(KILL_GRID, 30, executor=threads())
    pd.testing.assert_frame_equal(resumed, uninterrupted)


def test_batched_backend_equals_the_per_task_sweep(tmp_path):
    grid = {"n_devices": [6, 12], "method": ["greedy", "edge"], "bandwidth": [2e6, 5e6]}
    per_task = sweep(grid, seeds=3, progress=False, max_workers=1)
    batched = sweep(grid, seeds=3, progress=False, backend="numpy", store=tmp_path / "store")
    cols = ["n_devices", "method", "bandwidth", "seed", "offload_rate"]
    pd.testing.assert_frame_equal(per_task[cols], batched[cols])
    np.testing.assert_allclose(per_task["cost"], batched["cost"], rtol=1e-12)
    # the batch's bound is the core's for these methods: the dual at the schedule's tangent prices
    np.testing.assert_allclose(per_task["gap"], batched["gap"], rtol=1e-9, atol=1e-12)
    # resumed from its store: nothing is solved again, the same rows come back
    again = sweep(grid, seeds=3, progress=False, backend="numpy", store=tmp_path / "store")
    pd.testing.assert_frame_equal(batched, again)


def test_batched_backend_errors():
    with pytest.raises(ValueError, match="backend is 'gpu'"):
        sweep({"n_devices": [4]}, seeds=1, backend="gpu")
    with pytest.raises(ValueError, match="leave evaluate, executor and max_workers"):
        sweep({"n_devices": [4]}, seeds=1, backend="numpy", max_workers=2)
    with pytest.raises(SweepTaskError, match="a batched sweep solves greedy, descent, local, edge"):
        sweep({"n_devices": [4], "method": ["auto"]}, seeds=1, backend="numpy", progress=False)
