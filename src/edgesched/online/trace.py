"""Mobility traces: device positions per step from a CSV file (columns ``step, device, x, y``)."""
from __future__ import annotations

import csv

import numpy as np

from .._files import Num, ScenarioFileError

__all__ = ["read_trace"]

_TRACE_COLUMNS = ("step", "device", "x", "y")


def read_trace(path: str, steps: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per step ``0 .. steps-1``: the present devices' ids (int64, sorted) and positions (m, shape (n, 2)).

    Device labels (any non-empty text) get ids in order of first appearance; rows of later steps are ignored.
    """
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except OSError as exc:
        raise ScenarioFileError(f"{path}: cannot read the trace: {exc.strerror}") from None
    header = [h.strip() for h in rows[0]] if rows else []
    if sorted(header) != sorted(_TRACE_COLUMNS):
        raise ScenarioFileError(f"{path}: the header is {header!r}; a trace has the columns "
                                f"{', '.join(_TRACE_COLUMNS)} (any order)")
    col = {name: header.index(name) for name in _TRACE_COLUMNS}
    ids: dict[str, int] = {}
    per_step: list[dict[int, tuple[float, float]]] = [{} for _ in range(steps)]
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{path}: row {line}: "
        if len(row) != len(header):
            raise ScenarioFileError(f"{where}{len(row)} cells; the header has {len(header)}")
        step = int(Num(low=0, strict=False, integer=True).check(where, "step", row[col["step"]].strip()))
        label = row[col["device"]].strip()
        if not label:
            raise ScenarioFileError(f"{where}device is empty; give each device a label")
        x, y = (Num("m", low=None).check(where, c, row[col[c]].strip()) for c in ("x", "y"))
        if step >= steps:
            continue
        dev = ids.setdefault(label, len(ids))
        if dev in per_step[step]:
            raise ScenarioFileError(f"{where}device {label!r} appears twice at step {step}")
        per_step[step][dev] = (x, y)
    out = []
    for present in per_step:
        order = sorted(present)
        out.append((np.array(order, dtype=np.int64),
                    np.array([present[d] for d in order], dtype=np.float64).reshape(-1, 2)))
    return out


