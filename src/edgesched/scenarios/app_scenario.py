"""Scenario files that describe a city of applications, read by ``edgesched solve`` (format:
``docs/scenario-format.md``, "Scenario files with applications").

Such a file has ``[applications.NAME]`` tables (see :mod:`edgesched.scenarios.app_spec`); its edge servers name
their hardware, and its devices their application and hardware. It is solved through a
:class:`~edgesched.pipeline.Pipeline`: every device is offered its own application's variants, locally, on any
edge server, in the cloud or split, as its privacy rules allow, and the result is reported per application.
Every error names the file, the key and the row (``city.toml: devices[3].hardware is 'tpu'; known hardware:
...``).
"""
from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from .._files import Num, ScenarioFileError, check_keys, shown, text_value, write_rows
from ..physics.accuracy import AccuracyCurve
from ..physics.channel import shannon_rate
from ..physics.hardware import Hardware
from ..pipeline.applications import Application, Device
from ..pipeline.privacy import DATA, TIERS, Privacy
from ..pipeline.result import PipelineResult
from ..pipeline.system import Pipeline
from .app_spec import hardware_named, read_applications, read_cloud, read_hardware, read_offer
from .tables import COUNT, UNIT, check_noise, device_rows, pick, system_table

__all__ = ["ApplicationScenario", "load_applications"]

_TOP = {"system", "servers", "cloud", "offer", "hardware", "applications", "device_defaults", "devices"}
_DEVICE_NUM = {"alpha": UNIT, "deadline": Num("s"), "max_frames": COUNT, "frame_bits": Num("bit"),
               "tx_power": Num("W"), "x": Num("m", low=None), "y": Num("m", low=None)}
#: Keys with one value per server (a list in TOML; in a CSV cell separated by ';'); one value with one server.
_DEVICE_LIST = {"distance": Num("m"), "rate": Num("bit/s")}
_DEVICE_STR = ("name", "application", "hardware", "privacy_raw", "privacy_features")
_LOCATION = ("x", "y", "distance", "rate")


@dataclass(frozen=True)
class _Server:
    name: str
    hardware: Hardware
    bandwidth: float
    position: tuple[float, float]


