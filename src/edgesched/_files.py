"""Reading the project's TOML and CSV files: one error type naming the file, the key and the row, and the
checks every file format shares."""
from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["ScenarioFileError", "Num", "WHOLE", "check_keys", "read_toml", "relative_path", "text_value"]


class ScenarioFileError(ValueError):
    """A scenario, sweep or simulation file is malformed; the message names the file, the key and the row."""


@dataclass(frozen=True)
class Num:
    """A numeric field: unit, bounds, integrality."""

    unit: str = ""
    low: float | None = 0.0  # None: any finite value
    strict: bool = True
    high: float | None = None
    integer: bool = False

    def rule(self) -> str:
        if self.low is None:
            return "a finite number"
        if self.high is not None:
            return f"in [{self.low:g}, {self.high:g}]"
        kind = "an integer " if self.integer else ""
        return f"{kind}{'>' if self.strict else '>='} {self.low:g} {self.unit}".rstrip()

    def check(self, where: str, key: str, value: Any) -> float:
        """``value`` as a float, or ScenarioFileError ``{where}{key} is {value}; {key} must be ...``."""
        if isinstance(value, str):  # from a CSV cell
            try:
                value = float(value)
            except ValueError:
                raise ScenarioFileError(f"{where}{key} is {value!r}; {key} must be {self.rule()}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ScenarioFileError(f"{where}{key} is {value!r}; {key} must be {self.rule()}")
        v = float(value)
        ok = math.isfinite(v)
        if ok and self.low is not None:
            ok = v > self.low if self.strict else v >= self.low
        if ok and self.high is not None:
            ok = v <= self.high
        if ok and self.integer:
            ok = v == math.floor(v)
        if not ok:
            raise ScenarioFileError(f"{where}{key} is {value!r}; {key} must be {self.rule()}")
        return v


def check_keys(where: str, table: Any, allowed: Any, what: str) -> dict[str, Any]:
    if not isinstance(table, Mapping):
        raise ScenarioFileError(f"{where.rstrip('.')} must be a table ({what}); got {table!r}")
    for key in table:
        if key not in allowed:
            raise ScenarioFileError(f"{where}{key} is not a known key; {what} keys: {', '.join(sorted(allowed))}")
    return dict(table)


def text_value(where: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ScenarioFileError(f"{where}{key} is {value!r}; {key} must be a non-empty string")
    return value.strip()


def read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioFileError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ScenarioFileError(f"{path}: cannot read: {exc.strerror}") from None


def relative_path(base: str, name: str) -> str:
    return name if os.path.isabs(name) else os.path.join(os.path.dirname(base), name)


#: A whole number >= 1.
WHOLE = Num(low=1, strict=False, integer=True)
