"""Scenario files (TOML), read by ``edgesched solve``.

The formats are documented in ``docs/scenario-format.md``. A scenario file holds one instance: the cost
weights (``[system]``), one or more edge servers (``[[servers]]``, each an independent cell with its own
uplink and CPU), DNN models with their accuracy tables (``[models.NAME]``), and the devices, inline
(``[[devices]]``) or in a CSV file (``devices = "devices.csv"``, relative to the scenario file). Every error
names the file, the key and the row: ``scenario.toml: devices[3].rate is -1.0; rate must be > 0 bit/s``.
"""
from __future__ import annotations

import csv
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._files import WHOLE, Num, ScenarioFileError, check_keys, read_toml, relative_path, text_value
from ..model.defaults import KAPPA, RHO
from ..model.devices import DEVICE_FIELDS, DeviceFields, Devices
from ..model.results import Schedule
from ..physics.accuracy import AccuracyCurve, default_curve, min_frames
from ..physics.channel import DEFAULT_NOISE_DBM_PER_HZ, shannon_rate
from ..physics.macs import MODELS, model_macs
from ..solvers.offloading import solve_offloading
from .paper import frame_bits_rgb

__all__ = ["ScenarioFile", "ScenarioFileError", "load_scenario"]


_POSITIVE_HZ = Num("Hz")
_SYSTEM = {"w_delay": Num("1/s"), "w_energy": Num("1/J", strict=False), "noise_dbm_per_hz": Num(low=None)}
_SERVER_NUM = {"bandwidth": _POSITIVE_HZ, "f_edge_max": _POSITIVE_HZ}
_MODEL_INT = {"max_frames": WHOLE, "height": WHOLE, "width": WHOLE, "channels": WHOLE,
              "bits_per_sample": WHOLE, "num_classes": WHOLE}
_DEVICE_NUM = {
    "alpha": Num(low=0.0, strict=False, high=1.0),
    "max_frames": WHOLE,
    "tx_power": Num("W"),
    "f_local_max": _POSITIVE_HZ,
    "kappa": Num("J s^2/cycle^3"),
    "rho": Num("cycle/MAC"),
    "x": Num("m", low=None),
    "y": Num("m", low=None),
    "distance": Num("m"),
    "rate": Num("bit/s"),
}
_DEVICE_STR = ("name", "server", "model")
_LOCATION = ("rate", "distance", "x", "y")
_DEVICE_DEFAULTS = {"kappa": KAPPA, "rho": RHO}
_REQUIRED = ("alpha", "tx_power", "f_local_max")


# -- the scenario file -------------------------------------------------------

@dataclass(frozen=True)
class _Server:
    name: str
    bandwidth: float
    f_edge_max: float
    position: tuple[float, float]


@dataclass(frozen=True)
class _Model:
    name: str
    curve: AccuracyCurve
    macs: Any  # str (a key of macs.MODELS) or {frames: macs}
    max_frames: int
    height: int
    width: int
    num_classes: int
    frame_bits: float

    def macs_at(self, where: str, frames: int) -> float:
        if isinstance(self.macs, str):
            return float(model_macs(self.macs, frames, height=self.height, width=self.width,
                                    num_classes=self.num_classes))
        if frames not in self.macs:
            raise ScenarioFileError(f"{where}model {self.name!r} needs C(M) at M* = {frames} frames, but its macs "
                                    f"table has only frames {sorted(self.macs)}")
        return float(self.macs[frames])


