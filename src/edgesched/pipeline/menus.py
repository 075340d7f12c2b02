"""Each device's menu of options: which variant, how many frames, where (``docs/model.md`` §4).

Devices alike in application, hardware, frame counts, unit size and privacy have the same options up to their
uplink rates and transmit power, so a menu is built once per such group (a :class:`Template`: the options'
work, uploads and fixed delays, and the options left out with the reason) and :func:`assemble` lays the
templates of all devices out as one table's physics, filling in each device's rates and power.

An option is one combination of

* a model variant of the device's application whose accuracy curve reaches the requirement:
  ``M* = min{M : Phi(M) >= alpha}`` within ``M^max`` (Sec. III-B, (8a)-(8b)); with ``frames="all"`` also
  every ``M* < M <= M^max`` (never cheaper: ``C(M)`` grows with ``M``);
* a placement: ``"local"`` (the whole model on the device), ``"edge"`` (the raw input up the uplink of server
  j, the model on its shared CPU, Theorem 2), ``"cloud"`` (the raw input up station j's uplink, then the
  backhaul and a round trip to the cloud, where a processor of its own makes the compute a fixed delay),
  ``"split"`` / ``"split-cloud"`` (the device runs layers ``1..k`` and uploads the tensors crossing the cut at
  the variant's precision; the edge / the cloud finishes),

that the privacy rules allow and the hardware involved can run (precision, memory).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..physics.arch import Analysis
from ..physics.hardware import MB, Hardware
from ..physics.variants import ModelVariant
from .applications import Application
from .privacy import Exclusion, Privacy, upload_kind

__all__ = ["Offer", "Template", "assemble", "build_template", "hardware_key"]

#: The numeric columns of a template, per option.
COLUMNS = ("frames", "server", "local_cycles", "edge_cycles", "up_bits", "fixed_delay")


def hardware_key(hw: Hardware) -> tuple[Any, ...]:
    """A hashable value that identifies a processor's figures."""
    return (hw.name, hw.kind, tuple(sorted(hw.cycles_per_mac.items())), hw.f_max, hw.kappa, hw.memory_bits)


@dataclass(frozen=True)
class Offer:
    """What a pipeline offers, the same for every device: placements, split cuts, servers, cloud."""

    placements: tuple[str, ...]
    splits: str | frozenset[str]  # "auto", "all" or the names of the last device-side layers
    frames: str  # "min" or "all"
    servers: tuple[Hardware, ...]
    cloud: Any  # Cloud or None (the pipeline's)


@dataclass(frozen=True, eq=False)
class Template:
    """The options of a group of alike devices, without their rates and transmit power.

    ``columns`` holds the numeric columns (:data:`COLUMNS`) per option, ``variant``, ``placement``, ``split``
    and ``upload`` the rest; ``excluded`` the options left out; ``why`` one line per variant without any
    option (for the error of a device without options).
    """

    f_max: float
    kappa: float
    columns: dict[str, np.ndarray]
    variant: tuple[str, ...]
    placement: tuple[str, ...]
    split: tuple[str | None, ...]
    upload: tuple[str, ...]
    excluded: tuple[Exclusion, ...]
    why: tuple[str, ...]

    @property
    def size(self) -> int:
        """Number of options."""
        return len(self.variant)


def _cuts(offer: Offer, variant: ModelVariant, a: Analysis, raw_bits: float) -> list[int]:
    """Split cuts k (the device runs layers 1..k) offered for one variant and input."""
    if "split" not in offer.placements and "split-cloud" not in offer.placements:
        return []
    if not isinstance(offer.splits, str):
        return [i + 1 for i, s in enumerate(a.layers[:-1]) if s.name in offer.splits]
    cuts = a.split_points()
    if offer.splits == "auto":
        cuts = tuple(k for k in cuts if a.live[k] * variant.activation_bits() < raw_bits)
    return list(cuts)


def _fits(v: ModelVariant, hw: Hardware, a: Analysis, start: int, stop: int, who: str) -> tuple[str, str] | None:
    """``(rule, reason)`` if ``hw`` cannot run layers ``start .. stop - 1`` of ``v``, else None."""
    if not hw.supports(v.precision):
        return "precision", f"{who} ({hw.name}) does not run {v.precision}"
    if v.footprint_bits(a, start, stop) > hw.memory_bits:  # weights and peak activations
        return "memory", f"{who} ({hw.name}) has {hw.memory_bits / MB:.4g} MB, too little for its part"
    return None


