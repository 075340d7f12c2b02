"""The city at one step: its devices, their channels, and the schedule in force."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from ..kernels import nearest_stations
from ..model import theorems
from ..model.devices import Devices
from ..model.menus import station_table
from ..model.results import OptionSchedule
from ..model.table import OptionTable
from ..physics.accuracy import default_curve, min_frames
from ..physics.channel import channel_gain, noise_power_watt
from ..physics.macs import model_macs
from ..scenarios import city as build_city
from ..scenarios import frame_bits_rgb
from ..solvers.options import solve_options
from .config import RATE_FLOOR, SimConfig
from .trace import read_trace

__all__ = ["RATE_FLOOR", "OnlineCity"]



def _ar1(old: np.ndarray, src: np.ndarray, kept: np.ndarray, r: Any, fresh: np.ndarray) -> np.ndarray:
    """First-order autoregression per link: ``r * old + sqrt(1 - r^2) * fresh`` where the link is kept (its
    previous value at ``old[n, src[n, i]]``), ``fresh`` on new links. ``fresh`` has the stationary law."""
    prev = np.take_along_axis(old, src, axis=1)
    return np.where(kept, r * prev + np.sqrt(1.0 - np.square(r)) * fresh, fresh)


@dataclass
class Population:
    """The devices present at one step, as parallel arrays (row n is device n).

    Attributes
    ----------
    id : ndarray of int64, shape (N,)
        A stable id per device.
    xy, target : ndarray, shape (N, 2)
        Position and random-waypoint target, m.
    speed : ndarray, shape (N,)
        Walking speed, m/s.
    alpha : ndarray, shape (N,)
        Accuracy requirement.
    frames : ndarray of int64, shape (N,)
        Frame count M* (from ``alpha``).
    f_local_max, tx_power : ndarray, shape (N,)
        CPU limit (Hz) and transmit power (W).
    server : ndarray of int64, shape (N,)
        The schedule in force: each device's station, -1 for local.
    station : ndarray of int64, shape (N, k)
        The ``k`` nearest stations, nearest first.
    shadow : ndarray, shape (N, k)
        Log-normal shadowing of each link, dB.
    fade : ndarray of complex, shape (N, k)
        Small-scale fading gain of each link.
    app, device_class : ndarray of int64, shape (N,)
        In a city of applications, each device's application and hardware class (indices into
        :attr:`CityApps.applications <edgesched.online.CityApps>` and ``CityApps.classes``); 0 otherwise.
    menu : ndarray of int64, shape (N,)
        In a city of applications, each device's menu in the city's :class:`~edgesched.pipeline.fleet.Fleet`
        (-1: to be found); -1 otherwise.
    variant, kind, cut : ndarray of int64, shape (N,)
        In a city of applications, the option in force besides its station: the variant (an index into its
        application's variants), the placement kind (an index into :data:`~edgesched.pipeline.PLACEMENTS`) and
        the layers run on the device; 0 otherwise.
    """

    id: np.ndarray
    xy: np.ndarray
    target: np.ndarray
    speed: np.ndarray
    alpha: np.ndarray
    frames: np.ndarray
    f_local_max: np.ndarray
    tx_power: np.ndarray
    server: np.ndarray
    station: np.ndarray
    shadow: np.ndarray
    fade: np.ndarray
    app: np.ndarray
    device_class: np.ndarray
    menu: np.ndarray
    variant: np.ndarray
    kind: np.ndarray
    cut: np.ndarray

    @classmethod
    def empty(cls, k: int) -> Population:
        """No devices, with ``k`` links each."""
        ints = {name: np.empty(0, np.int64) for name in ("app", "device_class", "menu", "variant", "kind", "cut")}
        return cls(id=np.empty(0, np.int64), xy=np.empty((0, 2)), target=np.empty((0, 2)), speed=np.empty(0),
                   alpha=np.empty(0), frames=np.empty(0, np.int64), f_local_max=np.empty(0), tx_power=np.empty(0),
                   server=np.empty(0, np.int64), station=np.empty((0, k), np.int64), shadow=np.empty((0, k)),
                   fade=np.empty((0, k), complex), **ints)

    def __len__(self) -> int:
        return int(self.id.size)

    def take(self, index: Any) -> Population:
        """The devices at ``index`` (a boolean mask or integer array)."""
        return Population(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def concat(self, new: Population) -> Population:
        """These devices followed by ``new``'s."""
        def joined(name: str) -> np.ndarray:
            old = getattr(self, name)
            return np.concatenate((old, np.asarray(getattr(new, name), dtype=old.dtype)))

        return Population(**{f.name: joined(f.name) for f in fields(self)})


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
    population : Population
        The devices present, their links and the schedule in force.
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
        city = build_city(
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
        self._frame_bits = float(frame_bits_rgb())
        self.population = Population.empty(cfg.k_nearest)
        self._next_id = 0
        self.step = 0
        self.arrivals = self.departures = self.alpha_changes = 0
        self.prices: np.ndarray | None = None
        if cfg.mobility == "trace":
            assert cfg.trace is not None
            self._trace = read_trace(cfg.trace, cfg.steps)
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
        return len(self.population)

    @property
    def device_id(self) -> np.ndarray:
        """A stable id per present device (trace: in order of the trace's first appearance)."""
        return self.population.id

    @property
    def device_xy(self) -> np.ndarray:
        """Positions in m, shape (N, 2)."""
        return self.population.xy

    @property
    def station(self) -> np.ndarray:
        """Each device's ``k`` nearest stations, nearest first, shape (N, k)."""
        return self.population.station

    @property
    def server(self) -> np.ndarray:
        """The schedule in force: each device's station, -1 for local."""
        return self.population.server

    @property
    def frames(self) -> np.ndarray:
        """Frame count M* of each device."""
        return self.population.frames

    def _add(self, xy: np.ndarray, *, ids: np.ndarray | None = None, alpha: np.ndarray | None = None,
             f_local_max: np.ndarray | None = None, tx_power: np.ndarray | None = None) -> None:
        """New devices at ``xy``, local, with attributes drawn where not given, and fresh links."""
        cfg, rng, m = self.config, self.rng, xy.shape[0]
        if ids is None:
            ids = np.arange(self._next_id, self._next_id + m, dtype=np.int64)
            self._next_id += m
        drawn = self._draw(m, alpha=alpha, f_local_max=f_local_max, tx_power=tx_power)
        walking = cfg.mobility == "waypoint"
        new = Population(
            id=ids, xy=xy, **drawn,
            target=rng.uniform(0.0, self.side, size=(m, 2)) if walking else np.zeros((m, 2)),
            speed=np.asarray(rng.uniform(*cfg.speed_range, size=m)) if walking else np.zeros(m),
            server=np.full(m, -1, np.int64), station=np.full((m, cfg.k_nearest), -1, np.int64),
            shadow=np.zeros((m, cfg.k_nearest)), fade=np.zeros((m, cfg.k_nearest), complex))
        self.population = self.population.concat(new)

    def _draw(self, m: int, *, alpha: np.ndarray | None, f_local_max: np.ndarray | None,
              tx_power: np.ndarray | None) -> dict[str, np.ndarray]:
        """The attributes of ``m`` new devices, drawn where not given: ``alpha``, ``f_local_max``, ``tx_power``
        (uniform in their ranges, in this order), ``frames`` (M*) and the fields of a city of applications."""
        cfg, rng = self.config, self.rng
        ranges: dict[str, tuple[float, float]] = {"alpha": cfg.alpha_range, "f_local_max": cfg.f_local_max_range,
                                                  "tx_power": cfg.tx_power_range}
        drawn = {name: np.asarray(rng.uniform(*ranges[name], size=m)) if given is None else given
                 for name, given in (("alpha", alpha), ("f_local_max", f_local_max), ("tx_power", tx_power))}
        zeros = {name: np.zeros(m, np.int64) for name in ("app", "device_class", "variant", "kind", "cut")}
        return {**drawn, "frames": self._frames(drawn["alpha"]), **zeros, "menu": np.full(m, -1, np.int64)}

    def _redraw(self, change: np.ndarray) -> None:
        """New accuracy requirements for the devices of the mask ``change``, uniform in ``alpha_range``; their
        frame counts M* follow."""
        self.population.alpha[change] = self.rng.uniform(*self.config.alpha_range, size=int(change.sum()))
        self.population.frames[change] = self._frames(self.population.alpha[change])

    def _frames(self, alpha: np.ndarray) -> np.ndarray:
        return np.asarray(min_frames(self._curve, alpha), dtype=np.int64).reshape(-1)  # M*, Sec. III-B

    def _keep(self, keep: np.ndarray) -> None:
        self.population = self.population.take(keep)

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
            pos = np.minimum(np.searchsorted(ids, self.population.id), max(ids.size - 1, 0))
            present = ids[pos] == self.population.id if ids.size else np.zeros(n0, bool)
            self._keep(present)
        elif cfg.departure_prob > 0:
            self._keep(rng.random(n0) >= cfg.departure_prob)
        self.departures = n0 - self.n_devices
        change = rng.random(self.n_devices) < cfg.alpha_change_prob if cfg.alpha_change_prob > 0 else \
            np.zeros(self.n_devices, bool)
        self.alpha_changes = int(change.sum())
        if self.alpha_changes:
            self._redraw(change)
        if cfg.mobility == "trace":
            new_xy = xy[pos[present]]
            moved = np.hypot(*(new_xy - self.population.xy).T)
            self.population.xy = new_xy
            fresh = ~np.isin(ids, self.population.id)
            self._add(xy[fresh], ids=ids[fresh])
        else:
            moved = self._walk() if cfg.mobility == "waypoint" else np.zeros(self.n_devices)
            self._add(rng.uniform(0.0, self.side, size=(int(rng.poisson(cfg.arrival_rate)), 2)))
        self.arrivals = self.n_devices - moved.size
        self._channel(np.concatenate((moved, np.zeros(self.arrivals))))

    def _walk(self) -> np.ndarray:
        """Random waypoint over one step; the distance each device moved, m."""
        d, rng = self.population, self.rng
        gap = d.target - d.xy
        dist = np.hypot(gap[:, 0], gap[:, 1])
        reach = d.speed * self.config.step_s
        arrive = dist <= reach
        with np.errstate(divide="ignore", invalid="ignore"):
            d.xy = np.where(arrive[:, None], d.target, d.xy + gap * (reach / dist)[:, None])
        m = int(arrive.sum())
        d.target[arrive] = rng.uniform(0.0, self.side, size=(m, 2))
        d.speed[arrive] = rng.uniform(*self.config.speed_range, size=m)
        return np.minimum(dist, reach)

    def _channel(self, moved: np.ndarray) -> None:
        """Nearest stations, shadowing and fading after devices moved by ``moved`` m; sets the rates."""
        cfg, d, rng = self.config, self.population, self.rng
        n, k = self.n_devices, cfg.k_nearest
        if n == 0:
            self.rate = self.plan_rate = np.empty((0, k))
            return
        station, dist = nearest_stations(d.xy, self.station_xy, k, self.side)
        dist = np.maximum(dist, cfg.min_distance)
        same = station[:, :, None] == d.station[:, None, :]  # is link (n, station[n, i]) an old one?
        kept, src = same.any(axis=2), same.argmax(axis=2)
        r = np.exp(-moved / cfg.shadowing_decorrelation_m)[:, None]  # Gudmundson
        d.shadow = _ar1(d.shadow, src, kept, r, cfg.shadowing_std_db * rng.standard_normal((n, k)))
        snr = d.tx_power[:, None] * np.asarray(channel_gain(dist)) * 10.0 ** (-d.shadow / 10.0) / self._noise
        self.plan_rate = np.maximum(cfg.bandwidth * np.log1p(snr) / math.log(2.0), RATE_FLOOR)
        if cfg.fading == "rayleigh":
            e = (rng.standard_normal((n, k)) + 1j * rng.standard_normal((n, k))) / math.sqrt(2.0)  # CN(0, 1)
            d.fade = _ar1(d.fade, src, kept, cfg.fading_correlation, e)
            self.rate = np.maximum(cfg.bandwidth * np.log1p(snr * np.abs(d.fade) ** 2) / math.log(2.0),
                                   RATE_FLOOR)
        else:
            self.rate = self.plan_rate
        if cfg.csi == "instantaneous":
            self.plan_rate = self.rate
        d.station = station

    # -- the schedule ------------------------------------------------------------

    def _slots(self, server: np.ndarray) -> np.ndarray:
        """Each device's slot in ``station`` for ``server`` (-1 local); a server no longer reachable becomes
        slot 0, the nearest station (handover)."""
        hit = self.population.station == server[:, None]
        return np.where(server < 0, -1, np.where(hit.any(axis=1), hit.argmax(axis=1), 0))

    def choice_in_force(self) -> np.ndarray:
        """The schedule in force as a choice of :meth:`table` (0 local, ``1 + i`` the i-th nearest station)."""
        return (self._slots(self.population.server) + 1).astype(np.int32)

    #: The series' counts of changed decisions, keys of :meth:`changes`.
    CHANGES: tuple[str, ...] = ("changed",)

    def decisions(self) -> tuple[np.ndarray, ...]:
        """A copy of the decisions in force, for :meth:`changes` after a re-solve."""
        return (self.population.server.copy(),)

    def changes(self, before: tuple[np.ndarray, ...]) -> dict[str, np.ndarray]:
        """Per device, whether the re-solve changed its decision (its station, or local against offloaded)
        since :meth:`decisions` returned ``before``."""
        return {"changed": self.population.server != before[0]}

    def apply(self, choice: Any) -> None:
        """Put a choice of :meth:`table` in force."""
        choice = np.asarray(choice)
        rows = np.arange(self.n_devices)
        self.population.server = np.where(choice == 0, -1, self.population.station[rows, np.maximum(choice - 1, 0)])

    def devices(self, rate: np.ndarray | None = None) -> Devices:
        """The solver's inputs of the present devices (:class:`edgesched.model.Devices`), with ``rate`` per device
        in bit/s (default: the planned rate to the nearest station)."""
        cfg, d, n = self.config, self.population, self.n_devices
        return Devices.from_checked(
            macs=self._macs_of[d.frames], frames=d.frames, frame_bits=np.full(n, self._frame_bits),
            rate=self.plan_rate[:, 0] if rate is None else rate, tx_power=d.tx_power, f_local_max=d.f_local_max,
            kappa=np.full(n, cfg.kappa), rho=np.full(n, cfg.rho))

    def table(self) -> OptionTable:
        """The option table of the current step on the planned rates: option 0 local (Theorem 1), option
        ``1 + i`` offloading to the i-th nearest station; server j is station j."""
        cfg = self.config
        return station_table(self.devices(), self.plan_rate, self.population.station, self.capacity, cfg.w_delay,
                             cfg.w_energy)

    def evaluate(self, server: np.ndarray | None = None, *, planned: bool = False) -> dict[str, np.ndarray]:
        """Per-device physics of a schedule on the current step (Theorem 2 per server, ``docs/model.md`` §4).

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
        cfg, d, n = self.config, self.population, self.n_devices
        slot = self._slots(d.server if server is None else np.asarray(server))
        on = slot >= 0
        rows, col = np.arange(n), np.maximum(slot, 0)
        j = d.station[rows, col]
        dev = self.devices((self.plan_rate if planned else self.rate)[rows, col])
        cycles, bits = dev.cycles, dev.bits
        c, w = theorems.compute_weight(cycles), theorems.airtime_weight(bits, dev.rate)
        U = np.bincount(j[on], weights=c[on], minlength=self.capacity.size)
        V = np.bincount(j[on], weights=w[on], minlength=self.capacity.size)
        f = theorems.local_frequency(np, cfg.w_delay, cfg.w_energy, dev.kappa, dev.f_local_max)
        delay = np.where(on, theorems.shared_delay(c, w, U[j], V[j], self.capacity[j]),
                         theorems.local_delay(cycles, f))
        energy = np.where(on, theorems.transmit_energy(dev.tx_power, bits, dev.rate),
                          theorems.local_energy(dev.kappa, cycles, f))
        return dict(server=np.where(on, j, -1), offload=on, delay=delay, energy=energy,
                    cost=cfg.w_delay * delay + cfg.w_energy * energy, accuracy=self._accuracy_of[d.frames])

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


