"""Parameter sweeps: a grid of parameters x seeds, evaluated on any executor, kept in a resumable store.

:func:`sweep` evaluates ``evaluate(params, seed)`` for every grid point and seed on a
:class:`concurrent.futures.Executor` (a local process pool by default; ``dask.distributed``'s
``Client.get_executor()`` -- or the ``Client`` itself -- on a cluster, or the workers of a running Dask
scheduler given by its address, ``scheduler=``) and returns a tidy :class:`pandas.DataFrame`: one column per
parameter, ``seed``, then one column per metric.

The store (:mod:`edgesched.experiments.store`) is a directory of Parquet chunks. Each chunk holds the rows of
whole tasks, tagged with a deterministic task key (a hash of the evaluator's name, the parameters with equal
numbers spelled alike, and the seed), is written atomically, so a chunk is either complete or absent, and is
named by its checksum, so a damaged or copied chunk is reported rather than used. A sweep killed at any moment
(even by SIGKILL) and started again reads the keys already stored, skips those tasks, and ends with exactly the
rows an uninterrupted run gives: none lost, none twice. Several sweeps may run on one store at once.

With ``backend="numpy"`` or ``"cupy"`` the tasks of one grid point are solved together, all their seeds as
one batch of :func:`edgesched.solve_batch` in this process (on the GPU for ``"cupy"``), instead of one task at a
time on the executor. The rows have the same columns; the batch offers the methods greedy, descent, local and
edge (default greedy, where the per-task sweep defaults to auto) and its one-pass bound (``gap``).

pandas, pyarrow and tqdm are optional (``pip install 'edgesched[sweep]'``) and imported only when needed.
"""
from __future__ import annotations

import gc
import hashlib
import itertools
import json
import math
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from typing import Any

import numpy as np

from .._files import fits_in_memory
from .._optional import need, progress_bar
from .evaluate import evaluate_paper, evaluate_paper_batch
from .store import COMPACT_OVER, Store, Task, canonical, plain

__all__ = ["CONNECT_TIMEOUT", "SweepTaskError", "connect", "default_executor", "grid_points", "summarize", "sweep"]


class SweepTaskError(RuntimeError):
    """An evaluation failed; the message names the task's parameters and seed."""


def _evaluator_name(evaluate: Callable[..., Any]) -> str:
    return f"{getattr(evaluate, '__module__', '?')}.{getattr(evaluate, '__qualname__', repr(evaluate))}"


#: Memory a task takes while a sweep runs (its key, parameters and rows), bytes; an estimate.
TASK_BYTES = 2048