@dataclass(frozen=True, eq=False)
class ScenarioFile(DeviceFields):
    """A scenario read from a file: per-device arrays in SI units, ready to solve.

    Attributes
    ----------
    path : str
        The file it came from.
    device, server, model : tuple of str
        Each device's name, its server's name and its model's name.
    cell : ndarray of int64
        Each device's server index (into ``server_names``).
    server_names : tuple of str
        The servers, in file order.
    devices : Devices
        The solver's inputs of every device (frame count M*, C(M*) in MAC, bits per frame, uplink rate in
        bit/s, transmit power in W, CPU limit in Hz, kappa in J s^2/cycle^3, cycles per MAC), also read as
        attributes (``f.macs``).
    alpha, distance : ndarray
        Per device: accuracy requirement, distance to its server in m (NaN where the file gave the rate).
    f_edge_max, bandwidth : ndarray
        Per server: CPU in Hz, uplink bandwidth in Hz. Every array is read-only.
    w_delay, w_energy : float
        Cost weights in 1/s and 1/J.
    """

    path: str
    device: tuple[str, ...]
    server: tuple[str, ...]
    model: tuple[str, ...]
    cell: np.ndarray
    server_names: tuple[str, ...]
    devices: Devices
    alpha: np.ndarray
    distance: np.ndarray
    f_edge_max: np.ndarray
    bandwidth: np.ndarray
    w_delay: float
    w_energy: float

    def solve(self, method: str = "auto", seed: int | None = None) -> Schedule:
        """Solve with :func:`edgesched.solve_offloading` (each server an independent cell)."""
        one = len(self.server_names) == 1
        capacity: Any = float(self.f_edge_max[0]) if one else self.f_edge_max
        return solve_offloading(
            **self.devices.arrays(), f_edge_max=capacity,
            w_delay=self.w_delay, w_energy=self.w_energy, method=method, seed=seed, cell=None if one else self.cell,
        )

    def schedule_rows(self, schedule: Schedule) -> list[dict[str, Any]]:
        """One row per device: its names, inputs and the schedule's decisions (SI units in the column names)."""
        if schedule.n_devices != self.n_devices:
            raise ValueError(f"the schedule has {schedule.n_devices} devices; this scenario has {self.n_devices}")
        cost = schedule.device_cost
        return [
            {"device": self.device[n], "server": self.server[n], "model": self.model[n],
             "alpha": float(self.alpha[n]), "frames": int(self.frames[n]), "macs": float(self.macs[n]),
             "rate_bps": float(self.rate[n]), "placement": "edge" if schedule.offload[n] else "local",
             "f_local_hz": float(schedule.f_local[n]), "f_edge_hz": float(schedule.f_edge[n]),
             "time_share": float(schedule.time_share[n]), "delay_s": float(schedule.delay[n]),
             "energy_j": float(schedule.energy[n]), "cost": float(cost[n])}
            for n in range(self.n_devices)
        ]

    def write_schedule(self, schedule: Schedule, path: str | os.PathLike[str]) -> None:
        """Write :meth:`schedule_rows` as a CSV file."""
        rows = self.schedule_rows(schedule)
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


def _system(path: str, doc: dict[str, Any]) -> dict[str, float]:
    where = f"{path}: system."
    table = check_keys(where, doc.get("system", {}), _SYSTEM, "[system]")
    out = {"w_delay": 0.5, "w_energy": 0.5, "noise_dbm_per_hz": DEFAULT_NOISE_DBM_PER_HZ}
    out.update({k: _SYSTEM[k].check(where, k, v) for k, v in table.items()})
    return out


def _servers(path: str, doc: dict[str, Any]) -> list[_Server]:
    raw = doc.get("servers")
    if not isinstance(raw, list) or not raw:
        raise ScenarioFileError(f"{path}: servers is missing or empty; give at least one [[servers]] table "
                                "with bandwidth and f_edge_max (Hz)")
    out, names = [], set()
    for j, table in enumerate(raw):
        where = f"{path}: servers[{j}]."
        t = check_keys(where, table, {"name", "position", *_SERVER_NUM}, "[[servers]]")
        name = text_value(where, "name", t.get("name", f"server{j}"))
        if name in names:
            raise ScenarioFileError(f"{where}name is {name!r}, which an earlier server already has")
        names.add(name)
        for key, spec in _SERVER_NUM.items():
            if key not in t:
                raise ScenarioFileError(f"{where}{key} is missing; every server needs {key} ({spec.unit})")
        pos = t.get("position", [0.0, 0.0])
        if not isinstance(pos, list) or len(pos) != 2:
            raise ScenarioFileError(f"{where}position is {pos!r}; position must be [x, y] in m")
        xy = tuple(Num("m", low=None).check(where, f"position[{i}]", v) for i, v in enumerate(pos))
        out.append(_Server(name, _SERVER_NUM["bandwidth"].check(where, "bandwidth", t["bandwidth"]),
                           _SERVER_NUM["f_edge_max"].check(where, "f_edge_max", t["f_edge_max"]),
                           (xy[0], xy[1])))
    return out


def _table_pairs(where: str, key: str, value: Any, column: str) -> tuple[list[Any], list[Any]]:
    t = check_keys(f"{where}{key}.", value, {"frames", column}, f"{key} table")
    if "frames" not in t or column not in t:
        raise ScenarioFileError(f"{where}{key} must have frames = [...] and {column} = [...]")
    frames, values = t["frames"], t[column]
    if not isinstance(frames, list) or not isinstance(values, list) or len(frames) != len(values) or not frames:
        raise ScenarioFileError(f"{where}{key}.frames and {key}.{column} must be non-empty lists of equal length")
    return frames, values


