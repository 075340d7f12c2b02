"""The model-optimisation pipeline as scheduler input: which variant, how many frames, and where.

For every device, every combination of

* a :class:`~edgesched.variants.ModelVariant` (pruned, factorised, quantised, distilled, ...) whose measured
  accuracy curve reaches the device's requirement: ``M* = min{M : Phi(M) >= alpha}`` (Sec. III-B, (8a)-(8b));
  with ``frames="all"`` also every ``M*< M <= M^max`` (never cheaper: ``C(M)`` grows with ``M``),
* a placement: ``"local"`` (whole model on the device), ``"edge"`` (raw clip up the uplink of edge server j,
  model on its shared CPU, Theorem 2), ``"cloud"`` (raw clip up server j's uplink, then a backhaul of
  ``backhaul_rate`` bit/s and a round trip ``rtt`` to a cloud with ample per-device compute: a fixed delay),
  ``"split"`` / ``"split-cloud"`` (device-edge / device-cloud co-inference: the device runs the first k layers,
  uploads the tensors crossing the cut at the variant's precision, the edge / cloud finishes),

that fits the memory and precision of the hardware involved becomes one option of an
:class:`~edgesched.model.OptionTable` (``docs/model.md`` §4), priced by
:func:`edgesched.model.menus.option_costs`.
:meth:`Pipeline.solve` solves the table and decodes the choice per device (Theorem 2 per server).

Energy counts the device only (local compute, eq. 3, and transmission, eq. 5), as in the paper; server and
cloud energy are not priced.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from .._validation import positive_scalar
from ..model.defaults import W_DELAY, W_ENERGY
from ..model.menus import OPTION_PHYSICS, option_costs
from ..model.table import OptionTable
from ..physics.accuracy import AccuracyCurve
from ..physics.hardware import Hardware
from ..physics.variants import ModelVariant
from ..solvers.options import solve_options
from .result import PipelineResult, PipelineTable

__all__ = ["PLACEMENTS", "Cloud", "Device", "Pipeline"]

#: Placement kinds an option can have.
PLACEMENTS = ("local", "edge", "cloud", "split", "split-cloud")


@dataclass(frozen=True)
class Device:
    """A camera device.

    Attributes
    ----------
    hardware : Hardware
        Its processor (``f_max`` = ``f^md,max``, ``kappa``, cycles per MAC, memory).
    alpha : float
        Accuracy requirement in [0, 1] (constraint 8a).
    rate : float or sequence of float
        Uplink rate ``R_nj`` in bit/s to each edge server (one value for one server).
    tx_power : float
        Transmit power ``p_n`` in W.
    frame_bits : float, optional
        Bits ``d_n`` of one raw input frame (default: 8-bit RGB at the pipeline's height x width).
    max_frames : int, optional
        Frame limit ``M^max`` (8b); default: each curve's last table frame.
    """

    hardware: Hardware
    alpha: float
    rate: float | Sequence[float]
    tx_power: float
    frame_bits: float | None = None
    max_frames: int | None = None


@dataclass(frozen=True)
class Cloud:
    """The cloud tier behind every base station.

    Attributes
    ----------
    hardware : Hardware
        The cloud processor one device gets (cycles per MAC, ``f_max`` per device; not shared).
    backhaul_rate : float
        Base station to cloud rate in bit/s.
    rtt : float
        Round-trip time base station - cloud in s.
    """

    hardware: Hardware
    backhaul_rate: float
    rtt: float

    def __post_init__(self) -> None:
        positive_scalar("cloud.backhaul_rate", self.backhaul_rate, unit="bit/s")
        positive_scalar("cloud.rtt", self.rtt, unit="s", allow_zero=True)


@dataclass(frozen=True)
class Pipeline:
    """The system side of the pipeline: model variants, edge servers, the cloud, and what to consider.

    Attributes
    ----------
    variants : sequence of ModelVariant
    servers : sequence of Hardware
        Edge servers (one per base station); ``f_max`` is the shared capacity ``F_j`` in Hz.
    cloud : Cloud, optional
        Needed for the ``"cloud"`` and ``"split-cloud"`` placements.
    placements : tuple of str
        Subset of :data:`PLACEMENTS` to offer.
    splits : "auto", "all" or sequence of str
        Split cuts: ``"all"``: every cut a single tensor crosses (:meth:`Analysis.split_points`); ``"auto"``:
        those whose upload is smaller than the raw clip; or the names of the last device-side layers.
    frames : "min" or "all"
        ``M*`` only (optimal: more frames cost more), or every ``M* .. M^max``.
    w_delay, w_energy : float
        Weights in 1/s (> 0) and 1/J (>= 0).
    height, width : int
        Frame size in pixels.
    """

    variants: Sequence[ModelVariant]
    servers: Sequence[Hardware]
    cloud: Cloud | None = None
    placements: tuple[str, ...] = PLACEMENTS
    splits: str | Sequence[str] = "auto"
    frames: str = "min"
    w_delay: float = W_DELAY
    w_energy: float = W_ENERGY
    height: int = 112
    width: int = 112
    _names: frozenset[str] = field(init=False, repr=False, default=frozenset())

    def __post_init__(self) -> None:
        object.__setattr__(self, "variants", tuple(self.variants))
        object.__setattr__(self, "servers", tuple(self.servers))
        object.__setattr__(self, "placements", tuple(self.placements))
        if not self.variants:
            raise ValueError("variants is empty; give at least one ModelVariant")
        for i, v in enumerate(self.variants):
            if not isinstance(v, ModelVariant):
                raise ValueError(f"variants[{i}] is a {type(v).__name__}; expected a ModelVariant")
            if v.accuracy is None:
                raise ValueError(f"variants[{i}] ({v.name}) has no accuracy curve; give its measured Phi(M)")
        for j, server in enumerate(self.servers):
            if not isinstance(server, Hardware):
                raise ValueError(f"servers[{j}] is a {type(server).__name__}; expected a Hardware")
        for p in self.placements:
            if p not in PLACEMENTS:
                raise ValueError(f"placements has {p!r}; placements are {', '.join(PLACEMENTS)}")
        if not self.servers and set(self.placements) - {"local"}:
            raise ValueError("servers is empty; offloading placements need at least one edge server "
                             "(or use placements=('local',))")
        if self.frames not in ("min", "all"):
            raise ValueError(f"frames is {self.frames!r}; frames must be 'min' or 'all'")
        if isinstance(self.splits, str):
            if self.splits not in ("auto", "all"):
                raise ValueError(f"splits is {self.splits!r}; splits must be 'auto', 'all' or layer names")
        else:
            names = frozenset(self.splits)
            known = {layer.name for v in self.variants for layer in v.network.layers}
            for s in self.splits:
                if s not in known:
                    raise ValueError(f"splits has {s!r}, a layer of none of the variants")
            object.__setattr__(self, "_names", names)
        positive_scalar("w_delay", self.w_delay, unit="1/s")
        positive_scalar("w_energy", self.w_energy, unit="1/J", allow_zero=True)

    def _cuts(self, variant: ModelVariant, analysis: Any, raw_bits: float) -> list[int]:
        """Split cuts k (the device runs layers 1..k) offered for one variant and clip."""
        if "split" not in self.placements and "split-cloud" not in self.placements:
            return []
        if not isinstance(self.splits, str):
            return [i + 1 for i, s in enumerate(analysis.layers[:-1]) if s.name in self._names]
        cuts = analysis.split_points()
        if self.splits == "auto":
            cuts = tuple(k for k in cuts if analysis.live[k] * variant.activation_bits() < raw_bits)
        return list(cuts)

    def _device(self, n: int, d: Device) -> tuple[np.ndarray, float, int | None]:
        """Validated ``(rate per server, frame bits, max_frames)`` of device n."""
        if not isinstance(d, Device):
            raise ValueError(f"devices[{n}] is a {type(d).__name__}; expected a Device")
        if not isinstance(d.hardware, Hardware):
            raise ValueError(f"devices[{n}].hardware is a {type(d.hardware).__name__}; expected a Hardware")
        if positive_scalar(f"devices[{n}].alpha", d.alpha, allow_zero=True) > 1.0:
            raise ValueError(f"devices[{n}].alpha is {d.alpha!r}; accuracy requirements must be in [0, 1]")
        positive_scalar(f"devices[{n}].tx_power", d.tx_power, unit="W", allow_zero=True)
        rates = np.atleast_1d(np.asarray(d.rate, dtype=object))
        if rates.ndim != 1 or rates.shape[0] != max(len(self.servers), 1):
            raise ValueError(f"devices[{n}].rate has {rates.size} entries; give one per server "
                             f"({len(self.servers)})")
        rate = np.array([positive_scalar(f"devices[{n}].rate[{j}]", r, unit="bit/s") for j, r in enumerate(rates)])
        bits = 24.0 * self.height * self.width if d.frame_bits is None else d.frame_bits
        bits = positive_scalar(f"devices[{n}].frame_bits", bits, unit="bit")
        if d.max_frames is not None and (isinstance(d.max_frames, bool) or not isinstance(d.max_frames, int)
                                         or d.max_frames < 1):
            raise ValueError(f"devices[{n}].max_frames is {d.max_frames!r}; it must be an integer >= 1")
        return rate, bits, d.max_frames

    def _menu(self, n: int, d: Device) -> tuple[list[tuple[Any, ...]], list[str]]:
        """Device n's options as rows ``(variant, frames, f_local_max, kappa, tx_power, placement, server,
        split, local_cycles, edge_cycles, up_bits, rate, fixed_delay)`` and, for an empty menu, why."""
        rate, frame_bits, max_frames = self._device(n, d)
        hw = d.hardware
        menu: list[tuple[Any, ...]] = []
        why: list[str] = []
        for v in self.variants:
            curve = cast(AccuracyCurve, v.accuracy)  # checked in __post_init__
            try:
                m_star = int(curve.min_frames(d.alpha, max_frames))
            except ValueError as exc:  # Sec. III-B: this variant cannot meet alpha within M^max
                why.append(f"{v.name}: {exc}")
                continue
            m_top = curve.max_frames if max_frames is None else max_frames
            n_before = len(menu)
            for m in range(m_star, (m_top if self.frames == "all" else m_star) + 1):
                a = v.analyze(m, self.height, self.width)
                total, n_layers, raw = a.macs, len(a.layers), m * frame_bits
                for k in [n_layers, 0, *self._cuts(v, a, raw)]:  # local first, as paper_table
                    head = a.totals(0, k)[0]
                    if k and not (hw.supports(v.precision) and v.footprint_bits(a, 0, k) <= hw.memory_bits):
                        continue  # the device cannot run the head
                    local = v.cycles(hw, head) if k else 0.0
                    up = raw if k == 0 else a.live[k] * v.activation_bits()  # eq. (4): M d, or the cut tensor
                    row = (v.name, m, hw.f_max, hw.kappa, d.tx_power)
                    if k == n_layers:
                        if "local" in self.placements:
                            menu.append((*row, "local", -1, None, local, 0.0, 0.0, rate[0], 0.0))
                        continue
                    cut = None if k == 0 else a.layers[k - 1].name
                    tail = v.footprint_bits(a, k, n_layers)
                    edge, cloud = ("edge", "cloud") if k == 0 else ("split", "split-cloud")
                    c = self.cloud
                    for j, srv in enumerate(self.servers):
                        if edge in self.placements and srv.supports(v.precision) and tail <= srv.memory_bits:
                            menu.append((*row, edge, j, cut, local, v.cycles(srv, total - head), up, rate[j], 0.0))
                        if (cloud in self.placements and c is not None and c.hardware.supports(v.precision)
                                and tail <= c.hardware.memory_bits):
                            fixed = (up / c.backhaul_rate + c.rtt  # backhaul and round trip
                                     + v.cycles(c.hardware, total - head) / c.hardware.f_max)  # eq. (2), own CPU
                            menu.append((*row, cloud, j, cut, local, 0.0, up, rate[j], fixed))
            if len(menu) == n_before:
                why.append(f"{v.name}: fits no placement (precision {v.precision} or memory)")
        return menu, why

    def options(self, devices: Sequence[Device], infeasible: str = "raise") -> PipelineTable:
        """The option table of ``devices``.

        ``infeasible="raise"``: a device without any option (accuracy unreachable by every variant, or no
        variant fits anywhere) is a ValueError naming its index and why; ``"drop"``: it is left out of the
        table and reported infeasible.
        """
        if infeasible not in ("raise", "drop"):
            raise ValueError(f"infeasible is {infeasible!r}; it must be 'raise' or 'drop'")
        devices = list(devices)
        if not devices:
            raise ValueError("devices is empty; give at least one Device")
        rows, ptr, kept, dropped = [], [0], [], []
        for n, d in enumerate(devices):
            menu, why = self._menu(n, d)
            if not menu:
                if infeasible == "raise":
                    raise ValueError(f"device {n} (alpha {d.alpha}) has no feasible option: " + "; ".join(why))
                dropped.append(n)
                continue
            rows += menu
            ptr.append(len(rows))
            kept.append(n)
        if not kept:
            raise ValueError(f"every device ({', '.join(map(str, dropped))}) is infeasible")
        (variant, frames, f_max, kappa, tx_power, placement, server, split,
         local, edge, up, rate, fixed) = (list(col) for col in zip(*rows))
        physics = {k: np.asarray(col, dtype=np.float64)
                   for k, col in zip(OPTION_PHYSICS, (local, f_max, kappa, edge, up, rate, tx_power, fixed))}
        linear, c, w, f_local = option_costs(**physics, w_delay=self.w_delay, w_energy=self.w_energy)
        physics["f_local"] = f_local
        capacity = np.array([s.f_max for s in self.servers] or [1.0])
        srv = np.asarray(server, dtype=np.int32)
        table = OptionTable(np.asarray(ptr, np.int64), linear, srv, c, w,
                            self.w_delay / capacity, np.full(capacity.shape, float(self.w_delay)))
        return PipelineTable(table, tuple(kept), tuple(dropped), len(devices), tuple(variant), tuple(placement),
                             tuple(split), np.asarray(frames, np.int64), srv, physics, capacity,
                             float(self.w_delay), float(self.w_energy))

    def solve(self, devices: Sequence[Device], method: str = "auto", infeasible: str = "raise",
              **solver: Any) -> PipelineResult:
        """The optimal variant, frame count and placement per device (``solve_options`` with ``method``)."""
        options = self.options(devices, infeasible)
        return options.decode(solve_options(options.table, method, **solver))
