"""Continuous monitoring and re-optimization: an online city simulation (issue 7; seed 000, step 6).

A deployed city keeps changing, so its schedule must be watched and re-optimized. :func:`simulate` steps a city
(:func:`edgesched.scenarios.city`: base stations with edge servers, devices that may offload to their
``k_nearest`` stations) through time. Every step of ``step_s`` seconds:

1. **The world changes**, in this order: departures (each device leaves with probability ``departure_prob``),
   accuracy requirements (each device redraws ``alpha`` uniformly in ``alpha_range`` with probability
   ``alpha_change_prob``; its frame count ``M*`` and MACs follow at once), movement, arrivals (a Poisson number
   of new devices with mean ``arrival_rate``, placed uniformly, attributes drawn as in ``city``), the channel.
2. **The monitor** evaluates the schedule in force on the new physics: the previous step's decisions, with new
   devices local. A device keeps its server while that station is among its ``k_nearest``; otherwise it hands
   over to its nearest station. Delay and energy follow Theorem 2 per server (DESIGN.md §2): an offloaded
   device's delay is ``c U_j / F_j + w V_j`` (edge compute + airtime, s) and energy ``p bits / R`` (J); a local
   device's delay is ``cycles / f`` and energy ``kappa cycles f^2`` at the Theorem 1 frequency. Accuracy is
   ``Phi(M*) >= alpha`` (the frame count is the device's, not the scheduler's).
3. **The policy** decides whether to re-solve (``trigger``): ``"every"`` step, ``"periodic"`` (every ``period``
   steps), on ``"drift"`` (the planned cost per device of the schedule in force has risen by more than
   ``drift_threshold``, relative, over its value right after the last re-solve), or ``"never"``. A re-solve is
   warm (``warm=True``: ``solve_options(table, "warm", start=..., prices=...)`` from the schedule in force and the
   last re-solve's dual prices of the stations: the cheaper of descent from the schedule in force and of the
   relaxation rounded at the prices, refreshed by one sweep of dual ascent, then descent, improved by pair
   moves) or cold
   (``solve_options(table, "auto", node_limit=cold_node_limit)``). The first schedule (step 0, or the first
   step with devices) is always solved cold. Decisions made at step t are the schedule in force from step t + 1.

Mobility (``mobility``): ``"waypoint"`` (random waypoint: each device walks at a speed drawn uniformly in
``speed_range`` m/s towards a waypoint drawn uniformly in the city square, then draws the next waypoint and
speed; no pauses; it starts from uniform positions, not the model's stationary distribution), ``"static"``,
or ``"trace"``: positions from a CSV file with columns ``step, device, x, y`` (m); a device is present at the
steps where it has a row, so the trace also decides arrivals and departures.

Channel, per link (device, station) and step, in dB then linear:

* path loss ``PL(d) = 128.1 + 37.6 log10(d / 1 km)`` (paper Sec. V), ``d >= min_distance``;
* log-normal shadowing ``X ~ N(0, shadowing_std_db^2)`` dB, correlated in space after Gudmundson:
  ``X_t = r X_{t-1} + sqrt(1 - r^2) shadowing_std_db Z`` with ``r = exp(-displacement / shadowing_decorrelation_m)``;
* small-scale fading (``fading="rayleigh"``): a complex gain ``h ~ CN(0, 1)``, so the power gain ``|h|^2`` is
  exponential with mean 1 (Rayleigh amplitude), first-order Gauss-Markov in time:
  ``h_t = fading_correlation h_{t-1} + sqrt(1 - fading_correlation^2) e_t`` (0: independent block fading per
  step; Jakes' model gives ``J0(2 pi f_D step_s)``). ``fading="none"``: ``|h|^2 = 1``;
* rate ``R = B log2(1 + p 10^(-(PL + X)/10) |h|^2 / (N0 B))`` bit/s, at least :data:`RATE_FLOOR`.

A link that is new at a step (an arrival, or a station newly among the device's ``k_nearest``) draws ``X`` and
``h`` afresh. The solver plans on ``csi="large_scale"`` rates (``|h|^2`` replaced by its mean, 1) or on
``"instantaneous"`` ones; the monitor's ``cost``, delay and energy always use the actual rate, while the drift
trigger compares planned costs (so fading the scheduler cannot know does not trigger re-solves).

Randomness: one ``numpy.random.Generator`` (``numpy.random.default_rng(seed)``) draws everything, the initial
city included (its seed is the generator's first draw): the same configuration gives the same series, except
the timing columns :data:`TIMING_COLUMNS`.

The time series (:data:`COLUMNS`) is a ``pandas.DataFrame`` when pandas is installed (``edgesched[sweep]``),
else a dict of numpy arrays; :func:`plot_series` draws it (matplotlib, ``edgesched[plot]``). Configuration
files (TOML) are documented in ``docs/simulate-format.md``; :func:`add_parser` registers ``edgesched simulate``.
"""
from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import time
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from . import scenarios
from .accuracy import default_curve, min_frames
from .channel import DEFAULT_NOISE_DBM_PER_HZ, channel_gain, noise_power_watt
from .kernels import nearest_stations, paper_options
from .macs import MODELS, model_macs
from .options import OptionSchedule, OptionTable, solve_options
from .scenario_file import ScenarioFileError, _keys, _Num, _read_toml, _relative
from .sweep import _need, _progress_bar

