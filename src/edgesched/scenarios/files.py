"""Scenario files (TOML), read by ``edgesched solve``.

The formats are documented in ``docs/scenario-format.md``. A scenario file holds one instance: the cost
weights (``[system]``), one or more edge servers (``[[servers]]``, each an independent cell with its own
uplink and CPU), DNN models with their accuracy tables (``[models.NAME]``), and the devices, inline
(``[[devices]]``) or in a CSV file (``devices = "devices.csv"``, relative to the scenario file). Every error
names the file, the key and the row: ``scenario.toml: devices[3].rate is -1.0; rate must be > 0 bit/s``.

A file with ``[applications.NAME]`` tables describes a city of applications instead
(:mod:`edgesched.scenarios.app_scenario`); :func:`load_scenario` reads either kind.
"""
from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._files import (
    Num,
    ScenarioFileError,
    check_keys,
    read_toml,
    shown,
    text_value,
    write_rows,
)
from ..model.defaults import KAPPA, RHO
from ..model.devices import DEVICE_FIELDS, DeviceFields, Devices
from ..model.results import Schedule
from ..physics.accuracy import AccuracyCurve, min_frames
from ..physics.channel import shannon_rate
from ..physics.macs import MODELS, model_macs
from ..solvers.offloading import solve_offloading
from .app_scenario import ApplicationScenario, load_applications
from .paper import frame_bits_rgb
from .tables import COUNT, UNIT, accuracy_curve, check_noise, device_rows, pick, system_table, table_pairs

__all__ = ["ApplicationScenario", "ScenarioFile", "ScenarioFileError", "load_scenario"]


_POSITIVE_HZ = Num("Hz")
_UNIT = UNIT
_SERVER_NUM = {"bandwidth": _POSITIVE_HZ, "f_edge_max": _POSITIVE_HZ}
_COUNT = COUNT
_MODEL_INT = {"max_frames": _COUNT, "height": _COUNT, "width": _COUNT, "channels": _COUNT,
              "bits_per_sample": _COUNT, "num_classes": _COUNT}
