"""Mobility traces: device positions per step from a CSV file (columns ``step, device, x, y``)."""
from __future__ import annotations

import numpy as np

from .._files import Num, ScenarioFileError, read_csv, shown
from .config import TRACE_MAX_M

__all__ = ["read_trace"]

_TRACE_COLUMNS = ("step", "device", "x", "y")
_STEP = Num(low=0, strict=False, integer=True)
_COORDINATE = Num("m", low=-TRACE_MAX_M, strict=False, high=TRACE_MAX_M)


def read_trace(path: str, steps: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per step ``0 .. steps-1``: the present devices' ids (int64, sorted) and positions (m, shape (n, 2)).

    Device labels (any non-empty text) get ids in order of first appearance; rows of later steps are ignored.
    Errors name the file and the row (a UTF-8 byte-order mark is accepted; see :func:`edgesched._files.read_csv`).
    """
    rows = read_csv(path, "trace", comments=False)
    header = [h.strip() for h in rows[0][1]] if rows else []
    if sorted(header) != sorted(_TRACE_COLUMNS):
        raise ScenarioFileError(f"{path}: the header is {shown(header)}; a trace has the columns "
                                f"{', '.join(_TRACE_COLUMNS)} (any order)")
    col = {name: header.index(name) for name in _TRACE_COLUMNS}
    ids: dict[str, int] = {}
    per_step: list[dict[int, tuple[float, float]]] = [{} for _ in range(steps)]
    for line, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        where = f"{path}: row {line}: "
        if len(row) != len(header):
            raise ScenarioFileError(f"{where}{len(row)} cells; the header has {len(header)}")
        step = int(_STEP.cell(where, "step", row[col["step"]].strip()))
        label = row[col["device"]].strip()
        if not label:
            raise ScenarioFileError(f"{where}device is empty; give each device a label")
        x, y = (_COORDINATE.cell(where, c, row[col[c]].strip()) for c in ("x", "y"))
        if step >= steps:
            continue
        dev = ids.setdefault(label, len(ids))
        if dev in per_step[step]:
            raise ScenarioFileError(f"{where}device {shown(label)} appears twice at step {step}")
        per_step[step][dev] = (x, y)
    out = []
    for present in per_step:
        order = sorted(present)
        out.append((np.array(order, dtype=np.int64),
                    np.array([present[d] for d in order], dtype=np.float64).reshape(-1, 2)))
    return out