__all__ = ["COLUMNS", "RATE_FLOOR", "TIMING_COLUMNS", "OnlineCity", "SimConfig", "add_parser", "load_config",
           "plot_series", "simulate", "write_csv"]

#: Lowest uplink rate in bit/s: a link in a deep fade is kept finite (its airtime and energy are then huge).
RATE_FLOOR = 1.0

#: Columns of the time series, with units.
COLUMNS: dict[str, str] = {
    "step": "step index t (0 is the initial deployment)",
    "time_s": "t * step_s, s",
    "n_devices": "devices present",
    "arrivals": "devices that joined at this step",
    "departures": "devices that left at this step",
    "alpha_changes": "devices that redrew their accuracy requirement",
    "cost": "total cost of the schedule in force on the actual channel: sum of w_delay*delay + w_energy*energy",
    "cost_per_device": "cost / n_devices",
    "cost_planned": "the same on the channel the solver plans on (csi)",
    "drift": "(cost_planned / n) over its value right after the last re-solve, minus 1",
    "delay_p50_s": "median delay of the schedule in force, s",
    "delay_p95_s": "95th percentile delay, s",
    "energy_mean_j": "mean device energy, J",
    "accuracy_mean": "mean accuracy Phi(M*) (each >= its alpha)",
    "offload_rate": "fraction of devices offloading",
    "resolved": "whether a re-solve happened (its decisions hold from the next step)",
    "warm": "whether that re-solve was warm (from the schedule in force and the last dual prices)",
    "resolve_time_s": "wall time of the solver call, s (0 without a re-solve)",
    "changed": "devices whose server (or local) the re-solve changed",
    "cost_after": "planned cost of the schedule decided at this step (cost_planned without a re-solve)",
    "step_time_s": "wall time of the whole step (world, monitor, re-solve), s",
}
#: Columns that depend on the machine's speed, not on the seed.
TIMING_COLUMNS = ("resolve_time_s", "step_time_s")

TRIGGERS = ("every", "periodic", "drift", "never")
_INT1 = _Num(low=1, strict=False, integer=True)
_INT0 = _Num(low=0, strict=False, integer=True)
_UNIT = _Num(low=0.0, strict=False, high=1.0)
_ANY = _Num(low=None)


@dataclass(frozen=True)
class _Range:
    """A (low, high) pair whose entries follow ``num``."""

    num: _Num


class _Path:
    """A file path, or None."""


# field -> (TOML section, TOML key, rule). Rules: a _Num, a tuple of allowed strings, bool, _Range or _Path.
_SPEC: dict[str, tuple[str, str, Any]] = {
    "steps": ("simulation", "steps", _INT1),
    "step_s": ("simulation", "step_s", _Num("s")),
    "seed": ("simulation", "seed", _INT0),
    "n_stations": ("city", "n_stations", _INT1),
    "devices_per_station": ("city", "devices_per_station", _Num()),
    "layout": ("city", "layout", ("grid", "poisson")),
    "k_nearest": ("city", "k_nearest", _INT1),
    "station_spacing": ("city", "station_spacing", _Num("m")),
    "bandwidth": ("city", "bandwidth", _Num("Hz")),
    "f_edge_max": ("city", "f_edge_max", _Num("Hz")),
    "min_distance": ("city", "min_distance", _Num("m")),
    "noise_dbm_per_hz": ("city", "noise_dbm_per_hz", _ANY),
    "alpha_range": ("devices", "alpha_range", _Range(_UNIT)),
    "f_local_max_range": ("devices", "f_local_max_range", _Range(_Num("Hz"))),
    "tx_power_range": ("devices", "tx_power_range", _Range(_Num("W"))),
    "kappa": ("devices", "kappa", _Num("J s^2/cycle^3")),
    "rho": ("devices", "rho", _Num("cycle/MAC")),
    "model": ("devices", "model", tuple(MODELS)),
    "w_delay": ("system", "w_delay", _Num("1/s")),
    "w_energy": ("system", "w_energy", _Num("1/J", strict=False)),
    "mobility": ("mobility", "model", ("waypoint", "static", "trace")),
    "speed_range": ("mobility", "speed_range", _Range(_Num("m/s", strict=False))),
    "trace": ("mobility", "trace", _Path),
    "shadowing_std_db": ("channel", "shadowing_std_db", _Num("dB", strict=False)),
    "shadowing_decorrelation_m": ("channel", "shadowing_decorrelation_m", _Num("m")),
    "fading": ("channel", "fading", ("rayleigh", "none")),
    "fading_correlation": ("channel", "fading_correlation", _UNIT),
    "csi": ("channel", "csi", ("large_scale", "instantaneous")),
    "arrival_rate": ("population", "arrival_rate", _Num("devices/step", strict=False)),
    "departure_prob": ("population", "departure_prob", _UNIT),
    "alpha_change_prob": ("population", "alpha_change_prob", _UNIT),
    "trigger": ("policy", "trigger", TRIGGERS),
    "period": ("policy", "period", _INT1),
    "drift_threshold": ("policy", "drift_threshold", _Num()),
    "warm": ("policy", "warm", bool),
    "cold_node_limit": ("policy", "cold_node_limit", _INT0),
}


