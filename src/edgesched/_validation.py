"""Input checks shared by the public entry points.

Every check raises :class:`ValueError` naming the field and, for arrays, the first offending index, with a
hint of what is expected (``"rate[3] is -1.0; rate must be > 0 bit/s"``).
"""
from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["bounded_array", "bounded_pair", "bounded_scalar", "cell_index", "check_values", "deadline_array",
           "device_array", "device_count", "device_values", "float_array", "index_label", "positive_scalar", "scalar",
           "search_budget", "seed_value", "unit_ratio", "whole_number"]


def float_array(name: str, value: Any) -> np.ndarray:
    """``value`` as float64 (contiguous if an array); ValueError for a non-numeric or boolean input."""
    arr = np.asarray(value)
    if arr.dtype == object:
        try:
            arr = arr.astype(np.float64)
        except OverflowError:  # a Python int beyond float64
            raise ValueError(f"{name} holds an integer too large for a float64; {name} must be finite") from None
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be numeric; got an array of {type(value).__name__}") from None
    if arr.dtype.kind == "b" or arr.dtype.kind not in "iuf":
        kind = "bool" if arr.dtype.kind == "b" else str(arr.dtype)
        raise ValueError(f"{name} must be a real number or an array of real numbers; got dtype {kind}")
    arr = np.asarray(arr, dtype=np.float64)
    return np.ascontiguousarray(arr) if arr.ndim else arr


def _first_bad(bad: np.ndarray) -> int:
    return int(np.flatnonzero(bad)[0])


def check_values(name: str, arr: np.ndarray, *, allow_zero: bool, unit: str, integral: bool) -> None:
    """ValueError naming ``name`` and the first bad index unless every entry is finite, > 0 (>= 0 with
    ``allow_zero``) and, with ``integral``, whole."""
    label = (lambda i: f"{name}[{i}]") if arr.ndim else (lambda i: name)
    flat = arr.reshape(-1)
    nonfinite = ~np.isfinite(flat)
    if nonfinite.any():
        i = _first_bad(nonfinite)
        raise ValueError(f"{label(i)} is {flat[i]}; {name} must be finite")
    bad = flat < 0 if allow_zero else flat <= 0
    if bad.any():
        i = _first_bad(bad)
        rel = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{label(i)} is {flat[i]}; {name} must be {rel} {unit}".rstrip())
    if integral:
        frac = flat != np.floor(flat)
        if frac.any():
            i = _first_bad(frac)
            raise ValueError(f"{label(i)} is {flat[i]}; {name} must be whole numbers")


def device_count(**arrays: Any) -> int:
    """Number of devices implied by the per-device inputs (1-D arrays must agree; scalars broadcast)."""
    n = None
    first = None
    for name, value in arrays.items():
        shape = np.shape(value)
        if len(shape) > 1:
            raise ValueError(f"{name} must be a scalar or a 1-D array; got shape {shape}")
        if len(shape) == 1:
            if n is None:
                n, first = shape[0], name
            elif shape[0] != n:
                raise ValueError(
                    f"{name} has {shape[0]} entries but {first} has {n}; per-device arrays must have equal lengths"
                )
    if n is None:
        n = 1
    if n == 0:
        raise ValueError(f"{first} is empty; at least one device is needed")
    return n


def device_array(
    name: str, value: Any, n: int, *, unit: str = "", allow_zero: bool = False, integral: bool = False
) -> np.ndarray:
    """A validated float64 array of length ``n`` (a scalar is broadcast)."""
    arr = float_array(name, value)
    check_values(name, arr, allow_zero=allow_zero, unit=unit, integral=integral)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    return arr


def deadline_array(value: Any, n: int, name: str = "deadline") -> np.ndarray:
    """Deadlines in s, one per device or one for all (returned as one entry): each > 0, ``inf`` for none; NaN,
    ``-inf``, zero and negative values are a ValueError naming the index."""
    arr = float_array(name, value)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != n):
        raise ValueError(f"{name} has shape {arr.shape}; give a scalar or one deadline per device ({n})")
    label = (lambda i: f"{name}[{i}]") if arr.ndim else (lambda i: name)
    flat = arr.reshape(-1)
    bad = ~(flat > 0)
    if bad.any():
        i = _first_bad(bad)
        raise ValueError(f"{label(i)} is {flat[i]}; {name} must be > 0 s (inf for none)")
    return np.ascontiguousarray(flat, dtype=np.float64)


