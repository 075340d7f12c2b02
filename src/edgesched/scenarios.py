"""Problem instances: the paper's simulation set-up and heterogeneous variants.

A :class:`Scenario` holds one solvable instance of problem P1/P2 (paper
Sec. III) as per-device float64 arrays plus a few scalars, in SI units.
:func:`paper_default` builds the set-up of the paper's Sec. V;
:func:`heterogeneous` draws devices with different accuracy requirements,
CPUs and transmit powers; :func:`city` lays out many base stations and devices over a city.  :meth:`Scenario.solver_kwargs` gives the keyword
arguments of ``edgesched.solve_offloading``.

Pipeline (DESIGN.md, Sec. 3): positions -> distances -> uplink rates
(:mod:`edgesched.channel`), accuracy requirements -> ``M*``
(:mod:`edgesched.accuracy`), ``M*`` -> ``C(M*)`` (:mod:`edgesched.macs`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .accuracy import AccuracyCurve, default_curve, min_frames
from .channel import DEFAULT_NOISE_DBM_PER_HZ, _as_float_array, shannon_rate
from .macs import MODELS, _check_int, model_macs

__all__ = [
    "SOLVER_KEYS",
    "City",
    "Scenario",
    "city",
    "frame_bits_rgb",
    "heterogeneous",
    "paper_default",
]

#: The keys of :meth:`Scenario.solver_kwargs`, in ``solve_offloading``'s order.
SOLVER_KEYS: tuple[str, ...] = (
    "macs",
    "frames",
    "frame_bits",
    "rate",
    "tx_power",
    "f_local_max",
    "kappa",
    "rho",
    "f_edge_max",
    "w_delay",
    "w_energy",
)

# Per-device float fields checked by Scenario: name -> (plural, unit, low, low_inclusive, high)
_PER_DEVICE: dict[str, tuple[str, str, float, bool, float | None]] = {
    "distance": ("distances", "m", 0.0, False, None),
    "rate": ("rates", "bit/s", 0.0, False, None),
    "alpha": ("accuracy requirements", "", 0.0, True, 1.0),
    "macs": ("MAC counts", "MAC", 0.0, False, None),
    "frame_bits": ("frame sizes", "bit", 0.0, False, None),
    "tx_power": ("transmit powers", "W", 0.0, False, None),
    "f_local_max": ("device CPU frequencies", "Hz", 0.0, False, None),
    "kappa": ("energy coefficients kappa", "", 0.0, False, None),
    "rho": ("cycles per MAC", "cycle/MAC", 0.0, False, None),
}


def frame_bits_rgb(height: int = 112, width: int = 112, channels: int = 3, bits_per_sample: int = 8) -> int:
    """Size of one uncompressed frame in bit: ``height * width * channels * bits_per_sample``.

    The default, 112 x 112 RGB at 8 bit, is 301,056 bit (the paper states only
    "112 * 112 * M_n" for the input video, Sec. V).
    """
    h = _check_int(height, "height")
    w = _check_int(width, "width")
    c = _check_int(channels, "channels")
    b = _check_int(bits_per_sample, "bits_per_sample")
    return h * w * c * b


def _per_device(value: ArrayLike, name: str, n: int) -> NDArray[np.float64]:
    """Broadcast a scalar to ``(n,)`` or check a length-``n`` 1-d array; float64 copy."""
    arr = np.asarray(value, dtype=np.float64) if not isinstance(value, np.ndarray) else value
    if arr.ndim == 0:
        return np.full(n, float(arr), dtype=np.float64)
    if arr.shape != (n,):
        raise ValueError(f"{name} has shape {arr.shape}; expected a scalar or shape ({n},) (one value per device)")
    return np.array(arr, dtype=np.float64)


def _scalar(value: Any, name: str, *, plural: str, unit: str = "", low: float | None = 0.0,
            low_inclusive: bool = False) -> float:
    arr = _as_float_array(value, name, plural=plural, unit=unit, low=low, low_inclusive=low_inclusive)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a scalar; got shape {arr.shape}")
    return float(arr)


def _frozen(arr: NDArray[Any]) -> NDArray[Any]:
    arr = np.ascontiguousarray(arr)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class Scenario:
    """One instance of the offloading problem (paper Sec. II-III), SI units.

    Per-device arrays have shape ``(n,)`` (``position``: ``(n, 2)``) and are
    stored as read-only C-contiguous copies (float64; ``frames`` int64).
    Scalars given for per-device fields other than ``position`` and
    ``distance`` are broadcast to ``(n,)``.  The constructor validates shapes
    and ranges but does not re-derive fields from each other: after
    :meth:`replace` of e.g. ``alpha`` the fields ``frames`` and ``macs`` keep
    their values (build a new instance with :func:`paper_default` to
    re-derive them).

    Attributes
    ----------
    position : ndarray, shape (n, 2)
        Device coordinates in m, base station at the origin.
    distance : ndarray, shape (n,)
        Distance to the base station in m, ``> 0``.
    rate : ndarray, shape (n,)
        Uplink rate ``R_n`` in bit/s while the device transmits (eqs. 4-5).
    alpha : ndarray, shape (n,)
        Accuracy requirement ``alpha_n`` in [0, 1] (constraint 8a).
    frames : ndarray of int64, shape (n,)
        Frame count ``M_n*`` (Sec. III-B), integers ``>= 1``.
    macs : ndarray, shape (n,)
        ``C(M_n*)`` in MAC.
    frame_bits : ndarray, shape (n,)
        Size ``d_n`` of one frame in bit.
    tx_power : ndarray, shape (n,)
        Transmit power ``p_n`` in W.
    f_local_max : ndarray, shape (n,)
        Device CPU limit ``f_n^{md,max}`` in cycle/s (Hz).
    kappa : ndarray, shape (n,)
        Energy coefficient ``kappa`` in J/(cycle^3/s^2) (eq. 3).
    rho : ndarray, shape (n,)
        CPU cycles per MAC ``rho`` (eqs. 1-3).
    f_edge_max : float
        Edge server CPU ``f^{e,max}`` in cycle/s (Hz).
    w_delay, w_energy : float
        Weights ``beta_1`` (1/s) and ``beta_2`` (1/J) of eq. 8; ``>= 0``, not both 0.
    bandwidth : float
        Uplink bandwidth ``B`` in Hz.
    noise_dbm_per_hz : float
        Noise spectral density ``N0`` in dBm/Hz.
    curve : AccuracyCurve
        The accuracy curve ``Phi`` that gave ``frames``.
    model : str
        The DNN whose MACs gave ``macs`` (a key of :data:`edgesched.macs.MODELS`).
    seed : int or None
        The seed the instance was drawn with (``None`` if built by hand).
    """

    position: NDArray[np.float64]
    distance: NDArray[np.float64]
    rate: NDArray[np.float64]
    alpha: NDArray[np.float64]
    frames: NDArray[np.int64]
    macs: NDArray[np.float64]
    frame_bits: NDArray[np.float64]
    tx_power: NDArray[np.float64]
    f_local_max: NDArray[np.float64]
    kappa: NDArray[np.float64]
    rho: NDArray[np.float64]
    f_edge_max: float
    w_delay: float
    w_energy: float
    bandwidth: float
    noise_dbm_per_hz: float
    curve: AccuracyCurve
    model: str
    seed: int | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        dist = _as_float_array(self.distance, "distance", unit="m", low=0.0)
        if dist.ndim != 1 or dist.size < 1:
            raise ValueError(f"distance has shape {dist.shape}; expected shape (n,) with n >= 1 devices")
        n = dist.size
        pos = _as_float_array(self.position, "position", plural="positions", unit="m")
        if pos.shape != (n, 2):
            raise ValueError(f"position has shape {pos.shape}; expected ({n}, 2) (x, y in m per device)")
        set_(self, "position", _frozen(np.array(pos, dtype=np.float64)))
        for name, (plural, unit, low, low_inc, high) in _PER_DEVICE.items():
            arr = _per_device(_as_float_array(getattr(self, name), name, plural=plural, unit=unit, low=low,
                                              low_inclusive=low_inc, high=high), name, n)
            set_(self, name, _frozen(arr))
        # frames: integers >= 1
        fr = _per_device(_as_float_array(self.frames, "frames", plural="frame counts"), "frames", n)
        bad = (fr != np.floor(fr)) | (fr < 1)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            v = float(fr[i])
            raise ValueError(f"frames[{i}] is {int(v) if v == int(v) else v!r}; frame counts must be integers >= 1")
        set_(self, "frames", _frozen(fr.astype(np.int64)))
        set_(self, "f_edge_max", _scalar(self.f_edge_max, "f_edge_max", plural="edge CPU frequencies", unit="Hz"))
        set_(self, "bandwidth", _scalar(self.bandwidth, "bandwidth", plural="bandwidths", unit="Hz"))
        set_(self, "w_delay", _scalar(self.w_delay, "w_delay", plural="weights", low_inclusive=True))
        set_(self, "w_energy", _scalar(self.w_energy, "w_energy", plural="weights", low_inclusive=True))
        if self.w_delay == 0.0 and self.w_energy == 0.0:
            raise ValueError("w_delay and w_energy are both 0; at least one weight must be > 0")
        set_(self, "noise_dbm_per_hz", _scalar(self.noise_dbm_per_hz, "noise_dbm_per_hz",
                                               plural="noise densities", low=None))
        if not isinstance(self.curve, AccuracyCurve):
            raise ValueError(f"curve must be an AccuracyCurve; got {type(self.curve).__name__}")
        if not isinstance(self.model, str) or not self.model:
            raise ValueError(f"model is {self.model!r}; model must be a non-empty str")
        if self.seed is not None:
            set_(self, "seed", _check_int(self.seed, "seed", low=0))

    # -- views -------------------------------------------------------------

    @property
    def n_devices(self) -> int:
        """Number of devices ``N``."""
        return int(self.distance.size)

    def solver_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``edgesched.solve_offloading``.

        Returns
        -------
        dict
            Exactly the keys of :data:`SOLVER_KEYS`: ``macs, frames,
            frame_bits, rate, tx_power, f_local_max, kappa, rho`` as writable
            float64 ``(n,)`` copies (``frames`` converted to float64) and
            ``f_edge_max, w_delay, w_energy`` as floats.
        """
        out: dict[str, Any] = {}
        for key in SOLVER_KEYS:
            value = getattr(self, key)
            if isinstance(value, np.ndarray):
                out[key] = np.array(value, dtype=np.float64, order="C")
            else:
                out[key] = float(value)
        return out

    def replace(self, **changes: Any) -> Scenario:
        """A copy with some fields changed (``dataclasses.replace``; re-validated).

        Derived fields are not recomputed (see the class docstring).
        """
        return dataclasses.replace(self, **changes)

    # -- equality ----------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scenario):
            return NotImplemented
        for f in dataclasses.fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if isinstance(a, np.ndarray):
                if not np.array_equal(a, b):
                    return False
            elif a != b:
                return False
        return True

    __hash__ = None  # type: ignore[assignment]


