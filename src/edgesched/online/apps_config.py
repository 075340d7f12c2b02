"""The applications of an online city: which applications its devices run, in what shares, on which hardware,
and what its stations and the cloud offer (``docs/simulate-format.md``, "A city of applications").

A :class:`CityApps` is the ``apps`` field of a :class:`~edgesched.online.SimConfig`; with it the simulator runs
the pipeline (:mod:`edgesched.pipeline`) in the city: every device is offered its own application's variants,
locally, on one of its ``k_nearest`` stations, in the cloud through one, or split, as its privacy rules allow.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from .._files import Num, ScenarioFileError, check_keys, shown
from ..physics.accuracy import AccuracyCurve
from ..physics.hardware import HARDWARE, Hardware
from ..pipeline.applications import Application
from ..pipeline.privacy import PLACEMENTS
from ..pipeline.system import Cloud, Pipeline
from ..scenarios.app_spec import hardware_named, read_applications, read_cloud, read_hardware, read_offer

__all__ = ["APP_SECTIONS", "CityApplication", "CityApps", "read_city_apps"]

#: The sections of a simulation file that describe its applications.
APP_SECTIONS = ("applications", "hardware", "edge", "cloud", "offer")
_UNIT = Num(low=0.0, strict=False, high=1.0)


@dataclass(frozen=True)
class CityApplication:
    """One application of an online city and the devices that run it.

    Attributes
    ----------
    application : Application
        Its variants, input, deadline and privacy (its ``alpha`` is not used: devices draw theirs).
    share : float
        Its share of the devices, initial and arriving (> 0; the shares are normalised to sum to 1).
    hardware : tuple of (Hardware, float)
        The device classes that run it, each with its weight (> 0; normalised).
    alpha_range : (float, float)
        Each device draws its accuracy requirement uniformly in it, on arrival and when its requirement
        changes.
    tx_power_range : (float, float)
        Each device draws its transmit power (W) uniformly in it.
    """

    application: Application
    share: float = 1.0
    hardware: tuple[tuple[Hardware, float], ...] = ((HARDWARE["cpu"], 1.0),)
    alpha_range: tuple[float, float] = (0.80, 0.90)
    tx_power_range: tuple[float, float] = (0.1, 0.4)

    def __post_init__(self) -> None:
        name = getattr(self.application, "name", "?")
        where = f"applications[{name!r}]."
        if not isinstance(self.application, Application):
            raise ValueError(f"{where}application is a {type(self.application).__name__}; expected an Application")
        object.__setattr__(self, "share", Num().check(where, "share", self.share))
        pairs = tuple(self.hardware)
        if not pairs:
            raise ValueError(f"{where}hardware is empty; give at least one device class")
        for i, pair in enumerate(pairs):
            if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], Hardware)):
                raise ValueError(f"{where}hardware[{i}] is {shown(pair)}; give (Hardware, weight) pairs")
            Num().check(where, f"hardware[{i}] weight", pair[1])
        object.__setattr__(self, "hardware", tuple((hw, float(w)) for hw, w in pairs))
        for key, num in (("alpha_range", _UNIT), ("tx_power_range", Num("W"))):
            value = getattr(self, key)
            if not isinstance(value, (tuple, list, np.ndarray)) or len(value) != 2:
                raise ValueError(f"{where}{key} is {shown(value)}; {key} must be a pair [low, high]")
            lo, hi = (num.check(where, f"{key}[{i}]", v) for i, v in enumerate(value))
            if lo > hi:
                raise ValueError(f"{where}{key} is {[lo, hi]!r}; its low must be <= its high")
            object.__setattr__(self, key, (lo, hi))

    @property
    def name(self) -> str:
        """The application's name."""
        return self.application.name


