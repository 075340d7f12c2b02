"""The parts every kind of scenario file shares: the ``[system]`` table, the devices (inline tables or a CSV
file), accuracy curves (the default, a table or a CSV file) and the CSV files a scenario names. Every error
names the file, the key and the row (``docs/scenario-format.md``)."""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._files import Num, ScenarioFileError, check_keys, read_csv, relative_path, shown
from ..physics.accuracy import AccuracyCurve, default_curve
from ..physics.channel import DEFAULT_NOISE_DBM_PER_HZ, noise_power_watt

__all__ = ["COUNT", "SYSTEM", "UNIT", "accuracy_csv", "accuracy_curve", "check_noise", "csv_rows", "device_rows",
           "pick", "system_table", "table_pairs"]

#: A fraction in [0, 1] (accuracy, requirements).
UNIT = Num(low=0.0, strict=False, high=1.0)
#: Counts of frames, pixels, channels, bits and classes: whole numbers that fit in 32 bits.
COUNT = Num(low=1, strict=False, integer=True, high=2**31 - 1)
#: The keys of ``[system]``.
SYSTEM = {"w_delay": Num("1/s"), "w_energy": Num("1/J", strict=False), "noise_dbm_per_hz": Num(low=None)}


def system_table(path: str, doc: dict[str, Any]) -> dict[str, float]:
    """``[system]``: the weights ``w_delay`` (1/s), ``w_energy`` (1/J) and the noise density (dBm/Hz)."""
    where = f"{path}: system."
    table = check_keys(where, doc.get("system", {}), SYSTEM, "[system]")
    out = {"w_delay": 0.5, "w_energy": 0.5, "noise_dbm_per_hz": DEFAULT_NOISE_DBM_PER_HZ}
    out.update({k: SYSTEM[k].check(where, k, v) for k, v in table.items()})
    return out


def check_noise(where: str, bandwidth: float, noise_dbm_per_hz: float) -> None:
    """A server's noise power ``N0 B`` must be a finite normal number; the error names its ``bandwidth``."""
    with np.errstate(all="ignore"):
        noise = float(noise_power_watt(bandwidth, noise_dbm_per_hz))
    if not (math.isfinite(noise) and noise >= np.finfo(np.float64).tiny):
        raise ScenarioFileError(f"{where}bandwidth is {bandwidth!r} Hz; with system.noise_dbm_per_hz = "
                                f"{noise_dbm_per_hz!r} the noise power N0 B is {noise:g} W, which must be a "
                                "finite normal number (> 0): check the units of the two")


def table_pairs(where: str, key: str, value: Any, column: str) -> tuple[list[Any], list[Any]]:
    """``{ frames = [...], column = [...] }``: the two lists, checked to be non-empty and of equal length."""
    t = check_keys(f"{where}{key}.", value, {"frames", column}, f"{key} table")
    if "frames" not in t or column not in t:
        raise ScenarioFileError(f"{where}{key} must have frames = [...] and {column} = [...]")
    frames, values = t["frames"], t[column]
    if not isinstance(frames, list) or not isinstance(values, list) or len(frames) != len(values) or not frames:
        raise ScenarioFileError(f"{where}{key}.frames and {key}.{column} must be non-empty lists of equal length")
    return frames, values


def accuracy_curve(path: str, where: str, value: Any, name: str, key: str = "accuracy") -> AccuracyCurve:
    """An accuracy curve given as ``"default"`` (the illustrative default curve), the path of a CSV file
    (relative to ``path``, the file naming it) or a table ``{ frames = [...], accuracy = [...] }``; ``where``
    and ``key`` name it in errors."""
    if isinstance(value, str) and value == "default":
        return default_curve()
    if isinstance(value, str):
        return accuracy_csv(relative_path(path, value), name, f"{where}{key} is {shown(value)}; ")
    frames, values = table_pairs(where, key, value, "accuracy")
    frames = [COUNT.whole(where, f"{key}.frames[{i}]", f) for i, f in enumerate(frames)]
    values = [UNIT.check(where, f"{key}.accuracy[{i}]", v) for i, v in enumerate(values)]
    try:
        return AccuracyCurve.from_table(frames, values, name=name)
    except ValueError as exc:
        raise ScenarioFileError(f"{where}{key}: {exc}") from None