@dataclass(frozen=True, eq=False)
class ApplicationScenario:
    """A scenario of applications read from a file, ready to solve through its :class:`Pipeline`.

    Attributes
    ----------
    path : str
        The file it came from.
    pipeline : Pipeline
        Its applications, edge servers (in file order), cloud, offer and weights.
    devices : tuple of Device
        Its devices, in file order (uplink rates in bit/s to every server).
    device_names, hardware_names : tuple of str
        Each device's name and the name of its hardware.
    server_names : tuple of str
        The edge servers' names.
    origin : tuple of str
        Where each device was given, as errors name it (``"city.toml: devices[3]."``, ``"devices.csv: row 5: "``).
    """

    path: str
    pipeline: Pipeline
    devices: tuple[Device, ...]
    device_names: tuple[str, ...]
    hardware_names: tuple[str, ...]
    server_names: tuple[str, ...]
    origin: tuple[str, ...]

    @property
    def n_devices(self) -> int:
        """Number of devices."""
        return len(self.devices)

    @property
    def applications(self) -> tuple[Application, ...]:
        """The applications, in file order."""
        return tuple(self.pipeline.applications)

    def solve(self, method: str = "auto", seed: int | None = None) -> PipelineResult:
        """Solve through the pipeline (:func:`edgesched.solve_options` with ``method``; ``seed`` for ``"random"``).

        A device left without any option (no variant meets its requirement where its privacy and hardware
        allow) is a ScenarioFileError naming the file and the device as the file gave it."""
        try:
            solver: dict[str, Any] = {"seed": seed} if method == "random" else {}
            return self.pipeline.solve(list(self.devices), method, **solver)
        except ScenarioFileError:
            raise
        except ValueError as exc:
            raise ScenarioFileError(self._located(str(exc))) from None

    def _located(self, message: str) -> str:
        """A message about ``device 3`` or ``devices[3].key`` told as the file gave that device."""
        m = re.match(r"devices?(?: (\d+)|\[(\d+)\]\.?)[: ]?\s*(.*)", message, re.S)
        index = int(m.group(1) or m.group(2)) if m else -1
        if m is None or not 0 <= index < len(self.origin):
            return f"{self.path}: {message}"
        where, rest = self.origin[index], m.group(3)
        rest = re.sub(r"^\((alpha [^)]*)\) (.*?): ", r"\2 (\1): ", rest)  # "(alpha 0.9) has no ...": the rule first
        return f"{where[:-1]}: {rest}" if where.endswith(".") else f"{where}{rest}"

    def schedule_rows(self, result: PipelineResult) -> list[dict[str, Any]]:
        """One row per device: its names, its application's requirement and the decision (SI units in the column
        names); ``accuracy`` is the chosen variant's ``Phi(M)`` at the chosen frame count."""
        if len(result.devices) != self.n_devices:
            raise ValueError(f"the result has {len(result.devices)} devices; this scenario has {self.n_devices}")
        apps = {a.name: a for a in self.applications}
        options = self.pipeline.options(list(self.devices), infeasible="drop")
        rows = []
        for n, r in enumerate(result.devices):
            variants = {v.name: v for v in apps[r.application].variants}
            curve = cast(AccuracyCurve, variants[r.variant].accuracy) if r.feasible else None
            spec_alpha = self.devices[n].alpha if self.devices[n].alpha is not None else apps[r.application].alpha
            rows.append({
                "device": self.device_names[n], "application": r.application, "hardware": self.hardware_names[n],
                "alpha": spec_alpha, "variant": r.variant, "frames": r.frames, "placement": r.placement,
                "server": self.server_names[r.server] if r.server >= 0 else "", "split": r.split or "",
                "upload": r.upload, "accuracy": float(curve(r.frames)) if curve is not None else math.nan,
                "f_local_hz": r.f_local, "f_edge_hz": r.f_edge, "time_share": r.time_share, "delay_s": r.delay,
                "energy_j": r.energy, "cost": r.cost, "deadline_s": "" if r.deadline is None else r.deadline,
                "late": r.late, "excluded": len(options.excluded[n])})
        return rows

    def write_schedule(self, result: PipelineResult, path: str | os.PathLike[str]) -> None:
        """Write :meth:`schedule_rows` as a CSV file (ScenarioFileError naming ``path`` when it cannot be
        written)."""
        write_rows(path, self.schedule_rows(result), "the schedule")


def _servers(path: str, doc: Mapping[str, Any], known: Mapping[str, Hardware], noise: float) -> dict[str, _Server]:
    raw = doc.get("servers")
    if not isinstance(raw, list) or not raw:
        raise ScenarioFileError(f"{path}: servers is missing or empty; give at least one [[servers]] table with "
                                "bandwidth (Hz)")
    out: dict[str, _Server] = {}
    for j, table in enumerate(raw):
        where = f"{path}: servers[{j}]."
        t = check_keys(where, table, {"name", "hardware", "f_edge_max", "bandwidth", "position"}, "[[servers]]")
        name = text_value(where, "name", t.get("name", f"server{j}"))
        if name in out:
            raise ScenarioFileError(f"{where}name is {name!r}, which an earlier server already has")
        if "bandwidth" not in t:
            raise ScenarioFileError(f"{where}bandwidth is missing; every server needs bandwidth (Hz)")
        bandwidth = Num("Hz").check(where, "bandwidth", t["bandwidth"])
        check_noise(where, bandwidth, noise)
        hw = hardware_named(where, "hardware", t.get("hardware", "edge_cpu"), known)
        if "f_edge_max" in t:
            hw = dataclasses.replace(hw, f_max=Num("Hz").check(where, "f_edge_max", t["f_edge_max"]))
        pos = t.get("position", [0.0, 0.0])
        if not isinstance(pos, list) or len(pos) != 2:
            raise ScenarioFileError(f"{where}position is {shown(pos)}; position must be [x, y] in m")
        x, y = (Num("m", low=None).check(where, f"position[{i}]", v) for i, v in enumerate(pos))
        out[name] = _Server(name, hw, bandwidth, (x, y))
    return out


