"""The configuration of a simulation: :class:`SimConfig`, its checks, and the TOML file format
(``docs/simulate-format.md``)."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from .._files import Num, ScenarioFileError, check_keys, fits_in_memory, read_toml, relative_path, shown
from ..model import theorems
from ..model.defaults import BANDWIDTH, F_EDGE_MAX, KAPPA, RHO, W_DELAY, W_ENERGY
from ..physics.accuracy import default_curve, min_frames
from ..physics.channel import DEFAULT_NOISE_DBM_PER_HZ, channel_gain, noise_power_watt
from ..physics.macs import MODELS, model_macs
from ..scenarios import frame_bits_rgb
from .apps_config import APP_SECTIONS, CityApps, read_city_apps

__all__ = ["FIELDS", "TRIGGERS", "CityApps", "SimConfig", "load_config"]

TRIGGERS = ("every", "periodic", "drift", "never")
_INT1 = Num(low=1, strict=False, integer=True)
_INT0 = Num(low=0, strict=False, integer=True)
_SEED = Num(low=0, strict=False, integer=True, high=2**64 - 1)
_NODES = Num(low=0, strict=False, integer=True, high=2**63 - 1)
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
    "seed": ("simulation", "seed", _SEED),
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
    "cold_node_limit": ("policy", "cold_node_limit", _NODES),
}


def _check(name: str, value: Any, where: str = "") -> Any:
    """``value`` of field ``name`` checked and normalised; the error says ``{where}{key} is ...``.

    With ``where`` empty (the Python API) the key is the field name, else (a file) its TOML key.
    """
    _, toml_key, rule = FIELDS[name]
    key = toml_key if where else name
    if isinstance(rule, Num):
        return rule.whole(where, key, value) if rule.integer else rule.check(where, key, value)
    if isinstance(rule, tuple):
        if not isinstance(value, str) or value not in rule:
            raise ScenarioFileError(f"{where}{key} is {shown(value)}; {key} must be one of "
                                    f"{', '.join(map(repr, rule))}")
        return value
    if rule is bool:
        if not isinstance(value, (bool, np.bool_)):
            raise ScenarioFileError(f"{where}{key} is {shown(value)}; {key} must be true or false")
        return bool(value)
    if rule is _Path:
        if value is None:
            return None
        if not isinstance(value, (str, os.PathLike)) or not os.fspath(value).strip():
            raise ScenarioFileError(f"{where}{key} is {shown(value)}; {key} must be a file path")
        return os.fspath(value)
    if not isinstance(value, (list, tuple, np.ndarray)) or len(value) != 2:
        raise ScenarioFileError(f"{where}{key} is {shown(value)}; {key} must be a pair [low, high]")
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
    options = 0
    if v.get("apps") is not None:
        options = v["apps"].check_feasible(v["k_nearest"], where, "applications" if where else "apps.applications")
    best = default_curve().best_accuracy
    if v["alpha_range"][1] > best:
        raise ScenarioFileError(f"{where}{key('alpha_range')}[1] is {v['alpha_range'][1]!r}; the accuracy curve "
                                f"reaches at most {best:.6g}")
    _check_memory(v, where, key, options)
    _check_magnitudes(v, where, key)


#: Memory the simulation holds per device with k links, per station and per step, in bytes (the device's state,
#: its links and options, the solver's working copies; an estimate, generous rather than tight).
def _device_bytes(k: int) -> int:
    return 512 + 192 * k + 8 * k * k


_STATION_BYTES = 256
_STEP_BYTES = 4096
#: Headroom of the random draws the range checks allow for: shadowing within this many standard deviations, and
#: a Rayleigh power gain |h|^2 up to this value (exceeded with probability e^-50 per draw).
_SHADOW_SIGMAS = 10.0
_FADE_MAX = 50.0
#: Lowest uplink rate in bit/s: a link in a deep fade is kept finite (its airtime and energy are then huge).
RATE_FLOOR = 1.0
#: Largest coordinate of a trace position, m (farther points are refused when the trace is read).
TRACE_MAX_M = 1e12


def expected_devices(v: dict[str, Any]) -> float:
    """The most devices a configuration's city is expected to hold at once: the initial ones plus the arrivals
    of every step, with ten standard deviations of the Poisson count to spare (departures only lower it)."""
    arrivals = v["arrival_rate"] * max(v["steps"] - 1, 0)
    return max(1.0, v["devices_per_station"] * v["n_stations"]) + arrivals + 10.0 * math.sqrt(arrivals) + 10


#: Memory per option of a device's menu in a city of applications (its table row and the solver's copies), bytes.
_OPTION_BYTES = 256


def _check_memory(v: dict[str, Any], where: str, key: Any, options: int = 0) -> None:
    """ScenarioFileError naming the key when the stations, the devices or the series cannot fit in memory
    (``options``: the most options a device's menu holds, in a city of applications)."""
    def label(name: str) -> str:
        return f"{where}{key(name)} is {v[name]!r}"

    fits_in_memory(label("n_stations"), v["n_stations"], _STATION_BYTES, "stations")
    fits_in_memory(label("steps"), v["steps"], _STEP_BYTES, "steps of the series")
    initial = v["devices_per_station"] * v["n_stations"]
    arriving = v["arrival_rate"] * max(v["steps"] - 1, 0)
    cause = label("devices_per_station") + f" with {key('n_stations')} = {v['n_stations']}" if initial >= arriving \
        else label("arrival_rate") + f" over {key('steps')} = {v['steps']} steps"
    fits_in_memory(cause, expected_devices(v), _device_bytes(v["k_nearest"]) + _OPTION_BYTES * options,
                   f"devices with {v['k_nearest']} link(s) each" + (f" and up to {options} options" if options else ""))


#: Defaults the magnitude checks measure a value's oddness against (keys in dB by difference, others by ratio).
_DB_KEYS = ("noise_dbm_per_hz", "shadowing_std_db")


def _oddness(name: str, value: Any) -> float:
    default: Any = {f.name: f.default for f in fields(SimConfig)}[name]
    values = value if isinstance(value, tuple) else (value,)
    defaults = default if isinstance(default, tuple) else (default,) * len(values)
    if name in _DB_KEYS:
        return max(abs(a - b) / 10.0 for a, b in zip(values, defaults))
    return max(abs(math.log10(a) - math.log10(b)) if a > 0 and b > 0 else 0.0 for a, b in zip(values, defaults))


def _check_magnitudes(v: dict[str, Any], where: str, key: Any) -> None:
    """Every number the simulation derives from the configuration must stay finite (and what it divides by,
    normal): the city's size, the noise power, the rates, the local and offloaded costs of any device at the
    ends of the configured ranges, and their sums over the most devices expected (:func:`expected_devices`).
    The error names the key furthest from its default among those a number depends on."""
    tiny = np.finfo(np.float64).tiny

    def require(ok: Any, what: str, names: tuple[str, ...]) -> None:
        if bool(np.all(ok)):
            return
        culprit = max(names, key=lambda n: _oddness(n, given[n]))
        others = ", ".join(key(n) for n in names if n != culprit)
        raise ScenarioFileError(f"{where}{key(culprit)} is {given[culprit]!r}; with it {what}: check its units"
                                + (f" (the other keys this depends on: {others})" if others else ""))

    def finite(x: Any, positive: bool = False) -> Any:
        x = np.asarray(x, dtype=np.float64)
        return np.isfinite(x) & ((x >= tiny) if positive else True)

    given = v
    v = {k: np.float64(x) if isinstance(x, float) else x for k, x in v.items()}  # overflow to inf, not an error
    with np.errstate(all="ignore"):  # overflow is what is checked for
        side = np.sqrt(np.float64(v["n_stations"])) * v["station_spacing"]
        bucket = side / max(1, int(math.sqrt(v["n_stations"] / v["k_nearest"])))
        require(finite([side, bucket], positive=True), f"the city's side sqrt(n_stations) * station_spacing is "
                f"{side:g} m", ("station_spacing", "n_stations"))
        reach = v["speed_range"][1] * v["step_s"]
        require(finite([reach, np.float64(v["steps"]) * v["step_s"]]), "a step's walk (speed * step_s) or the "
                "simulated time (steps * step_s) overflows", ("step_s", "speed_range", "steps"))
        moved = {"waypoint": min(reach, side * np.sqrt(2.0)), "static": 0.0, "trace": 2.0 * TRACE_MAX_M}
        require(finite(moved[v["mobility"]] / v["shadowing_decorrelation_m"]), "the shadowing's correlation "
                "exp(-moved / shadowing_decorrelation_m) overflows", ("shadowing_decorrelation_m", "speed_range",
                                                                        "step_s"))
        noise = float(noise_power_watt(v["bandwidth"], v["noise_dbm_per_hz"]))  # N0 B, W
        require(finite(noise, positive=True), f"the noise power N0 B is {noise:g} W", ("bandwidth",
                                                                                       "noise_dbm_per_hz"))
        shadow = np.power(10.0, _SHADOW_SIGMAS * v["shadowing_std_db"] / 10.0)
        require(finite(shadow), "the shadowing's linear gain 10^(X/10) overflows", ("shadowing_std_db",))
        # the best link: the strongest device at min_distance, shadowing and fading at their headroom (eqs. 4-5)
        snr = v["tx_power_range"][1] * float(channel_gain(v["min_distance"])) * shadow * _FADE_MAX / noise
        rate_max = v["bandwidth"] * np.log1p(snr) / np.log(2.0)
        link = ("bandwidth", "tx_power_range", "min_distance", "shadowing_std_db", "noise_dbm_per_hz")
        require(finite([snr, rate_max]), f"the best uplink rate B log2(1 + SNR) is {rate_max:g} bit/s", link)
        curve = default_curve()
        frames = np.array([min_frames(curve, a) for a in v["alpha_range"]], dtype=np.float64)
        cycles = v["rho"] * model_macs(v["model"], frames)[:, None, None, None]  # rho C(M*), every corner
        bits = (frames * float(frame_bits_rgb()))[:, None, None, None]  # M* d
        f_max = np.array(v["f_local_max_range"])[None, :, None, None]
        power = np.array(v["tx_power_range"])[None, None, :, None]
        rate = np.array([RATE_FLOOR, max(RATE_FLOOR, rate_max)])[None, None, None, :]  # every rate is in between
        f = theorems.local_frequency(np, v["w_delay"], v["w_energy"], v["kappa"], f_max)  # eq. (13), Theorem 1
        local = ("w_delay", "w_energy", "kappa", "rho", "f_local_max_range", "alpha_range")
        require(finite(theorems.local_cost(v["w_delay"], v["w_energy"], cycles, f, v["kappa"]))
                & finite(theorems.local_delay(cycles, f), positive=True)
                & finite(theorems.local_energy(v["kappa"], cycles, f)),
                "a local device's delay, energy or cost (eqs. (1), (3), (10)) overflows", local)
        c, w = theorems.compute_weight(cycles), theorems.airtime_weight(bits, rate)
        require(finite(c, positive=True) & finite(w, positive=True), "an offloaded device's weights sqrt(rho C) "
                "or sqrt(M d / R) overflow or vanish", ("rho", "alpha_range", *link))
        require(finite(theorems.transmit_cost(v["w_energy"], power, bits, rate))
                & finite(theorems.transmit_energy(power, bits, rate)),
                "an offloaded device's transmit energy p M d / R (eq. (5)) overflows",
                ("w_energy", "alpha_range", *link))
        A = v["w_delay"] / v["f_edge_max"]  # the servers' price of CPU, docs/model.md §4
        n = expected_devices(v)
        U, V = n * c.max(), n * w.max()
        require(finite(A, positive=True) & finite(v["w_delay"], positive=True),
                f"a server's price w_delay / f_edge_max is {A:g}", ("w_delay", "f_edge_max"))
        require(finite(theorems.shared_delay(c.max(), w.max(), U, V, v["f_edge_max"]))
                & finite(A * U * U + v["w_delay"] * V * V)
                & finite(n * theorems.local_cost(v["w_delay"], v["w_energy"], cycles, f, v["kappa"]).max()),
                f"the delays and costs of {n:,.0f} devices (Theorem 2) overflow",
                ("f_edge_max", "w_delay", "rho", "n_stations", "devices_per_station", "arrival_rate"))


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
    apps : CityApps, optional
        A city of applications (:mod:`edgesched.online.apps_config`): devices run these applications' variants,
        placed locally, on a station, in the cloud or split, and draw their application, hardware,
        requirement and transmit power from it; ``alpha_range``, ``f_local_max_range``, ``tx_power_range``,
        ``kappa``, ``rho`` and ``model`` then do not apply. None: every device runs ``model`` (the paper's two
        options).
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
    apps: CityApps | None = None

    def __post_init__(self) -> None:
        values = {f.name: _check(f.name, getattr(self, f.name)) for f in fields(self) if f.name in FIELDS}
        if self.apps is not None and not isinstance(self.apps, CityApps):
            raise ValueError(f"apps is a {type(self.apps).__name__}; expected a CityApps or None")
        values["apps"] = self.apps
        _cross_check(values)
        for name, value in values.items():
            object.__setattr__(self, name, value)


def load_config(path: str | os.PathLike[str]) -> SimConfig:
    """Read a simulation file (TOML, ``docs/simulate-format.md``); errors name the file and the key.

    A relative ``mobility.trace`` path is taken relative to the file's directory.
    """
    path_s = os.fspath(path)
    doc = read_toml(path_s, "simulation file")
    by_key = {(section, key): name for name, (section, key, _) in FIELDS.items()}
    sections = sorted({section for section, _ in by_key} | set(APP_SECTIONS))
    values: dict[str, Any] = {f.name: f.default for f in fields(SimConfig)}
    check_keys(f"{path_s}: ", doc, sections, "section")
    if "applications" in doc:
        if "devices" in doc:
            raise ScenarioFileError(f"{path_s}: devices is given, but the file describes applications: each "
                                    "[applications.NAME] gives its devices' alpha_range, hardware and tx_power_range")
        values["apps"] = read_city_apps(path_s, doc)
    else:
        for section in APP_SECTIONS:
            if section in doc:
                raise ScenarioFileError(f"{path_s}: {section} is given, but there are no [applications.NAME] tables "
                                        "(a city of applications needs at least one)")
    for section, table in doc.items():
        if section in APP_SECTIONS:
            continue
        where = f"{path_s}: {section}."
        allowed = sorted(k for s, k in by_key if s == section)
        for key, value in check_keys(where, table, allowed, f"[{section}]").items():
            values[by_key[section, key]] = _check(by_key[section, key], value, where)
    if values["trace"] is not None:
        values["trace"] = relative_path(path_s, values["trace"])
    _cross_check(values, f"{path_s}: ")
    return SimConfig(**values)


