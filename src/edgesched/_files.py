"""Reading the project's TOML and CSV files and checking the paths it writes: one error type naming the file, the
key and the row, the checks every file format shares, and the sizes that files and generators may ask for.

Every problem with a file is a :class:`ScenarioFileError` whose message starts with the file's path: a path that
is not a regular file (a directory, a device such as ``/dev/zero``, a dangling link), a file too large to be one
of ours, text that is not UTF-8, malformed TOML or CSV, a bad value (``{file}: {key} is {value}; {key} must be
...``). A UTF-8 byte-order mark (spreadsheets' "CSV UTF-8") is accepted.
"""
from __future__ import annotations

import csv
import math
import numbers
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["MAX_CSV_BYTES", "MAX_TOML_BYTES", "WHOLE", "Num", "ScenarioFileError", "check_keys", "fits_in_memory",
           "memory_bytes", "output_dir", "output_file", "read_csv", "read_text", "read_toml", "relative_path",
           "shown", "text_value", "write_rows"]

#: Largest TOML file read (a scenario with 10^5 inline devices is about 5 MB).
MAX_TOML_BYTES = 64 * 2**20
#: Largest CSV file read (devices, accuracy tables, mobility traces).
MAX_CSV_BYTES = 256 * 2**20
#: Longest value quoted in an error message; longer ones are cut.
_SHOWN_CHARS = 60


class ScenarioFileError(ValueError):
    """A scenario, sweep or simulation file (or a file it names, or an output path) cannot be used; the message
    names the file, the key and the row."""


def shown(value: Any) -> str:
    """``repr(value)``, cut to a readable length for an error message (a CSV cell may hold megabytes)."""
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else f"{text[:_SHOWN_CHARS - 20]}...{text[-12:]} ({len(text)} chars)"


@dataclass(frozen=True)
class Num:
    """A numeric field: unit, bounds, integrality.

    TOML values must be numbers (a string is an error, even ``"5e6"``); CSV cells are text and go through
    :meth:`cell`, which parses them first.
    """

    unit: str = ""
    low: float | None = 0.0  # None: any finite value
    strict: bool = True
    high: float | None = None
    integer: bool = False

    def rule(self) -> str:
        if self.low is None:
            return "a finite number"
        if self.integer:
            high = "" if self.high is None else f" and <= {int(self.high)}"
            return f"an integer {'>' if self.strict else '>='} {self.low:g}{high}"
        if self.high is not None:
            return f"in [{self.low:g}, {self.high:g}]"
        return f"{'>' if self.strict else '>='} {self.low:g} {self.unit}".rstrip()

    def _fail(self, where: str, key: str, value: Any, note: str = "") -> ScenarioFileError:
        return ScenarioFileError(f"{where}{key} is {shown(value)}; {key} must be {self.rule()}{note}")

    def check(self, where: str, key: str, value: Any) -> float:
        """``value`` (a number: int, float or a numpy scalar) as a float, or ScenarioFileError
        ``{where}{key} is {value}; {key} must be ...``. Integer fields keep whole numbers exact up to ``high``."""
        if isinstance(value, str):
            raise self._fail(where, key, value, " (a number, not a string)")
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise self._fail(where, key, value)
        try:
            v = float(value)
        except (OverflowError, ValueError, TypeError):  # an int beyond float64
            raise self._fail(where, key, value) from None
        ok = math.isfinite(v)
        if ok and self.low is not None:
            ok = v > self.low if self.strict else v >= self.low
        if ok and self.integer:
            ok = v == math.floor(v)
        if ok and self.high is not None:
            ok = (int(value) if isinstance(value, numbers.Integral) else v) <= self.high
        if not ok:
            raise self._fail(where, key, value)
        return v

    def cell(self, where: str, key: str, text: str) -> float:
        """A CSV cell (text) as :meth:`check` reads numbers."""
        try:
            value = float(text)
        except ValueError:
            raise self._fail(where, key, text) from None
        return self.check(where, key, value)

    def whole(self, where: str, key: str, value: Any) -> int:
        """An integer field as an exact int (an integral float converts exactly)."""
        v = self.check(where, key, value)
        return int(value) if isinstance(value, numbers.Integral) else int(v)


def check_keys(where: str, table: Any, allowed: Any, what: str) -> dict[str, Any]:
    if not isinstance(table, Mapping):
        raise ScenarioFileError(f"{where.rstrip('.')} must be a table ({what}); got {shown(table)}")
    for key in table:
        if key not in allowed:
            raise ScenarioFileError(f"{where}{shown(key)[1:-1]} is not a known key; {what} keys: "
                                    f"{', '.join(sorted(allowed))}")
    return dict(table)