def _seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, Integral) or int(seed) < 0:
        raise ValueError(f"seed is {seed!r}; seed must be an integer >= 0")
    return int(seed)


def _positions(n: int, seed: int, side: float, min_distance: float) -> NDArray[np.float64]:
    """Uniform positions in a ``side x side`` square centred on the BS; resample those too close."""
    rng = np.random.default_rng(seed)
    half = side / 2.0
    pos = rng.uniform(-half, half, size=(n, 2))
    while True:
        close = np.hypot(pos[:, 0], pos[:, 1]) < min_distance
        k = int(close.sum())
        if k == 0:
            return pos
        pos[close] = rng.uniform(-half, half, size=(k, 2))


def paper_default(
    n_devices: int = 20,
    seed: int = 0,
    *,
    bandwidth: float = 5e6,
    f_edge_max: float = 22e9,
    f_local_max: ArrayLike = 1.8e9,
    alpha: ArrayLike = 0.9,
    max_frames: ArrayLike = 16,
    w_delay: float = 0.5,
    w_energy: float = 0.5,
    tx_power: ArrayLike = 0.2,
    curve: AccuracyCurve | None = None,
    noise_dbm_per_hz: float = DEFAULT_NOISE_DBM_PER_HZ,
    kappa: ArrayLike = 1e-28,
    rho: ArrayLike = 0.12,
    area_side: float = 500.0,
    min_distance: float = 10.0,
    frame_height: int = 112,
    frame_width: int = 112,
    num_classes: int = 400,
    model: str = "r3d_18",
) -> Scenario:
    """The simulation set-up of the paper's Sec. V.

    * ``N = 20`` devices, uniform in a 500 m x 500 m square with the base
      station at its centre (``position`` relative to the BS), at least
      ``min_distance = 10`` m from it: closer draws are redrawn from the same
      ``numpy.random.default_rng(seed)`` stream (deterministic per seed).
    * Uplink: TDMA (Sec. II-B) with bandwidth ``B = 5`` MHz, ``N0 = -174``
      dBm/Hz, path loss ``128.1 + 37.6 log10(D[km])``; each device has the
      whole band while it transmits, ``R_n = shannon_rate(B, p_n, d_n)``; the
      time shares ``t_n`` are left to the solver (Theorem 2).  The paper says
      "downlink bandwidth" but the model only uses the uplink.
    * Transmit power ``p_n = 0.2`` W: **not given in the paper**; a typical
      handset value chosen here.
    * CPUs: edge server ``f^{e,max} = 22`` GHz, devices ``f^{md,max} = 1.8``
      GHz.  The paper's text reads "MEC server and devices ... 1.8 GHz and 22
      GHz, respectively", which contradicts its own Fig. 3-4 discussion (all
      devices offload while ``N < 8``, offloading grows with edge resources);
      we take the two values as swapped.  (Exact enumeration on this set-up
      offloads every device up to N = 6-7 with the swapped values, as in the
      figures; with the text's values at most one device offloads.)
    * Accuracy: ``alpha = 0.9``, ``M^max = 16`` (8a-8b), curve
      :func:`~edgesched.accuracy.default_curve` -- **illustrative**: the paper
      gives its curve only as a figure (Fig. 2).  With it ``M* = 9``.
    * Model: torchvision's 3D ResNet-18 (``r3d_18``) on 112 x 112 frames,
      ``macs = r3d18(M*)`` (:mod:`edgesched.macs`); 400 output classes (the
      fc layer is under 0.001 % of the MACs, so the class count hardly
      matters).  Frame size ``d = 112 * 112 * 3 * 8`` bit (8-bit RGB; the
      paper states only "112 * 112 * M_n").
    * ``kappa = 1e-28``, ``rho = 0.12`` cycle/MAC, ``beta_1 = beta_2 = 0.5``.

    Parameters
    ----------
    n_devices : int
        Number of devices ``N >= 1``.
    seed : int
        Seed ``>= 0`` of the position draw.
    bandwidth : float
        Uplink bandwidth in Hz.
    f_edge_max : float
        Edge server CPU in cycle/s.
    f_local_max, alpha, tx_power, kappa, rho : float or array_like
        Per-device values (Hz, -, W, J s^2/cycle^3, cycle/MAC); scalars are
        broadcast, arrays must have shape ``(n_devices,)``.
    max_frames : int or array_like of int
        Frame limit ``M_n^max`` per device.
    w_delay, w_energy : float
        Weights ``beta_1`` (1/s) and ``beta_2`` (1/J).
    curve : AccuracyCurve, optional
        Accuracy curve; default :func:`~edgesched.accuracy.default_curve`.
    noise_dbm_per_hz : float
        Noise spectral density in dBm/Hz.
    area_side : float
        Side of the square area in m.
    min_distance : float
        Minimum device-BS distance in m, ``0 < min_distance < area_side / 2``.
    frame_height, frame_width : int
        Frame size in pixels (network input and uplink payload).
    num_classes : int
        Output classes of the model's fc layer.
    model : str
        Model name, a key of :data:`edgesched.macs.MODELS`.

    Returns
    -------
    Scenario

    Raises
    ------
    ValueError
        For invalid arguments (naming the field and first bad device index),
        or an accuracy requirement no frame count within ``max_frames`` meets.
    """
    n = _check_int(n_devices, "n_devices")
    seed_i = _seed(seed)
    side = _scalar(area_side, "area_side", plural="area sides", unit="m")
    dmin = _scalar(min_distance, "min_distance", plural="minimum distances", unit="m")
    if dmin >= side / 2.0:
        raise ValueError(f"min_distance is {dmin!r}; it must be < area_side / 2 = {side / 2.0!r} m")
    bw = _scalar(bandwidth, "bandwidth", plural="bandwidths", unit="Hz")
    if curve is None:
        curve = default_curve()
    elif not isinstance(curve, AccuracyCurve):
        raise ValueError(f"curve must be an AccuracyCurve; got {type(curve).__name__}")
    if model not in MODELS:
        raise ValueError(f"model is {model!r}; known models: {', '.join(sorted(MODELS))}")

    alpha_a = _per_device(_as_float_array(alpha, "alpha", plural="accuracy requirements", low=0.0,
                                          low_inclusive=True, high=1.0), "alpha", n)
    p = _per_device(_as_float_array(tx_power, "tx_power", plural="transmit powers", unit="W", low=0.0),
                    "tx_power", n)
    f_loc = _per_device(_as_float_array(f_local_max, "f_local_max", plural="device CPU frequencies",
                                        unit="Hz", low=0.0), "f_local_max", n)
    kap = _per_device(_as_float_array(kappa, "kappa", plural="energy coefficients kappa", low=0.0), "kappa", n)
    rh = _per_device(_as_float_array(rho, "rho", plural="cycles per MAC", unit="cycle/MAC", low=0.0), "rho", n)
    mmax = np.asarray(max_frames)
    if mmax.ndim != 0 and mmax.shape != (n,):
        raise ValueError(f"max_frames has shape {mmax.shape}; expected a scalar or shape ({n},) (one value per device)")
    h = _check_int(frame_height, "frame_height")
    w = _check_int(frame_width, "frame_width")

    pos = _positions(n, seed_i, side, dmin)
    dist = np.hypot(pos[:, 0], pos[:, 1])
    rate = np.asarray(shannon_rate(bw, p, dist, noise_dbm_per_hz), dtype=np.float64)  # eqs. 4-5
    frames = np.asarray(min_frames(curve, alpha_a, mmax), dtype=np.int64).reshape(n)  # Sec. III-B
    macs = model_macs(model, frames, height=h, width=w, num_classes=num_classes)  # C(M*), Sec. II-A
    bits = float(frame_bits_rgb(h, w))

    return Scenario(
        position=pos,
        distance=dist,
        rate=rate,
        alpha=alpha_a,
        frames=frames,
        macs=macs,
        frame_bits=np.full(n, bits),
        tx_power=p,
        f_local_max=f_loc,
        kappa=kap,
        rho=rh,
        f_edge_max=f_edge_max,
        w_delay=w_delay,
        w_energy=w_energy,
        bandwidth=bw,
        noise_dbm_per_hz=noise_dbm_per_hz,
        curve=curve,
        model=model,
        seed=seed_i,
    )