def scalar(value: Any) -> Any:
    """A 0-d array (what numpy's reductions and ``np.asarray(x)`` give) as its element; anything else as it is,
    so that a 0-d array passes where a number does, and fails where it does (a bool, a string)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value[()]
    return value


def positive_scalar(name: str, value: Any, *, unit: str = "", allow_zero: bool = False) -> float:
    """A validated finite scalar (> 0, or >= 0 with ``allow_zero``)."""
    if type(value) is float and (0.0 <= value if allow_zero else 0.0 < value) and value < math.inf:
        return value  # a plain float in range: what the checks below return for it, without their arrays
    value = scalar(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number; got {type(value).__name__}")
    try:
        arr = np.asarray(float(value))
    except OverflowError:  # a Python int beyond float64
        raise ValueError(f"{name} is an integer too large for a float64; {name} must be finite") from None
    check_values(name, arr, allow_zero=allow_zero, unit=unit, integral=False)
    return float(arr)


def seed_value(seed: Any) -> int:
    """A seed in [0, 2**64): ``None`` draws one from the operating system's entropy."""
    seed = scalar(seed)
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0])
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"seed must be None or an integer in [0, 2**64); got {type(seed).__name__}")
    seed = int(seed)
    if not 0 <= seed < 2**64:
        raise ValueError(f"seed is {seed}; it must be in [0, 2**64)")
    return seed


def cell_index(cell: Any, n: int) -> np.ndarray:
    """A validated per-device cell index: int64, length ``n``, every entry >= 0."""
    arr = np.asarray(cell)
    if arr.ndim != 1:
        raise ValueError(f"cell must be a 1-D array of cell indices, one per device; got shape {arr.shape}")
    if arr.shape[0] != n:
        raise ValueError(f"cell has {arr.shape[0]} entries but there are {n} devices; give one cell index per device")
    if arr.dtype.kind not in "iu":
        raise ValueError(f"cell must be an array of integers; got dtype {arr.dtype}")
    bad = arr < 0
    if bad.any():
        i = _first_bad(bad)
        raise ValueError(f"cell[{i}] is {arr[i]}; cell indices must be >= 0")
    return np.ascontiguousarray(arr, dtype=np.int64)


#: Default relative gap at which ``auto`` stops searching (a MIP solver's relative gap limit).
GAP_TOL = 1e-4


def search_budget(node_limit: Any, time_limit: Any, gap_tol: Any) -> dict[str, Any]:
    """Validated budget of ``auto``'s exact search: nodes (an integer in [0, 2**64), the core's range), seconds
    (>= 0), relative gap in [0, 1)."""
    node_limit = scalar(node_limit)
    if type(node_limit) is not int and (isinstance(node_limit, (bool, np.bool_))
                                        or not isinstance(node_limit, numbers.Integral)) \
            or not 0 <= int(node_limit) < 2**64:
        raise ValueError(f"node_limit is {node_limit!r}; it must be an integer in [0, 2**64)")
    gap = positive_scalar("gap_tol", gap_tol, allow_zero=True)
    if gap >= 1.0:
        raise ValueError(f"gap_tol is {gap_tol!r}; it must be in [0, 1)")
    return dict(node_limit=int(node_limit), time_limit=positive_scalar("time_limit", time_limit, unit="s",
                                                                       allow_zero=True), gap_tol=gap)


def index_label(arr: NDArray[Any], flat_index: int) -> str:
    """``"[3]"`` for 1-d arrays, ``"[1, 2]"`` for n-d, ``""`` for scalars: the index of a flat position."""
    if arr.ndim == 0:
        return ""
    return "[" + ", ".join(str(int(i)) for i in np.unravel_index(flat_index, arr.shape)) + "]"