@dataclass(frozen=True)
class CityApps:
    """The applications of an online city and what its stations offer.

    Attributes
    ----------
    applications : tuple of CityApplication
        Distinct names; at least one.
    edge : Hardware
        The edge server of every station (its cycles per MAC and memory; its capacity is the city's
        ``f_edge_max``).
    cloud : Cloud, optional
        The cloud behind every station (needed for the cloud placements).
    placements : tuple of str
        The placements offered (default: all of :data:`~edgesched.pipeline.PLACEMENTS`, without the cloud's
        when there is no cloud).
    splits : "auto", "all" or tuple of str
        The split cuts offered (see :class:`~edgesched.pipeline.Pipeline`).
    """

    applications: tuple[CityApplication, ...]
    edge: Hardware = HARDWARE["edge_cpu"]
    cloud: Cloud | None = None
    placements: tuple[str, ...] | None = None
    splits: str | tuple[str, ...] = "auto"
    _pipelines: dict[int, Pipeline] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        apps = tuple(self.applications)
        if not apps:
            raise ValueError("applications is empty; give at least one CityApplication")
        names: dict[str, int] = {}
        for i, a in enumerate(apps):
            if not isinstance(a, CityApplication):
                raise ValueError(f"applications[{i}] is a {type(a).__name__}; expected a CityApplication")
            if a.name in names:
                raise ValueError(f"applications[{i}] is named {a.name!r} like applications[{names[a.name]}]")
            names[a.name] = i
            if a.application.privacy is not None and a.application.privacy.edge_servers is not None:
                raise ValueError(f"applications[{i}] ({a.name}): privacy.edge_servers names servers; a city's "
                                 "stations are the devices' nearest, so a policy limits tiers only")
        object.__setattr__(self, "applications", apps)
        if not isinstance(self.edge, Hardware):
            raise ValueError(f"edge is a {type(self.edge).__name__}; expected a Hardware")
        placements = self.placements
        if placements is None:
            placements = tuple(p for p in PLACEMENTS if self.cloud is not None or "cloud" not in p)
        object.__setattr__(self, "placements", tuple(placements))
        if not isinstance(self.splits, str):
            object.__setattr__(self, "splits", tuple(self.splits))
        self.pipeline(1)  # the pipeline's own checks (placements, splits, cloud)

    @property
    def names(self) -> tuple[str, ...]:
        """The applications' names, in order."""
        return tuple(a.name for a in self.applications)

    @property
    def shares(self) -> np.ndarray:
        """The applications' shares of the devices, normalised to sum to 1."""
        s = np.array([a.share for a in self.applications])
        return s / s.sum()

    @property
    def classes(self) -> tuple[Hardware, ...]:
        """Every device class of every application, each once (by identity), in order of first use."""
        seen: dict[int, Hardware] = {}
        for a in self.applications:
            for hw, _ in a.hardware:
                seen.setdefault(id(hw), hw)
        return tuple(seen.values())

    def pipeline(self, slots: int) -> Pipeline:
        """The pipeline of a city whose devices reach ``slots`` stations (kept: its menus are reused)."""
        if slots not in self._pipelines:
            self._pipelines[slots] = Pipeline(
                servers=[self.edge] * slots, cloud=self.cloud, placements=cast(tuple[str, ...], self.placements),
                splits=self.splits, frames="min", applications=[a.application for a in self.applications])
        return self._pipelines[slots]

    def check_feasible(self, slots: int, where: str = "", key: str = "applications") -> int:
        """Every device an application may draw has an option: for each device class and every requirement in
        its ``alpha_range`` (the menus change only where a variant's accuracy curve crosses it, so these
        points are tried), some variant meets the requirement where the hardware, memory and privacy allow.
        ValueError naming the application, its class and the requirement otherwise. Returns the most options a
        device's menu has."""
        pipe, most = self.pipeline(slots), 0
        for a in self.applications:
            lo, hi = a.alpha_range
            points = {lo, *(float(x) for v in a.application.variants
                            for x in cast(AccuracyCurve, v.accuracy).accuracy if lo < x <= hi)}
            for hw, _ in a.hardware:
                for alpha in sorted(points):
                    t = pipe.menu(a.application.device(hw, [1.0] * slots, 0.0, alpha=alpha))
                    if not t.size:
                        raise ScenarioFileError(
                            f"{where}{key}.{a.name}.alpha_range is {list(a.alpha_range)!r}; a device on {hw.name} "
                            f"with alpha {alpha:.6g} would have no option: {'; '.join(t.why)}")
                    most = max(most, t.size)
        return most