def _task_key(evaluator: str, params: Mapping[str, Any], seed: int) -> str:
    """A hash of the evaluator's name, the parameters and the seed, with equal numbers spelled alike
    (:func:`edgesched.experiments.store.canonical`)."""
    try:
        text = json.dumps({"evaluate": evaluator, "params": canonical(dict(params)), "seed": seed}, sort_keys=True)
    except TypeError as exc:
        raise ValueError(f"grid point {params} has a value that is not a number, string, bool or list "
                         f"({exc}); a task key needs JSON-serialisable parameters") from None
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def grid_points(grid: Mapping[str, Sequence[Any]] | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The parameter points of a grid.

    A mapping ``{name: [values...]}`` gives every combination (the last name varies fastest; a scalar value
    counts as a one-value list); an iterable of mappings is taken as the explicit list of points. Values equal
    as numbers (``1e6`` and ``1000000``) are the same value: a list that repeats one is a ValueError.
    """
    if isinstance(grid, Mapping):
        names = list(grid)
        axes = []
        for name in names:
            values = grid[name]
            values = list(values) if isinstance(values, (list, tuple, np.ndarray, range)) else [values]
            if not values:
                raise ValueError(f"grid[{name!r}] is empty; give at least one value")
            _distinct(f"grid[{name!r}]", values)
            axes.append(values)
        count = math.prod(len(a) for a in axes)
        fits_in_memory(f"the grid has {count:,} points", count, TASK_BYTES, "grid points")
        points = [dict(zip(names, combo)) for combo in itertools.product(*axes)]
    else:
        points = [dict(p) for p in grid]
    out = []
    for i, p in enumerate(points):
        for k in p:
            if not isinstance(k, str):
                raise ValueError(f"grid point {i} has a parameter named {k!r}; parameter names must be str")
        out.append({k: plain(v) for k, v in p.items()})
    return out


def _distinct(label: str, values: list[Any]) -> None:
    """ValueError when two of ``values`` are the same value (:func:`canonical`), naming both positions."""
    seen: dict[str, int] = {}
    for i, v in enumerate(values):
        try:
            text = json.dumps(canonical(v), sort_keys=True)
        except TypeError:
            continue  # reported with its grid point when its task key is made
        if text in seen:
            j = seen[text]
            raise ValueError(f"{label}[{i}] is {values[i]!r}, the same value as {label}[{j}] ({values[j]!r}); "
                             "list each value once")
        seen[text] = i


#: Seeds are integers in [0, SEED_END): the solvers' seeds (a uint64).
SEED_END = 2**64


def _seed_list(seeds: int | Iterable[int], points: int = 1) -> list[int]:
    """The seeds of every grid point, checked: a count, or distinct integers in [0, 2**64); ``points`` grid
    points of them must fit in memory."""
    if isinstance(seeds, (int, np.integer)):
        if isinstance(seeds, (bool, np.bool_)):
            raise ValueError(f"seeds is {seeds!r}; give a count >= 1 or a list of seeds")
        if seeds < 1:
            raise ValueError(f"seeds is {seeds}; give a count >= 1 or a list of seeds")
        fits_in_memory(f"seeds is {seeds} with {points:,} grid point(s)", int(seeds) * points, TASK_BYTES, "tasks")
        return list(range(int(seeds)))
    if isinstance(seeds, (str, bytes, Mapping)) or not isinstance(seeds, Iterable):
        raise ValueError(f"seeds is {seeds!r}; give a count >= 1 or a list of seeds")
    out = []
    for i, s in enumerate(seeds):
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)) or not 0 <= s < SEED_END:
            raise ValueError(f"seeds[{i}] is {s!r}; seeds must be integers in [0, 2**64)")
        out.append(int(s))
    if len(set(out)) != len(out):
        raise ValueError("seeds has repeated values; each seed must appear once")
    if not out:
        raise ValueError("seeds is empty; give at least one seed")
    return out


def _tasks(evaluate: Callable[..., Any], points: list[dict[str, Any]], seeds: list[int]) -> list[Task]:
    fits_in_memory(f"the sweep has {len(points):,} grid points x {len(seeds):,} seeds", len(points) * len(seeds),
                   TASK_BYTES, "tasks")
    name = _evaluator_name(evaluate)
    tasks: list[Task] = []
    seen: dict[str, int] = {}
    for i, p in enumerate(points):
        for s in seeds:
            key = _task_key(name, p, s)
            if key in seen:
                raise ValueError(f"grid point {i} ({p}) is the same as grid point {seen[key]} "
                                 f"({points[seen[key]]}); every (parameters, seed) pair must be unique")
            seen[key] = i
            tasks.append(Task(len(tasks), key, p, s))
    return tasks


def _run_batch(evaluate: Callable[..., Any], batch: list[tuple[str, dict[str, Any], int]]
               ) -> list[tuple[str, list[dict[str, Any]]]]:
    """Evaluate a batch of tasks (in a worker); return each task's key and rows."""
    out = []
    for key, params, seed in batch:
        try:
            result = evaluate(params, seed)
        except Exception as exc:  # re-raised in the caller with the task named
            raise SweepTaskError(f"evaluating parameters {params} with seed {seed} failed: "
                                 f"{type(exc).__name__}: {exc}") from None
        rows = [result] if isinstance(result, Mapping) else list(result) if isinstance(result, Iterable) and \
            not isinstance(result, (str, bytes)) else None
        if rows is None or not all(isinstance(r, Mapping) and all(isinstance(k, str) for k in r) for r in rows):
            raise SweepTaskError(f"evaluating parameters {params} with seed {seed} returned {result!r:.200}; an "
                                 "evaluator returns a mapping of metric names (str) to values, or a list of them")
        out.append((key, [{k: plain(v) for k, v in r.items()} for r in rows]))
    return out


# -- the sweep ---------------------------------------------------------------

def _worker_count(executor: Any, max_workers: int | None) -> int:
    """``max_workers``, else a dask ``Client``'s thread count, else the CPU count."""
    if max_workers:
        return max_workers
    if hasattr(executor, "nthreads"):  # a dask.distributed Client
        return max(1, sum(executor.nthreads().values()))
    return os.cpu_count() or 1


#: Seconds :func:`connect` waits for a scheduler.
CONNECT_TIMEOUT = 10.0


def connect(address: str, timeout: float | None = None) -> Any:
    """A ``dask.distributed.Client`` of the running scheduler at ``address`` (``"tcp://host:8786"``); close it
    when done. ValueError naming the address when none answers there within ``timeout`` seconds (default
    :data:`CONNECT_TIMEOUT`), or what answers is not a scheduler; ImportError naming the extra without
    ``dask.distributed``."""
    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    distributed = need("distributed", "dask", "a sweep on a Dask cluster")
    if not isinstance(address, str) or not address.strip():
        raise ValueError(f"scheduler is {address!r}; give a scheduler's address, such as tcp://10.0.0.5:8786")
    try:
        return distributed.Client(address.strip(), timeout=timeout, set_as_default=False)
    except Exception as exc:  # nothing there (OSError), no port (ValueError), something else answering
        reason = f"{type(exc).__name__}: {exc}"
    _collect_quietly()  # the half-made client's finaliser would print about the failed connection
    raise ValueError(f"scheduler {address.strip()}: cannot connect to a Dask scheduler there ({reason})")


def _collect_quietly() -> None:
    """Collect garbage with unraisable exceptions (finalisers that fail) dropped."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _watch_parent(parent: int) -> None:
    """In a worker: exit as soon as the sweep's process is gone (killed with SIGKILL, say), which no pool can
    tell its workers; they would otherwise wait for tasks forever."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, name="edgesched-parent-watch", daemon=True).start()


def default_executor(max_workers: int | None) -> ProcessPoolExecutor:
    # spawn: the same behaviour on every platform, and safe when the caller runs threads.
    return ProcessPoolExecutor(max_workers=max_workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_watch_parent, initargs=(os.getpid(),))


def sweep(
    grid: Mapping[str, Sequence[Any]] | Iterable[Mapping[str, Any]],
    seeds: int | Iterable[int] = 10,
    *,
    evaluate: Callable[[Mapping[str, Any], int], Mapping[str, Any] | Iterable[Mapping[str, Any]]] = evaluate_paper,
    store: str | os.PathLike[str] | None = None,
    executor: Any = None,
    max_workers: int | None = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
    backend: str | None = None,
    scheduler: str | None = None,
) -> Any:
    """Evaluate every grid point with every seed; return the results as a tidy DataFrame.

    Parameters
    ----------
    grid : mapping of name -> values, or iterable of mappings
        ``{"n_devices": [4, 8], "method": ["greedy", "auto"]}`` (every combination) or explicit points
        (see :func:`grid_points`). Values must be JSON-serialisable (numbers, strings, lists).
    seeds : int or iterable of int
        ``k`` means seeds ``0 .. k-1``.
    evaluate : callable, default :func:`evaluate_paper`
        ``evaluate(params, seed)`` returns one row (a mapping of metric name to value) or a list of rows. It
        must be picklable (a module-level function) for a process pool or a cluster, and deterministic for a
        resumed sweep to equal an uninterrupted one.
    store : path, optional
        Directory of the result store (created if missing). Tasks already stored there are not evaluated
        again. ``None``: a temporary store, deleted on return.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Where tasks run; a ``Client`` is used through ``Client.get_executor()``. Not shut down here.
        ``None``: a process pool of ``max_workers`` processes (default: one per CPU), shut down on return.
    max_workers : int, optional
        Worker count of the default process pool. Twice this many batches are kept in flight (default: twice
        the CPU count, or twice a dask ``Client``'s thread count); give the worker count of a cluster reached
        through another executor.
    chunk_size : int, optional
        Tasks per batch sent to a worker and per chunk written to the store. Default: about four batches per
        worker, at most 256 tasks.
    progress : bool, optional
        Show a tqdm progress bar on stderr. ``None``: only when stderr is a terminal.
    scheduler : str, optional
        The address of a running ``dask.distributed`` scheduler (``"tcp://10.0.0.5:8786"``,
        ``pip install 'edgesched[dask]'``): the tasks run on its workers, through a client connected here and
        closed on return (:func:`connect`), with the same rows and the same store as a local run. Its workers need
        edgesched installed and ``evaluate`` importable; use process workers, the solvers hold the GIL while they
        build tables. ``executor`` must then be None.
    backend : {None, "numpy", "cupy"}
        ``None``: ``evaluate`` per task on the executor. ``"numpy"``/``"cupy"``: the seeds of each grid point
        solved as one batch by :func:`evaluate_paper_batch` in this process (``"cupy"``: on the GPU,
        ``pip install 'edgesched[gpu]'``); ``evaluate``, ``executor`` and ``max_workers`` must be left at their
        defaults, and every scenario of a grid point must have the same number of devices.

    Returns
    -------
    pandas.DataFrame
        One row per returned row of every task, in grid order, seeds varying fastest: the parameter columns,
        ``seed``, then the metrics.

    Raises
    ------
    SweepTaskError
        When an evaluation raised or returned something else than rows; tasks finished before it stay in the
        store, so a rerun resumes.
    ValueError
        For bad arguments: a grid listing one value twice (``1e6`` and ``1000000`` are one value), seeds outside
        [0, 2**64), a sweep too large for memory; :class:`edgesched.experiments.store.StoreError` (a
        ValueError) for a store that is a file or holds a damaged chunk, naming the path.
    ImportError
        When pandas/pyarrow (``edgesched[sweep]``) are missing.
    """
    need("pandas", "sweep", "edgesched.sweep")
    need("pyarrow", "sweep", "edgesched.sweep (Parquet store)")
    if chunk_size is not None and (isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1):
        raise ValueError(f"chunk_size is {chunk_size!r}; it must be an integer >= 1")
    if backend is not None:
        if backend not in ("numpy", "cupy"):
            raise ValueError(f"backend is {backend!r}; it must be None, 'numpy' or 'cupy'")
        if evaluate is not evaluate_paper or executor is not None or max_workers is not None or scheduler:
            raise ValueError(f"backend={backend!r} solves the paper's scenarios in batches in this process; "
                             "leave evaluate, executor and max_workers at their defaults, and give no scheduler")
    if scheduler is not None and executor is not None:
        raise ValueError("give an executor or a scheduler's address, not both")
    points = grid_points(grid)
    # Batched rows lack the gap (NaN): their task keys differ, so one store never mixes the two kinds.
    tasks = _tasks(evaluate_paper_batch if backend else evaluate, points, _seed_list(seeds, len(points)))
    run = (lambda todo, store_, bar: _drain_batched(todo, store_, backend, chunk_size, bar)) if backend else None
    if scheduler is not None:
        client = connect(scheduler)
        try:
            return _stored(tasks, points, evaluate, store, client, max_workers, chunk_size, progress, run)
        finally:
            client.close()
    return _stored(tasks, points, evaluate, store, executor, max_workers, chunk_size, progress, run)


def _stored(tasks: list[Task], points: list[dict[str, Any]], evaluate: Callable[..., Any],
            store: str | os.PathLike[str] | None, executor: Any, max_workers: int | None, chunk_size: int | None,
            progress: bool | None, run: Callable[[list[Task], Store, Any], None] | None) -> Any:
    """:func:`_sweep` on the store at ``store``, or on a temporary one deleted on return."""
    if store is None:
        with tempfile.TemporaryDirectory(prefix="edgesched-sweep-") as tmp:
            return _sweep(tasks, points, evaluate, Store(tmp), executor, max_workers, chunk_size, progress, run,
                          compact=False)
    return _sweep(tasks, points, evaluate, Store(store), executor, max_workers, chunk_size, progress, run)


def _sweep(tasks: list[Task], points: list[dict[str, Any]], evaluate: Callable[..., Any], store: Store,
           executor: Any, max_workers: int | None, chunk_size: int | None, progress: bool | None,
           run: Callable[[list[Task], Store, Any], None] | None = None, compact: bool = True) -> Any:
    store.remove_stale_temporaries()  # left by runs killed while writing; never those of a live sweep
    done = store.done()
    todo = [t for t in tasks if t.key not in done]
    if todo and run is not None:
        bar = progress_bar(len(tasks), len(tasks) - len(todo), progress, what="the sweep progress bar")
        try:
            run(todo, store, bar)
        finally:
            if bar is not None:
                bar.close()
    elif todo:
        workers = _worker_count(executor, max_workers)
        size = chunk_size or max(1, min(256, math.ceil(len(todo) / (4 * workers))))
        batches = [todo[i:i + size] for i in range(0, len(todo), size)]
        bar = progress_bar(len(tasks), len(tasks) - len(todo), progress, what="the sweep progress bar")
        own = executor is None
        ex: Executor = default_executor(max_workers) if own else (
            executor.get_executor() if hasattr(executor, "get_executor") else executor)
        try:
            _drain(ex, evaluate, batches, store, 2 * workers, bar)
        finally:
            if bar is not None:
                bar.close()
            if own:
                ex.shutdown(wait=True, cancel_futures=True)
    frame = store.frame(tasks, points)
    if compact and len(store.chunks()) > COMPACT_OVER:
        store.compact()
    return frame


def _drain_batched(todo: list[Task], store: Store, backend: str, chunk_size: int | None, bar: Any) -> None:
    """Solve the tasks of each grid point together (all their seeds in one batch); write each batch as a chunk."""
    groups: dict[str, list[Task]] = {}
    for t in todo:
        groups.setdefault(json.dumps(t.params, sort_keys=True, default=plain), []).append(t)
    for group in groups.values():
        size = chunk_size or len(group)
        for i in range(0, len(group), size):
            batch = group[i:i + size]
            try:
                rows = evaluate_paper_batch(batch[0].params, [t.seed for t in batch], backend)
            except Exception as exc:
                raise SweepTaskError(f"evaluating parameters {batch[0].params} with seeds "
                                     f"{[t.seed for t in batch]} failed: {type(exc).__name__}: {exc}") from None
            store.write(batch, [(t.key, [{k: plain(v) for k, v in r.items()}]) for t, r in zip(batch, rows)])
            if bar is not None:
                bar.update(len(batch))


def _drain(ex: Executor, evaluate: Callable[..., Any], batches: list[list[Task]], store: Store,
           in_flight: int, bar: Any) -> None:
    """Keep up to ``in_flight`` batches running; write each finished batch as one chunk."""
    pending: dict[Future[Any], list[Task]] = {}
    queue = iter(batches)
    try:
        while True:
            while len(pending) < in_flight:
                batch = next(queue, None)
                if batch is None:
                    break
                pending[ex.submit(_run_batch, evaluate, [(t.key, t.params, t.seed) for t in batch])] = batch
            if not pending:
                return
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                batch = pending.pop(fut)
                try:
                    results = fut.result()
                except SweepTaskError:
                    raise
                except Exception as exc:  # a pool broken, a cluster's worker killed, a future cancelled
                    raise SweepTaskError(f"a worker died evaluating parameters {batch[0].params} with seed "
                                         f"{batch[0].seed} (and the rest of its batch): {type(exc).__name__}: "
                                         f"{exc}; the tasks finished before are stored") from None
                store.write(batch, results)
                if bar is not None:
                    bar.update(len(batch))
    finally:
        for fut in pending:
            fut.cancel()


# -- summaries ---------------------------------------------------------------

def summarize(frame: Any, by: Sequence[str], metrics: Sequence[str] | None = None) -> Any:
    """Mean and 95% confidence interval of each metric per group, in long form.

    The interval is ``mean +- 1.96 * std / sqrt(n)`` (normal approximation; NaN for a single value).

    Parameters
    ----------
    frame : pandas.DataFrame
        A :func:`sweep` result.
    by : sequence of str
        The columns that define a group (e.g. ``["n_devices", "method"]``).
    metrics : sequence of str, optional
        Metric columns; default every numeric column not in ``by`` and not ``seed``.

    Returns
    -------
    pandas.DataFrame
        Columns ``*by, metric, mean, ci95_low, ci95_high, n``, groups in order of first appearance.
    """
    pd = need("pandas", "sweep", "edgesched.sweep.summarize")
    by = list(by)
    for col in by:
        if col not in frame.columns:
            raise ValueError(f"by names {col!r}, which is not a column; columns: {', '.join(frame.columns)}")
    if metrics is None:
        metrics = [c for c in frame.columns
                   if c not in by and c != "seed" and pd.api.types.is_numeric_dtype(frame[c])]
    long = frame.melt(id_vars=by, value_vars=list(metrics), var_name="metric", value_name="_value")
    g = long.groupby(by + ["metric"], sort=False, dropna=False)["_value"]
    out = g.agg(mean="mean", std="std", n="count").reset_index()
    half = 1.96 * out["std"] / np.sqrt(out["n"])
    out["ci95_low"] = out["mean"] - half
    out["ci95_high"] = out["mean"] + half
    return out[by + ["metric", "mean", "ci95_low", "ci95_high", "n"]]