def _range(value: Any, name: str, *, low: float, low_inclusive: bool, high: float | None = None,
           unit: str = "") -> tuple[float, float]:
    arr = _as_float_array(value, name, plural=f"{name} bounds", unit=unit, low=low,
                          low_inclusive=low_inclusive, high=high)
    if arr.shape != (2,):
        raise ValueError(f"{name} has shape {arr.shape}; expected (low, high)")
    lo, hi = float(arr[0]), float(arr[1])
    if lo > hi:
        raise ValueError(f"{name} is ({lo!r}, {hi!r}); low must be <= high")
    return lo, hi


def heterogeneous(
    n_devices: int = 20,
    seed: int = 0,
    *,
    alpha_range: tuple[float, float] = (0.80, 0.94),
    f_local_max_range: tuple[float, float] = (1.0e9, 2.5e9),
    tx_power_range: tuple[float, float] = (0.1, 0.4),
    **kwargs: Any,
) -> Scenario:
    """A paper-like instance with heterogeneous devices.

    Per device, independently and uniformly: ``alpha`` in ``alpha_range``
    (0.80-0.94), ``f_local_max`` in ``f_local_max_range`` (1.0-2.5 GHz) and
    ``tx_power`` in ``tx_power_range`` (0.1-0.4 W).  Everything else as
    :func:`paper_default` (further keyword arguments are passed to it).  The
    positions equal ``paper_default(n_devices, seed)``'s: the heterogeneous
    draws use a separate stream, ``numpy.random.default_rng([seed, 1])``.

    With the default (illustrative) accuracy curve the top of ``alpha_range``
    must stay below 0.9439, its value at 16 frames.
    """
    for key in ("alpha", "f_local_max", "tx_power"):
        if key in kwargs:
            raise TypeError(f"heterogeneous() draws {key!r} itself; use {key}_range instead")
    n = _check_int(n_devices, "n_devices")
    seed_i = _seed(seed)
    a_lo, a_hi = _range(alpha_range, "alpha_range", low=0.0, low_inclusive=True, high=1.0)
    f_lo, f_hi = _range(f_local_max_range, "f_local_max_range", low=0.0, low_inclusive=False, unit="Hz")
    p_lo, p_hi = _range(tx_power_range, "tx_power_range", low=0.0, low_inclusive=False, unit="W")
    rng = np.random.default_rng([seed_i, 1])
    alpha = rng.uniform(a_lo, a_hi, size=n)
    f_local_max = rng.uniform(f_lo, f_hi, size=n)
    tx_power = rng.uniform(p_lo, p_hi, size=n)
    return paper_default(n, seed_i, alpha=alpha, f_local_max=f_local_max, tx_power=tx_power, **kwargs)