def _check(name: str, value: Any, where: str = "") -> Any:
    """``value`` of field ``name`` checked and normalised; the error says ``{where}{key} is ...``.

    With ``where`` empty (the Python API) the key is the field name, else (a file) its TOML key.
    """
    _, toml_key, rule = _SPEC[name]
    key = toml_key if where else name
    if isinstance(rule, _Num):
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
        return f"{_SPEC[name][0]}.{_SPEC[name][1]}" if where else name

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
    bandwidth: float = 5e6
    f_edge_max: float = 22e9
    min_distance: float = 10.0
    noise_dbm_per_hz: float = DEFAULT_NOISE_DBM_PER_HZ
    alpha_range: tuple[float, float] = (0.80, 0.94)
    f_local_max_range: tuple[float, float] = (1.0e9, 2.5e9)
    tx_power_range: tuple[float, float] = (0.1, 0.4)
    kappa: float = 1e-28
    rho: float = 0.12
    model: str = "r3d_18"
    w_delay: float = 0.5
    w_energy: float = 0.5
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
    doc = _read_toml(path_s)
    by_key = {(section, key): name for name, (section, key, _) in _SPEC.items()}
    sections = sorted({section for section, _ in by_key})
    values = {f.name: f.default for f in fields(SimConfig)}
    for section, table in _keys(f"{path_s}: ", doc, sections, "section").items():
        where = f"{path_s}: {section}."
        allowed = sorted(k for s, k in by_key if s == section)
        for key, value in _keys(where, table, allowed, f"[{section}]").items():
            values[by_key[section, key]] = _check(by_key[section, key], value, where)
    if values["trace"] is not None:
        values["trace"] = _relative(path_s, values["trace"])
    _cross_check(values, f"{path_s}: ")
    return SimConfig(**values)


# -- the trace file ----------------------------------------------------------

_TRACE_COLUMNS = ("step", "device", "x", "y")


def _read_trace(path: str, steps: int) -> list[tuple[np.ndarray, np.ndarray]]:
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
        step = int(_INT0.check(where, "step", row[col["step"]].strip()))
        label = row[col["device"]].strip()
        if not label:
            raise ScenarioFileError(f"{where}device is empty; give each device a label")
        x, y = (_Num("m", low=None).check(where, c, row[col[c]].strip()) for c in ("x", "y"))
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


# -- the city in time --------------------------------------------------------

def _ar1(old: np.ndarray, src: np.ndarray, kept: np.ndarray, r: Any, fresh: np.ndarray) -> np.ndarray:
    """First-order autoregression per link: ``r * old + sqrt(1 - r^2) * fresh`` where the link is kept (its
    previous value at ``old[n, src[n, i]]``), ``fresh`` on new links. ``fresh`` has the stationary law."""
    prev = np.take_along_axis(old, src, axis=1)
    return np.where(kept, r * prev + np.sqrt(1.0 - np.square(r)) * fresh, fresh)