def _models(path: str, doc: dict[str, Any]) -> dict[str, _Model]:
    raw = doc.get("models", {"r3d_18": {}})
    if not isinstance(raw, Mapping) or not raw:
        raise ScenarioFileError(f"{path}: models must be a table of [models.NAME] tables")
    out = {}
    for name, table in raw.items():
        where = f"{path}: models.{name}."
        t = check_keys(where, table, {"macs", "accuracy", *_MODEL_INT}, f"[models.{name}]")
        ints = {k: int(_MODEL_INT[k].check(where, k, t[k])) for k in _MODEL_INT if k in t}
        acc = t.get("accuracy", "default")
        if acc == "default":
            curve = default_curve()
        elif isinstance(acc, str):
            curve = AccuracyCurve.from_csv(relative_path(path, acc))  # its errors name the CSV file and row
        else:
            frames, values = _table_pairs(where, "accuracy", acc, "accuracy")
            try:
                curve = AccuracyCurve.from_table(frames, values, name=name)
            except ValueError as exc:
                raise ScenarioFileError(f"{where}accuracy: {exc}") from None
        macs: Any = t.get("macs", name)
        if isinstance(macs, str):
            if macs not in MODELS:
                raise ScenarioFileError(f"{where}macs is {macs!r}; give a counted model ({', '.join(sorted(MODELS))}) "
                                        "or a table macs = {{ frames = [...], macs = [...] }}")
        else:
            frames, values = _table_pairs(where, "macs", macs, "macs")
            macs = {int(WHOLE.check(where, f"macs.frames[{i}]", f)): Num("MAC").check(where, f"macs.macs[{i}]", v)
                    for i, (f, v) in enumerate(zip(frames, values))}
        h, w = ints.get("height", 112), ints.get("width", 112)
        bits = frame_bits_rgb(h, w, ints.get("channels", 3), ints.get("bits_per_sample", 8))
        out[name] = _Model(name, curve, macs, ints.get("max_frames", curve.max_frames), h, w,
                           ints.get("num_classes", 400), float(bits))
    return out


def _device_values(where: str, raw: Mapping[str, Any], *, defaults: bool = False) -> dict[str, Any]:
    """Check the keys and values of one device (or of [device_defaults])."""
    allowed = set(_DEVICE_NUM) | set(_DEVICE_STR)
    if defaults:
        allowed -= {"name", *_LOCATION}
    t = check_keys(where, raw, allowed, "[device_defaults]" if defaults else "device")
    out: dict[str, Any] = {}
    for key, value in t.items():
        out[key] = text_value(where, key, value) if key in _DEVICE_STR else _DEVICE_NUM[key].check(where, key, value)
    return out


