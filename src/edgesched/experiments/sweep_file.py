"""Sweep files (TOML), read by ``edgesched sweep`` (format: ``docs/scenario-format.md``, "Sweep files")."""
from __future__ import annotations

import inspect
import os
from dataclasses import dataclass
from typing import Any

from .._files import WHOLE, Num, ScenarioFileError, check_keys, read_toml, relative_path, text_value
from ..methods import METHODS
from ..scenarios import GENERATORS, paper_default

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


def load_sweep(path: str | os.PathLike[str]) -> SweepFile:
    """Read and check a sweep file (format: ``docs/scenario-format.md``, section "Sweep files").

    Every value is tried on the scenario generator (with seed 0) so that a bad value is reported here, naming
    the file, the key and the index, rather than by a worker halfway through the sweep.
    """
    path_s = os.fspath(path)
    doc = read_toml(path_s)
    check_keys(f"{path_s}: ", doc, {"sweep", "fixed", "grid"}, "top-level")
    where = f"{path_s}: sweep."
    head = check_keys(where, doc.get("sweep", {}), {"scenario", "seeds", "out", "chunk_size"}, "[sweep]")
    generator_name = head.get("scenario", "paper_default")
    if generator_name not in GENERATORS:
        raise ScenarioFileError(f"{where}scenario is {generator_name!r}; it must be one of {', '.join(GENERATORS)}")
    generator = GENERATORS[generator_name]
    seeds_raw = head.get("seeds", 10)
    if isinstance(seeds_raw, list):
        seeds = [int(Num(low=0, strict=False, integer=True).check(where, f"seeds[{i}]", s))
                 for i, s in enumerate(seeds_raw)]
        if not seeds or len(set(seeds)) != len(seeds):
            raise ScenarioFileError(f"{where}seeds must be a non-empty list of distinct integers >= 0")
    else:
        seeds = list(range(int(WHOLE.check(where, "seeds", seeds_raw))))
    chunk = head.get("chunk_size")
    chunk_size = None if chunk is None else int(WHOLE.check(where, "chunk_size", chunk))
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
            raise ScenarioFileError(f"{path_s}: grid.{key} is {values!r}; grid values must be a non-empty list")
        grid[key] = values
    base = {k: v[0] for k, v in grid.items() if k not in ("scenario", "method")}
    for key, values in grid.items():
        for i, value in enumerate(values):
            label = f"fixed.{key}" if key in fixed else ("sweep.scenario" if key == "scenario" else f"grid.{key}[{i}]")
            if key == "method":
                if value not in METHODS:
                    raise ScenarioFileError(f"{path_s}: {label} is {value!r}; methods: {', '.join(METHODS)}")
            elif key != "scenario":
                try:
                    generator(**{**base, key: value, "seed": 0})
                except (ValueError, TypeError) as exc:
                    raise ScenarioFileError(f"{path_s}: {label}: {exc}") from None
    return SweepFile(path_s, grid, seeds, out, chunk_size)