class OnlineCity:
    """A city at one step: its devices, their channels, and the schedule in force.

    :func:`simulate` runs a whole configuration; this class is the step-by-step interface (benchmarks, custom
    policies): :meth:`advance` moves the world one step, :meth:`evaluate` decodes the schedule in force on it,
    :meth:`table` is the option table the solver sees, :meth:`choice_in_force` the schedule in force as a choice
    of that table, and :meth:`apply` puts a solved choice in force.

    Attributes
    ----------
    config : SimConfig
    step : int
        The current step.
    station_xy : ndarray, shape (S, 2)
        Station positions in m; the city is the square ``[0, side]^2``.
    capacity : ndarray, shape (S,)
        Edge CPU of each station in Hz.
    server : ndarray of int64, shape (N,)
        The schedule in force: each device's station, -1 for local.
    rate, plan_rate : ndarray, shape (N, k)
        Actual and planned (``csi``) uplink rates to each device's ``k`` nearest stations, bit/s.
    arrivals, departures, alpha_changes : int
        What happened at the current step.
    prices : ndarray, shape (2, S), or None
        Dual prices of the stations from the last :meth:`resolve` (:attr:`OptionSchedule.prices`: row 0 CPU in
        cost/sqrt(cycle), row 1 airtime in cost/sqrt(s)), the next warm re-solve's starting prices; None before.
    """

    def __init__(self, config: SimConfig) -> None:
        if not isinstance(config, SimConfig):
            raise ValueError(f"config must be a SimConfig; got {type(config).__name__}")
        cfg = self.config = config
        self.rng = np.random.default_rng(cfg.seed)
        city = scenarios.city(
            cfg.n_stations, cfg.devices_per_station, int(self.rng.integers(2**31)), layout=cfg.layout,
            k_nearest=cfg.k_nearest, station_spacing=cfg.station_spacing, bandwidth=cfg.bandwidth,
            f_edge_max=cfg.f_edge_max, alpha_range=cfg.alpha_range, f_local_max_range=cfg.f_local_max_range,
            tx_power_range=cfg.tx_power_range, kappa=cfg.kappa, rho=cfg.rho, w_delay=cfg.w_delay,
            w_energy=cfg.w_energy, min_distance=cfg.min_distance, model=cfg.model)
        self.station_xy, self.capacity, self.side = city.station_xy, city.f_edge_max, city.side
        self._curve = default_curve()
        frames = np.arange(self._curve.max_frames + 1)
        self._macs_of = np.zeros(frames.size)  # C(M) by M, MAC
        self._macs_of[1:] = model_macs(cfg.model, frames[1:])
        self._accuracy_of = np.zeros(frames.size)  # Phi(M) by M
        self._accuracy_of[self._curve.frames] = self._curve(self._curve.frames)
        self._noise = float(noise_power_watt(cfg.bandwidth, cfg.noise_dbm_per_hz))  # W
        self._frame_bits = float(scenarios.frame_bits_rgb())
        w_delay, w_energy, kappa = cfg.w_delay, cfg.w_energy, cfg.kappa
        self._f_cap = np.cbrt(w_delay / (2.0 * w_energy * kappa)) if w_energy > 0 else np.inf  # Theorem 1, Hz
        k = cfg.k_nearest
        self._d: dict[str, np.ndarray] = dict(
            id=np.empty(0, np.int64), xy=np.empty((0, 2)), target=np.empty((0, 2)), speed=np.empty(0),
            alpha=np.empty(0), frames=np.empty(0, np.int64), f_local_max=np.empty(0), tx_power=np.empty(0),
            server=np.empty(0, np.int64), station=np.empty((0, k), np.int64), shadow=np.empty((0, k)),
            fade=np.empty((0, k), complex))
        self._next_id = 0
        self.step = 0
        self.arrivals = self.departures = self.alpha_changes = 0
        self.prices: np.ndarray | None = None
        if cfg.mobility == "trace":
            assert cfg.trace is not None
            self._trace = _read_trace(cfg.trace, cfg.steps)
            ids, xy = self._trace[0]
            self._add(xy, ids=ids)
        else:
            self._add(city.device_xy, alpha=city.alpha, f_local_max=city.f_local_max, tx_power=city.tx_power)
        self._channel(np.zeros(self.n_devices))
        self.arrivals = self.n_devices  # step 0: the initial deployment

    # -- state ---------------------------------------------------------------

    @property
    def n_devices(self) -> int:
        """Devices present now."""
        return int(self._d["id"].size)

    @property
    def device_id(self) -> np.ndarray:
        """A stable id per present device (trace: in order of the trace's first appearance)."""
        return self._d["id"]

    @property
    def device_xy(self) -> np.ndarray:
        """Positions in m, shape (N, 2)."""
        return self._d["xy"]

    @property
    def station(self) -> np.ndarray:
        """Each device's ``k`` nearest stations, nearest first, shape (N, k)."""
        return self._d["station"]

    @property
    def server(self) -> np.ndarray:
        """The schedule in force: each device's station, -1 for local."""
        return self._d["server"]

    @property
    def frames(self) -> np.ndarray:
        """Frame count M* of each device."""
        return self._d["frames"]

    def _add(self, xy: np.ndarray, *, ids: np.ndarray | None = None, alpha: np.ndarray | None = None,
             f_local_max: np.ndarray | None = None, tx_power: np.ndarray | None = None) -> None:
        """New devices at ``xy``, local, with attributes drawn where not given, and fresh links."""
        cfg, rng, m = self.config, self.rng, xy.shape[0]
        if ids is None:
            ids = np.arange(self._next_id, self._next_id + m, dtype=np.int64)
            self._next_id += m
        alpha = rng.uniform(*cfg.alpha_range, size=m) if alpha is None else alpha
        f_local_max = rng.uniform(*cfg.f_local_max_range, size=m) if f_local_max is None else f_local_max
        tx_power = rng.uniform(*cfg.tx_power_range, size=m) if tx_power is None else tx_power
        walking = cfg.mobility == "waypoint"
        new = dict(
            id=ids, xy=xy, alpha=alpha, frames=self._frames(alpha), f_local_max=f_local_max, tx_power=tx_power,
            target=rng.uniform(0.0, self.side, size=(m, 2)) if walking else np.zeros((m, 2)),
            speed=rng.uniform(*cfg.speed_range, size=m) if walking else np.zeros(m),
            server=np.full(m, -1, np.int64), station=np.full((m, cfg.k_nearest), -1, np.int64),
            shadow=np.zeros((m, cfg.k_nearest)), fade=np.zeros((m, cfg.k_nearest), complex))
        self._d = {key: np.concatenate((old, np.asarray(new[key], dtype=old.dtype))) for key, old in self._d.items()}

    def _frames(self, alpha: np.ndarray) -> np.ndarray:
        return np.asarray(min_frames(self._curve, alpha), dtype=np.int64).reshape(-1)  # M*, Sec. III-B

    def _keep(self, keep: np.ndarray) -> None:
        self._d = {key: value[keep] for key, value in self._d.items()}

    # -- one step --------------------------------------------------------------

    def advance(self) -> None:
        """Move the world to the next step: departures, requirements, movement, arrivals, channel.

        The schedule in force is kept (new devices local); with a trace, at most ``steps - 1`` times."""
        cfg, rng = self.config, self.rng
        self.step += 1
        if self.step >= cfg.steps and cfg.mobility == "trace":
            raise ValueError(f"step {self.step} is past the trace's {cfg.steps} steps")
        n0 = self.n_devices
        if cfg.mobility == "trace":
            ids, xy = self._trace[self.step]
            pos = np.minimum(np.searchsorted(ids, self._d["id"]), max(ids.size - 1, 0))
            present = ids[pos] == self._d["id"] if ids.size else np.zeros(n0, bool)
            self._keep(present)
        elif cfg.departure_prob > 0:
            self._keep(rng.random(n0) >= cfg.departure_prob)
        self.departures = n0 - self.n_devices
        change = rng.random(self.n_devices) < cfg.alpha_change_prob if cfg.alpha_change_prob > 0 else \
            np.zeros(self.n_devices, bool)
        self.alpha_changes = int(change.sum())
        if self.alpha_changes:
            self._d["alpha"][change] = rng.uniform(*cfg.alpha_range, size=self.alpha_changes)
            self._d["frames"][change] = self._frames(self._d["alpha"][change])
        if cfg.mobility == "trace":
            new_xy = xy[pos[present]]
            moved = np.hypot(*(new_xy - self._d["xy"]).T)
            self._d["xy"] = new_xy
            fresh = ~np.isin(ids, self._d["id"])
            self._add(xy[fresh], ids=ids[fresh])
        else:
            moved = self._walk() if cfg.mobility == "waypoint" else np.zeros(self.n_devices)
            self._add(rng.uniform(0.0, self.side, size=(int(rng.poisson(cfg.arrival_rate)), 2)))
        self.arrivals = self.n_devices - moved.size
        self._channel(np.concatenate((moved, np.zeros(self.arrivals))))

    def _walk(self) -> np.ndarray:
        """Random waypoint over one step; the distance each device moved, m."""
        d, rng = self._d, self.rng
        gap = d["target"] - d["xy"]
        dist = np.hypot(gap[:, 0], gap[:, 1])
        reach = d["speed"] * self.config.step_s
        arrive = dist <= reach
        with np.errstate(divide="ignore", invalid="ignore"):
            d["xy"] = np.where(arrive[:, None], d["target"], d["xy"] + gap * (reach / dist)[:, None])
        m = int(arrive.sum())
        d["target"][arrive] = rng.uniform(0.0, self.side, size=(m, 2))
        d["speed"][arrive] = rng.uniform(*self.config.speed_range, size=m)
        return np.minimum(dist, reach)

    def _channel(self, moved: np.ndarray) -> None:
        """Nearest stations, shadowing and fading after devices moved by ``moved`` m; sets the rates."""
        cfg, d, rng = self.config, self._d, self.rng
        n, k = self.n_devices, cfg.k_nearest
        if n == 0:
            self.rate = self.plan_rate = np.empty((0, k))
            return
        station, dist = nearest_stations(d["xy"], self.station_xy, k, self.side)
        dist = np.maximum(dist, cfg.min_distance)
        same = station[:, :, None] == d["station"][:, None, :]  # is link (n, station[n, i]) an old one?
        kept, src = same.any(axis=2), same.argmax(axis=2)
        r = np.exp(-moved / cfg.shadowing_decorrelation_m)[:, None]  # Gudmundson
        d["shadow"] = _ar1(d["shadow"], src, kept, r, cfg.shadowing_std_db * rng.standard_normal((n, k)))
        snr = d["tx_power"][:, None] * np.asarray(channel_gain(dist)) * 10.0 ** (-d["shadow"] / 10.0) / self._noise
        self.plan_rate = np.maximum(cfg.bandwidth * np.log1p(snr) / math.log(2.0), RATE_FLOOR)
        if cfg.fading == "rayleigh":
            e = (rng.standard_normal((n, k)) + 1j * rng.standard_normal((n, k))) / math.sqrt(2.0)  # CN(0, 1)
            d["fade"] = _ar1(d["fade"], src, kept, cfg.fading_correlation, e)
            self.rate = np.maximum(cfg.bandwidth * np.log1p(snr * np.abs(d["fade"]) ** 2) / math.log(2.0),
                                   RATE_FLOOR)
        else:
            self.rate = self.plan_rate
        if cfg.csi == "instantaneous":
            self.plan_rate = self.rate
        d["station"] = station

    # -- the schedule ------------------------------------------------------------

    def _slots(self, server: np.ndarray) -> np.ndarray:
        """Each device's slot in ``station`` for ``server`` (-1 local); a server no longer reachable becomes
        slot 0, the nearest station (handover)."""
        hit = self._d["station"] == server[:, None]
        return np.where(server < 0, -1, np.where(hit.any(axis=1), hit.argmax(axis=1), 0))

    def choice_in_force(self) -> np.ndarray:
        """The schedule in force as a choice of :meth:`table` (0 local, ``1 + i`` the i-th nearest station)."""
        return (self._slots(self._d["server"]) + 1).astype(np.int32)

    def apply(self, choice: Any) -> None:
        """Put a choice of :meth:`table` in force."""
        choice = np.asarray(choice)
        rows = np.arange(self.n_devices)
        self._d["server"] = np.where(choice == 0, -1, self._d["station"][rows, np.maximum(choice - 1, 0)])

    def table(self) -> OptionTable:
        """The option table of the current step on the planned rates: option 0 local (Theorem 1), option
        ``1 + i`` offloading to the i-th nearest station; server j is station j."""
        cfg, d, n = self.config, self._d, self.n_devices
        arrays = paper_options(
            self._macs_of[d["frames"]], d["frames"].astype(np.float64), np.full(n, self._frame_bits),
            self.plan_rate, d["station"], d["tx_power"], d["f_local_max"], np.full(n, cfg.kappa),
            np.full(n, cfg.rho), cfg.w_delay, cfg.w_energy)
        return OptionTable(**arrays, A=cfg.w_delay / self.capacity, B=np.full(self.capacity.size, cfg.w_delay))

    def evaluate(self, server: np.ndarray | None = None, *, planned: bool = False) -> dict[str, np.ndarray]:
        """Per-device physics of a schedule on the current step (Theorem 2 per server, DESIGN.md §2).

        Parameters
        ----------
        server : ndarray of int, optional
            Each device's station or -1 (default: the schedule in force); unreachable stations hand over.
        planned : bool
            Use the planned rates (``csi``) instead of the actual ones.

        Returns
        -------
        dict
            ``server`` (after handover), ``offload`` (bool), ``delay`` (s), ``energy`` (J), ``cost``
            (``w_delay * delay + w_energy * energy``), ``accuracy`` (Phi(M*)).
        """
        cfg, d, n = self.config, self._d, self.n_devices
        slot = self._slots(d["server"] if server is None else np.asarray(server))
        on = slot >= 0
        rows, col = np.arange(n), np.maximum(slot, 0)
        j = d["station"][rows, col]
        rate = (self.plan_rate if planned else self.rate)[rows, col]
        cycles = cfg.rho * self._macs_of[d["frames"]]  # rho * C(M*)
        bits = d["frames"] * self._frame_bits  # M* d
        c, w = np.sqrt(cycles), np.sqrt(bits / rate)
        U = np.bincount(j[on], weights=c[on], minlength=self.capacity.size)
        V = np.bincount(j[on], weights=w[on], minlength=self.capacity.size)
        f = np.minimum(self._f_cap, d["f_local_max"])  # Theorem 1
        delay = np.where(on, c * U[j] / self.capacity[j] + w * V[j], cycles / f)  # eqs. (1), (2), (4) + Thm 2
        energy = np.where(on, d["tx_power"] * bits / rate, cfg.kappa * cycles * f**2)  # eqs. (3), (5)
        return dict(server=np.where(on, j, -1), offload=on, delay=delay, energy=energy,
                    cost=cfg.w_delay * delay + cfg.w_energy * energy, accuracy=self._accuracy_of[d["frames"]])

    def resolve(self, warm: bool) -> tuple[OptionSchedule, float]:
        """Solve :meth:`table` warm (method ``"warm"`` from :meth:`choice_in_force` and :attr:`prices`) or cold
        (``"auto"``); the schedule and the solver's wall time in s. The schedule's prices become
        :attr:`prices`; nothing is put in force (see :meth:`apply`)."""
        table = self.table()
        start = self.choice_in_force() if warm else None
        t0 = time.perf_counter()
        if warm:
            schedule = solve_options(table, "warm", start=start, prices=self.prices)
        else:
            schedule = solve_options(table, "auto", node_limit=self.config.cold_node_limit, time_limit=1e9)
        seconds = time.perf_counter() - t0
        self.prices = schedule.prices
        return schedule, seconds