def _pair(num: Num) -> Any:
    def check(where: str, value: Any, key: str = "") -> tuple[float, float]:
        if not isinstance(value, list) or len(value) != 2:
            raise ScenarioFileError(f"{where}{key} is {shown(value)}; {key} must be a pair [low, high]")
        lo, hi = (num.check(where, f"{key}[{i}]", v) for i, v in enumerate(value))
        if lo > hi:
            raise ScenarioFileError(f"{where}{key} is {[lo, hi]!r}; its low must be <= its high")
        return lo, hi
    return check


def _classes(where: str, value: Any, known: Mapping[str, Hardware]) -> tuple[tuple[Hardware, float], ...]:
    """``hardware = "cpu"``, ``["cpu", "fpga"]`` (equal weights) or ``{ cpu = 3, fpga = 1 }``."""
    if isinstance(value, str):
        return ((hardware_named(where, "hardware", value, known), 1.0),)
    if isinstance(value, list) and value:
        return tuple((hardware_named(where, f"hardware[{i}]", v, known), 1.0) for i, v in enumerate(value))
    if isinstance(value, Mapping) and value:
        return tuple((hardware_named(where, "hardware", k, known), Num().check(f"{where}hardware.", k, w))
                     for k, w in value.items())
    raise ScenarioFileError(f"{where}hardware is {shown(value)}; give a device class's name, a list of them, or a "
                            "table of weights { cpu = 3, fpga = 1 }")


def read_city_apps(path: str, doc: Mapping[str, Any]) -> CityApps:
    """The applications of a simulation file (sections :data:`APP_SECTIONS`); errors name the file and key."""
    known = read_hardware(path, doc)
    cloud = read_cloud(path, doc, known)
    placements, splits = read_offer(path, doc, cloud)
    edge_table = check_keys(f"{path}: edge.", doc.get("edge", {}), {"hardware"}, "[edge]")
    edge = hardware_named(f"{path}: edge.", "hardware", edge_table.get("hardware", "edge_cpu"), known)
    extra: dict[str, Any] = {
        "share": lambda w, v: Num().check(w, "share", v),
        "alpha_range": lambda w, v: _pair(_UNIT)(w, v, "alpha_range"),
        "tx_power_range": lambda w, v: _pair(Num("W"))(w, v, "tx_power_range"),
        "hardware": lambda w, v: _classes(w, v, known),
    }
    out = []
    for app, values in read_applications(path, doc, extra):
        where = f"{path}: applications.{app.name}."
        if "alpha_range" not in values:
            raise ScenarioFileError(f"{where}alpha_range is missing; each application gives the range its devices draw "
                                    "their accuracy requirement from")
        best = max(cast(AccuracyCurve, v.accuracy).best_accuracy for v in app.variants)
        if values["alpha_range"][1] > best:
            raise ScenarioFileError(f"{where}alpha_range[1] is {values['alpha_range'][1]!r}; the application's "
                                    f"variants reach at most {best:.6g}")
        kw = {k: values[k] for k in ("share", "hardware", "tx_power_range") if k in values}
        try:
            out.append(CityApplication(app, alpha_range=values["alpha_range"], **kw))
        except ValueError as exc:
            raise ScenarioFileError(f"{where}{exc}") from None
    try:
        return CityApps(tuple(out), edge, cloud, placements, splits)
    except ValueError as exc:  # the pipeline's checks of what is offered
        text = str(exc)
        raise ScenarioFileError(f"{path}: offer.{text}" if text.startswith(("splits", "placements"))
                                else f"{path}: {text}") from None

