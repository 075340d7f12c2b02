"""Accuracy curves ``Phi(M)``: inference accuracy versus number of input frames.

The paper (Sec. II-C) only requires ``Phi`` to be monotone non-decreasing in the
number of input frames ``M`` and shows measured/fitted curves in its Fig. 2
without numbers.  Given an accuracy requirement ``alpha_n`` (constraint 8a) and
a frame limit ``M_n^max`` (8b), the minimum admissible frame count is
(Sec. III-B)

    M_n* = min { M in Z : Phi(M) >= alpha_n, 1 <= M <= M_n^max },

computed here by :func:`min_frames`.

An :class:`AccuracyCurve` is a table of ``(frames, accuracy)`` points.  Between
table points it is a **step function held from the left**: ``Phi(M)`` is the
accuracy at the largest table frame ``<= M`` (beyond the last point the last
value is held).  This never over-states the accuracy of an untabulated frame
count for a non-decreasing curve, and it makes ``M*`` always a table frame.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._files import read_csv
from .._validation import index_label, whole_number

__all__ = [
    "AccuracyCurve",
    "default_curve",
    "min_frames",
]


class _TableError(ValueError):
    """A table validation error that remembers the offending row index."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index


def _validate_table(frames: Any, accuracy: Any) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Check and convert a (frames, accuracy) table; raise ``_TableError``."""
    try:
        fr = np.asarray(frames, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"frames must be an array of integers: {exc}") from None
    try:
        acc = np.asarray(accuracy, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"accuracy must be an array of real numbers: {exc}") from None
    if fr.ndim != 1 or acc.ndim != 1:
        raise ValueError(
            f"frames and accuracy must be 1-d; got shapes frames {fr.shape}, accuracy {acc.shape}"
        )
    if fr.shape != acc.shape:
        raise ValueError(
            f"frames and accuracy must have the same length; got {fr.size} and {acc.size}"
        )
    if fr.size == 0:
        raise ValueError("an accuracy curve needs at least one (frames, accuracy) point")
    for i in range(fr.size):
        f = float(fr[i])
        if not (math.isfinite(f) and f == math.floor(f) and f >= 1):
            raise _TableError(i, f"frames[{i}] is {f!r}; frame counts must be integers >= 1")
        if i > 0 and f <= fr[i - 1]:
            raise _TableError(
                i,
                f"frames[{i}] is {int(f)} <= frames[{i - 1}] = {int(fr[i - 1])}; "
                "frames must be strictly increasing",
            )
    for i in range(acc.size):
        a = float(acc[i])
        if not (math.isfinite(a) and 0.0 <= a <= 1.0):
            raise _TableError(i, f"accuracy[{i}] is {a!r}; accuracies must be in [0, 1]")
        if i > 0 and a < acc[i - 1]:
            raise _TableError(
                i,
                f"accuracy[{i}] (frames={int(fr[i])}) is {a!r} < accuracy[{i - 1}] = {float(acc[i - 1])!r}; "
                "accuracies must be non-decreasing in frames",
            )
    return fr.astype(np.int64), acc


def _frames_array(m: ArrayLike, name: str) -> NDArray[np.int64]:
    """Convert frame counts to int64, checking integrality and ``>= 1``."""
    arr = np.asarray(m)
    if arr.dtype == np.bool_ or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise ValueError(f"{name} must be integer frame counts; got dtype {arr.dtype}")
    flat = arr.reshape(-1).astype(np.float64)
    bad = ~np.isfinite(flat) | (flat != np.floor(flat)) | (flat < 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name}{index_label(arr, i)} is {arr.reshape(-1)[i].item()!r}; frame counts must be "
                         "integers >= 1")
    return arr.astype(np.int64)


@dataclass(frozen=True, eq=False)
class AccuracyCurve:
    """A monotone non-decreasing accuracy curve ``Phi(M)`` given by a table.

    Parameters
    ----------
    frames : array_like of int
        Tabulated frame counts, strictly increasing integers ``>= 1``.
    accuracy : array_like of float
        Accuracy (fraction in [0, 1]) at each tabulated frame count,
        non-decreasing.
    name : str, optional
        A label for reports and error messages.

    Notes
    -----
    Evaluation (``curve(M)``) is exact at table points.  For ``M`` between two
    table points it returns the value at the largest table frame ``<= M``, and
    beyond the last point the last value (a left-held step function; see the
    module docstring).  ``M`` below the first table frame raises
    :class:`ValueError`.  Arrays are stored read-only (int64 frames, float64
    accuracy).  Two curves compare equal when their tables and names are equal.
    """

    frames: NDArray[np.int64]
    accuracy: NDArray[np.float64]
    name: str = "custom"
    _hash: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise ValueError(f"name is {self.name!r}; name must be a str")
        fr, acc = _validate_table(self.frames, self.accuracy)
        fr = np.array(fr, dtype=np.int64, order="C")
        acc = np.array(acc, dtype=np.float64, order="C")
        fr.setflags(write=False)
        acc.setflags(write=False)
        object.__setattr__(self, "frames", fr)
        object.__setattr__(self, "accuracy", acc)
        object.__setattr__(self, "_hash", hash((self.name, fr.tobytes(), acc.tobytes())))

    # -- construction ------------------------------------------------------

    @classmethod
    def from_table(cls, frames: ArrayLike, accuracy: ArrayLike, name: str = "custom") -> AccuracyCurve:
        """Build a curve from a table of points (see the class docstring)."""
        return cls(frames, accuracy, name)  # type: ignore[arg-type]

    @classmethod
    def from_csv(cls, path: str | os.PathLike[str], name: str | None = None) -> AccuracyCurve:
        """Read a curve from a CSV file with a header naming ``frames`` and ``accuracy``.

        Blank lines and lines starting with ``#`` are skipped; other columns
        are ignored.  Errors name the file and the 1-based line ("row") of the
        offending entry.

        Parameters
        ----------
        path : str or os.PathLike
            The CSV file.
        name : str, optional
            Curve name; defaults to the file's stem.
        """
        path_s = os.fspath(path)
        numbered = read_csv(path_s, "the accuracy curve")  # names the file: missing, not text, a BOM is fine
        if not numbered:
            raise ValueError(f"{path_s}: empty file; expected a header 'frames,accuracy' and rows")
        rows = [row for _, row in numbered]
        header = [h.strip().lower() for h in rows[0]]
        header_line = numbered[0][0]
        for col in ("frames", "accuracy"):
            if col not in header:
                raise ValueError(
                    f"{path_s}: row {header_line}: header {rows[0]!r} has no '{col}' column; "
                    "expected a header 'frames,accuracy'"
                )
        i_f, i_a = header.index("frames"), header.index("accuracy")
        frames: list[float] = []
        accuracy: list[float] = []
        linenos: list[int] = []
        for (lineno, _), row in zip(numbered[1:], rows[1:]):
            if len(row) <= max(i_f, i_a):
                raise ValueError(f"{path_s}: row {lineno}: expected {len(header)} columns, got {len(row)}")
            for col, idx, dest in (("frames", i_f, frames), ("accuracy", i_a, accuracy)):
                try:
                    dest.append(float(row[idx]))
                except ValueError:
                    raise ValueError(
                        f"{path_s}: row {lineno}: {col} is {row[idx].strip()!r}; not a number"
                    ) from None
            linenos.append(lineno)
        if not linenos:
            raise ValueError(f"{path_s}: no data rows after the header")
        try:
            return cls(frames, accuracy, name if name is not None else os.path.splitext(os.path.basename(path_s))[0])  # type: ignore[arg-type]
        except _TableError as exc:
            raise ValueError(f"{path_s}: row {linenos[exc.index]}: {exc}") from None

    @classmethod
    def from_function(
        cls, fn: Callable[[int], float], max_frames: int, name: str = "parametric"
    ) -> AccuracyCurve:
        """Tabulate a parametric curve at ``M = 1 .. max_frames``.

        Parameters
        ----------
        fn : callable
            ``fn(M) -> accuracy`` for an integer ``M``; must be non-decreasing
            with values in [0, 1] on ``1 .. max_frames``.
        max_frames : int
            Largest tabulated frame count, ``>= 1``.
        name : str, optional
            Curve name.
        """
        n = whole_number(max_frames, "max_frames")
        values = []
        for m in range(1, n + 1):
            v = fn(m)
            try:
                values.append(float(v))
            except (TypeError, ValueError):
                raise ValueError(f"fn({m}) returned {v!r}; expected a real number") from None
        return cls(np.arange(1, n + 1), values, name)  # type: ignore[arg-type]

    # -- evaluation --------------------------------------------------------

    @property
    def max_frames(self) -> int:
        """The largest tabulated frame count."""
        return int(self.frames[-1])

    @property
    def best_accuracy(self) -> float:
        """The largest accuracy the curve reaches (its last table value)."""
        return float(self.accuracy[-1])

    def __call__(self, m: ArrayLike) -> Any:
        """Evaluate ``Phi(M)``.

        Parameters
        ----------
        m : int or array_like of int
            Frame counts, integers ``>= frames[0]``.

        Returns
        -------
        float or ndarray of float64
            Accuracy in [0, 1]; a float for a scalar ``m``.
        """
        mm = _frames_array(m, "M")
        flat = mm.reshape(-1)
        low = flat < self.frames[0]
        if low.any():
            i = int(np.flatnonzero(low)[0])
            raise ValueError(
                f"M{index_label(mm, i)} is {int(flat[i])}; curve {self.name!r} starts at {int(self.frames[0])} frames"
            )
        # largest table index whose frame is <= M (left-held step function)
        k = np.searchsorted(self.frames, mm, side="right") - 1
        out = self.accuracy[k]
        return float(out) if mm.ndim == 0 else np.asarray(out, dtype=np.float64)

    def min_frames(self, alpha: ArrayLike, max_frames: ArrayLike | None = None) -> Any:
        """``M* = min{M : Phi(M) >= alpha, M <= max_frames}``; see :func:`min_frames`."""
        return min_frames(self, alpha, max_frames)

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write the table as ``frames,accuracy`` CSV (floats round-trip exactly)."""
        with open(os.fspath(path), "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["frames", "accuracy"])
            for f, a in zip(self.frames.tolist(), self.accuracy.tolist()):
                w.writerow([f, repr(a)])

    # -- equality ----------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AccuracyCurve):
            return NotImplemented
        return (
            self.name == other.name
            and np.array_equal(self.frames, other.frames)
            and np.array_equal(self.accuracy, other.accuracy)
        )

    def __hash__(self) -> int:
        return self._hash


def min_frames(curve: AccuracyCurve, alpha: ArrayLike, max_frames: ArrayLike | None = None) -> Any:
    """Minimum frame count meeting an accuracy requirement (Sec. III-B, (8a)-(8b)).

    ``M_n* = min{M : Phi(M) >= alpha_n, M <= M_n^max}``.  The comparison is
    exact (no tolerance): ``alpha`` equal to a table value is met by that
    table point.

    Parameters
    ----------
    curve : AccuracyCurve
        The accuracy curve ``Phi``.
    alpha : float or array_like of float
        Accuracy requirement(s) in [0, 1], one per device.
    max_frames : int or array_like of int, optional
        Frame limit(s) ``M^max`` (integers >= 1), broadcast against *alpha*;
        default: the curve's last table frame.

    Returns
    -------
    int or ndarray of int64
        ``M*`` per device; a Python ``int`` for a scalar *alpha* and scalar or
        absent *max_frames*.

    Raises
    ------
    ValueError
        If an ``alpha`` is not in [0, 1], a ``max_frames`` is not an integer
        >= 1, or a requirement cannot be met; the message names the device
        index, its ``alpha`` and the best accuracy reachable within its
        frame limit.
    """
    if not isinstance(curve, AccuracyCurve):
        raise ValueError(f"curve must be an AccuracyCurve; got {type(curve).__name__}")
    try:
        a = np.asarray(alpha, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"alpha must be a real number or an array of real numbers: {exc}") from None
    flat_a = a.reshape(-1)
    bad = ~(np.isfinite(flat_a) & (flat_a >= 0.0) & (flat_a <= 1.0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"alpha{index_label(a, i)} is {float(flat_a[i])!r}; accuracy requirements must be in [0, 1]")
    if max_frames is None:
        mmax = np.asarray(curve.max_frames, dtype=np.int64)
    else:
        mmax = _frames_array(max_frames, "max_frames")
    try:
        a_b, mmax_b = np.broadcast_arrays(a, mmax)
    except ValueError:
        raise ValueError(
            f"alpha {a.shape} and max_frames {mmax.shape} do not broadcast together"
        ) from None
    # First table index whose accuracy reaches alpha (accuracy is sorted).
    k = np.searchsorted(curve.accuracy, a_b, side="left")
    reachable = k < curve.frames.size
    m_star = np.where(reachable, curve.frames[np.minimum(k, curve.frames.size - 1)], 0)
    ok = reachable & (m_star <= mmax_b)
    if not ok.all():
        flat_ok = ok.reshape(-1)
        i = int(np.flatnonzero(~flat_ok)[0])
        ai = float(a_b.reshape(-1)[i])
        mi = int(mmax_b.reshape(-1)[i])
        # best accuracy with at most mi frames (none if mi < first table frame)
        j = int(np.searchsorted(curve.frames, mi, side="right")) - 1
        best = f"{float(curve.accuracy[j]):.6g}" if j >= 0 else "none (below the first table frame)"
        who = "" if a_b.ndim == 0 else f"device {index_label(a_b, i)[1:-1]}: "
        raise ValueError(
            f"{who}alpha{index_label(a_b, i)} = {ai!r} is unreachable with curve {curve.name!r}: "
            f"the best accuracy with at most {mi} frames is {best}"
        )
    out = m_star.astype(np.int64)
    return int(out) if out.ndim == 0 else out


def _default_phi(m: int) -> float:
    # Illustrative saturating-exponential shape (see default_curve).
    return 0.95 - 0.55 * math.exp(-0.3 * (m - 1))


def default_curve() -> AccuracyCurve:
    """The package's default accuracy curve -- **ILLUSTRATIVE, not from the paper**.

    ``Phi(M) = 0.95 - 0.55 * exp(-0.3 * (M - 1))`` for ``M = 1 .. 16``: 0.40 at
    one frame, saturating towards 0.95 (0.9439 at 16 frames).  The paper only
    shows its measured/fitted curves as a figure (Fig. 2) without numbers; this
    curve merely has the shape the paper describes (monotone, diminishing
    returns, Sec. II-C).  With the paper's requirement ``alpha = 0.9`` it gives
    ``M* = 9`` (``Phi(8) = 0.8859``, ``Phi(9) = 0.90011``).  Replace it with a
    measured table (:meth:`AccuracyCurve.from_csv`) for real studies.
    """
    return AccuracyCurve.from_function(_default_phi, 16, name="illustrative-exp")