def _per_server(where: str, key: str, value: Any, cells: bool, count: int) -> list[float]:
    """One value per server: a TOML list (or a number with one server), or a CSV cell of values separated by
    ';'."""
    num = _DEVICE_LIST[key]
    if cells:
        items: list[Any] = [c.strip() for c in str(value).split(";")]
    else:
        items = value if isinstance(value, list) else [value]
    if len(items) != count:
        raise ScenarioFileError(f"{where}{key} is {shown(value)}; give one value per server ({count}, in the order "
                                "of [[servers]]" + ("; separated by ';' in a CSV cell)" if cells else ")"))
    check = num.cell if cells else num.check
    label = key if count == 1 and not isinstance(value, list) and not cells else None
    return [check(where, label or f"{key}[{i}]", v) for i, v in enumerate(items)]


def _device_values(where: str, raw: Mapping[str, Any], *, defaults: bool, cells: bool,
                   servers: Mapping[str, int]) -> dict[str, Any]:
    allowed = {*_DEVICE_NUM, *_DEVICE_LIST, *_DEVICE_STR, "privacy_servers"}
    if defaults:
        allowed -= {"name", *_LOCATION}
    t = check_keys(where, raw, allowed, "[device_defaults]" if defaults else "device")
    out: dict[str, Any] = {}
    for key, value in t.items():
        if key in _DEVICE_STR:
            out[key] = text_value(where, key, value)
        elif key in _DEVICE_NUM:
            out[key] = (_DEVICE_NUM[key].cell if cells else _DEVICE_NUM[key].check)(where, key, value)
        elif key in _DEVICE_LIST:
            out[key] = _per_server(where, key, value, cells, len(servers))
        else:  # privacy_servers: names
            names = [c.strip() for c in value.split(";")] if cells else value
            if not isinstance(names, list):
                raise ScenarioFileError(f"{where}privacy_servers is {shown(value)}; give a list of server names")
            for i, s in enumerate(names):
                if not isinstance(s, str) or s not in servers:
                    raise ScenarioFileError(f"{where}privacy_servers[{i}] is {shown(s)}; known servers: "
                                            f"{', '.join(servers)}")
            out[key] = tuple(servers[s] for s in names)
    for form in DATA:
        tier = out.get(f"privacy_{form}")
        if tier is not None and tier not in TIERS:
            raise ScenarioFileError(f"{where}privacy_{form} is {tier!r}; it must be one of {', '.join(TIERS)}")
    return out


def _rates(where: str, d: Mapping[str, Any], servers: list[_Server], noise: float) -> list[float]:
    """The device's uplink rate to every server, from its rates, distances or position (Shannon's rate)."""
    located = [k for k in ("rate", "distance") if k in d] + (["x, y"] if "x" in d or "y" in d else [])
    if len(located) != 1:
        raise ScenarioFileError(f"{where}location: give exactly one of rate (bit/s), distance (m), or x and y (m); "
                                f"got {', '.join(located) or 'none'}")
    if "rate" in d:
        return list(d["rate"])
    if located == ["x, y"]:
        if "x" not in d or "y" not in d:
            raise ScenarioFileError(f"{where}{'y' if 'x' in d else 'x'} is missing; give both x and y (m)")
        distance = [math.hypot(d["x"] - s.position[0], d["y"] - s.position[1]) for s in servers]
        for s, dist in zip(servers, distance):
            if dist == 0.0:
                raise ScenarioFileError(f"{where}x, y is at server {s.name!r}'s position; distance must be > 0 m")
    else:
        distance = d["distance"]
    rates = []
    for s, dist in zip(servers, distance):
        rate = float(shannon_rate(s.bandwidth, d["tx_power"], dist, noise))
        if not (math.isfinite(rate) and rate > 0.0):
            raise ScenarioFileError(f"{where}distance to server {s.name!r} is {dist:g} m; the uplink rate there, "
                                    f"B log2(1 + p g / (N0 B)) with tx_power {d['tx_power']:g} W and bandwidth "
                                    f"{s.bandwidth:g} Hz, is {rate:g} bit/s; it must be finite and > 0: check the "
                                    "units of the distance, tx_power and bandwidth")
        rates.append(rate)
    return rates


