"""One cell: the paper's simulation set-up and heterogeneous variants.

A :class:`Scenario` holds one solvable instance of problem P1/P2 (paper Sec. III): its devices
(:class:`edgesched.model.Devices`) and a few scalars, in SI units. :func:`paper_default` builds the set-up of the
paper's Sec. V; :func:`heterogeneous` draws devices with different accuracy requirements, CPUs and transmit
powers. :meth:`Scenario.solver_kwargs` gives the keyword arguments of ``edgesched.solve_offloading``.

From positions to the solver's inputs: distances -> uplink rates (:mod:`edgesched.physics.channel`), accuracy
requirements -> ``M*`` (:mod:`edgesched.physics.accuracy`), ``M*`` -> ``C(M*)``
(:mod:`edgesched.physics.macs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._files import fits_in_memory
from .._validation import bounded_array, bounded_pair, bounded_scalar, deadline_array, device_values, whole_number
from ..model.defaults import BANDWIDTH, F_EDGE_MAX, F_LOCAL_MAX, KAPPA, RHO, TX_POWER, W_DELAY, W_ENERGY
from ..model.devices import DeviceFields, Devices
from ..physics.accuracy import AccuracyCurve, default_curve, min_frames
from ..physics.channel import DEFAULT_NOISE_DBM_PER_HZ, shannon_rate
from ..physics.macs import MODELS, model_macs

__all__ = ["SOLVER_KEYS", "Scenario", "frame_bits_rgb", "heterogeneous", "paper_default"]

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

# Per-device float fields checked by Scenario besides distance and frames: name -> (plural, unit, low,
# low_inclusive, high)
_PER_DEVICE: dict[str, tuple[str, str, float, bool, float | None]] = {
    "rate": ("rates", "bit/s", 0.0, False, None),
    "alpha": ("accuracy requirements", "", 0.0, True, 1.0),
    "macs": ("MAC counts", "MAC", 0.0, False, None),
    "frame_bits": ("frame sizes", "bit", 0.0, False, None),
    "tx_power": ("transmit powers", "W", 0.0, False, None),
    "f_local_max": ("device CPU frequencies", "Hz", 0.0, False, None),
    "kappa": ("energy coefficients kappa", "", 0.0, False, None),
    "rho": ("cycles per MAC", "cycle/MAC", 0.0, False, None),
}


#: Memory a scenario and its solution take per device, bytes (an estimate, generous rather than tight).
DEVICE_BYTES = 1024


def _device_count(n_devices: Any) -> int:
    """``n_devices`` as an int >= 1 whose scenario fits in this machine's memory (ValueError naming it)."""
    n = whole_number(n_devices, "n_devices")
    fits_in_memory(f"n_devices is {n_devices!r}", n, DEVICE_BYTES, "devices")
    return n


def frame_bits_rgb(height: int = 112, width: int = 112, channels: int = 3, bits_per_sample: int = 8) -> int:
    """Size of one uncompressed frame in bit: ``height * width * channels * bits_per_sample``.

    The default, 112 x 112 RGB at 8 bit, is 301,056 bit (the paper states only
    "112 * 112 * M_n" for the input video, Sec. V).
    """
    h = whole_number(height, "height")
    w = whole_number(width, "width")
    c = whole_number(channels, "channels")
    b = whole_number(bits_per_sample, "bits_per_sample")
    return h * w * c * b


