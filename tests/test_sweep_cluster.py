"""Sweeps on a running Dask cluster of worker processes (``edgesched sweep --scheduler ADDRESS``): the same rows
as a local run, the tasks run in the workers, and a sweep killed halfway resumes to exactly the rows of an
uninterrupted run."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")
distributed = pytest.importorskip("distributed")

import edgesched
from edgesched.cli import main
from edgesched.experiments.evaluate import evaluate_paper
from edgesched.experiments.sweep import connect, sweep

from .test_sweep import KILL_GRID, KILL_TASKS, NoExecutor, _stored_tasks, threads

ROOT = Path(__file__).resolve().parents[1]
SWEEP = """[sweep]
seeds = 5
[fixed]
n_devices = 7
[grid]
bandwidth = [1e6, 5e6]
method = ["greedy", "auto", "random"]
"""


def pid_of_worker(params, seed):  # type: ignore[no-untyped-def]
    """evaluate_paper, with the id of the process that ran it."""
    return {**evaluate_paper(params, seed), "pid": os.getpid()}


def slow_paper(params, seed):  # type: ignore[no-untyped-def]
    time.sleep(0.05)
    return evaluate_paper(params, seed)


@pytest.fixture(scope="module")
def cluster():  # type: ignore[no-untyped-def]
    """Two worker processes of one thread each, started here; their address. The scheduler's HTTP server takes
    any free port: without a dashboard it would still take 8787, which another run on the machine may hold."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=50) as c:
        yield c.scheduler_address


def test_the_command_line_on_a_cluster_gives_the_rows_of_a_local_run(tmp_path: Path, cluster, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "sweep.toml"
    spec.write_text(SWEEP)
    local, remote = tmp_path / "local", tmp_path / "remote"
    assert main(["sweep", str(spec), "--out", str(local), "--workers", "1", "--no-progress"]) == 0
    assert main(["sweep", str(spec), "--out", str(remote), "--scheduler", cluster, "--no-progress"]) == 0
    assert f"on the Dask cluster at {cluster}" in capsys.readouterr().out
    for name in ("results.csv", "summary.csv"):
        assert (remote / name).read_text() == (local / name).read_text()
    assert len((remote / "results.csv").read_text().splitlines()) == 1 + 2 * 3 * 5
    # run again: every task is in the store, nothing is evaluated, the same rows
    before = sorted(p.name for p in (remote / "store").iterdir())
    assert main(["sweep", str(spec), "--out", str(remote), "--scheduler", cluster, "--no-progress"]) == 0
    assert (remote / "results.csv").read_text() == (local / "results.csv").read_text()
    assert sorted(p.name for p in (remote / "store").iterdir()) == before


def test_the_tasks_run_in_the_worker_processes(cluster) -> None:  # type: ignore[no-untyped-def]
    grid = {"n_devices": [3, 6], "method": ["greedy", "random"]}
    rows = sweep(grid, 6, evaluate=pid_of_worker, scheduler=cluster, chunk_size=1, progress=False)
    client = connect(cluster)
    try:
        workers = set(client.run(os.getpid).values())
    finally:
        client.close()
    assert len(workers) == 2 and os.getpid() not in workers
    assert set(rows["pid"]) <= workers
    local = sweep(grid, 6, evaluate=pid_of_worker, executor=threads(), progress=False)
    pd.testing.assert_frame_equal(rows.drop(columns="pid"), local.drop(columns="pid"))


CHILD = """
import sys
from edgesched.experiments.sweep import sweep
from tests.test_sweep_cluster import slow_paper
from tests.test_sweep import KILL_GRID
sweep(KILL_GRID, 30, evaluate=slow_paper, store=sys.argv[1], scheduler=sys.argv[2], chunk_size=2, progress=False)
"""


def test_a_sweep_killed_on_a_cluster_resumes_to_the_uninterrupted_rows(tmp_path: Path, cluster) -> None:  # type: ignore[no-untyped-def]
    """The client runs in a child process, SIGKILLed twice mid-run while the cluster's workers go on."""
    store = tmp_path / "store"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(Path(edgesched.__file__).resolve().parents[1]),
                                         env.get("PYTHONPATH", "")])

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-c", CHILD, str(store), cluster], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)

    for kill_after in (6, 24):
        child = start()
        deadline = time.monotonic() + 120
        while (not store.exists() or len(_stored_tasks(store)) < kill_after) and time.monotonic() < deadline:
            assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
            time.sleep(0.01)
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        if child.stderr:
            child.stderr.close()
        stored = _stored_tasks(store)
        assert kill_after <= len(stored) < KILL_TASKS and len(stored) == len(set(stored))
    child = start()
    _, err = child.communicate(timeout=300)
    assert child.returncode == 0, err.decode()
    stored = _stored_tasks(store)
    assert len(stored) == len(set(stored)) == KILL_TASKS
    resumed = sweep(KILL_GRID, 30, evaluate=slow_paper, store=store, executor=NoExecutor())
    pd.testing.assert_frame_equal(resumed, sweep(KILL_GRID, 30, executor=threads()))


def test_no_scheduler_there_is_one_line_naming_the_address(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sys.modules["edgesched.experiments.sweep"], "CONNECT_TIMEOUT", 0.5)
    spec = tmp_path / "sweep.toml"
    spec.write_text(SWEEP)
    for address in ("tcp://127.0.0.1:9", "nonsense"):
        assert main(["sweep", str(spec), "--out", str(tmp_path / "out"), "--scheduler", address,
                     "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert err.startswith(f"edgesched: error: scheduler {address}: cannot connect to a Dask scheduler there")


def test_an_executor_and_a_scheduler_are_not_both_taken() -> None:
    with pytest.raises(ValueError, match="an executor or a scheduler's address, not both"):
        sweep({"n_devices": [3]}, 1, executor=threads(), scheduler="tcp://127.0.0.1:9")
    with pytest.raises(ValueError, match="max_workers at their defaults, and give no scheduler"):
        sweep({"n_devices": [3]}, 1, backend="numpy", scheduler="tcp://127.0.0.1:9")