def bounded_array(
    x: ArrayLike,
    name: str,
    *,
    plural: str | None = None,
    unit: str = "",
    low: float | None = None,
    low_inclusive: bool = False,
    high: float | None = None,
    high_inclusive: bool = True,
) -> NDArray[np.float64]:
    """``x`` as a float64 array, every element finite and within the bounds.

    With ``low`` every element must be ``> low`` (``>=`` when ``low_inclusive``), with ``high`` ``<= high``
    (``<`` when not ``high_inclusive``). The error names ``name`` and the first bad index, e.g.
    ``"distance[3] is -1.0; distances must be > 0 m"``.
    """
    plural = plural if plural is not None else name + "s"
    unit_sfx = f" {unit}" if unit else ""
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a real number or an array of real numbers: {exc}") from None
    flat = arr.reshape(-1)
    bad = ~np.isfinite(flat)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name}{index_label(arr, i)} is {float(flat[i])!r}; {plural} must be finite")
    if low is not None:
        bad = flat < low if low_inclusive else flat <= low
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            op = ">=" if low_inclusive else ">"
            raise ValueError(
                f"{name}{index_label(arr, i)} is {float(flat[i])!r}; {plural} must be {op} {low:g}{unit_sfx}"
            )
    if high is not None:
        bad = flat > high if high_inclusive else flat >= high
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            op = "<=" if high_inclusive else "<"
            raise ValueError(
                f"{name}{index_label(arr, i)} is {float(flat[i])!r}; {plural} must be {op} {high:g}{unit_sfx}"
            )
    return arr


def whole_number(value: Any, name: str, low: int = 1, *, integral_float: bool = True) -> int:
    """``value`` as an int if it is an integer ``>= low`` (an integral float too, unless ``integral_float`` is
    False); bools and everything else are a ValueError ``"{name} is {value!r}; {name} must be an integer >= {low}"``."""
    value = scalar(value)
    if isinstance(value, np.generic):
        value = value.item()
    msg = f"{name} is {value!r}; {name} must be an integer >= {low}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral if not integral_float else numbers.Real):
        raise ValueError(msg)
    if isinstance(value, numbers.Integral):
        v = int(value)
    else:
        fv = float(value)
        if not (math.isfinite(fv) and fv == math.floor(fv)):
            raise ValueError(msg)
        v = int(fv)
    if v < low:
        raise ValueError(msg)
    return v


def device_values(value: ArrayLike, name: str, n: int) -> NDArray[np.float64]:
    """``value`` (values already checked) broadcast from a scalar to ``(n,)``, or checked to be of shape ``(n,)``;
    a float64 copy."""
    arr = np.asarray(value, dtype=np.float64) if not isinstance(value, np.ndarray) else value
    if arr.ndim == 0:
        return np.full(n, float(arr), dtype=np.float64)
    if arr.shape != (n,):
        raise ValueError(f"{name} has shape {arr.shape}; expected a scalar or shape ({n},) (one value per device)")
    return np.array(arr, dtype=np.float64)


def bounded_scalar(value: Any, name: str, *, plural: str, unit: str = "", low: float | None = 0.0,
                   low_inclusive: bool = False) -> float:
    """A scalar checked as :func:`bounded_array` checks arrays."""
    arr = bounded_array(value, name, plural=plural, unit=unit, low=low, low_inclusive=low_inclusive)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a scalar; got shape {arr.shape}")
    return float(arr)


def bounded_pair(value: Any, name: str, *, low: float, low_inclusive: bool, high: float | None = None,
                 unit: str = "") -> tuple[float, float]:
    """A ``(low, high)`` pair of bounded values with ``low <= high``."""
    arr = bounded_array(value, name, plural=f"{name} bounds", unit=unit, low=low, low_inclusive=low_inclusive,
                        high=high)
    if arr.shape != (2,):
        raise ValueError(f"{name} has shape {arr.shape}; expected (low, high)")
    lo, hi = float(arr[0]), float(arr[1])
    if lo > hi:
        raise ValueError(f"{name} is ({lo!r}, {hi!r}); low must be <= high")
    return lo, hi


def unit_ratio(value: Any, name: str) -> float:
    """A ratio in (0, 1] (a kept width, a rank), else a ValueError naming ``name``."""
    value = scalar(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 < float(value) <= 1.0:
        raise ValueError(f"{name} is {value!r}; {name} must be a number in (0, 1]")
    return float(value)