# -- the simulation ----------------------------------------------------------

def _percentile(x: np.ndarray, q: float) -> float:
    return float(np.percentile(x, q)) if x.size else math.nan


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if x.size else math.nan


def simulate(config: SimConfig, *, progress: bool | None = None) -> Any:
    """Run a configuration; the time series, one row per step (:data:`COLUMNS`).

    Parameters
    ----------
    config : SimConfig
    progress : bool, optional
        A tqdm progress bar on stderr; ``None``: only when stderr is a terminal and tqdm is installed.

    Returns
    -------
    pandas.DataFrame, or dict of numpy arrays when pandas is not installed
    """
    sim = OnlineCity(config)
    cfg = sim.config
    rows: list[dict[str, Any]] = []
    reference = math.nan  # planned cost per device right after the last re-solve
    bar = _progress_bar(cfg.steps, 0, progress)
    try:
        for t in range(cfg.steps):
            t0 = time.perf_counter()
            if t:
                sim.advance()
            n = sim.n_devices
            now = sim.evaluate()
            sim.apply(sim.choice_in_force())  # handovers happened
            planned = now if sim.plan_rate is sim.rate else sim.evaluate(planned=True)
            cost_planned = float(planned["cost"].sum())
            drift = cost_planned / n / reference - 1.0 if n and reference > 0 else math.nan
            if n == 0:
                reference = math.nan  # nobody left: the next devices start a new schedule
            first = not reference > 0
            due = {"every": True, "periodic": t % cfg.period == 0, "drift": drift > cfg.drift_threshold,
                   "never": False}[cfg.trigger]
            resolved, warm = n > 0 and (first or due), cfg.warm and not first
            cost_after, seconds, changed = cost_planned, 0.0, 0
            if resolved:
                before = sim.server.copy()
                schedule, seconds = sim.resolve(warm)
                sim.apply(schedule.choice)
                changed = int((sim.server != before).sum())
                cost_after = schedule.cost
                reference = cost_after / n
            cost = float(now["cost"].sum())
            rows.append(dict(
                step=t, time_s=t * cfg.step_s, n_devices=n, arrivals=sim.arrivals,
                departures=sim.departures, alpha_changes=sim.alpha_changes, cost=cost,
                cost_per_device=cost / n if n else math.nan, cost_planned=cost_planned, drift=drift,
                delay_p50_s=_percentile(now["delay"], 50), delay_p95_s=_percentile(now["delay"], 95),
                energy_mean_j=_mean(now["energy"]), accuracy_mean=_mean(now["accuracy"]),
                offload_rate=_mean(now["offload"]), resolved=resolved, warm=resolved and warm,
                resolve_time_s=seconds, changed=changed, cost_after=cost_after,
                step_time_s=time.perf_counter() - t0))
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    series = {name: np.array([r[name] for r in rows]) for name in COLUMNS}
    try:
        import pandas as pd
    except ImportError:
        return series
    return pd.DataFrame(series)