def _device_rows(path: str, doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each device's error prefix and raw values, from [[devices]] or from the CSV file it names."""
    raw = doc.get("devices")
    if isinstance(raw, str):
        csv_path = relative_path(path, raw)
        try:
            with open(csv_path, newline="", encoding="utf-8") as fh:
                lines = [(i, line) for i, line in enumerate(fh, start=1)
                         if line.strip() and not line.lstrip().startswith("#")]
        except OSError as exc:
            raise ScenarioFileError(f"{path}: devices is {raw!r}; cannot read {csv_path}: {exc.strerror}") from None
        if len(lines) < 2:
            raise ScenarioFileError(f"{csv_path}: expected a header row and at least one device row")
        rows = list(csv.reader(line for _, line in lines))
        header = [h.strip() for h in rows[0]]
        out = []
        for (lineno, _), row in zip(lines[1:], rows[1:]):
            if len(row) != len(header):
                raise ScenarioFileError(f"{csv_path}: row {lineno}: expected {len(header)} columns "
                                        f"({', '.join(header)}), got {len(row)}")
            cells = {h: c.strip() for h, c in zip(header, row) if c.strip()}  # a blank cell: not given
            out.append((f"{csv_path}: row {lineno}: ", cells))
        return out
    if not isinstance(raw, list) or not raw:
        raise ScenarioFileError(f"{path}: devices is missing or empty; give [[devices]] tables or "
                                "devices = \"FILE.csv\"")
    return [(f"{path}: devices[{i}].", t) for i, t in enumerate(raw)]


def _pick(where: str, key: str, value: str | None, known: Mapping[str, Any], what: str) -> str:
    if value is None:
        if len(known) == 1:
            return next(iter(known))
        raise ScenarioFileError(f"{where}{key} is missing; with several {what} each device must name one "
                                f"({', '.join(known)})")
    if value not in known:
        raise ScenarioFileError(f"{where}{key} is {value!r}; known {what}: {', '.join(known)}")
    return value


def load_scenario(path: str | os.PathLike[str]) -> ScenarioFile:
    """Read and check a scenario file (format: ``docs/scenario-format.md``).

    Raises
    ------
    ScenarioFileError
        (a ValueError) naming the file, the key and the row of the first problem.
    """
    path_s = os.fspath(path)
    doc = read_toml(path_s)
    check_keys(f"{path_s}: ", doc, {"system", "servers", "models", "device_defaults", "devices"}, "top-level")
    system = _system(path_s, doc)
    servers = {s.name: s for s in _servers(path_s, doc)}
    models = _models(path_s, doc)
    defaults = {**_DEVICE_DEFAULTS,
                **_device_values(f"{path_s}: device_defaults.", doc.get("device_defaults", {}), defaults=True)}
    cols: dict[str, list[Any]] = {k: [] for k in (
        "device", "server", "model", "alpha", "frames", "macs", "frame_bits", "rate", "distance", "tx_power",
        "f_local_max", "kappa", "rho")}
    for i, (where, raw) in enumerate(_device_rows(path_s, doc)):
        d = {**defaults, **_device_values(where, raw)}
        for key in _REQUIRED:
            if key not in d:
                raise ScenarioFileError(f"{where}{key} is missing; give it per device or in [device_defaults]")
        name = d.get("name", f"device{i}")
        if name in cols["device"]:
            raise ScenarioFileError(f"{where}name is {name!r}, which an earlier device already has")
        server = servers[_pick(where, "server", d.get("server"), servers, "servers")]
        model = models[_pick(where, "model", d.get("model"), models, "models")]
        try:
            frames = int(min_frames(model.curve, d["alpha"], int(d.get("max_frames", model.max_frames))))
        except ValueError as exc:
            raise ScenarioFileError(f"{where}alpha: {exc}") from None
        located = [k for k in ("rate", "distance") if k in d] + (["x, y"] if "x" in d or "y" in d else [])
        if len(located) != 1:
            raise ScenarioFileError(f"{where}location: give exactly one of rate (bit/s), distance (m), or x and y "
                                    f"(m); got {', '.join(located) or 'none'}")
        if located == ["x, y"]:
            if "x" not in d or "y" not in d:
                raise ScenarioFileError(f"{where}{'y' if 'x' in d else 'x'} is missing; give both x and y (m)")
            d["distance"] = math.hypot(d["x"] - server.position[0], d["y"] - server.position[1])
            if d["distance"] == 0.0:
                raise ScenarioFileError(f"{where}x, y is at server {server.name!r}'s position; distance must be > 0 m")
        if "rate" in d:
            rate, distance = d["rate"], math.nan
        else:
            distance = d["distance"]
            rate = float(shannon_rate(server.bandwidth, d["tx_power"], distance, system["noise_dbm_per_hz"]))
            if rate <= 0.0:
                raise ScenarioFileError(f"{where}distance is {distance:g} m; the uplink rate there is 0 bit/s")
        values = {"device": name, "server": server.name, "model": model.name, "alpha": d["alpha"],
                  "frames": frames, "macs": model.macs_at(where, frames), "frame_bits": model.frame_bits,
                  "rate": rate, "distance": distance, "tx_power": d["tx_power"], "f_local_max": d["f_local_max"],
                  "kappa": d["kappa"], "rho": d["rho"]}
        for key, value in values.items():
            cols[key].append(value)
    names = tuple(servers)
    arrays = {k: np.array(cols[k], dtype=np.float64) for k in ("alpha", "distance")}
    arrays["cell"] = np.array([names.index(s) for s in cols["server"]], dtype=np.int64)
    arrays["f_edge_max"] = np.array([s.f_edge_max for s in servers.values()])
    arrays["bandwidth"] = np.array([s.bandwidth for s in servers.values()])
    for a in arrays.values():
        a.setflags(write=False)
    devices = Devices.from_checked(**{k: np.array(cols[k], dtype=np.float64) for k in DEVICE_FIELDS})
    return ScenarioFile(
        path=path_s, device=tuple(cols["device"]), server=tuple(cols["server"]), model=tuple(cols["model"]),
        server_names=names, devices=devices, w_delay=system["w_delay"], w_energy=system["w_energy"], **arrays,
    )
