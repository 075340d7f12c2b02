"""Sweep files (TOML), read by ``edgesched sweep`` (format: ``docs/scenario-format.md``, "Sweep files")."""
from __future__ import annotations

import inspect
import json
import math
import os
import warnings
from dataclasses import dataclass
from typing import Any

from .._files import (
    WHOLE,
    Num,
    ScenarioFileError,
    check_keys,
    fits_in_memory,
    read_toml,
    relative_path,
    shown,
    text_value,
)
from ..methods import EXHAUSTIVE_MAX_DEVICES, METHODS
from ..scenarios import GENERATORS, paper_default
from ..solvers.offloading import solve
from .store import canonical
from .sweep import TASK_BYTES

__all__ = ["SweepFile", "load_sweep"]


@dataclass(frozen=True)
class SweepFile:
    """A sweep read from a file: the arguments of :func:`edgesched.sweep.sweep`.

    Attributes
    ----------
    path : str
        The file it came from.
    grid : dict
        Parameter name -> list of values (every combination); the ``[fixed]`` parameters are one-value lists.
    seeds : list of int
        The seeds of every grid point.
    out : str
        The output directory (relative paths resolved against the file's directory): the store in
        ``out/store``, ``results.csv`` and ``summary.csv``.
    chunk_size : int or None
        Tasks per stored chunk (``None``: automatic).
    """

    path: str
    grid: dict[str, list[Any]]
    seeds: list[int]
    out: str
    chunk_size: int | None


def _generator_params(generator: Any) -> set[str]:
    params = set(inspect.signature(generator).parameters)
    # heterogeneous() passes its other keywords on to paper_default()
    return (params | set(inspect.signature(paper_default).parameters)) - {"seed", "kwargs"}


#: Generator parameters whose values are text; every other parameter takes numbers (or lists of them).
_TEXT_PARAMS = ("method", "scenario", "model")
_SEED = Num(low=0, strict=False, integer=True, high=2**64 - 1)


def _numbers_only(label: str, key: str, value: Any) -> None:
    """ScenarioFileError unless ``value`` is a number or a (nested) list of numbers: in TOML a string or a bool is
    never a number."""
    if isinstance(value, list):
        for i, v in enumerate(value):
            _numbers_only(f"{label}[{i}]", key, v)
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioFileError(f"{label} is {shown(value)}; {key} takes numbers (or lists of numbers), not "
                                f"{type(value).__name__} values")
    elif isinstance(value, int) and not -2**63 <= value < 2**63:
        raise ScenarioFileError(f"{label} is {shown(value)}; an integer must fit in 64 bits (TOML's integers): "
                                "write a number this large as a float (1.8e19)")