def _frozen(arr: NDArray[Any]) -> NDArray[Any]:
    arr = np.array(arr, order="C")
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False, init=False)
class Scenario(DeviceFields):
    """One instance of the offloading problem (paper Sec. II-III), SI units.

    Built from the per-device arrays and scalars below (keyword arguments in this order); the eight inputs
    of the solver are held as :attr:`devices` (:class:`edgesched.model.Devices`) and read as attributes
    (``scenario.rate`` is ``scenario.devices.rate``). Per-device arrays have shape ``(n,)`` (``position``:
    ``(n, 2)``) and are stored as read-only C-contiguous copies (float64; ``frames`` reads as int64). Scalars
    given for per-device fields other than ``position`` and ``distance`` are broadcast to ``(n,)``. The
    constructor validates shapes and ranges but does not re-derive fields from each other: after
    :meth:`replace` of e.g. ``alpha`` the fields ``frames`` and ``macs`` keep their values (build a new
    instance with :func:`paper_default` to re-derive them).

    Attributes
    ----------
    devices : Devices
        ``macs, frames, frame_bits, rate, tx_power, f_local_max, kappa, rho`` of every device (below).
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
        The DNN whose MACs gave ``macs`` (a key of :data:`edgesched.physics.macs.MODELS`).
    seed : int or None
        The seed the instance was drawn with (``None`` if built by hand).
    deadline : ndarray, shape (n,), or None
        Each device's deadline in s (``inf``: none; docs/model.md §8), or ``None`` for none: :func:`edgesched.solve`
        then returns a schedule that meets every one.
    """

    devices: Devices
    position: NDArray[np.float64]
    distance: NDArray[np.float64]
    alpha: NDArray[np.float64]
    f_edge_max: float
    w_delay: float
    w_energy: float
    bandwidth: float
    noise_dbm_per_hz: float
    curve: AccuracyCurve
    model: str
    seed: int | None
    deadline: NDArray[np.float64] | None

    def __init__(self, position: ArrayLike, distance: ArrayLike, rate: ArrayLike, alpha: ArrayLike,
                 frames: ArrayLike, macs: ArrayLike, frame_bits: ArrayLike, tx_power: ArrayLike,
                 f_local_max: ArrayLike, kappa: ArrayLike, rho: ArrayLike, f_edge_max: float, w_delay: float,
                 w_energy: float, bandwidth: float, noise_dbm_per_hz: float, curve: AccuracyCurve, model: str,
                 seed: int | None = None, deadline: ArrayLike | None = None) -> None:
        set_ = object.__setattr__
        dist = bounded_array(distance, "distance", unit="m", low=0.0)
        if dist.ndim != 1 or dist.size < 1:
            raise ValueError(f"distance has shape {dist.shape}; expected shape (n,) with n >= 1 devices")
        n = dist.size
        set_(self, "distance", _frozen(dist))
        pos = bounded_array(position, "position", plural="positions", unit="m")
        if pos.shape != (n, 2):
            raise ValueError(f"position has shape {pos.shape}; expected ({n}, 2) (x, y in m per device)")
        set_(self, "position", _frozen(np.array(pos, dtype=np.float64)))
        given = dict(rate=rate, alpha=alpha, macs=macs, frame_bits=frame_bits, tx_power=tx_power,
                     f_local_max=f_local_max, kappa=kappa, rho=rho)
        per_device = {}
        for name, (plural, unit, low, low_inc, high) in _PER_DEVICE.items():
            per_device[name] = device_values(bounded_array(given[name], name, plural=plural, unit=unit, low=low,
                                                         low_inclusive=low_inc, high=high), name, n)
        # frames: integers >= 1
        fr = device_values(bounded_array(frames, "frames", plural="frame counts"), "frames", n)
        bad = (fr != np.floor(fr)) | (fr < 1)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            v = float(fr[i])
            raise ValueError(f"frames[{i}] is {int(v) if v == int(v) else v!r}; frame counts must be integers >= 1")
        set_(self, "alpha", _frozen(per_device.pop("alpha")))
        set_(self, "devices", Devices.from_checked(frames=fr, **per_device))
        set_(self, "f_edge_max", bounded_scalar(f_edge_max, "f_edge_max", plural="edge CPU frequencies", unit="Hz"))
        set_(self, "bandwidth", bounded_scalar(bandwidth, "bandwidth", plural="bandwidths", unit="Hz"))
        set_(self, "w_delay", bounded_scalar(w_delay, "w_delay", plural="weights", low_inclusive=True))
        set_(self, "w_energy", bounded_scalar(w_energy, "w_energy", plural="weights", low_inclusive=True))
        if self.w_delay == 0.0 and self.w_energy == 0.0:
            raise ValueError("w_delay and w_energy are both 0; at least one weight must be > 0")
        set_(self, "noise_dbm_per_hz", bounded_scalar(noise_dbm_per_hz, "noise_dbm_per_hz",
                                               plural="noise densities", low=None))
        if not isinstance(curve, AccuracyCurve):
            raise ValueError(f"curve must be an AccuracyCurve; got {type(curve).__name__}")
        set_(self, "curve", curve)
        if not isinstance(model, str) or not model:
            raise ValueError(f"model is {model!r}; model must be a non-empty str")
        set_(self, "model", model)
        set_(self, "seed", None if seed is None else whole_number(seed, "seed", low=0))
        set_(self, "deadline", None if deadline is None else
             _frozen(np.broadcast_to(deadline_array(deadline, n), (n,)).copy()))

    # -- views -------------------------------------------------------------

    @property
    def frames(self) -> np.ndarray:
        """Frame count ``M_n*`` of each device (int64, read-only)."""
        return _frozen(self.devices.frames.astype(np.int64))

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
        return {**{k: np.array(v, order="C") for k, v in self.devices.arrays().items()},
                "f_edge_max": self.f_edge_max, "w_delay": self.w_delay, "w_energy": self.w_energy}

    def _arguments(self) -> dict[str, Any]:
        """The constructor's arguments that give this scenario."""
        out = {k: getattr(self, k) for k in ("position", "distance", "alpha", "f_edge_max", "w_delay", "w_energy",
                                             "bandwidth", "noise_dbm_per_hz", "curve", "model", "seed",
                                             "deadline")}
        return {**out, **self.devices.arrays(), "frames": self.frames}

    def replace(self, **changes: Any) -> Scenario:
        """A copy with some fields changed (re-validated).

        Derived fields are not recomputed (see the class docstring).
        """
        return Scenario(**{**self._arguments(), **changes})

    # -- equality ----------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scenario):
            return NotImplemented
        mine, theirs = self._arguments(), other._arguments()
        for name, a in mine.items():
            b = theirs[name]
            if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                if a is None or b is None or not np.array_equal(a, b):
                    return False
            elif a != b:
                return False
        return True

    __hash__ = None  # type: ignore[assignment]


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
    bandwidth: float = BANDWIDTH,
    f_edge_max: float = F_EDGE_MAX,
    f_local_max: ArrayLike = F_LOCAL_MAX,
    alpha: ArrayLike = 0.9,
    max_frames: ArrayLike = 16,
    w_delay: float = W_DELAY,
    w_energy: float = W_ENERGY,
    tx_power: ArrayLike = TX_POWER,
    curve: AccuracyCurve | None = None,
    noise_dbm_per_hz: float = DEFAULT_NOISE_DBM_PER_HZ,
    kappa: ArrayLike = KAPPA,
    rho: ArrayLike = RHO,
    area_side: float = 500.0,
    min_distance: float = 10.0,
    frame_height: int = 112,
    frame_width: int = 112,
    num_classes: int = 400,
    model: str = "r3d_18",
    deadline: ArrayLike | None = None,
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
    deadline : float or array_like, optional
        Each device's deadline in s (one for all, or one per device; ``inf``: none); ``None``: no deadlines.

    Returns
    -------
    Scenario

    Raises
    ------
    ValueError
        For invalid arguments (naming the field and first bad device index),
        or an accuracy requirement no frame count within ``max_frames`` meets.
    """
    n = _device_count(n_devices)
    seed_i = whole_number(seed, "seed", 0, integral_float=False)
    side = bounded_scalar(area_side, "area_side", plural="area sides", unit="m")
    dmin = bounded_scalar(min_distance, "min_distance", plural="minimum distances", unit="m")
    if dmin >= side / 2.0:
        raise ValueError(f"min_distance is {dmin!r}; it must be < area_side / 2 = {side / 2.0!r} m")
    bw = bounded_scalar(bandwidth, "bandwidth", plural="bandwidths", unit="Hz")
    if curve is None:
        curve = default_curve()
    elif not isinstance(curve, AccuracyCurve):
        raise ValueError(f"curve must be an AccuracyCurve; got {type(curve).__name__}")
    if model not in MODELS:
        raise ValueError(f"model is {model!r}; known models: {', '.join(sorted(MODELS))}")

    alpha_a = device_values(bounded_array(alpha, "alpha", plural="accuracy requirements", low=0.0,
                                          low_inclusive=True, high=1.0), "alpha", n)
    p = device_values(bounded_array(tx_power, "tx_power", plural="transmit powers", unit="W", low=0.0),
                    "tx_power", n)
    f_loc = device_values(bounded_array(f_local_max, "f_local_max", plural="device CPU frequencies",
                                        unit="Hz", low=0.0), "f_local_max", n)
    kap = device_values(bounded_array(kappa, "kappa", plural="energy coefficients kappa", low=0.0), "kappa", n)
    rh = device_values(bounded_array(rho, "rho", plural="cycles per MAC", unit="cycle/MAC", low=0.0), "rho", n)
    mmax = np.asarray(max_frames)
    if mmax.ndim != 0 and mmax.shape != (n,):
        raise ValueError(f"max_frames has shape {mmax.shape}; expected a scalar or shape ({n},) (one value per device)")
    h = whole_number(frame_height, "frame_height")
    w = whole_number(frame_width, "frame_width")

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
        deadline=deadline,
    )


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
    n = _device_count(n_devices)
    seed_i = whole_number(seed, "seed", 0, integral_float=False)
    a_lo, a_hi = bounded_pair(alpha_range, "alpha_range", low=0.0, low_inclusive=True, high=1.0)
    f_lo, f_hi = bounded_pair(f_local_max_range, "f_local_max_range", low=0.0, low_inclusive=False, unit="Hz")
    p_lo, p_hi = bounded_pair(tx_power_range, "tx_power_range", low=0.0, low_inclusive=False, unit="W")
    rng = np.random.default_rng([seed_i, 1])
    alpha = rng.uniform(a_lo, a_hi, size=n)
    f_local_max = rng.uniform(f_lo, f_hi, size=n)
    tx_power = rng.uniform(p_lo, p_hi, size=n)
    return paper_default(n, seed_i, alpha=alpha, f_local_max=f_local_max, tx_power=tx_power, **kwargs)
