"""A city: many base stations, each with an edge server, and devices that may reach several of them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._files import fits_in_memory
from .._validation import (
    bounded_array,
    bounded_pair,
    bounded_scalar,
    deadline_array,
    device_values,
    positive_scalar,
    whole_number,
)
from ..kernels import nearest_stations
from ..model.defaults import BANDWIDTH, F_EDGE_MAX, KAPPA, RHO, W_DELAY, W_ENERGY
from ..model.devices import DeviceFields, Devices
from ..model.menus import station_table
from ..model.table import OptionTable
from ..physics.accuracy import AccuracyCurve, default_curve, min_frames
from ..physics.channel import shannon_rate
from ..physics.macs import MODELS, model_macs
from .paper import frame_bits_rgb

__all__ = ["City", "city"]

#: Memory a city takes per station, per device and per link of a device, bytes (estimates, generous).
STATION_BYTES = 256
DEVICE_BYTES = 512
LINK_BYTES = 192


@dataclass(frozen=True, eq=False)
class City(DeviceFields):
    """Many base stations (each with an edge server) and devices over a square city, SI units.

    Device n reaches its ``k`` nearest stations ``station[n]`` (nearest first) at uplink rates ``rate[n]``
    (bit/s, the paper's channel at distance ``distance[n]``). ``devices`` holds the solver's per-device
    inputs (its ``rate`` is the rate to the nearest station), read as attributes (``city.macs``); ``alpha``
    has shape ``(N,)``; ``station``, ``distance`` and ``rate`` shape ``(N, k)``; ``station_xy`` ``(S, 2)`` and
    ``f_edge_max`` ``(S,)`` (Hz).

    Two ways to solve it:

    * :meth:`solver_kwargs`: every device attached to its nearest station, the stations independent cells:
      ``edgesched.solve_offloading(**city.solver_kwargs(), method=...)`` (the paper's problem per cell).
    * :meth:`option_table`: every device chooses local or any of its ``k`` stations, all coupled:
      ``edgesched.solve_options(city.option_table())``.

    ``deadline`` (shape ``(N,)``, s, ``inf``: none; or None) is every device's deadline: ``edgesched.solve(city)``
    and ``solve_offloading(**city.solver_kwargs(), deadline=city.deadline)`` meet them (docs/model.md §8).
    """

    devices: Devices
    station_xy: NDArray[np.float64]
    f_edge_max: NDArray[np.float64]
    device_xy: NDArray[np.float64]
    station: NDArray[np.int64]
    distance: NDArray[np.float64]
    link_rate: NDArray[np.float64]
    alpha: NDArray[np.float64]
    w_delay: float
    w_energy: float
    side: float
    seed: int
    deadline: NDArray[np.float64] | None = None

    @property
    def rate(self) -> NDArray[np.float64]:
        """Uplink rate of each device to each of its ``k`` stations, bit/s, shape ``(N, k)``."""
        return self.link_rate

    @property
    def n_stations(self) -> int:
        """Number of base stations S."""
        return int(self.station_xy.shape[0])

    def solver_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``edgesched.solve_offloading`` with each device in its nearest station's
        cell (``cell``, ``rate`` to that station, ``f_edge_max`` per station)."""
        return dict(**self.devices.arrays(), cell=np.ascontiguousarray(self.station[:, 0]),
                    f_edge_max=self.f_edge_max, w_delay=self.w_delay, w_energy=self.w_energy)

    def option_table(self) -> OptionTable:
        """The coupled problem as an :class:`edgesched.OptionTable`: option 0 local, option ``1 + i``
        offloading to ``station[n, i]``; server j is station j (``A[j] = w_delay / f_edge_max[j]``)."""
        return station_table(self.devices, self.link_rate, self.station, self.f_edge_max, self.w_delay,
                             self.w_energy)


def city(
    n_stations: int = 100,
    devices_per_station: float = 100,
    seed: int = 0,
    *,
    layout: str = "grid",
    k_nearest: int = 1,
    station_spacing: float = 500.0,
    bandwidth: float = BANDWIDTH,
    f_edge_max: ArrayLike = F_EDGE_MAX,
    alpha_range: tuple[float, float] = (0.80, 0.94),
    f_local_max_range: tuple[float, float] = (1.0e9, 2.5e9),
    tx_power_range: tuple[float, float] = (0.1, 0.4),
    kappa: float = KAPPA,
    rho: float = RHO,
    w_delay: float = W_DELAY,
    w_energy: float = W_ENERGY,
    min_distance: float = 10.0,
    curve: AccuracyCurve | None = None,
    model: str = "r3d_18",
    deadline: float | None = None,
) -> City:
    """A city: base stations on a grid or a Poisson layout, devices uniform over the area.

    The area is a square of side ``sqrt(n_stations) * station_spacing`` m. ``layout="grid"`` puts the
    stations at the centres of a ``ceil(sqrt(S))``-wide grid (row by row, the first S), ``"poisson"``
    draws them uniformly (a Poisson layout given its count). ``round(devices_per_station * S)`` devices
    are uniform over the area, with the heterogeneous draws of :func:`edgesched.scenarios.heterogeneous`
    (accuracy needs, CPUs, transmit powers), the paper's channel (Sec. V: 128.1 + 37.6 log10 D[km] dB, -174 dBm/Hz,
    ``bandwidth`` per station) at a distance of at least ``min_distance`` m, and the paper's model.
    Device n's ``k_nearest`` stations come from :func:`edgesched.kernels.nearest_stations`; devices are
    listed by nearest station, so each station's cell is a contiguous range (cache-friendly at 10^6).

    ``deadline`` (s, > 0; ``inf``: none) is every device's deadline (``City.deadline``); ``None``: none.

    Randomness: ``numpy.random.default_rng(seed)``; the same seed gives the same city.
    """
    S = whole_number(n_stations, "n_stations")
    seed_i = whole_number(seed, "seed", 0, integral_float=False)
    spacing = bounded_scalar(station_spacing, "station_spacing", plural="spacings", unit="m")
    per = bounded_scalar(devices_per_station, "devices_per_station", plural="device densities")
    k = whole_number(k_nearest, "k_nearest")
    if k > S:
        raise ValueError(f"k_nearest is {k}; it must be <= n_stations ({S})")
    fits_in_memory(f"n_stations is {n_stations!r}", S, STATION_BYTES, "stations")
    fits_in_memory(f"devices_per_station is {devices_per_station!r} with n_stations = {S}", per * S,
                   DEVICE_BYTES + LINK_BYTES * k, f"devices with {k} link(s) each")
    if layout not in ("grid", "poisson"):
        raise ValueError(f"layout is {layout!r}; it must be 'grid' or 'poisson'")
    if model not in MODELS:
        raise ValueError(f"model is {model!r}; known models: {', '.join(sorted(MODELS))}")
    curve = default_curve() if curve is None else curve
    kappa = positive_scalar("kappa", kappa, unit="J s^2/cycle^3")
    rho = positive_scalar("rho", rho, unit="cycle/MAC")
    w_delay = positive_scalar("w_delay", w_delay, unit="1/s")
    w_energy = positive_scalar("w_energy", w_energy, unit="1/J", allow_zero=True)
    with np.errstate(over="ignore"):
        side = float(np.sqrt(S) * spacing)
    if not np.isfinite(side):
        raise ValueError(f"station_spacing is {spacing!r}; the city's side sqrt(n_stations) * station_spacing "
                         "overflows")
    n = max(1, int(round(per * S)))
    rng = np.random.default_rng(seed_i)
    if layout == "grid":
        g = int(np.ceil(np.sqrt(S)))
        i = np.arange(S)
        station_xy = np.column_stack(((i // g + 0.5) * side / g, (i % g + 0.5) * side / g))
    else:
        station_xy = rng.uniform(0.0, side, size=(S, 2))
    capacity = device_values(bounded_array(f_edge_max, "f_edge_max", plural="edge CPU capacities", unit="Hz",
                                           low=0.0), "f_edge_max", S)
    device_xy = rng.uniform(0.0, side, size=(n, 2))
    a_lo, a_hi = bounded_pair(alpha_range, "alpha_range", low=0.0, low_inclusive=True, high=1.0)
    f_lo, f_hi = bounded_pair(f_local_max_range, "f_local_max_range", low=0.0, low_inclusive=False, unit="Hz")
    p_lo, p_hi = bounded_pair(tx_power_range, "tx_power_range", low=0.0, low_inclusive=False, unit="W")
    alpha = rng.uniform(a_lo, a_hi, size=n)
    f_local_max = rng.uniform(f_lo, f_hi, size=n)
    tx_power = rng.uniform(p_lo, p_hi, size=n)

    station, distance = nearest_stations(device_xy, station_xy, k, side)
    # Devices are listed station by station (by nearest station, stable): each cell is contiguous.
    by_station = np.argsort(station[:, 0], kind="stable")
    device_xy, station, distance = device_xy[by_station], station[by_station], distance[by_station]
    alpha, f_local_max, tx_power = alpha[by_station], f_local_max[by_station], tx_power[by_station]
    distance = np.maximum(distance, bounded_scalar(min_distance, "min_distance", plural="distances", unit="m"))
    bw = bounded_scalar(bandwidth, "bandwidth", plural="bandwidths", unit="Hz")
    rate = np.asarray(shannon_rate(bw, tx_power[:, None], distance), dtype=np.float64)  # eqs. 4-5
    frames = np.asarray(min_frames(curve, alpha), dtype=np.int64)  # Sec. III-B
    distinct, inverse = np.unique(frames, return_inverse=True)
    macs = np.asarray(model_macs(model, distinct), dtype=np.float64)[inverse]  # C(M*), Sec. II-A
    devices = Devices.from_checked(
        macs=macs, frames=frames, frame_bits=np.full(n, float(frame_bits_rgb())), rate=rate[:, 0],
        tx_power=tx_power, f_local_max=f_local_max, kappa=np.full(n, kappa), rho=np.full(n, rho))
    return City(
        devices=devices, station_xy=station_xy, f_edge_max=capacity, device_xy=device_xy, station=station,
        distance=distance, link_rate=rate, alpha=alpha, w_delay=float(w_delay), w_energy=float(w_energy),
        side=side, seed=seed_i,
        deadline=None if deadline is None else np.full(n, float(deadline_array(deadline, 1)[0])),
    )
