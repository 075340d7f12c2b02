"""A city of applications at one step: its devices run the variants of their applications, placed locally, on
one of their stations, in the cloud or split (:mod:`edgesched.pipeline`), and the schedule in force is an option
of each device's menu."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..model.table import OptionTable
from ..pipeline.fleet import Fleet, FleetTable
from ..pipeline.privacy import PLACEMENTS
from .city import OnlineCity
from .config import SimConfig

__all__ = ["AppCity"]

#: The index of the local placement in :data:`PLACEMENTS`.
LOCAL = PLACEMENTS.index("local")


class AppCity(OnlineCity):
    """A city of applications at one step (``config.apps``, :class:`~edgesched.online.CityApps`).

    The world moves as in :class:`OnlineCity` (mobility, channel, arrivals, departures, requirement changes);
    each device also has an application and a hardware class (drawn by the applications' shares and the
    classes' weights) and its requirement and transmit power are drawn from its application's ranges. Its menu
    (:class:`~edgesched.pipeline.fleet.Fleet`) holds its application's variants that meet its requirement, at
    their ``M*``, locally, on each of its ``k_nearest`` stations (edge, split), or in the cloud through one, as
    its privacy rules and hardware allow.

    The schedule in force is each device's option: its variant, placement kind, cut and station. After the
    world changes it is found again in each device's menu; a station no longer among the device's nearest
    hands over to the nearest. A device whose option is no longer on its menu (its requirement changed and its
    variant no longer meets it, say), and a device that has just arrived, takes the option of least priced
    value at the last re-solve's dual prices (``docs/model.md`` §5; before any re-solve, its cheapest option
    without a station, as new devices start local in the city of one model, or its cheapest of all where it has
    none): :attr:`reassigned` counts the former. Every option of a menu meets the device's requirement and privacy, so
    the schedule in force always does.

    Attributes
    ----------
    fleet : Fleet
        The city's menus.
    reassigned : int
        Devices at the current step whose option in force left their menu.
    """

    def __init__(self, config: SimConfig) -> None:
        if not isinstance(config, SimConfig):
            raise ValueError(f"config must be a SimConfig; got {type(config).__name__}")
        if config.apps is None:
            raise ValueError("config.apps is None; a city of applications needs SimConfig(apps=CityApps(...)) "
                             "(OnlineCity runs the city of one model)")
        apps = config.apps
        self.classes = apps.classes
        self.fleet = Fleet(apps.pipeline(config.k_nearest), self.classes, config.w_delay, config.w_energy)
        self._shares = np.cumsum(apps.shares)
        index = {id(hw): c for c, hw in enumerate(self.classes)}
        self._class_of = [np.array([index[id(hw)] for hw, _ in a.hardware]) for a in apps.applications]
        self._class_cum = [np.cumsum([w for _, w in a.hardware]) / sum(w for _, w in a.hardware)
                           for a in apps.applications]
        self._alpha = np.array([a.alpha_range for a in apps.applications])
        self._power = np.array([a.tx_power_range for a in apps.applications])
        self._f_max = np.array([hw.f_max for hw in self.classes])
        self._deadline = np.array([np.inf if a.application.deadline is None else a.application.deadline
                                   for a in apps.applications])
        self.reassigned = 0
        self._row = np.zeros(0, np.int64)
        self._table: FleetTable | None = None
        super().__init__(config)
        self._settle()

    # -- devices -------------------------------------------------------------------

    def _draw(self, m: int, *, alpha: np.ndarray | None, f_local_max: np.ndarray | None,
              tx_power: np.ndarray | None) -> dict[str, np.ndarray]:
        """``m`` new devices: an application by the shares, a class by its weights, a requirement and a transmit
        power uniform in its application's ranges (the given values, of a city of one model, do not apply)."""
        rng = self.rng
        app = np.minimum(np.searchsorted(self._shares, rng.random(m), side="right"), self._shares.size - 1)
        pick = rng.random(m)
        cls = np.zeros(m, np.int64)
        for a, (classes, cum) in enumerate(zip(self._class_of, self._class_cum)):
            mine = app == a
            cls[mine] = classes[np.minimum(np.searchsorted(cum, pick[mine], side="right"), cum.size - 1)]
        lo, hi = self._alpha[app].T
        new_alpha = lo + (hi - lo) * rng.random(m)
        p_lo, p_hi = self._power[app].T
        zeros = {name: np.zeros(m, np.int64) for name in ("frames", "variant", "cut")}
        return dict(alpha=new_alpha, f_local_max=self._f_max[cls], tx_power=p_lo + (p_hi - p_lo) * rng.random(m),
                    app=app.astype(np.int64), device_class=cls, menu=np.full(m, -1, np.int64),
                    kind=np.full(m, -1, np.int64), **zeros)

    def _redraw(self, change: np.ndarray) -> None:
        """New requirements, uniform in each device's application's ``alpha_range``; their menus follow."""
        d = self.population
        lo, hi = self._alpha[d.app[change]].T
        d.alpha[change] = lo + (hi - lo) * self.rng.random(int(change.sum()))
        d.menu[change] = -1

    def advance(self) -> None:
        """Move the world one step (:meth:`OnlineCity.advance`) and find the schedule in force in the new
        menus."""
        super().advance()
        self._settle()

    def _settle(self) -> None:
        """Menus for new devices and changed requirements; the option in force found in each menu (handovers),
        or the cheapest at the last prices where it left the menu or the device is new."""
        d, n = self.population, self.n_devices
        self._table = None
        self.reassigned = 0
        if n == 0:
            self._row = np.zeros(0, np.int64)
            return
        unset = d.menu < 0
        if unset.any():
            d.menu[unset] = self.fleet.menus(d.app[unset], d.device_class[unset], d.alpha[unset])
        row = np.full(n, -1, np.int64)
        held = np.flatnonzero(d.kind >= 0)
        row[held] = self.fleet.locate(d.menu[held], d.variant[held], d.kind[held], d.cut[held], d.server[held],
                                      d.station[held])
        lost = row < 0
        self.reassigned = int(lost.sum()) - int((d.kind < 0).sum())
        if lost.any():
            row[lost] = self.fleet.cheapest(d.menu[lost], self.plan_rate[lost], d.station[lost], d.tx_power[lost],
                                            self.prices)
        self.apply(row)

    # -- the schedule ------------------------------------------------------------------

    def choice_in_force(self) -> np.ndarray:
        """The schedule in force as a choice of :meth:`table` (each device's option, an index into its menu)."""
        return self._row.astype(np.int32)

    CHANGES = ("changed", "changed_variant", "changed_placement")

    def decisions(self) -> tuple[np.ndarray, ...]:
        d = self.population
        return d.variant.copy(), d.kind.copy(), d.cut.copy(), d.server.copy()

    def changes(self, before: tuple[np.ndarray, ...]) -> dict[str, np.ndarray]:
        """Per device, whether the re-solve changed its variant, its placement (kind, cut or station), or
        either."""
        d = self.population
        variant = d.variant != before[0]
        placement = (d.kind != before[1]) | (d.cut != before[2]) | (d.server != before[3])
        return {"changed": variant | placement, "changed_variant": variant, "changed_placement": placement}

    def apply(self, choice: Any) -> None:
        """Put a choice of :meth:`table` in force."""
        d = self.population
        row = np.asarray(choice, dtype=np.int64)
        g = self.fleet.offset[d.menu] + row
        b = self.fleet.bank
        slot = b["server"][g]
        self._row = row
        d.variant, d.kind, d.cut, d.frames = b["variant"][g], b["kind"][g], b["cut"][g], b["frames"][g]
        d.server = np.where(slot >= 0, d.station[np.arange(self.n_devices), np.maximum(slot, 0)], -1)

    def fleet_table(self) -> FleetTable:
        """The step's option table (:meth:`table`) with each option's row in the fleet's bank."""
        if self._table is None:
            d = self.population
            self._table = self.fleet.layout(d.menu, self.plan_rate, d.station, d.tx_power, self.capacity)
        return self._table

    def table(self) -> OptionTable:
        """The option table of the current step on the planned rates: each device's menu (``docs/model.md``
        §4), the options of its i-th nearest station on that station; server j is station j."""
        return self.fleet_table().table

    def evaluate(self, server: np.ndarray | None = None, *, planned: bool = False) -> dict[str, np.ndarray]:
        """Per-device physics of the schedule in force (Theorem 2 per station, ``docs/model.md`` §4), on the
        actual rates (``planned``: the planned ones).

        Returns ``server`` (the option's station, -1 for none), ``offload`` (not local), ``delay`` (s),
        ``energy`` (J), ``cost``, ``accuracy`` (the variant's ``Phi(M)``), ``alpha`` (the requirement), ``app``,
        ``variant``, ``kind`` (index in :data:`PLACEMENTS`), ``frames``, ``upload`` (index in
        :data:`~edgesched.pipeline.fleet.UPLOADS`) and ``late`` (delay over the application's deadline)."""
        if server is not None:
            raise ValueError("a city of applications evaluates the schedule in force; server must be None")
        d = self.population
        g = self.fleet.offset[d.menu] + self._row
        rate = self.plan_rate if planned else self.rate
        out = self.fleet.decode(g, rate, d.station, d.tx_power, self.capacity)
        b = self.fleet.bank
        out.update(offload=b["kind"][g] != LOCAL, accuracy=b["accuracy"][g], alpha=d.alpha.copy(), app=d.app.copy(),
                   variant=b["variant"][g], kind=b["kind"][g], frames=b["frames"][g], upload=b["upload"][g],
                   late=out["delay"] > self._deadline[d.app])
        return out

    def schedule(self) -> dict[str, Any]:
        """The schedule in force in words, per device: ``application``, ``variant``, ``placement`` and ``split``
        (the last layer on the device, None unless split) from each device's menu, with ``frames``,
        ``server`` (the station, -1 for none), ``alpha``, ``station`` (its ``k`` nearest) and ``upload`` (what
        the menu says leaves the device)."""
        d = self.population
        names = self.config.apps.names if self.config.apps is not None else ()
        templates = [self.fleet.template(int(m)) for m in d.menu.tolist()]
        rows = self.fleet.bank["template_row"][self.fleet.offset[d.menu] + self._row].tolist()
        return dict(application=[names[a] for a in d.app.tolist()],
                    variant=[t.variant[r] for t, r in zip(templates, rows)],
                    placement=[t.placement[r] for t, r in zip(templates, rows)],
                    split=[t.split[r] for t, r in zip(templates, rows)],
                    upload=[t.upload[r] for t, r in zip(templates, rows)],
                    frames=d.frames.copy(), server=d.server.copy(), alpha=d.alpha.copy(), station=d.station.copy())

