"""The sweep store shared, damaged or odd: concurrent sweeps, tasks without rows, values spelled two ways, chunks
edited or copied, stores that are files, merging."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
import pyarrow.parquet as pq

import edgesched
from edgesched.experiments import store as store_module
from edgesched.experiments.store import Store, StoreError, canonical
from edgesched.experiments.sweep import SweepTaskError, _tasks, grid_points, sweep

ROOT = Path(__file__).resolve().parents[1]


def toy(params, seed):
    return [{"part": k, "value": params["x"] * 100 + seed * 10 + k} for k in range(2)]


def sometimes_empty(params, seed):
    """No rows for odd seeds."""
    return [] if seed % 2 else [{"value": float(params["x"] + seed)}]


def returns_none(params, seed):
    return None


def slow_toy(params, seed):
    time.sleep(0.05)
    return toy(params, seed)


class NoExecutor:
    """An executor that must not be used: the store already holds every task."""

    def submit(self, *args, **kwargs):
        raise AssertionError("a task was evaluated again")


def threads():
    return ThreadPoolExecutor(2)


def chunk_files(path: Path) -> list[Path]:
    return sorted(path.glob("chunk-*.parquet"))


# -- temporaries of other sweeps ---------------------------------------------------

def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_only_temporaries_of_writers_that_are_gone_are_removed(tmp_path):
    host = store_module._host()
    live = tmp_path / f".tmp-{os.getpid()}-{host}-{'a' * 32}.parquet"  # this process: a live writer
    dead = tmp_path / f".tmp-{_dead_pid()}-{host}-{'b' * 32}.parquet"
    other_host = tmp_path / f".tmp-1-{'0' * 8 if host != '0' * 8 else '1' * 8}-{'c' * 32}.parquet"
    old_other_host = tmp_path / f".tmp-1-{'0' * 8 if host != '0' * 8 else '1' * 8}-{'d' * 32}.parquet"
    foreign = tmp_path / ".tmp-killed.parquet"
    for f in (live, dead, other_host, old_other_host, foreign):
        f.write_bytes(b"PAR1 half a chunk")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old_other_host, (two_days_ago, two_days_ago))
    df = sweep({"x": [1]}, [0, 1], evaluate=toy, store=tmp_path, executor=threads())
    assert len(df) == 4
    assert sorted(p.name for p in tmp_path.glob(".tmp-*")) == sorted([live.name, other_host.name])


CHILD = """
import sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from edgesched.experiments.sweep import sweep
from tests.test_store import slow_toy
deadline = time.monotonic() + 60
while sys.argv[2] == "second" and len(list(Path(sys.argv[1]).glob("chunk-*"))) < 4 and time.monotonic() < deadline:
    time.sleep(0.005)  # start once the first sweep is writing
df = sweep({"x": [1, 2, 3]}, 12, evaluate=slow_toy, store=sys.argv[1], executor=ThreadPoolExecutor(2),
           chunk_size=1, progress=False)
