"""A city's menus as arrays: the pipeline of the online simulator.

A city has many devices, each reaching its ``k`` nearest base stations. Their menus (``docs/model.md`` §4) are
those of a :class:`~edgesched.pipeline.Pipeline` whose servers are ``k`` *slots* of the stations' hardware:
slot i of device n is its i-th nearest station. A :class:`Fleet` keeps the menu of each group of alike devices
(a :class:`~edgesched.pipeline.menus.Template`, built once by :meth:`Pipeline.menu`) in one bank of per-option
arrays, and lays the menus of all devices out as one :class:`~edgesched.model.OptionTable` over the stations
(:meth:`Fleet.layout`): a device's options in its menu's order, the options of slot i on the station in that
slot at the device's uplink rate to it. Per option the bank holds the variant, the placement kind, the cut (how
many layers run on the device) and the slot as integers, so that the option a device has in force can be found
again in a changed menu (:meth:`Fleet.locate`), and so that results are counted without strings.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from ..model.menus import OPTION_PHYSICS, option_costs
from ..model.table import OptionTable
from ..physics.accuracy import AccuracyCurve, min_frames
from ..physics.hardware import Hardware
from .privacy import PLACEMENTS
from .result import decode_chosen
from .system import Pipeline

__all__ = ["UPLOADS", "Fleet", "FleetTable", "undominated"]

#: What an option sends off the device, by code: nothing, raw input, features.
UPLOADS = ("", "raw", "features")
#: Numeric columns of the bank taken from the templates (:data:`edgesched.pipeline.menus.COLUMNS`).
_TEMPLATE_COLUMNS = ("frames", "server", "local_cycles", "edge_cycles", "up_bits", "fixed_delay")


@dataclass(frozen=True, eq=False)
class FleetTable:
    """One step's option table of a city and, per option, its row in the fleet's bank.

    Attributes
    ----------
    table : OptionTable
        Over the stations (server j is station j); device n's options are its menu's, in order.
    row : ndarray of int64, per option
        The option's row in :attr:`Fleet.bank`.
    physics : dict of ndarray, per option
        The columns of :data:`~edgesched.model.menus.OPTION_PHYSICS`.
    """

    table: OptionTable
    row: np.ndarray
    physics: dict[str, np.ndarray]


class Fleet:
    """The menus of a city's devices, built per group of alike devices and laid out as arrays.

    Parameters
    ----------
    pipeline : Pipeline
        Its applications, cloud and offer; its servers are the ``k`` slots, all of the stations' hardware
        (the CPU capacity of each station is given to :meth:`layout`). ``frames`` must be ``"min"``.
    classes : sequence of Hardware
        The device classes; devices name theirs by index.
    w_delay, w_energy : float
        The cost weights (1/s, 1/J).
    prune : bool
        Leave out the options another option of the same menu dominates (:func:`undominated`); the optimum
        and every bound stay those of the whole menus.

    Attributes
    ----------
    bank : dict of ndarray
        Every option of every menu built so far, menu after menu: the template columns (``frames``, ``server``
        = the slot, -1 for none, ``local_cycles``, ``edge_cycles``, ``up_bits``, ``fixed_delay``), the device's
        ``f_local_max`` and ``kappa``, and ``app``, ``variant`` (index in its application's variants),
        ``kind`` (index in :data:`PLACEMENTS`), ``cut`` (layers run on the device), ``upload`` (index in
        :data:`UPLOADS`), ``accuracy`` (the variant's ``Phi(frames)``) and ``template_row`` (the option's row in
        its menu's template).
    """

    def __init__(self, pipeline: Pipeline, classes: Sequence[Hardware], w_delay: float, w_energy: float,
                 prune: bool = True) -> None:
        if pipeline.frames != "min":
            raise ValueError(f"a fleet offers M* only; the pipeline's frames is {pipeline.frames!r}")
        self.pipeline, self.classes = pipeline, tuple(classes)
        self.w_delay, self.w_energy = float(w_delay), float(w_energy)
        self.slots = max(len(pipeline.servers), 1)
        self.prune = bool(prune)
        apps = pipeline.applications
        self._layers = 1 + max(len(v.network.layers) for a in apps for v in a.variants)
        self._groups: dict[tuple[int, ...], int] = {}  # (app, class, M* of each variant) -> menu id
        self._ids: dict[int, int] = {}  # id(template) -> menu id
        self._templates: list[Any] = []
        self._parts: list[dict[str, np.ndarray]] = []
        self._codes: list[tuple[np.ndarray, np.ndarray]] = []  # per menu: sorted option codes, their rows
        self.offset = np.zeros(0, np.int64)
        self.size = np.zeros(0, np.int64)
        self.bank: dict[str, np.ndarray] = {}
        self._spans: dict[Any, Any] = {}

    # -- menus -------------------------------------------------------------------

    def menus(self, app: np.ndarray, cls: np.ndarray, alpha: np.ndarray) -> np.ndarray:
        """The menu id of each device of application ``app[n]`` (an index into the pipeline's applications),
        class ``cls[n]`` and accuracy requirement ``alpha[n]``. Devices whose variants need the same frame
        counts share a menu. ValueError naming the application, class and requirement of a device without any
        option."""
        apps = self.pipeline.applications
        n = app.shape[0]
        width = max(len(a.variants) for a in apps)
        key = np.zeros((n, 2 + width), np.int64)
        key[:, 0], key[:, 1] = app, cls
        for a, application in enumerate(apps):
            rows = np.flatnonzero(app == a)
            limit = application.input.max_units
            for v, variant in enumerate(application.variants):
                key[rows, 2 + v] = _frames(cast(AccuracyCurve, variant.accuracy), alpha[rows], limit)
        out = np.empty(n, np.int64)
        if not n:
            return out
        unique, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
        ids = np.empty(unique.shape[0], np.int64)
        for u, (row, i) in enumerate(zip(unique.tolist(), first.tolist())):
            group = tuple(row)
            if group not in self._groups:
                self._groups[group] = self._menu(int(row[0]), int(row[1]), float(alpha[i]))
            ids[u] = self._groups[group]
        out[:] = ids[inverse.reshape(-1)]
        return out

    def _menu(self, a: int, c: int, alpha: float) -> int:
        """The menu id of a device of application ``a``, class ``c`` and requirement ``alpha`` (built if new)."""
        app, hw = self.pipeline.applications[a], self.classes[c]
        template = self.pipeline.menu(app.device(hw, [1.0] * self.slots, 0.0, alpha=alpha), self._spans)
        if not template.size:
            raise ValueError(f"a device of application {app.name!r} on {hw.name} with alpha {alpha:.6g} has no "
                             "feasible option: " + "; ".join(template.why))
        if id(template) in self._ids:
            return self._ids[id(template)]
        keep = np.flatnonzero(undominated(template.columns)) if self.prune else np.arange(template.size)
        names = {v.name: i for i, v in enumerate(app.variants)}
        cuts = [{layer.name: i + 1 for i, layer in enumerate(v.network.layers)} for v in app.variants]
        rows = keep.tolist()
        variant = np.array([names[template.variant[r]] for r in rows], np.int64)
        placement = [template.placement[r] for r in rows]
        kind = np.array([PLACEMENTS.index(p) for p in placement], np.int64)
        cut = np.array([len(cuts[v]) if p == "local" else 0 if template.split[r] is None else cuts[v][template.split[r]]
                        for v, p, r in zip(variant.tolist(), placement, rows)], np.int64)
        part = {name: np.asarray(template.columns[name])[keep] for name in _TEMPLATE_COLUMNS}
        frames, size = part["frames"], keep.size
        accuracy = np.array([cast(AccuracyCurve, app.variants[v].accuracy)(int(m))
                             for v, m in zip(variant.tolist(), frames.tolist())], np.float64)
        part.update(f_local_max=np.full(size, template.f_max), kappa=np.full(size, template.kappa),
                    app=np.full(size, a, np.int64), variant=variant, kind=kind, cut=cut,
                    upload=np.array([UPLOADS.index(template.upload[r]) for r in rows], np.int64), accuracy=accuracy,
                    template_row=keep.astype(np.int64))
        codes = self._code(variant, kind, cut, part["server"])
        order = np.argsort(codes, kind="stable")
        self._ids[id(template)] = len(self._templates)
        self._templates.append(template)
        self._parts.append(part)
        self._codes.append((codes[order], order.astype(np.int64)))
        self.size = np.array([len(p["frames"]) for p in self._parts], np.int64)
        self.offset = np.concatenate([[0], np.cumsum(self.size)[:-1]]).astype(np.int64)
        self.bank = {name: np.concatenate([p[name] for p in self._parts]) for name in part}
        return self._ids[id(template)]

    def template(self, menu: int) -> Any:
        """The :class:`~edgesched.pipeline.menus.Template` of a menu id (its excluded options and reasons)."""
        return self._templates[menu]

    def _code(self, variant: np.ndarray, kind: np.ndarray, cut: np.ndarray, slot: np.ndarray) -> np.ndarray:
        """An integer naming an option within a menu: its variant, placement kind, cut and slot."""
        return ((variant * len(PLACEMENTS) + kind) * self._layers + cut) * self.slots + np.maximum(slot, 0)

    # -- a step's table ------------------------------------------------------------

    def rows(self, menu: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``option_ptr``, the device of each option and its bank row, for devices with menus ``menu``."""
        sizes = self.size[menu]
        ptr = np.zeros(menu.shape[0] + 1, np.int64)
        np.cumsum(sizes, out=ptr[1:])
        owner = np.repeat(np.arange(menu.shape[0]), sizes)
        row = np.arange(ptr[-1], dtype=np.int64) - ptr[owner] + self.offset[menu][owner]
        return ptr, owner, row

    def physics(self, row: np.ndarray, owner: np.ndarray, rate: np.ndarray, station: np.ndarray,
                tx_power: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The :data:`~edgesched.model.menus.OPTION_PHYSICS` columns of bank rows ``row`` taken by devices
        ``owner`` (uplink rates ``rate[n, slot]`` in bit/s, transmit power in W), and each option's station
        (``station[n, slot]``; -1 for none)."""
        b = self.bank
        slot = b["server"][row]
        at = np.maximum(slot, 0)
        physics = {name: b[name][row] for name in ("local_cycles", "f_local_max", "kappa", "edge_cycles", "up_bits",
                                                   "fixed_delay")}
        physics["rate"] = rate[owner, at]  # an option without a slot sends nothing: any rate will do
        physics["tx_power"] = tx_power[owner]
        return physics, np.where(slot >= 0, station[owner, at], -1).astype(np.int32)

    def layout(self, menu: np.ndarray, rate: np.ndarray, station: np.ndarray, tx_power: np.ndarray,
               capacity: np.ndarray) -> FleetTable:
        """The option table of devices with menus ``menu`` (at least one), uplink rates ``rate`` (N, k) to their
        stations ``station`` (N, k) in bit/s, transmit powers (W), on stations of CPU ``capacity`` (Hz):
        ``A_j = w_delay / F_j``, ``B_j = w_delay`` (``docs/model.md`` §4)."""
        ptr, owner, row = self.rows(menu)
        physics, server = self.physics(row, owner, rate, station, tx_power)
        linear, c, w, f_local = option_costs(**physics, w_delay=self.w_delay, w_energy=self.w_energy)
        physics["f_local"] = f_local
        capacity = np.asarray(capacity, np.float64)
        table = OptionTable(ptr, linear, server, c, w, self.w_delay / capacity, np.full(capacity.shape, self.w_delay))
        return FleetTable(table, row, physics)

    def cheapest(self, menu: np.ndarray, rate: np.ndarray, station: np.ndarray, tx_power: np.ndarray,
                 prices: np.ndarray | None) -> np.ndarray:
        """Each device's option (its index in the menu) of least priced value ``linear + lambda_j c + mu_j w``
        at the stations' dual prices (``docs/model.md`` §5; row 0 ``lambda``, row 1 ``mu``), the first on ties.
        Without prices (None), as at infinite ones: the cheapest option by ``linear`` among those without a
        station, or among all for a device without such an option."""
        ptr, owner, row = self.rows(menu)
        physics, server = self.physics(row, owner, rate, station, tx_power)
        linear, c, w, _ = option_costs(**physics, w_delay=self.w_delay, w_energy=self.w_energy)
        if prices is not None:
            at = np.maximum(server, 0)
            value = np.where(server >= 0, linear + prices[0, at] * c + prices[1, at] * w, linear)
        else:
            alone = np.zeros(menu.shape[0], bool)
            alone[owner[server < 0]] = True
            value = np.where((server >= 0) & alone[owner], np.inf, linear)
        best = np.minimum.reduceat(value, ptr[:-1])
        hit = np.flatnonzero(value <= best[owner])
        _, first = np.unique(owner[hit], return_index=True)
        return (hit[first] - ptr[:-1]).astype(np.int64)

    def locate(self, menu: np.ndarray, variant: np.ndarray, kind: np.ndarray, cut: np.ndarray, server: np.ndarray,
               station: np.ndarray) -> np.ndarray:
        """The index in menu ``menu[n]`` of the option with device n's variant, placement kind and cut on its
        station ``server[n]`` (-1: none), or -1 where its menu has no such option. A station no longer among
        the device's ``station[n]`` hands over to the nearest (slot 0)."""
        n = menu.shape[0]
        hit = station == server[:, None]
        slot = np.where((server >= 0) & hit.any(axis=1), hit.argmax(axis=1), 0)
        code = self._code(variant, kind, cut, slot)
        out = np.full(n, -1, np.int64)
        order = np.argsort(menu, kind="stable")
        bounds = np.flatnonzero(np.diff(menu[order])) + 1
        for group in np.split(order, bounds) if n else []:
            codes, rows = self._codes[int(menu[group[0]])]
            pos = np.minimum(np.searchsorted(codes, code[group]), codes.size - 1)
            found = codes[pos] == code[group]
            out[group[found]] = rows[pos[found]]
        return out

    def decode(self, row: np.ndarray, rate: np.ndarray, station: np.ndarray, tx_power: np.ndarray,
               capacity: np.ndarray) -> dict[str, np.ndarray]:
        """Delay, energy and cost of bank rows ``row``, one per device, on rates ``rate`` (N, k)
        (:func:`~edgesched.pipeline.result.decode_chosen`: Theorem 2 per station), and each device's
        ``server`` (its option's station, -1 for none)."""
        physics, server = self.physics(row, np.arange(row.shape[0]), rate, station, tx_power)
        out = decode_chosen({k: physics[k] for k in OPTION_PHYSICS}, server, np.asarray(capacity, np.float64),
                            self.w_delay, self.w_energy)
        out["server"] = server.astype(np.int64)
        return out


def _frames(curve: AccuracyCurve, alpha: np.ndarray, limit: int | None) -> np.ndarray:
    """``M*`` of each requirement (Sec. III-B, :func:`~edgesched.physics.accuracy.min_frames`), 0 where the
    curve cannot meet it within ``limit`` frames."""
    top = curve.max_frames if limit is None else min(limit, curve.max_frames)
    out = np.zeros(alpha.shape[0], np.int64)
    if top < curve.frames[0]:
        return out
    ok = alpha <= curve(top)  # the best accuracy within the limit
    if ok.any():
        out[ok] = min_frames(curve, alpha[ok], limit)
    return out


def undominated(columns: dict[str, np.ndarray]) -> np.ndarray:
    """Which options of a menu template no other option dominates (``docs/model.md`` §4, "Dominated options").

    Option ``p`` dominates option ``o`` of the same device when it runs on no server or on ``o``'s, and runs
    no more cycles on the device, none more on the server, uploads no more bits and has no longer fixed delay
    (``columns``: the template's ``server``, ``local_cycles``, ``edge_cycles``, ``up_bits``, ``fixed_delay``).
    Whatever the device's rates, power and the others' choices, ``p``'s ``linear``, ``c`` and ``w`` are then no
    larger than ``o``'s, so replacing ``o`` by ``p`` never raises the total: the options dominated can be left
    out without changing the optimum. Of equal options the first is kept."""
    server = np.asarray(columns["server"])
    x = np.stack([np.asarray(columns[k], np.float64) for k in ("local_cycles", "edge_cycles", "up_bits",
                                                                  "fixed_delay")], axis=1)
    n = server.shape[0]
    same = (server[:, None] == -1) | (server[:, None] == server[None, :])  # p (row) may stand in for o (column)
    below = np.all(x[:, None, :] <= x[None, :, :], axis=2)
    strictly = np.any(x[:, None, :] < x[None, :, :], axis=2) | ((server[:, None] == -1) & (server[None, :] != -1))
    earlier = np.arange(n)[:, None] < np.arange(n)[None, :]
    dominated = (same & below & (strictly | earlier)) & ~np.eye(n, dtype=bool)
    return ~dominated.any(axis=0)