def text_value(where: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ScenarioFileError(f"{where}{key} is {shown(value)}; {key} must be a non-empty string")
    return value.strip()


# -- reading -------------------------------------------------------------------

def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a pipe"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def read_text(path: str, what: str, limit: int) -> str:
    """The text of a regular file of at most ``limit`` bytes, decoded as UTF-8 (a byte-order mark is dropped).

    ScenarioFileError ``{path}: ...`` for a missing file, a dangling link, a directory or device, a file over
    ``limit`` bytes, or bytes that are not UTF-8; ``what`` says what the file is for ("scenario file").
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise ScenarioFileError(f"{path}: cannot read the {what}: it is a link to {os.readlink(path)!r}, "
                                    "which does not exist") from None
        raise ScenarioFileError(f"{path}: cannot read the {what}: no such file") from None
    except OSError as exc:
        raise ScenarioFileError(f"{path}: cannot read the {what}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioFileError(f"{path}: cannot read the {what}: it is {_kind(info.st_mode)}, not a file")
    if info.st_size > limit:
        raise ScenarioFileError(f"{path}: the {what} has {info.st_size:,} bytes; at most {limit:,} are read")
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise ScenarioFileError(f"{path}: cannot read the {what}: {exc.strerror}") from None
    if len(data) > limit:  # it grew after the check
        raise ScenarioFileError(f"{path}: the {what} has more than {limit:,} bytes; at most {limit:,} are read")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ScenarioFileError(f"{path}: line {line}: the {what} is not UTF-8 text (byte 0x{data[exc.start]:02x} "
                                f"at offset {exc.start}); save it as UTF-8") from None


def read_toml(path: str, what: str = "TOML file") -> dict[str, Any]:
    """A TOML file (:func:`read_text`'s checks, at most :data:`MAX_TOML_BYTES`), parsed."""
    text = read_text(path, what, MAX_TOML_BYTES)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioFileError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioFileError(f"{path}: not valid TOML: arrays or tables nested too deeply") from None


def read_csv(path: str, what: str, *, comments: bool = True) -> list[tuple[int, list[str]]]:
    """The rows of a CSV file with their 1-based line numbers, header first; blank lines skipped, and lines
    starting with ``#`` too with ``comments``. Checks as :func:`read_text` (at most :data:`MAX_CSV_BYTES`); a
    malformed row is ``{path}: row {line}: ...``."""
    text = read_text(path, what, MAX_CSV_BYTES)
    lines = [(i, line) for i, line in enumerate(text.splitlines(keepends=True), start=1)
             if line.strip() and not (comments and line.lstrip().startswith("#"))]
    reader = csv.reader(line for _, line in lines)
    out: list[tuple[int, list[str]]] = []
    limit = csv.field_size_limit()
    try:
        csv.field_size_limit(MAX_CSV_BYTES)  # a long cell is reported by the field's check, with its row
        for row in reader:
            out.append((lines[reader.line_num - 1][0], row))
    except csv.Error as exc:
        line = lines[min(reader.line_num, len(lines)) - 1][0] if lines else 1
        raise ScenarioFileError(f"{path}: row {line}: not valid CSV: {exc}") from None
    finally:
        csv.field_size_limit(limit)
    return out


def relative_path(base: str, name: str) -> str:
    return name if os.path.isabs(name) else os.path.join(os.path.dirname(base), name)


# -- writing -------------------------------------------------------------------

def output_file(path: str, option: str) -> str:
    """Check that ``path`` can be written as a file before any work is done: not a directory, its directory
    exists. ScenarioFileError ``{path}: ...`` naming the ``option`` (``-o``) otherwise."""
    if os.path.isdir(path):
        raise ScenarioFileError(f"{path}: {option} names a directory; give a file path")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise ScenarioFileError(f"{path}: {option} names a file in {parent}, which is not a directory "
                                f"(it {'is a file' if os.path.exists(parent) else 'does not exist'})")
    if os.path.exists(path) and not os.path.isfile(path):
        raise ScenarioFileError(f"{path}: {option} names {_kind(os.stat(path).st_mode)}; give a file path")
    return path


def write_rows(path: str | os.PathLike[str], rows: list[dict[str, Any]], what: str) -> None:
    """Write ``rows`` (dicts with the same keys, the header) as a CSV file at ``path``; ScenarioFileError
    ``{path}: ...`` naming ``what`` ("the schedule") when it cannot be written."""
    path_s = output_file(os.fspath(path), f"{what} file")
    try:
        with open(path_s, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    except OSError as exc:
        raise ScenarioFileError(f"{path_s}: cannot write {what}: {exc.strerror}") from None


def output_dir(path: str, option: str) -> str:
    """Create the directory ``path`` (and its parents) if missing; ScenarioFileError ``{path}: ...`` naming the
    ``option`` (``--out``) when it is a file, a dangling link or cannot be created."""
    if os.path.islink(path) and not os.path.exists(path):
        raise ScenarioFileError(f"{path}: {option} is a link to {os.readlink(path)!r}, which does not exist")
    if os.path.exists(path) and not os.path.isdir(path):
        raise ScenarioFileError(f"{path}: {option} names a file; give a directory")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        where = exc.filename if isinstance(exc.filename, str) else path
        raise ScenarioFileError(f"{path}: {option}: cannot create the directory {where}: {exc.strerror}") from None
    return path


# -- sizes ---------------------------------------------------------------------

def memory_bytes() -> int:
    """This machine's memory in bytes: the physical memory, or a smaller cgroup limit (0: unknown)."""
    total = 0
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        pass
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(limit_file) as fh:
                limit = int(fh.read().strip())
        except (OSError, ValueError):
            continue
        if 0 < limit < (total or limit + 1):
            total = limit
    return max(total, 0)


def _bytes_text(n: float) -> str:
    for unit, size in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.3g} bytes"


def fits_in_memory(label: str, count: float, bytes_each: float, what: str) -> None:
    """ValueError ``{label}: {count} {what} would take about X of memory, more than this machine's Y`` when
    ``count * bytes_each`` exceeds the machine's memory (:func:`memory_bytes`); ``label`` names the key or
    argument that sets the size (``"n_devices is 1e+12"``)."""
    try:
        need = float(count) * float(bytes_each)
    except OverflowError:  # an int beyond float64
        need = math.inf
    have = memory_bytes()
    if have and not need <= have:
        number = f"{count:,.0f}" if count < 1e15 else f"{need / float(bytes_each):.3g}"
        raise ScenarioFileError(f"{label}; {number} {what} would take about {_bytes_text(need)} of memory, more "
                                f"than this machine's {_bytes_text(have)}")


#: A whole number >= 1.
WHOLE = Num(low=1, strict=False, integer=True)