def build_template(app: Application, hw: Hardware, spans: Sequence[tuple[int, int] | str], unit_bits: float,
                   policies: Sequence[tuple[Privacy, str]], offer: Offer) -> Template:
    """The options of a device of ``app`` on ``hw``.

    ``spans[i]`` is the frame range ``(M*, M_top)`` of the application's variant i, or why it cannot meet the
    requirement; ``unit_bits`` is ``d_n``; ``policies`` the privacy policies that apply, each with whose it is
    (``"application 'traffic'"``, ``"the device"``).
    """
    rows: list[tuple[Any, ...]] = []
    excluded: dict[tuple[Any, ...], Exclusion] = {}
    why: list[str] = []

    def exclude(variant: str, placement: str, server: int | None, split: str | None, rule: str,
                reason: str) -> None:
        key = (variant, placement, server, split, rule, reason)
        if key not in excluded:
            excluded[key] = Exclusion(variant, placement, server, split, rule, reason)

    for v, span in zip(app.variants, spans):
        if isinstance(span, str):  # Sec. III-B: this variant cannot meet alpha within M^max
            why.append(f"{v.name}: {span}")
            exclude(v.name, "any", None, None, "accuracy", span)
            continue
        n_rows, n_excluded = len(rows), len(excluded)
        for m in range(span[0], span[1] + 1):
            try:
                a = v.analyze(m, *app.input.size)
            except ValueError as exc:
                raise ValueError(f"application {app.name!r}: variant {v.name} cannot read {m} "
                                 f"{app.input.unit}s: {exc}") from None
            total, n_layers, raw_bits = a.macs, len(a.layers), m * unit_bits
            for k in [n_layers, 0, *_cuts(offer, v, a, raw_bits)]:  # local first, as paper_table
                head = a.totals(0, k)[0]
                cut = None if k in (0, n_layers) else a.layers[k - 1].name
                if k == n_layers:
                    kinds: tuple[str, ...] = ("local",)
                else:
                    kinds = ("edge", "cloud") if k == 0 else ("split", "split-cloud")
                kinds = tuple(p for p in kinds if p in offer.placements)
                if not kinds:
                    continue
                device_fault = _fits(v, hw, a, 0, k, "the device") if k else None
                local = v.cycles(hw, head) if k and device_fault is None else 0.0
                if k == n_layers:  # eqs. (1), (3): the whole model on the device
                    if device_fault is None:
                        rows.append((v.name, m, "local", -1, None, "", local, 0.0, 0.0, 0.0))
                    else:
                        exclude(v.name, "local", None, None, *device_fault)
                    continue
                data = upload_kind(kinds[0], a.raw[k])
                up = raw_bits if k == 0 else a.live[k] * v.activation_bits()  # eq. (4): M d, or the cut tensor
                for j, srv in enumerate(offer.servers):  # per station: edge (split), then cloud (split-cloud)
                    for kind in kinds:
                        to_cloud = kind in ("cloud", "split-cloud")
                        if to_cloud and offer.cloud is None:
                            continue
                        breaches = [f"{text} ({whose})" for policy, whose in policies
                                    if (text := policy.breach(data, kind, j)) is not None]
                        if breaches:
                            exclude(v.name, kind, j, cut, "privacy", "; ".join(breaches))
                            continue
                        if device_fault is not None:
                            exclude(v.name, kind, None, cut, *device_fault)
                            continue
                        if to_cloud:
                            c = offer.cloud
                            fault = _fits(v, c.hardware, a, k, n_layers, "the cloud")
                            if fault is not None:
                                exclude(v.name, kind, None, cut, *fault)
                                continue
                            fixed = (up / c.backhaul_rate + c.rtt  # backhaul and round trip
                                     + v.cycles(c.hardware, total - head) / c.hardware.f_max)  # eq. (2), own CPU
                            rows.append((v.name, m, kind, j, cut, data, local, 0.0, up, fixed))
                            continue
                        fault = _fits(v, srv, a, k, n_layers, f"server {j}")
                        if fault is not None:
                            exclude(v.name, kind, j, cut, *fault)
                            continue
                        rows.append((v.name, m, kind, j, cut, data, local, v.cycles(srv, total - head), up, 0.0))
        if len(rows) == n_rows:
            found = list(excluded.values())[n_excluded:]
            private = list(dict.fromkeys(e.reason for e in found if e.rule == "privacy"))
            parts = [f"precision {v.precision} or memory"] if {"precision", "memory"} & {e.rule for e in found} else []
            parts += [f"privacy: {'; '.join(private)}"] if private else []
            why.append(f"{v.name}: fits no placement ({'; '.join(parts) or 'none of the placements offered'})")
    cols: list[tuple[Any, ...]] = list(zip(*rows)) if rows else [()] * 10
    numeric = dict(zip(COLUMNS, (cols[1], cols[3], *cols[6:])))  # frames, server, the physics
    columns = {name: np.asarray(col, np.int64 if name == "frames" else np.int32 if name == "server" else np.float64)
               for name, col in numeric.items()}
    return Template(hw.f_max, hw.kappa, columns, cols[0], cols[2], cols[4], cols[5], tuple(excluded.values()),
                    tuple(why))

def assemble(templates: Sequence[Template], rates: np.ndarray, tx_power: np.ndarray
             ) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, tuple[Any, ...]]]:
    """One table's worth of options: device i has the options of ``templates[i]`` with its uplink rates
    ``rates[i]`` (one per server) and transmit power ``tx_power[i]``.

    Returns ``option_ptr``, the numeric columns per option (:data:`COLUMNS` and ``f_local_max``, ``kappa``,
    ``rate``, ``tx_power``), and ``variant``, ``placement``, ``split``, ``upload`` per option.
    """
    unique: dict[int, int] = {}
    for t in templates:
        unique.setdefault(id(t), len(unique))
    bank = list({id(t): t for t in templates}.values())
    sizes = np.array([t.size for t in bank], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    which = np.array([unique[id(t)] for t in templates], dtype=np.int64)
    lengths = sizes[which]
    ptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    owner = np.repeat(np.arange(len(templates)), lengths)  # device of each option
    src = np.arange(ptr[-1], dtype=np.int64) - ptr[owner] + starts[which][owner]  # its row in the bank
    columns = {name: np.concatenate([t.columns[name] for t in bank])[src] for name in COLUMNS}
    columns["f_local_max"] = np.repeat(np.array([t.f_max for t in bank]), sizes)[src]
    columns["kappa"] = np.repeat(np.array([t.kappa for t in bank]), sizes)[src]
    columns["rate"] = rates[owner, np.maximum(columns["server"], 0)]  # a local option sends nothing
    columns["tx_power"] = tx_power[owner]
    meta = {}
    for name in ("variant", "placement", "split", "upload"):
        pool = np.empty(int(sizes.sum()), dtype=object)
        pool[:] = [x for t in bank for x in getattr(t, name)]
        meta[name] = tuple(pool[src].tolist())
    return ptr, columns, meta