def _columns(series: Any) -> dict[str, np.ndarray]:
    """The series as a dict of numpy arrays (from a DataFrame or a dict)."""
    return {name: np.asarray(series[name]) for name in series}


def write_csv(series: Any, path: str | os.PathLike[str]) -> None:
    """Write a time series (DataFrame or dict of arrays) as CSV; floats round-trip exactly."""
    cols = _columns(series)
    with open(os.fspath(path), "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(cols)
        for row in zip(*(c.tolist() for c in cols.values())):
            out.writerow([repr(v) if isinstance(v, float) else v for v in row])


#: Panels of :func:`plot_series`: (columns, y label).
_PANELS = (
    (("cost_per_device",), "cost per device (schedule in force)"),
    (("drift",), "drift of planned cost per device"),
    (("delay_p50_s", "delay_p95_s"), "delay (s)"),
    (("energy_mean_j",), "mean energy (J)"),
    (("offload_rate",), "offloading rate"),
    (("n_devices",), "devices"),
    (("resolve_time_s",), "re-solve time (s)"),
    (("changed",), "decisions changed"),
)


def plot_series(series: Any, title: str | None = None) -> Any:
    """A :class:`matplotlib.figure.Figure` of a time series (no pyplot; save it with ``fig.savefig``).

    Eight panels against the step: cost per device, drift, delay p50/p95, mean energy, offloading rate, devices,
    re-solve time and decisions changed; re-solve steps are marked on every panel.
    """
    mpl_figure = _need("matplotlib.figure", "plot", "edgesched.online.plot_series")
    cols = _columns(series)
    fig = mpl_figure.Figure(figsize=(13.0, 6.0), layout="constrained")
    axes = fig.subplots(2, 4, sharex=True).ravel()
    step, resolved = cols["step"], cols["resolved"].astype(bool)
    for ax, (names, label) in zip(axes, _PANELS):
        for name in names:
            ax.plot(step, cols[name].astype(float), linewidth=1.0, label=name)
            ax.plot(step[resolved], cols[name][resolved].astype(float), "o", markersize=2.5, color="C3")
        ax.set_ylabel(label, fontsize=8)
        ax.grid(alpha=0.3)
        if len(names) > 1:
            ax.legend(fontsize=7)
    for ax in axes[4:]:
        ax.set_xlabel("step")
    fig.suptitle(title or f"online city: {int(resolved.sum())} re-solves (red dots) in {step.size} steps",
                 fontsize=10)
    return fig


# -- the command line --------------------------------------------------------

def _run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    out = args.out or os.path.splitext(args.config)[0] + "-results"
    os.makedirs(out, exist_ok=True)
    t0 = time.perf_counter()
    series = simulate(config, progress=False if args.no_progress else None)
    seconds = time.perf_counter() - t0
    cols = _columns(series)
    csv_path, png_path = os.path.join(out, "series.csv"), os.path.join(out, "series.png")
    write_csv(series, csv_path)
    resolved = cols["resolved"].astype(bool)
    print(f"{args.config}: {config.steps} steps in {seconds:.1f} s; devices {cols['n_devices'][0]} -> "
          f"{cols['n_devices'][-1]}; {int(resolved.sum())} re-solves ({'warm' if config.warm else 'cold'}, "
          f"trigger {config.trigger!r}) taking {cols['resolve_time_s'].sum():.3f} s in all")
    print(f"cost per device: mean {np.nanmean(cols['cost_per_device']):.4g}, last {cols['cost_per_device'][-1]:.4g}; "
          f"delay p95 mean {np.nanmean(cols['delay_p95_s']):.4g} s; offloading rate mean "
          f"{np.nanmean(cols['offload_rate']):.3f}")
    print(f"series: {csv_path}")
    try:
        plot_series(series, title=f"{os.path.basename(args.config)}").savefig(png_path, dpi=100)
        print(f"plot: {png_path}")
    except ImportError as exc:
        print(f"no plot: {exc}", file=sys.stderr)
    return 0


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register ``simulate CONFIG.toml [--out DIR] [--no-progress]`` on an ``argparse`` subparsers object; the
    parsed namespace's ``func(args)`` runs the simulation, writes ``DIR/series.csv`` and ``DIR/series.png`` and
    returns 0."""
    p = sub.add_parser("simulate", help="an online city: devices move and come and go, the schedule is "
                                        "monitored and re-optimized (TOML; docs/simulate-format.md)",
                       description="Step a city through time, monitor the schedule in force and re-optimize it "
                                   "by the configured policy; write the per-step series as CSV and a plot.")
    p.add_argument("config", help="simulation file (TOML)")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="output directory (default: CONFIG-results next to the file)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_run)
    return p