_DEVICE_NUM = {
    "alpha": _UNIT,
    "max_frames": _COUNT,
    "tx_power": Num("W"),
    "f_local_max": _POSITIVE_HZ,
    "kappa": Num("J s^2/cycle^3"),
    "rho": Num("cycle/MAC"),
    "x": Num("m", low=None),
    "y": Num("m", low=None),
    "distance": Num("m"),
    "rate": Num("bit/s"),
    "deadline": Num("s"),
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
    deadline: float = math.inf  # s, for the model's devices that give none (docs/model.md §8)

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
    origin : tuple of str
        Where each device was given, as errors name it (``"scenario.toml: devices[3]."``,
        ``"devices.csv: row 5: "``).
    deadline : ndarray or None
        Per device: its deadline in s (the device's ``deadline``, else its model's; ``inf``: none), or None when
        no device has one. :meth:`solve` meets every one.
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
    origin: tuple[str, ...] = ()
    deadline: np.ndarray | None = None

    def solve(self, method: str = "auto", seed: int | None = None) -> Schedule:
        """Solve with :func:`edgesched.solve_offloading` (each server an independent cell).

        A device the solver rejects (a cost that overflows, say) is a ScenarioFileError naming the file and the
        device as the file gave it."""
        one = len(self.server_names) == 1
        capacity: Any = float(self.f_edge_max[0]) if one else self.f_edge_max
        try:
            return solve_offloading(
                **self.devices.arrays(), f_edge_max=capacity, w_delay=self.w_delay, w_energy=self.w_energy,
                method=method, seed=seed, cell=None if one else self.cell, deadline=self.deadline,
            )
        except ScenarioFileError:
            raise
        except ValueError as exc:
            raise ScenarioFileError(self._located(str(exc))) from None

    def _located(self, message: str) -> str:
        """A solver's message about ``device 3`` or ``rate[3]`` told as the file gave that device."""
        by_device, by_field = re.match(r"device (\d+): (.*)", message, re.S), re.match(r"(\w+)\[(\d+)\] (.*)",
                                                                                      message, re.S)
        index = int(by_device.group(1)) if by_device else int(by_field.group(2)) if by_field else -1
        if not 0 <= index < len(self.origin):
            return f"{self.path}: {message}"
        where = self.origin[index]
        if by_field:
            return f"{where}{by_field.group(1)} {by_field.group(3)}"
        assert by_device is not None
        return f"{where[:-1]}: {by_device.group(2)}" if where.endswith(".") else f"{where}{by_device.group(2)}"

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
        """Write :meth:`schedule_rows` as a CSV file (ScenarioFileError naming ``path`` when it cannot be
        written)."""
        write_rows(path, self.schedule_rows(schedule), "the schedule")


def _servers(path: str, doc: dict[str, Any], noise_dbm_per_hz: float) -> list[_Server]:
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
        bandwidth = _SERVER_NUM["bandwidth"].check(where, "bandwidth", t["bandwidth"])
        check_noise(where, bandwidth, noise_dbm_per_hz)
        out.append(_Server(name, bandwidth, _SERVER_NUM["f_edge_max"].check(where, "f_edge_max", t["f_edge_max"]),
                           (xy[0], xy[1])))
    return out


def _models(path: str, doc: dict[str, Any]) -> dict[str, _Model]:
    raw = doc.get("models", {"r3d_18": {}})
    if not isinstance(raw, Mapping) or not raw:
        raise ScenarioFileError(f"{path}: models must be a table of [models.NAME] tables")
    out = {}
    for name, table in raw.items():
        where = f"{path}: models.{name}."
        t = check_keys(where, table, {"macs", "accuracy", "deadline", *_MODEL_INT}, f"[models.{name}]")
        ints = {k: _MODEL_INT[k].whole(where, k, t[k]) for k in _MODEL_INT if k in t}
        curve = accuracy_curve(path, where, t.get("accuracy", "default"), name)
        macs: Any = t.get("macs", name)
        if isinstance(macs, str):
            if macs not in MODELS:
                raise ScenarioFileError(f"{where}macs is {shown(macs)}; give a counted model "
                                        f"({', '.join(sorted(MODELS))}) or a table macs = {{ frames = [...], "
                                        "macs = [...] }")
        else:
            frames, values = table_pairs(where, "macs", macs, "macs")
            macs = {_COUNT.whole(where, f"macs.frames[{i}]", f): Num("MAC").check(where, f"macs.macs[{i}]", v)
                    for i, (f, v) in enumerate(zip(frames, values))}
        h, w = ints.get("height", 112), ints.get("width", 112)
        bits = frame_bits_rgb(h, w, ints.get("channels", 3), ints.get("bits_per_sample", 8))
        deadline = Num("s").check(where, "deadline", t["deadline"]) if "deadline" in t else math.inf
        out[name] = _Model(name, curve, macs, ints.get("max_frames", curve.max_frames), h, w,
                           ints.get("num_classes", 400), float(bits), deadline)
    return out


def _device_values(where: str, raw: Mapping[str, Any], *, defaults: bool = False, cells: bool = False
                   ) -> dict[str, Any]:
    """Check the keys and values of one device (or of [device_defaults]); ``cells``: the values are the text of
    CSV cells, else TOML values (where a string is never a number)."""
    allowed = set(_DEVICE_NUM) | set(_DEVICE_STR)
    if defaults:
        allowed -= {"name", *_LOCATION}
    t = check_keys(where, raw, allowed, "[device_defaults]" if defaults else "device")
    out: dict[str, Any] = {}
    for key, value in t.items():
        if key in _DEVICE_STR:
            out[key] = text_value(where, key, value)
        else:
            out[key] = (_DEVICE_NUM[key].cell if cells else _DEVICE_NUM[key].check)(where, key, value)
    return out


def load_scenario(path: str | os.PathLike[str]) -> ScenarioFile | ApplicationScenario:
    """Read and check a scenario file (format: ``docs/scenario-format.md``).

    A file with ``[applications.NAME]`` tables describes a city of applications and gives an
    :class:`~edgesched.scenarios.app_scenario.ApplicationScenario`, solved through the pipeline; any other
    file one model per device (a :class:`ScenarioFile`).

    Raises
    ------
    ScenarioFileError
        (a ValueError) naming the file, the key and the row of the first problem.
    """
    path_s = os.fspath(path)
    doc = read_toml(path_s, "scenario file")
    if "applications" in doc:
        return load_applications(path_s, doc)
    check_keys(f"{path_s}: ", doc, {"system", "servers", "models", "device_defaults", "devices"}, "top-level")
    system = system_table(path_s, doc)
    servers = {s.name: s for s in _servers(path_s, doc, system["noise_dbm_per_hz"])}
    models = _models(path_s, doc)
    defaults = {**_DEVICE_DEFAULTS,
                **_device_values(f"{path_s}: device_defaults.", doc.get("device_defaults", {}), defaults=True)}
    cols: dict[str, list[Any]] = {k: [] for k in (
        "device", "server", "model", "alpha", "frames", "macs", "frame_bits", "rate", "distance", "tx_power",
        "f_local_max", "kappa", "rho", "deadline")}
    origin: list[str] = []
    for i, (where, raw, cells) in enumerate(device_rows(path_s, doc)):
        origin.append(where)
        d = {**defaults, **_device_values(where, raw, cells=cells)}
        for key in _REQUIRED:
            if key not in d:
                raise ScenarioFileError(f"{where}{key} is missing; give it per device or in [device_defaults]")
        name = d.get("name", f"device{i}")
        if name in cols["device"]:
            raise ScenarioFileError(f"{where}name is {name!r}, which an earlier device already has")
        server = servers[pick(where, "server", d.get("server"), servers, "servers")]
        model = models[pick(where, "model", d.get("model"), models, "models")]
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
            with np.errstate(all="ignore"):  # checked below, naming the keys
                rate = float(shannon_rate(server.bandwidth, d["tx_power"], distance, system["noise_dbm_per_hz"]))
            if not (math.isfinite(rate) and rate > 0.0):
                raise ScenarioFileError(
                    f"{where}distance is {distance:g} m; the uplink rate there, B log2(1 + p g / (N0 B)) with "
                    f"tx_power {d['tx_power']:g} W and server {server.name!r}'s bandwidth {server.bandwidth:g} Hz, is "
                    f"{rate:g} bit/s; it must be finite and > 0: check the units of the distance, tx_power and "
                    "bandwidth")
        values = {"device": name, "server": server.name, "model": model.name, "alpha": d["alpha"],
                  "frames": frames, "macs": model.macs_at(where, frames), "frame_bits": model.frame_bits,
                  "rate": rate, "distance": distance, "tx_power": d["tx_power"], "f_local_max": d["f_local_max"],
                  "kappa": d["kappa"], "rho": d["rho"], "deadline": d.get("deadline", model.deadline)}
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
    deadline = np.array(cols["deadline"], dtype=np.float64)
    deadline.setflags(write=False)
    return ScenarioFile(
        path=path_s, device=tuple(cols["device"]), server=tuple(cols["server"]), model=tuple(cols["model"]),
        server_names=names, devices=devices, w_delay=system["w_delay"], w_energy=system["w_energy"],
        origin=tuple(origin), deadline=deadline if np.isfinite(deadline).any() else None, **arrays,
    )
