"""The sweep's result store: a directory of Parquet chunks, each the rows of whole tasks, named by its checksum.

Files in a store directory:

``chunk-<sha256>.parquet``
    The rows of whole tasks, each tagged with its task's key (column :data:`TASK_COLUMN`); tasks that returned
    no rows are listed in the file's metadata (:data:`EMPTY_TASKS`), so that they count as done too. The name
    is the SHA-256 of the file's bytes: a chunk that was edited, truncated or copied under another name is
    detected when it is read, and reported by its path.
``.tmp-<pid>-<host>-<random>.parquet``
    A chunk being written by process ``pid`` on host ``host`` (a hash of its name). It is flushed to disk and
    renamed into place (``os.replace``), so a chunk is either complete or absent. A sweep that starts removes
    only the temporaries whose writer is gone: same host and no such process, or older than a day, or not named
    this way. Sweeps running at once on one store never remove each other's files.

A task may be stored twice (two sweeps at once computed it, or a merge was interrupted); the first chunk in
name order wins, and an evaluator that is deterministic gives the same rows in both. Reading verifies every
chunk once per :class:`Store` and keeps its table, so re-reading a store costs one pass over its bytes; a store
of many chunks is merged into one (:meth:`Store.compact`) when a sweep ends, written before its parts are
removed, so that a reader at any moment sees every task.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import stat
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._optional import need

__all__ = ["CHUNK_PREFIX", "EMPTY_TASKS", "TASK_COLUMN", "Store", "StoreError", "Task", "canonical", "plain"]

#: Store column holding each row's task key.
TASK_COLUMN = "_task"
#: File name prefix of the chunks.
CHUNK_PREFIX = "chunk-"
#: Parquet metadata key listing (JSON) the keys of a chunk's tasks that returned no rows.
EMPTY_TASKS = b"edgesched.empty_tasks"
#: A temporary whose writer cannot be asked is stale after this many seconds.
STALE_AFTER_S = 24 * 3600.0
#: A store of more chunks than this is merged into one when a sweep ends.
COMPACT_OVER = 16

_CHUNK = re.compile(rf"{CHUNK_PREFIX}([0-9a-f]{{64}})\.parquet")
_TEMPORARY = re.compile(r"\.tmp-(\d+)-([0-9a-f]{8})-[0-9a-f]{32}\.parquet")


class StoreError(ValueError):
    """A store or one of its files cannot be used; the message names the path."""


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


def canonical(value: Any) -> Any:
    """The one spelling of a parameter value in task keys: equal numbers are spelled alike (``1e6`` and
    ``1000000`` both as ``1000000``, ``-0.0`` as ``0``), recursively in lists and mappings; bools stay bools."""
    value = plain(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    return value


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _alive(pid: int) -> bool:
    if os.name != "posix":  # pragma: no cover - no signal 0 to ask with: count on the age test
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


class Store:
    """A result store directory: verified reading, atomic writing, merging.

    ``Store(path)`` creates the directory if missing; a path that is a file, a dangling link or cannot be
    created is a :class:`StoreError` naming it.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if self.path.is_symlink() and not self.path.exists():
            raise StoreError(f"{self.path}: the sweep store is a link to {os.readlink(self.path)!r}, which does "
                             "not exist")
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"{self.path}: the sweep store must be a directory; this is a file")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot create the sweep store: {exc.strerror}") from None
        self._tables: dict[str, tuple[Any, frozenset[str]]] = {}  # chunk name -> (table, keys of empty tasks)

    # -- temporaries -------------------------------------------------------------

    def remove_stale_temporaries(self) -> list[Path]:
        """Remove temporaries left by writers that are gone (see the module docstring); the paths removed."""
        removed = []
        now, host = time.time(), _host()
        for tmp in self.path.glob(".tmp-*"):
            match = _TEMPORARY.fullmatch(tmp.name)
            try:
                old = now - tmp.stat().st_mtime > STALE_AFTER_S
            except FileNotFoundError:  # renamed or removed meanwhile
                continue
            gone = match is not None and match.group(2) == host and not _alive(int(match.group(1)))
            if match is None or old or gone:
                tmp.unlink(missing_ok=True)
                removed.append(tmp)
        return removed

    # -- reading -----------------------------------------------------------------

    def _chunk_names(self) -> list[str]:
        try:
            return sorted(p.name for p in self.path.iterdir() if p.name.startswith(CHUNK_PREFIX))
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot list the sweep store: {exc.strerror}") from None

    def _read(self, name: str) -> tuple[Any, frozenset[str]]:
        """A chunk's table and empty tasks, verified against its name (FileNotFoundError if it vanished)."""
        pa = need("pyarrow", "sweep", "edgesched.sweep (Parquet store)")
        pq = need("pyarrow.parquet", "sweep", "edgesched.sweep (Parquet store)", name="pyarrow")
        path = self.path / name
        match = _CHUNK.fullmatch(name)
        if match is None:
            raise StoreError(f"{path}: not a chunk of this store (a chunk is named chunk-<its SHA-256>.parquet: a "
                             "copy, a renamed file or one from an older edgesched); move it away or delete it")
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode):
                raise StoreError(f"{path}: a chunk must be a regular file (not a link or a directory)")
            data = path.read_bytes()
        except FileNotFoundError:  # merged away meanwhile: the caller lists again
            raise
        except OSError as exc:
            raise StoreError(f"{path}: cannot read the chunk: {exc.strerror}") from None
        if hashlib.sha256(data).hexdigest() != match.group(1):
            raise StoreError(f"{path}: damaged: its content does not match its checksum (the file name); delete it "
                             "and run the sweep again to compute its tasks again")
        try:
            table = pq.read_table(pa.BufferReader(data))
        except Exception as exc:  # pyarrow raises several kinds for a file that is not Parquet
            raise StoreError(f"{path}: damaged: not a readable Parquet chunk ({type(exc).__name__}: {exc})") from None
        meta = table.schema.metadata or {}
        try:
            empty = frozenset(json.loads(meta.get(EMPTY_TASKS, b"[]")))
        except (ValueError, TypeError):
            raise StoreError(f"{path}: damaged: its list of tasks without rows is not JSON") from None
        if TASK_COLUMN not in table.column_names or not pa.types.is_string(table.schema.field(TASK_COLUMN).type) \
                and not pa.types.is_large_string(table.schema.field(TASK_COLUMN).type):
            raise StoreError(f"{path}: not a sweep chunk: it has no text column {TASK_COLUMN!r}")
        return table, empty

    def chunks(self) -> list[tuple[str, Any, frozenset[str]]]:
        """Every chunk now in the store as (name, table, keys of empty tasks), name order, each verified once.

        A chunk that vanishes while the store is read (another sweep merged it) makes the listing start over."""
        for _ in range(100):
            names = self._chunk_names()
            try:
                for name in names:
                    if name not in self._tables:
                        self._tables[name] = self._read(name)
            except FileNotFoundError:
                continue
            return [(name, *self._tables[name]) for name in names]
        raise StoreError(f"{self.path}: the sweep store kept changing while it was read")  # pragma: no cover

    def done(self) -> set[str]:
        """The keys of every task stored."""
        pc = need("pyarrow.compute", "sweep", "edgesched.sweep", name="pyarrow")
        keys: set[str] = set()
        for _, table, empty in self.chunks():
            keys.update(pc.unique(table[TASK_COLUMN]).to_pylist())
            keys.update(empty)
        return keys

    def table(self) -> Any:
        """Every stored row as one pyarrow Table (a task stored twice: its first chunk's rows) and the keys of the
        empty tasks."""
        pa = need("pyarrow", "sweep", "edgesched.sweep (Parquet store)")
        pc = need("pyarrow.compute", "sweep", "edgesched.sweep", name="pyarrow")
        seen: set[str] = set()
        parts: list[Any] = []
        empty_keys: set[str] = set()
        for _, table, empty in self.chunks():
            keys = set(pc.unique(table[TASK_COLUMN]).to_pylist())
            if keys & seen:
                table = table.filter(pc.invert(pc.is_in(table[TASK_COLUMN], value_set=pa.array(sorted(seen)))))
            seen |= keys
            empty_keys |= empty
            if table.num_rows:
                parts.append(table)
        return _concat(parts), empty_keys - seen

    def frame(self, tasks: list[Task], points: list[dict[str, Any]]) -> Any:
        """The rows of ``tasks`` as a DataFrame, in task order (rows of one task keep the evaluator's order)."""
        pd = need("pandas", "sweep", "edgesched.sweep")
        table, _ = self.table()
        if table is None:
            df = pd.DataFrame({TASK_COLUMN: pd.Series(dtype=object)})
        else:
            df = table.to_pandas() if hasattr(table, "to_pandas") else table
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

    # -- writing -----------------------------------------------------------------

    def write(self, tasks: list[Task], results: list[tuple[str, list[dict[str, Any]]]]) -> str:
        """Write whole tasks' rows as one chunk, atomically; its name. ``results``: (task key, rows) pairs."""
        pd = need("pandas", "sweep", "edgesched.sweep")
        pa = need("pyarrow", "sweep", "edgesched.sweep (Parquet store)")
        by_key = {t.key: t for t in tasks}
        rows, empty = [], []
        for key, task_rows in results:
            t = by_key[key]
            if not task_rows:
                empty.append(key)
            for r in task_rows:
                clash = set(r) & (set(t.params) | {"seed", TASK_COLUMN})
                if clash:
                    raise ValueError(f"the evaluator returned {sorted(clash)} for parameters {t.params} with seed "
                                     f"{t.seed}; these are parameter names: rename the metric")
                rows.append({TASK_COLUMN: key, **t.params, "seed": t.seed, **r})
        if not rows:
            return self._write_table(pa.table({TASK_COLUMN: pa.array([], pa.string())}), set(empty))
        try:
            table = pa.Table.from_pandas(pd.DataFrame(rows), preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError) as exc:
            first = tasks[0]
            raise ValueError(f"the rows of parameters {first.params} with seed {first.seed} (and the rest of its "
                             f"batch) cannot be stored in Parquet: {exc}") from None
        return self._write_table(table, set(empty))

    def _write_table(self, table: Any, empty: set[str]) -> str:
        pa = need("pyarrow", "sweep", "edgesched.sweep (Parquet store)")
        pq = need("pyarrow.parquet", "sweep", "edgesched.sweep (Parquet store)", name="pyarrow")
        meta = dict(table.schema.metadata or {})
        meta[EMPTY_TASKS] = json.dumps(sorted(empty)).encode()
        sink = pa.BufferOutputStream()
        pq.write_table(table.replace_schema_metadata(meta), sink)
        data = sink.getvalue().to_pybytes()
        name = f"{CHUNK_PREFIX}{hashlib.sha256(data).hexdigest()}.parquet"
        tmp = self.path / f".tmp-{os.getpid()}-{_host()}-{uuid.uuid4().hex}.parquet"
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path / name)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"{self.path / name}: cannot write the chunk: {exc.strerror}") from None
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _sync_directory(self.path)
        return name

    def compact(self) -> bool:
        """Merge every chunk into one (written first, then the parts removed); whether it merged."""
        chunks = self.chunks()
        if len(chunks) <= 1:
            return False
        table, empty = self.table()
        pa = need("pyarrow", "sweep", "edgesched.sweep (Parquet store)")
        if table is None:
            table = pa.table({TASK_COLUMN: pa.array([], pa.string())})
        elif not hasattr(table, "schema"):  # chunks whose columns pyarrow would not unify: pandas did
            try:
                table = pa.Table.from_pandas(table, preserve_index=False)
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
                return False  # a column of mixed kinds one file cannot hold: the chunks stay as they are
        merged = self._write_table(table, empty)
        for name, _, _ in chunks:
            if name != merged:
                (self.path / name).unlink(missing_ok=True)
                self._tables.pop(name, None)
        return True


def _concat(parts: list[Any]) -> Any:
    """One table of the chunks' tables (columns unified: missing ones null, numbers widened), or a DataFrame
    when pyarrow cannot unify them (one column int in one chunk and text in another); None for no rows."""
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    pa = need("pyarrow", "sweep", "edgesched.sweep (Parquet store)")
    try:
        return pa.concat_tables(parts, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError):
        pd = need("pandas", "sweep", "edgesched.sweep")
        return pd.concat([p.to_pandas() for p in parts], ignore_index=True)


def _sync_directory(path: Path) -> None:
    """Flush a directory's entries (a renamed chunk survives a power cut); a no-op where unsupported."""
    flag = getattr(os, "O_DIRECTORY", None)
    if flag is None:  # pragma: no cover - not POSIX
        return
    try:
        fd = os.open(path, os.O_RDONLY | flag)
    except OSError:  # pragma: no cover
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse
        pass
    finally:
        os.close(fd)