def _check_point(path: str, label: str, generator: Any, params: dict[str, Any]) -> None:
    """Build the scenario of ``params`` with seed 0 and run the solver's checks on it (the cheapest method), so
    that a value a task would fail on is reported now, by its key."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a value whose arithmetic overflows is refused too
        try:
            solve(generator(**params, seed=0), method="local")
        except (ValueError, TypeError, OverflowError) as exc:
            raise ScenarioFileError(f"{path}: {label}: {exc}") from None
        except RuntimeWarning as exc:
            raise ScenarioFileError(f"{path}: {label}: building or solving the scenario with it overflows ({exc}): "
                                    "check the value's units") from None


def load_sweep(path: str | os.PathLike[str]) -> SweepFile:
    """Read and check a sweep file (format: ``docs/scenario-format.md``, section "Sweep files").

    Every value is tried on the scenario generator (with seed 0) and the solver's checks, the ends of every
    ``*_range`` too, so that a bad value is reported here, naming the file, the key and the index, rather than by
    a worker halfway through the sweep; so are values listed twice (``1e6`` and ``1000000``), ``exhaustive``
    with more devices than it solves, seeds beyond 2**64 and sweeps too large for memory.
    """
    path_s = os.fspath(path)
    doc = read_toml(path_s, "sweep file")
    check_keys(f"{path_s}: ", doc, {"sweep", "fixed", "grid"}, "top-level")
    where = f"{path_s}: sweep."
    head = check_keys(where, doc.get("sweep", {}), {"scenario", "seeds", "out", "chunk_size"}, "[sweep]")
    generator_name = head.get("scenario", "paper_default")
    if not isinstance(generator_name, str) or generator_name not in GENERATORS:
        raise ScenarioFileError(f"{where}scenario is {shown(generator_name)}; it must be one of "
                                f"{', '.join(GENERATORS)}")
    generator = GENERATORS[generator_name]
    seeds_raw = head.get("seeds", 10)
    if isinstance(seeds_raw, list):
        seeds = [_SEED.whole(where, f"seeds[{i}]", s) for i, s in enumerate(seeds_raw)]
        if not seeds or len(set(seeds)) != len(seeds):
            raise ScenarioFileError(f"{where}seeds must be a non-empty list of distinct integers >= 0")
        n_seeds = len(seeds)
    else:
        n_seeds = WHOLE.whole(where, "seeds", seeds_raw)
    chunk = head.get("chunk_size")
    chunk_size = None if chunk is None else WHOLE.whole(where, "chunk_size", chunk)
    out = relative_path(path_s, text_value(where, "out", head["out"])) if "out" in head else \
        os.path.splitext(path_s)[0] + "-results"

    known = _generator_params(generator) | {"method"}
    fixed = check_keys(f"{path_s}: fixed.", doc.get("fixed", {}), known, "[fixed] parameter")
    grid_raw = check_keys(f"{path_s}: grid.", doc.get("grid", {}), known, "[grid] parameter")
    grid: dict[str, list[Any]] = {"scenario": [generator_name]}
    grid.update({k: [v] for k, v in fixed.items()})
    for key, values in grid_raw.items():
        if key in fixed:
            raise ScenarioFileError(f"{path_s}: grid.{key} is also in [fixed]; give it in one of the two")
        if not isinstance(values, list) or not values:
            raise ScenarioFileError(f"{path_s}: grid.{key} is {shown(values)}; grid values must be a non-empty list")
        seen: dict[str, int] = {}
        for i, value in enumerate(values):
            text = json.dumps(canonical(value), sort_keys=True)
            if text in seen:
                raise ScenarioFileError(f"{path_s}: grid.{key}[{i}] is {shown(value)}, the same value as "
                                        f"grid.{key}[{seen[text]}] ({shown(values[seen[text]])}); list each value "
                                        "once")
            seen[text] = i
        grid[key] = values
    points = math.prod(len(v) for v in grid.values())
    fits_in_memory(f"{where}seeds is {shown(seeds_raw) if isinstance(seeds_raw, list) else seeds_raw!r} with "
                   f"{points:,} grid point(s)", n_seeds * points, TASK_BYTES, "tasks")
    seeds = seeds if isinstance(seeds_raw, list) else list(range(n_seeds))

    def label(key: str, i: int) -> str:
        return f"fixed.{key}" if key in fixed else ("sweep.scenario" if key == "scenario" else f"grid.{key}[{i}]")

    base = {k: v[0] for k, v in grid.items() if k not in ("scenario", "method")}
    for key, values in grid.items():
        for i, value in enumerate(values):
            if key == "method":
                if value not in METHODS:
                    raise ScenarioFileError(f"{path_s}: {label(key, i)} is {shown(value)}; methods: "
                                            f"{', '.join(METHODS)}")
            elif key != "scenario":
                if key not in _TEXT_PARAMS:
                    _numbers_only(f"{path_s}: {label(key, i)}", key, value)
                _check_point(path_s, label(key, i), generator, {**base, key: value})
                if key.endswith("_range") and isinstance(value, list) and len(value) == 2:
                    for end in value:  # every device drawn at one end of the range
                        _check_point(path_s, label(key, i), generator, {**base, key: [end, end]})
    if "exhaustive" in grid.get("method", []):
        devices = grid.get("n_devices", [inspect.signature(paper_default).parameters["n_devices"].default])
        for i, n in enumerate(devices):
            if n > EXHAUSTIVE_MAX_DEVICES:
                m = grid["method"].index("exhaustive")
                raise ScenarioFileError(f"{path_s}: {label('method', m)} is 'exhaustive' and {label('n_devices', i)} "
                                        f"is {n!r}; exhaustive solves at most {EXHAUSTIVE_MAX_DEVICES} devices")
    return SweepFile(path_s, grid, seeds, out, chunk_size)