def accuracy_csv(path: str, name: str, named_by: str) -> AccuracyCurve:
    """An accuracy table from a CSV file with a header naming ``frames`` and ``accuracy`` (other columns
    ignored; ``#`` comments and blank lines skipped); errors name the file and the row."""
    rows = csv_rows(path, "accuracy CSV", named_by)
    (header_line, header), data = rows[0], rows[1:]
    names = [h.strip().lower() for h in header]
    for col in ("frames", "accuracy"):
        if col not in names:
            raise ScenarioFileError(f"{path}: row {header_line}: the header {shown(header)} has no {col!r} column; "
                                    "expected a header 'frames,accuracy'")
    i_f, i_a = names.index("frames"), names.index("accuracy")
    frames, accuracy = [], []
    for line, row in data:
        where = f"{path}: row {line}: "
        if len(row) != len(header):
            raise ScenarioFileError(f"{where}expected {len(header)} columns, got {len(row)}")
        frames.append(int(COUNT.cell(where, "frames", row[i_f].strip())))
        accuracy.append(UNIT.cell(where, "accuracy", row[i_a].strip()))
    try:
        return AccuracyCurve.from_table(frames, accuracy, name=name)
    except ValueError as exc:  # names the table index of the bad point: give its row instead
        index = getattr(exc, "index", None)
        at = f"row {data[index][0]}: " if isinstance(index, int) and 0 <= index < len(data) else ""
        raise ScenarioFileError(f"{path}: {at}{exc}") from None


def csv_rows(path: str, what: str, named_by: str) -> list[tuple[int, list[str]]]:
    """The rows of a CSV file that a scenario file names (a header and at least one row); an unreadable file is
    reported after ``named_by`` (the key that names it), a malformed one by its own path and row."""
    try:
        rows = read_csv(path, what)
    except ScenarioFileError as exc:
        text = str(exc)
        unreadable = f"{path}: cannot read the {what}: "
        if text.startswith(unreadable):
            raise ScenarioFileError(f"{named_by}cannot read {path}: {text[len(unreadable):]}") from None
        raise
    if len(rows) < 2:
        raise ScenarioFileError(f"{path}: expected a header row and at least one data row")
    return rows


def device_rows(path: str, doc: dict[str, Any]) -> list[tuple[str, dict[str, Any], bool]]:
    """Each device's error prefix, raw values and whether they are CSV cells, from [[devices]] or from the CSV
    file it names."""
    raw = doc.get("devices")
    if isinstance(raw, str):
        csv_path = relative_path(path, raw)
        rows = csv_rows(csv_path, "devices CSV", f"{path}: devices is {shown(raw)}; ")
        (header_line, head), data = rows[0], rows[1:]
        header = [h.strip() for h in head]
        for i, h in enumerate(header):
            if h in header[:i]:
                raise ScenarioFileError(f"{csv_path}: row {header_line}: the header names {h!r} twice")
        out = []
        for lineno, row in data:
            if len(row) != len(header):
                raise ScenarioFileError(f"{csv_path}: row {lineno}: expected {len(header)} columns "
                                        f"({shown(', '.join(header))[1:-1]}), got {len(row)}")
            cells = {h: c.strip() for h, c in zip(header, row) if c.strip()}  # a blank cell: not given
            out.append((f"{csv_path}: row {lineno}: ", cells, True))
        return out
    if not isinstance(raw, list) or not raw:
        raise ScenarioFileError(f"{path}: devices is missing or empty; give [[devices]] tables or "
                                "devices = \"FILE.csv\"")
    return [(f"{path}: devices[{i}].", t, False) for i, t in enumerate(raw)]


def pick(where: str, key: str, value: str | None, known: Mapping[str, Any], what: str) -> str:
    """The name ``value`` among ``known`` (the only one when ``value`` is None), or an error naming the key."""
    if value is None:
        if len(known) == 1:
            return next(iter(known))
        raise ScenarioFileError(f"{where}{key} is missing; with several {what} each device must name one "
                                f"({', '.join(known)})")
    if value not in known:
        raise ScenarioFileError(f"{where}{key} is {value!r}; known {what}: {', '.join(known)}")
    return value
