"""The sweep's result store: a directory of Parquet chunks, each the rows of whole tasks, written atomically.

Each chunk holds the rows of whole tasks, tagged with the task's key (column :data:`TASK_COLUMN`), and is written
to a temporary file in the same directory and renamed into place (``os.replace``), so a chunk is either complete
or absent.
"""
from __future__ import annotations

import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._optional import need

__all__ = ["CHUNK_PREFIX", "TASK_COLUMN", "Task", "chunk_files", "plain", "read_store", "result_frame",
           "write_chunk"]

#: Store column holding each row's task key.
TASK_COLUMN = "_task"
#: File name prefix of the chunks.
CHUNK_PREFIX = "chunk-"


@dataclass(frozen=True)
class Task:
    """One evaluation: its position in the sweep, its key in the store, its parameters and seed."""

    index: int
    key: str
    params: dict[str, Any]
    seed: int


def plain(value: Any) -> Any:
    """A JSON- and Parquet-friendly Python value (numpy scalars and arrays become Python ones)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (np.ndarray, tuple)):
        return [plain(v) for v in (value.tolist() if isinstance(value, np.ndarray) else value)]
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def chunk_files(store: Path) -> list[Path]:
    return sorted(store.glob(f"{CHUNK_PREFIX}*.parquet"))


def write_chunk(store: Path, tasks: list[Task], results: list[tuple[str, list[dict[str, Any]]]]) -> None:
    """Write whole tasks' rows as one Parquet chunk, atomically (temporary file, fsync, os.replace)."""
    pd = need("pandas", "sweep", "edgesched.sweep")
    by_key = {t.key: t for t in tasks}
    rows = []
    for key, task_rows in results:
        t = by_key[key]
        for r in task_rows:
            clash = set(r) & (set(t.params) | {"seed", TASK_COLUMN})
            if clash:
                raise ValueError(f"the evaluator returned {sorted(clash)}, which are parameter names; "
                                 "rename the metric")
            rows.append({TASK_COLUMN: key, **t.params, "seed": t.seed, **r})
    frame = pd.DataFrame(rows)
    name = f"{CHUNK_PREFIX}{uuid.uuid4().hex}.parquet"
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=store)
    try:
        with os.fdopen(fd, "wb") as fh:
            frame.to_parquet(fh, index=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, store / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_store(store: Path, columns: list[str] | None = None) -> Any:
    """Every stored row (first chunk wins if a task was ever stored twice), with the task key column."""
    pd = need("pandas", "sweep", "edgesched.sweep")
    frames: list[Any] = []
    seen: set[str] = set()
    for f in chunk_files(store):
        df = pd.read_parquet(f, columns=columns)
        if df.empty:
            continue
        df = df[~df[TASK_COLUMN].isin(seen)]
        seen.update(df[TASK_COLUMN].unique())
        frames.append(df)
    if not frames:
        return pd.DataFrame({TASK_COLUMN: pd.Series(dtype=object)})
    return pd.concat(frames, ignore_index=True)


def result_frame(store: Path, tasks: list[Task], points: list[dict[str, Any]]) -> Any:
    """The rows of ``tasks`` in task order (rows of one task keep the evaluator's order)."""
    pd = need("pandas", "sweep", "edgesched.sweep")
    df = read_store(store)
    order = {t.key: t.index for t in tasks}
    df = df[df[TASK_COLUMN].isin(order)]
    df = df.assign(_order=df[TASK_COLUMN].map(order)).sort_values("_order", kind="stable")
    df = df.drop(columns=[TASK_COLUMN, "_order"]).reset_index(drop=True)
    for col in df.columns[df.dtypes == object]:  # noqa: E721 - list-valued parameters come back as arrays: make them
        if df[col].map(lambda v: isinstance(v, (np.ndarray, list))).any():  # hashable, to group by them
            df[col] = df[col].map(lambda v: tuple(v.tolist() if isinstance(v, np.ndarray) else v))
    if df.empty:
        names = list(dict.fromkeys(k for p in points for k in p)) + ["seed"]
        return pd.DataFrame({n: pd.Series(dtype=object) for n in names})
    return df