@dataclass(frozen=True, eq=False)
class City:
    """Many base stations (each with an edge server) and devices over a square city, SI units.

    Device n reaches its ``k`` nearest stations ``station[n]`` (nearest first) at uplink rates ``rate[n]``
    (bit/s, the paper's channel at distance ``distance[n]``). Per-device arrays have shape ``(N,)``;
    ``station``, ``distance`` and ``rate`` shape ``(N, k)``; ``station_xy`` ``(S, 2)`` and ``f_edge_max``
    ``(S,)`` (Hz).

    Two ways to solve it:

    * :meth:`solver_kwargs`: every device attached to its nearest station, the stations independent cells:
      ``edgesched.solve_offloading(**city.solver_kwargs(), method=...)`` (the paper's problem per cell).
    * :meth:`option_table`: every device chooses local or any of its ``k`` stations, all coupled:
      ``edgesched.solve_options(city.option_table())``.
    """

    station_xy: NDArray[np.float64]
    f_edge_max: NDArray[np.float64]
    device_xy: NDArray[np.float64]
    station: NDArray[np.int64]
    distance: NDArray[np.float64]
    rate: NDArray[np.float64]
    alpha: NDArray[np.float64]
    frames: NDArray[np.float64]
    macs: NDArray[np.float64]
    frame_bits: NDArray[np.float64]
    tx_power: NDArray[np.float64]
    f_local_max: NDArray[np.float64]
    kappa: NDArray[np.float64]
    rho: NDArray[np.float64]
    w_delay: float
    w_energy: float
    side: float
    seed: int

    @property
    def n_devices(self) -> int:
        """Number of devices N."""
        return int(self.frames.shape[0])

    @property
    def n_stations(self) -> int:
        """Number of base stations S."""
        return int(self.station_xy.shape[0])

    def _device_arrays(self) -> dict[str, NDArray[np.float64]]:
        return dict(macs=self.macs, frames=self.frames, frame_bits=self.frame_bits, tx_power=self.tx_power,
                    f_local_max=self.f_local_max, kappa=self.kappa, rho=self.rho)

    def solver_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``edgesched.solve_offloading`` with each device in its nearest station's
        cell (``cell``, ``rate`` to that station, ``f_edge_max`` per station)."""
        return dict(**self._device_arrays(), rate=np.ascontiguousarray(self.rate[:, 0]),
                    cell=np.ascontiguousarray(self.station[:, 0]), f_edge_max=self.f_edge_max,
                    w_delay=self.w_delay, w_energy=self.w_energy)

    def option_table(self) -> Any:
        """The coupled problem as an :class:`edgesched.OptionTable`: option 0 local, option ``1 + i``
        offloading to ``station[n, i]``; server j is station j (``A[j] = w_delay / f_edge_max[j]``)."""
        from .kernels import paper_options
        from .options import OptionTable

        arrays = paper_options(**self._device_arrays(), rate=self.rate, station=self.station,
                               w_delay=self.w_delay, w_energy=self.w_energy)
        return OptionTable(**arrays, A=self.w_delay / self.f_edge_max,
                           B=np.full(self.n_stations, self.w_delay))


def city(
    n_stations: int = 100,
    devices_per_station: float = 100,
    seed: int = 0,
    *,
    layout: str = "grid",
    k_nearest: int = 1,
    station_spacing: float = 500.0,
    bandwidth: float = 5e6,
    f_edge_max: ArrayLike = 22e9,
    alpha_range: tuple[float, float] = (0.80, 0.94),
    f_local_max_range: tuple[float, float] = (1.0e9, 2.5e9),
    tx_power_range: tuple[float, float] = (0.1, 0.4),
    kappa: float = 1e-28,
    rho: float = 0.12,
    w_delay: float = 0.5,
    w_energy: float = 0.5,
    min_distance: float = 10.0,
    curve: AccuracyCurve | None = None,
    model: str = "r3d_18",
) -> City:
    """A city: base stations on a grid or a Poisson layout, devices uniform over the area.

    The area is a square of side ``sqrt(n_stations) * station_spacing`` m. ``layout="grid"`` puts the
    stations at the centres of a ``ceil(sqrt(S))``-wide grid (row by row, the first S), ``"poisson"``
    draws them uniformly (a Poisson layout given its count). ``round(devices_per_station * S)`` devices
    are uniform over the area, with the heterogeneous draws of :func:`heterogeneous` (accuracy needs,
    CPUs, transmit powers), the paper's channel (Sec. V: 128.1 + 37.6 log10 D[km] dB, -174 dBm/Hz,
    ``bandwidth`` per station) at a distance of at least ``min_distance`` m, and the paper's model.
    Device n's ``k_nearest`` stations come from :func:`edgesched.kernels.nearest_stations`; devices are
    listed by nearest station, so each station's cell is a contiguous range (cache-friendly at 10^6).

    Randomness: ``numpy.random.default_rng(seed)``; the same seed gives the same city.
    """
    S = _check_int(n_stations, "n_stations")
    seed_i = _seed(seed)
    spacing = _scalar(station_spacing, "station_spacing", plural="spacings", unit="m")
    per = _scalar(devices_per_station, "devices_per_station", plural="device densities")
    k = _check_int(k_nearest, "k_nearest")
    if k > S:
        raise ValueError(f"k_nearest is {k}; it must be <= n_stations ({S})")
    if layout not in ("grid", "poisson"):
        raise ValueError(f"layout is {layout!r}; it must be 'grid' or 'poisson'")
    if model not in MODELS:
        raise ValueError(f"model is {model!r}; known models: {', '.join(sorted(MODELS))}")
    curve = default_curve() if curve is None else curve
    from ._validation import positive_scalar

    kappa = positive_scalar("kappa", kappa, unit="J s^2/cycle^3")
    rho = positive_scalar("rho", rho, unit="cycle/MAC")
    w_delay = positive_scalar("w_delay", w_delay, unit="1/s")
    w_energy = positive_scalar("w_energy", w_energy, unit="1/J", allow_zero=True)
    side = float(np.sqrt(S) * spacing)
    n = max(1, int(round(per * S)))
    rng = np.random.default_rng(seed_i)
    if layout == "grid":
        g = int(np.ceil(np.sqrt(S)))
        i = np.arange(S)
        station_xy = np.column_stack(((i // g + 0.5) * side / g, (i % g + 0.5) * side / g))
    else:
        station_xy = rng.uniform(0.0, side, size=(S, 2))
    capacity = _per_device(_as_float_array(f_edge_max, "f_edge_max", plural="edge CPU capacities", unit="Hz",
                                           low=0.0), "f_edge_max", S)
    device_xy = rng.uniform(0.0, side, size=(n, 2))
    a_lo, a_hi = _range(alpha_range, "alpha_range", low=0.0, low_inclusive=True, high=1.0)
    f_lo, f_hi = _range(f_local_max_range, "f_local_max_range", low=0.0, low_inclusive=False, unit="Hz")
    p_lo, p_hi = _range(tx_power_range, "tx_power_range", low=0.0, low_inclusive=False, unit="W")
    alpha = rng.uniform(a_lo, a_hi, size=n)
    f_local_max = rng.uniform(f_lo, f_hi, size=n)
    tx_power = rng.uniform(p_lo, p_hi, size=n)

    from .kernels import nearest_stations

    station, distance = nearest_stations(device_xy, station_xy, k, side)
    # Devices are listed station by station (by nearest station, stable): each cell is contiguous.
    by_station = np.argsort(station[:, 0], kind="stable")
    device_xy, station, distance = device_xy[by_station], station[by_station], distance[by_station]
    alpha, f_local_max, tx_power = alpha[by_station], f_local_max[by_station], tx_power[by_station]
    distance = np.maximum(distance, _scalar(min_distance, "min_distance", plural="distances", unit="m"))
    bw = _scalar(bandwidth, "bandwidth", plural="bandwidths", unit="Hz")
    rate = np.asarray(shannon_rate(bw, tx_power[:, None], distance), dtype=np.float64)  # eqs. 4-5
    frames = np.asarray(min_frames(curve, alpha), dtype=np.int64)  # Sec. III-B
    distinct, inverse = np.unique(frames, return_inverse=True)
    macs = np.asarray(model_macs(model, distinct), dtype=np.float64)[inverse]  # C(M*), Sec. II-A
    return City(
        station_xy=station_xy, f_edge_max=capacity, device_xy=device_xy, station=station, distance=distance,
        rate=rate, alpha=alpha, frames=frames.astype(np.float64), macs=macs,
        frame_bits=np.full(n, float(frame_bits_rgb())), tx_power=tx_power, f_local_max=f_local_max,
        kappa=np.full(n, float(kappa)), rho=np.full(n, float(rho)), w_delay=float(w_delay),
        w_energy=float(w_energy), side=side, seed=seed_i,
    )
