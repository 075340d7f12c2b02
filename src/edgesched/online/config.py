"""The configuration of a simulation: :class:`SimConfig`, its checks, and the TOML file format
(``docs/simulate-format.md``)."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from .._files import Num, ScenarioFileError, check_keys, read_toml, relative_path
from ..model.defaults import BANDWIDTH, F_EDGE_MAX, KAPPA, RHO, W_DELAY, W_ENERGY
from ..physics.accuracy import default_curve
from ..physics.channel import DEFAULT_NOISE_DBM_PER_HZ
from ..physics.macs import MODELS

__all__ = ["FIELDS", "TRIGGERS", "SimConfig", "load_config"]

TRIGGERS = ("every", "periodic", "drift", "never")
_INT1 = Num(low=1, strict=False, integer=True)
_INT0 = Num(low=0, strict=False, integer=True)
_UNIT = Num(low=0.0, strict=False, high=1.0)
_ANY = Num(low=None)


@dataclass(frozen=True)
class _Range:
    """A (low, high) pair whose entries follow ``num``."""

    num: Num


class _Path:
    """A file path, or None."""


# field -> (TOML section, TOML key, rule). Rules: a Num, a tuple of allowed strings, bool, _Range or _Path.
FIELDS: dict[str, tuple[str, str, Any]] = {
    "steps": ("simulation", "steps", _INT1),
    "step_s": ("simulation", "step_s", Num("s")),
    "seed": ("simulation", "seed", _INT0),
    "n_stations": ("city", "n_stations", _INT1),
    "devices_per_station": ("city", "devices_per_station", Num()),
    "layout": ("city", "layout", ("grid", "poisson")),
    "k_nearest": ("city", "k_nearest", _INT1),
    "station_spacing": ("city", "station_spacing", Num("m")),
    "bandwidth": ("city", "bandwidth", Num("Hz")),
    "f_edge_max": ("city", "f_edge_max", Num("Hz")),
    "min_distance": ("city", "min_distance", Num("m")),
    "noise_dbm_per_hz": ("city", "noise_dbm_per_hz", _ANY),
    "alpha_range": ("devices", "alpha_range", _Range(_UNIT)),
    "f_local_max_range": ("devices", "f_local_max_range", _Range(Num("Hz"))),
    "tx_power_range": ("devices", "tx_power_range", _Range(Num("W"))),
    "kappa": ("devices", "kappa", Num("J s^2/cycle^3")),
    "rho": ("devices", "rho", Num("cycle/MAC")),
    "model": ("devices", "model", tuple(MODELS)),
    "w_delay": ("system", "w_delay", Num("1/s")),
    "w_energy": ("system", "w_energy", Num("1/J", strict=False)),
    "mobility": ("mobility", "model", ("waypoint", "static", "trace")),
    "speed_range": ("mobility", "speed_range", _Range(Num("m/s", strict=False))),
    "trace": ("mobility", "trace", _Path),
    "shadowing_std_db": ("channel", "shadowing_std_db", Num("dB", strict=False)),
    "shadowing_decorrelation_m": ("channel", "shadowing_decorrelation_m", Num("m")),
    "fading": ("channel", "fading", ("rayleigh", "none")),
    "fading_correlation": ("channel", "fading_correlation", _UNIT),
    "csi": ("channel", "csi", ("large_scale", "instantaneous")),
    "arrival_rate": ("population", "arrival_rate", Num("devices/step", strict=False)),
    "departure_prob": ("population", "departure_prob", _UNIT),
    "alpha_change_prob": ("population", "alpha_change_prob", _UNIT),
    "trigger": ("policy", "trigger", TRIGGERS),
    "period": ("policy", "period", _INT1),
    "drift_threshold": ("policy", "drift_threshold", Num()),
    "warm": ("policy", "warm", bool),
    "cold_node_limit": ("policy", "cold_node_limit", _INT0),
}


def _check(name: str, value: Any, where: str = "") -> Any:
    """``value`` of field ``name`` checked and normalised; the error says ``{where}{key} is ...``.

    With ``where`` empty (the Python API) the key is the field name, else (a file) its TOML key.
    """
    _, toml_key, rule = FIELDS[name]
    key = toml_key if where else name
    if isinstance(rule, Num):
        v = rule.check(where, key, value)
        return int(v) if rule.integer else v
    if isinstance(rule, tuple):
        if not isinstance(value, str) or value not in rule:
            raise ScenarioFileError(f"{where}{key} is {value!r}; {key} must be one of {', '.join(map(repr, rule))}")
        return value
    if rule is bool:
        if not isinstance(value, (bool, np.bool_)):
            raise ScenarioFileError(f"{where}{key} is {value!r}; {key} must be true or false")
        return bool(value)
    if rule is _Path:
        if value is None:
            return None
        if not isinstance(value, (str, os.PathLike)) or not os.fspath(value).strip():
            raise ScenarioFileError(f"{where}{key} is {value!r}; {key} must be a file path")
        return os.fspath(value)
    if not isinstance(value, (list, tuple, np.ndarray)) or len(value) != 2:
        raise ScenarioFileError(f"{where}{key} is {value!r}; {key} must be a pair [low, high]")
    lo, hi = (rule.num.check(where, f"{key}[{i}]", v) for i, v in enumerate(value))
    if lo > hi:
        raise ScenarioFileError(f"{where}{key} is {[lo, hi]!r}; its low must be <= its high")
    return (lo, hi)


def _cross_check(v: dict[str, Any], where: str = "") -> None:
    """Checks between fields (``v``: every field's value); errors name the keys as :func:`_check` does."""
    def key(name: str) -> str:
        return f"{FIELDS[name][0]}.{FIELDS[name][1]}" if where else name

    if v["k_nearest"] > v["n_stations"]:
        raise ScenarioFileError(f"{where}{key('k_nearest')} is {v['k_nearest']}; it must be <= "
                                f"{key('n_stations')} ({v['n_stations']})")
    if (v["mobility"] == "trace") != (v["trace"] is not None):
        raise ScenarioFileError(f"{where}{key('mobility')} is {v['mobility']!r} and {key('trace')} is "
                                f"{v['trace']!r}; give a trace file exactly when the mobility model is 'trace'")
    if v["mobility"] == "trace":
        for name in ("arrival_rate", "departure_prob"):
            if v[name] != 0:
                raise ScenarioFileError(f"{where}{key(name)} is {v[name]!r}; with a trace it must be 0 (the trace "
                                        "decides which devices are present)")
    best = default_curve().best_accuracy
    if v["alpha_range"][1] > best:
        raise ScenarioFileError(f"{where}{key('alpha_range')}[1] is {v['alpha_range'][1]!r}; the accuracy curve "
                                f"reaches at most {best:.6g}")


@dataclass(frozen=True)
class SimConfig:
    """Everything a simulation needs, SI units; validated on construction (ValueError naming the field).

    The TOML file format (:func:`load_config`) has one key per field, in the sections of
    ``docs/simulate-format.md``; the module docstring describes the model.

    Attributes
    ----------
    steps : int
        Steps to simulate (>= 1); step 0 is the initial deployment.
    step_s : float
        Duration of one step in s (movement and ``time_s``).
    seed : int
        Seed of the one random generator.
    n_stations, devices_per_station, layout, k_nearest, station_spacing, bandwidth, f_edge_max, min_distance
        The city of :func:`edgesched.scenarios.city` at step 0 (m, Hz); ``bandwidth`` and ``f_edge_max`` per station.
    noise_dbm_per_hz : float
        Noise spectral density N0 in dBm/Hz.
    alpha_range, f_local_max_range, tx_power_range : (float, float)
        Uniform draws of every device (initial and arriving): accuracy requirement, CPU limit (Hz), transmit
        power (W).
    kappa, rho : float
        J s^2/cycle^3 and cycle/MAC, every device.
    model : str
        DNN of every device (a key of :data:`edgesched.macs.MODELS`).
    w_delay, w_energy : float
        Cost weights in 1/s (> 0) and 1/J (>= 0).
    mobility : {"waypoint", "static", "trace"}
    speed_range : (float, float)
        Random-waypoint speeds in m/s.
    trace : str or None
        CSV file (columns ``step, device, x, y``) for ``mobility="trace"``.
    shadowing_std_db, shadowing_decorrelation_m : float
        Log-normal shadowing std (dB) and its decorrelation distance (m).
    fading : {"rayleigh", "none"}
    fading_correlation : float
        Per-step correlation of the complex fading gain, in [0, 1].
    csi : {"large_scale", "instantaneous"}
        What the solver plans on.
    arrival_rate : float
        Mean new devices per step (Poisson).
    departure_prob, alpha_change_prob : float
        Per-device, per-step probabilities.
    trigger : {"every", "periodic", "drift", "never"}
    period : int
        Steps between re-solves for ``"periodic"``.
    drift_threshold : float
        Relative rise of the planned cost per device that triggers ``"drift"`` re-solves.
    warm : bool
        Re-solve warm from the schedule in force and the last re-solve's prices (True, method ``"warm"``) or
        from scratch with ``"auto"`` (False).
    cold_node_limit : int
        Branch-and-bound nodes of cold re-solves (0: none; only worth it below a few hundred devices). No time
        limit applies, so a run is reproducible.
    """

    steps: int = 100
    step_s: float = 1.0
    seed: int = 0
    n_stations: int = 16
    devices_per_station: float = 50.0
    layout: str = "grid"
    k_nearest: int = 1
    station_spacing: float = 500.0
    bandwidth: float = BANDWIDTH
    f_edge_max: float = F_EDGE_MAX
    min_distance: float = 10.0
    noise_dbm_per_hz: float = DEFAULT_NOISE_DBM_PER_HZ
    alpha_range: tuple[float, float] = (0.80, 0.94)
    f_local_max_range: tuple[float, float] = (1.0e9, 2.5e9)
    tx_power_range: tuple[float, float] = (0.1, 0.4)
    kappa: float = KAPPA
    rho: float = RHO
    model: str = "r3d_18"
    w_delay: float = W_DELAY
    w_energy: float = W_ENERGY
    mobility: str = "waypoint"
    speed_range: tuple[float, float] = (0.5, 2.0)
    trace: str | None = None
    shadowing_std_db: float = 8.0
    shadowing_decorrelation_m: float = 50.0
    fading: str = "rayleigh"
    fading_correlation: float = 0.0
    csi: str = "large_scale"
    arrival_rate: float = 0.0
    departure_prob: float = 0.0
    alpha_change_prob: float = 0.0
    trigger: str = "drift"
    period: int = 10
    drift_threshold: float = 0.005
    warm: bool = True
    cold_node_limit: int = 0

    def __post_init__(self) -> None:
        values = {f.name: _check(f.name, getattr(self, f.name)) for f in fields(self)}
        _cross_check(values)
        for name, value in values.items():
            object.__setattr__(self, name, value)


def load_config(path: str | os.PathLike[str]) -> SimConfig:
    """Read a simulation file (TOML, ``docs/simulate-format.md``); errors name the file and the key.

    A relative ``mobility.trace`` path is taken relative to the file's directory.
    """
    path_s = os.fspath(path)
    doc = read_toml(path_s)
    by_key = {(section, key): name for name, (section, key, _) in FIELDS.items()}
    sections = sorted({section for section, _ in by_key})
    values: dict[str, Any] = {f.name: f.default for f in fields(SimConfig)}
    for section, table in check_keys(f"{path_s}: ", doc, sections, "section").items():
        where = f"{path_s}: {section}."
        allowed = sorted(k for s, k in by_key if s == section)
        for key, value in check_keys(where, table, allowed, f"[{section}]").items():
            values[by_key[section, key]] = _check(by_key[section, key], value, where)
    if values["trace"] is not None:
        values["trace"] = relative_path(path_s, values["trace"])
    _cross_check(values, f"{path_s}: ")
    return SimConfig(**values)