def load_applications(path: str, doc: Mapping[str, Any]) -> ApplicationScenario:
    """A scenario of applications from a parsed scenario file ``doc`` (read from ``path``); errors name the
    file, the key and the row."""
    check_keys(f"{path}: ", doc, _TOP, "top-level")
    system = system_table(path, dict(doc))
    known = read_hardware(path, doc)
    servers = _servers(path, doc, known, system["noise_dbm_per_hz"])
    index = {name: j for j, name in enumerate(servers)}
    cloud = read_cloud(path, doc, known)
    placements, splits = read_offer(path, doc, cloud)
    apps = {a.name: a for a, _ in read_applications(path, doc, {"alpha": lambda w, v: UNIT.check(w, "alpha", v)},
                                                    index)}
    try:
        pipe = Pipeline(servers=[s.hardware for s in servers.values()], cloud=cloud,
                        placements=placements, splits=splits, w_delay=system["w_delay"],
                        w_energy=system["w_energy"], applications=list(apps.values()))
    except ValueError as exc:  # the pipeline's checks of what is offered
        text = str(exc)
        raise ScenarioFileError(f"{path}: offer.{text}" if text.startswith(("splits", "placements"))
                                else f"{path}: {text}") from None
    defaults = _device_values(f"{path}: device_defaults.", doc.get("device_defaults", {}), defaults=True,
                              cells=False, servers=index)
    devices, names, hardware, origin = [], [], [], []
    for i, (where, raw, cells) in enumerate(device_rows(path, dict(doc))):
        d = {**defaults, **_device_values(where, raw, defaults=False, cells=cells, servers=index)}
        for key in ("tx_power", "hardware"):
            if key not in d:
                raise ScenarioFileError(f"{where}{key} is missing; give it per device or in [device_defaults]")
        name = d.get("name", f"device{i}")
        if name in names:
            raise ScenarioFileError(f"{where}name is {name!r}, which an earlier device already has")
        app = apps[pick(where, "application", d.get("application"), apps, "applications")]
        if "alpha" not in d and app.alpha is None:
            raise ScenarioFileError(f"{where}alpha is missing; give it per device, in [device_defaults], or as "
                                    f"applications.{app.name}.alpha")
        hw = hardware_named(where, "hardware", d["hardware"], known)
        privacy = None
        if any(k in d for k in ("privacy_raw", "privacy_features", "privacy_servers")):
            privacy = Privacy(d.get("privacy_raw", "cloud"), d.get("privacy_features", "cloud"),
                              d.get("privacy_servers"))
        rates = _rates(where, d, list(servers.values()), system["noise_dbm_per_hz"])
        devices.append(Device(hw, d.get("alpha"), rates, d["tx_power"], d.get("frame_bits"),
                              None if "max_frames" not in d else int(d["max_frames"]), application=app.name,
                              deadline=d.get("deadline"), privacy=privacy))
        names.append(name)
        hardware.append(d["hardware"])
        origin.append(where)
    return ApplicationScenario(path, pipe, tuple(devices), tuple(names), tuple(hardware), tuple(servers),
                               tuple(origin))