print(len(df))
"""


def test_sweeps_running_at_once_on_one_store_both_finish_with_the_same_rows(tmp_path):
    """A second sweep starts while the first is writing chunks; the first merges the store when it ends while
    the second still reads and writes it."""
    env = dict(os.environ)
    src = str(Path(edgesched.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), src, env.get("PYTHONPATH", "")])
    store = tmp_path / "store"

    def start(which: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-c", CHILD, str(store), which], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    children = [start("first"), start("second")]
    for child in children:
        out, err = child.communicate(timeout=180)
        assert child.returncode == 0, err.decode()
        assert out.decode().split() == ["72"]
    reference = sweep({"x": [1, 2, 3]}, 12, evaluate=toy, executor=threads())
    again = sweep({"x": [1, 2, 3]}, 12, evaluate=slow_toy, store=store, executor=NoExecutor())
    pd.testing.assert_frame_equal(again, reference)
    assert not list(store.glob(".tmp-*"))


# -- tasks without rows --------------------------------------------------------------

def test_a_task_without_rows_is_done_and_the_store_stays_usable(tmp_path):
    first = sweep({"x": [1, 2]}, 4, evaluate=sometimes_empty, store=tmp_path, executor=threads(), chunk_size=1)
    assert first["seed"].tolist() == [0, 2, 0, 2]
    only_empty = sweep({"x": [1]}, [1, 3], evaluate=sometimes_empty, store=tmp_path / "e", executor=threads())
    assert len(only_empty) == 0 and list(only_empty.columns) == ["x", "seed"]
    for _ in range(2):  # nothing is evaluated again, and the store reads
        again = sweep({"x": [1, 2]}, 4, evaluate=sometimes_empty, store=tmp_path, executor=NoExecutor())
        pd.testing.assert_frame_equal(again, first)
        assert len(sweep({"x": [1]}, [1, 3], evaluate=sometimes_empty, store=tmp_path / "e",
                         executor=NoExecutor())) == 0


def test_an_evaluator_that_returns_no_mapping_is_named(tmp_path):
    with pytest.raises(SweepTaskError, match=r"parameters \{'x': 1\} with seed 0 returned None; an evaluator "
                                             "returns a mapping"):
        sweep({"x": [1]}, 1, evaluate=returns_none, store=tmp_path, executor=threads())


# -- one value, one spelling -----------------------------------------------------------

def test_equal_values_in_two_spellings_are_one_value():
    assert canonical(1e6) == canonical(1000000) == 1000000 and canonical(-0.0) == 0
    assert canonical([1.0, 2.5, {"a": 3.0}]) == [1, 2.5, {"a": 3}] and canonical(True) is True
    with pytest.raises(ValueError, match=r"grid\['bandwidth'\]\[1\] is 1000000, the same value as "
                                         r"grid\['bandwidth'\]\[0\] \(1000000.0\)"):
        grid_points({"bandwidth": [1e6, 1000000]})
    with pytest.raises(ValueError, match=r"grid point 1 \(\{'x': 2\}\) is the same as grid point 0"):
        sweep([{"x": 2.0}, {"x": 2}], 1, evaluate=toy, executor=threads())


def test_a_store_filled_with_one_spelling_serves_the_other(tmp_path):
    first = sweep({"x": [1.0, 2.0]}, 2, evaluate=toy, store=tmp_path, executor=threads())
    again = sweep({"x": [1, 2]}, 2, evaluate=toy, store=tmp_path, executor=NoExecutor())
    assert again["value"].tolist() == first["value"].tolist() and len(again) == 8


@pytest.mark.parametrize("seeds, message", [
    ([2**64], r"seeds\[0\] is 18446744073709551616; seeds must be integers in \[0, 2\*\*64\)"),
    (10**300, r"seeds is 1000000000.* with 1 grid point\(s\); 1e\+300 tasks would take about"),
    ("12", "seeds is '12'; give a count >= 1 or a list of seeds"),
])
def test_seeds_beyond_range_or_memory_are_refused_up_front(seeds, message):
    with pytest.raises(ValueError, match=message):
        sweep({"x": [1]}, seeds, evaluate=toy, executor=NoExecutor())


# -- damage -------------------------------------------------------------------------------

def _store_with_rows(tmp_path: Path) -> Path:
    sweep({"x": [1, 2]}, 2, evaluate=toy, store=tmp_path, executor=threads(), chunk_size=1)
    return tmp_path


def _error(tmp_path: Path) -> str:
    with pytest.raises(StoreError) as exc:
        sweep({"x": [1, 2]}, 2, evaluate=toy, store=tmp_path, executor=threads(), chunk_size=1)
    assert "\n" not in str(exc.value)
    return str(exc.value)


def test_a_chunk_with_a_flipped_byte_is_named(tmp_path):
    chunk = chunk_files(_store_with_rows(tmp_path))[1]
    data = bytearray(chunk.read_bytes())
    data[len(data) // 2] ^= 0x01
    chunk.write_bytes(bytes(data))
    assert _error(tmp_path) == (f"{chunk}: damaged: its content does not match its checksum (the file name); delete "
                                "it and run the sweep again to compute its tasks again")
    chunk.unlink()  # as the message says: the task is computed again
    assert len(sweep({"x": [1, 2]}, 2, evaluate=toy, store=tmp_path, executor=threads())) == 8


def test_a_hand_edited_chunk_is_named(tmp_path):
    chunk = chunk_files(_store_with_rows(tmp_path))[0]
    table = pq.read_table(chunk)
    pq.write_table(table.set_column(table.column_names.index("value"), "value",
                                    pa.array([0] * table.num_rows)), chunk)
    assert _error(tmp_path).startswith(f"{chunk}: damaged: its content does not match its checksum")


def test_a_copied_chunk_is_named(tmp_path):
    chunk = chunk_files(_store_with_rows(tmp_path))[0]
    copy = tmp_path / "chunk-copy.parquet"
    shutil.copy(chunk, copy)
    assert _error(tmp_path).startswith(f"{copy}: not a chunk of this store")


def test_a_chunk_that_is_not_parquet_is_named(tmp_path):
    import hashlib

    data = b"not parquet at all"
    chunk = tmp_path / f"chunk-{hashlib.sha256(data).hexdigest()}.parquet"
    chunk.write_bytes(data)
    assert _error(tmp_path).startswith(f"{chunk}: damaged: not a readable Parquet chunk")


def test_a_store_that_is_a_file_or_a_dangling_link_is_named(tmp_path):
    (tmp_path / "file").write_text("x")
    assert _error(tmp_path / "file") == f"{tmp_path / 'file'}: the sweep store must be a directory; this is a file"
    (tmp_path / "link").symlink_to(tmp_path / "nowhere")
    assert _error(tmp_path / "link") == (f"{tmp_path / 'link'}: the sweep store is a link to "
                                         f"{str(tmp_path / 'nowhere')!r}, which does not exist")


# -- merging and re-reading -----------------------------------------------------------------

def test_a_store_of_many_chunks_is_merged_when_the_sweep_ends(tmp_path):
    grid = {"x": list(range(12))}
    reference = sweep(grid, 3, evaluate=sometimes_empty, executor=threads())
    first = sweep(grid, 3, evaluate=sometimes_empty, store=tmp_path, executor=threads(), chunk_size=1)
    pd.testing.assert_frame_equal(first, reference)
    assert len(chunk_files(tmp_path)) == 1  # 36 chunks merged into one
    again = sweep(grid, 3, evaluate=sometimes_empty, store=tmp_path, executor=NoExecutor())
    pd.testing.assert_frame_equal(again, reference)  # the tasks without rows stayed done


@settings(max_examples=15)
@given(ops=st.lists(st.tuples(st.sampled_from(["run", "write", "compact"]),
                              st.lists(st.integers(0, 11), min_size=1, max_size=6), st.integers(1, 4)),
                    max_size=6))
def test_any_mix_of_partial_runs_duplicates_and_merges_gives_the_uninterrupted_rows(tmp_path_factory, ops):
    """Partial runs, tasks stored twice (as two sweeps at once would) and merges in any order: the full sweep
    then evaluates only what is missing and returns exactly the rows of an uninterrupted run."""
    grid, seeds = {"x": [1, 2, 3], "y": ["a", "b"]}, [0, 1]
    tasks = _tasks(sometimes_empty, grid_points(grid), seeds)
    reference = sweep(grid, seeds, evaluate=sometimes_empty, executor=threads())
    path = tmp_path_factory.mktemp("store")
    for op, picks, chunk in ops:
        if op == "compact":
            Store(path).compact()
            continue
        todo = [tasks[i] for i in sorted(set(picks))]
        if op == "run":
            for t in todo:
                sweep([t.params], [t.seed], evaluate=sometimes_empty, store=path, executor=threads())
        else:  # the tasks written (again) in chunks of their own, as sweeps running at once would
            for i in range(0, len(todo), chunk):
                part = todo[i:i + chunk]
                Store(path).write(part, [(t.key, sometimes_empty(t.params, t.seed)) for t in part])
    resumed = sweep(grid, seeds, evaluate=sometimes_empty, store=path, executor=threads())
    pd.testing.assert_frame_equal(resumed, reference)
    pd.testing.assert_frame_equal(sweep(grid, seeds, evaluate=sometimes_empty, store=path, executor=NoExecutor()),
                                  reference)


def test_a_host_name_is_hashed_into_temporary_names(tmp_path):
    import hashlib

    assert store_module._host() == hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def kinds(params, seed):
    """A metric that is a number for some tasks and text for others."""
    return {"value": seed if params["x"] == 1 else f"s{seed}"}


def test_chunks_whose_columns_differ_in_kind_still_read_and_stay_unmerged(tmp_path):
    grid = {"x": [1, 2]}
    first = sweep(grid, 10, evaluate=kinds, store=tmp_path, executor=threads(), chunk_size=1)
    assert first["value"].tolist() == list(range(10)) + [f"s{s}" for s in range(10)]
    assert len(chunk_files(tmp_path)) == 20  # one file cannot hold the column: not merged, still read
    again = sweep(grid, 10, evaluate=kinds, store=tmp_path, executor=NoExecutor())
    pd.testing.assert_frame_equal(again, first)
