"""The model-optimisation pipeline as scheduler input: which variant, how many frames, and where, for a city of
applications.

A :class:`Pipeline` holds the system side: the applications (each with its model variants, input,
requirements and privacy; :mod:`edgesched.pipeline.applications`), the edge servers, the cloud and what to
offer. :meth:`Pipeline.options` builds every device's menu from its own application's variants
(:mod:`edgesched.pipeline.menus`; the options its privacy rules forbid are left out) as one
:class:`~edgesched.model.OptionTable` (``docs/model.md`` §4) priced by
:func:`edgesched.model.menus.option_costs`; :meth:`Pipeline.solve` solves it and decodes the choice per device
(Theorem 2 per server), with results per application. Deadlines (a device's, or its application's) are enforced
through the table's slack (``docs/model.md`` §8): every served device meets its deadline.

``Pipeline(variants, servers)`` is the one-application form: every device runs the same video application
(``"default"``), on ``height x width`` frames.

Energy counts the device only (local compute, eq. (3), and transmission, eq. (5)), as in the paper; server and
cloud energy are not priced.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

import numpy as np

from .._validation import positive_scalar
from ..model import theorems
from ..model.defaults import W_DELAY, W_ENERGY
from ..model.menus import OPTION_PHYSICS, option_costs
from ..model.table import OptionTable
from ..physics.accuracy import AccuracyCurve
from ..physics.hardware import Hardware
from ..physics.variants import ModelVariant
from ..solvers.options import solve_options
from .applications import Application, Device, VideoInput, accuracy_requirement
from .menus import Offer, Template, assemble, build_template, hardware_key
from .privacy import PLACEMENTS, Privacy
from .result import PipelineResult, PipelineTable

__all__ = ["PLACEMENTS", "Cloud", "Pipeline"]

#: Menus a pipeline keeps for reuse across calls (a template per group of alike devices).
_TEMPLATE_CACHE = 4096


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


def _plain(value: Any, low: float, high: float = math.inf, *, strict: bool = False) -> bool:
    """Whether ``value`` is a plain float in range (``low < value`` with ``strict``, else ``low <= value``;
    ``value <= high``): the common case, checked without numpy. Everything else goes through
    :func:`~edgesched._validation.positive_scalar`, which accepts it or says what is wrong."""
    if not isinstance(value, float) or not value < math.inf:  # NaN and infinities go the long way
        return False
    return (value > low if strict else value >= low) and value <= high


class _Spec(NamedTuple):
    """A device's validated inputs."""

    app: int
    alpha: float
    rate: np.ndarray
    tx_power: float
    unit_bits: float
    max_frames: int | None
    deadline: float | None
    privacy: Privacy | None


@dataclass(frozen=True)
class Pipeline:
    """The system side of the pipeline: applications, edge servers, the cloud, and what to offer.

    Attributes
    ----------
    variants : sequence of ModelVariant
        The one-application form: the variants of a single video application named ``"default"`` (with
        ``height x width`` frames; devices give their ``alpha``). Leave empty when giving ``applications``.
    servers : sequence of Hardware
        Edge servers (one per base station); ``f_max`` is the shared capacity ``F_j`` in Hz.
    cloud : Cloud, optional
        Needed for the ``"cloud"`` and ``"split-cloud"`` placements.
    placements : tuple of str
        Subset of :data:`PLACEMENTS` to offer.
    splits : "auto", "all" or sequence of str
        Split cuts: ``"all"``: every cut a single tensor crosses (:meth:`Analysis.split_points`); ``"auto"``:
        those whose upload is smaller than the raw input; or the names of the last device-side layers.
    frames : "min" or "all"
        ``M*`` only (optimal: more frames cost more), or every ``M* .. M^max``.
    w_delay, w_energy : float
        Weights in 1/s (> 0) and 1/J (>= 0).
    height, width : int, optional
        Frame size in pixels of the one-application form (default 112 x 112).
    applications : sequence of Application
        The city's applications (distinct names); each device names its own.
    """

    variants: Sequence[ModelVariant] = ()
    servers: Sequence[Hardware] = ()
    cloud: Cloud | None = None
    placements: tuple[str, ...] = PLACEMENTS
    splits: str | Sequence[str] = "auto"
    frames: str = "min"
    w_delay: float = W_DELAY
    w_energy: float = W_ENERGY
    height: int | None = None
    width: int | None = None
    applications: Sequence[Application] = ()
    _offer: Offer = field(init=False, repr=False, compare=False)
    _templates: dict[Any, Template] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "variants", tuple(self.variants))
        object.__setattr__(self, "servers", tuple(self.servers))
        object.__setattr__(self, "placements", tuple(self.placements))
        object.__setattr__(self, "applications", tuple(self.applications))
        if self.applications:
            self._check_applications()
        else:
            self._check_variants()
        if self.cloud is not None and not isinstance(self.cloud, Cloud):
            raise ValueError(f"cloud is a {type(self.cloud).__name__}; expected a Cloud or None")
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
        splits: str | frozenset[str]
        if isinstance(self.splits, str):
            if self.splits not in ("auto", "all"):
                raise ValueError(f"splits is {self.splits!r}; splits must be 'auto', 'all' or layer names")
            splits = self.splits
        else:
            known = {layer.name for app in self.applications for v in app.variants for layer in v.network.layers}
            for s in self.splits:
                if s not in known:
                    raise ValueError(f"splits has {s!r}, a layer of none of the variants")
            splits = frozenset(self.splits)
        positive_scalar("w_delay", self.w_delay, unit="1/s")
        positive_scalar("w_energy", self.w_energy, unit="1/J", allow_zero=True)
        object.__setattr__(self, "_offer", Offer(self.placements, splits, self.frames, tuple(self.servers),
                                                 self.cloud))

    def _check_variants(self) -> None:
        """The one-application form: its variants and frame size, as one application ``"default"``."""
        if not self.variants:
            raise ValueError("variants is empty; give at least one ModelVariant (or give applications)")
        for i, v in enumerate(self.variants):
            if not isinstance(v, ModelVariant):
                raise ValueError(f"variants[{i}] is a {type(v).__name__}; expected a ModelVariant")
            if v.accuracy is None:
                raise ValueError(f"variants[{i}] ({v.name}) has no accuracy curve; give its measured Phi(M)")
        video = VideoInput(112 if self.height is None else self.height, 112 if self.width is None else self.width)
        object.__setattr__(self, "applications", (Application("default", self.variants, video),))

    def _check_applications(self) -> None:
        if self.variants:
            raise ValueError("give variants (one application) or applications, not both")
        if self.height is not None or self.width is not None:
            raise ValueError("height and width belong to variants=; give each application its VideoInput")
        names: dict[str, int] = {}
        for i, app in enumerate(self.applications):
            if not isinstance(app, Application):
                raise ValueError(f"applications[{i}] is a {type(app).__name__}; expected an Application")
            if app.name in names:
                raise ValueError(f"applications[{i}] is named {app.name!r} like applications[{names[app.name]}]; "
                                 "give applications distinct names")
            names[app.name] = i
            self._check_servers(app.privacy, f"applications[{i}] ({app.name}).privacy")

    def _check_servers(self, privacy: Privacy | None, where: str) -> None:
        if privacy is None or privacy.edge_servers is None:
            return
        for j in privacy.edge_servers:
            if j >= len(self.servers):
                raise ValueError(f"{where}.edge_servers has {j}; the servers are 0..{len(self.servers) - 1}")

    def _device(self, n: int, d: Device) -> _Spec:
        """Device n's validated inputs."""
        if not isinstance(d, Device):
            raise ValueError(f"devices[{n}] is a {type(d).__name__}; expected a Device")
        if not isinstance(d.hardware, Hardware):
            raise ValueError(f"devices[{n}].hardware is a {type(d.hardware).__name__}; expected a Hardware")
        apps = self.applications
        names = [a.name for a in apps]
        if d.application == "" and len(apps) == 1:
            k = 0
        elif isinstance(d.application, str) and d.application in names:
            k = names.index(d.application)
        else:
            raise ValueError(f"devices[{n}].application is {d.application!r}; name one of the applications: "
                             f"{', '.join(names)}")
        app = apps[k]
        alpha = app.alpha if d.alpha is None else d.alpha
        if alpha is None:
            raise ValueError(f"devices[{n}].alpha is None; application {app.name!r} has no default accuracy "
                             "requirement, so give the device one")
        if not _plain(alpha, 0.0, 1.0):
            alpha = accuracy_requirement(alpha, f"devices[{n}].alpha")
        tx_power = d.tx_power if _plain(d.tx_power, 0.0) else \
            positive_scalar(f"devices[{n}].tx_power", d.tx_power, unit="W", allow_zero=True)
        rates = list(d.rate) if isinstance(d.rate, (list, tuple)) else np.atleast_1d(np.asarray(d.rate, dtype=object))
        if len(rates) != max(len(self.servers), 1) or (isinstance(rates, np.ndarray) and rates.ndim != 1):
            raise ValueError(f"devices[{n}].rate has {np.size(rates)} entries; give one per server "
                             f"({len(self.servers)})")
        rate = np.array([r if _plain(r, 0.0, strict=True) else
                         positive_scalar(f"devices[{n}].rate[{j}]", r, unit="bit/s") for j, r in enumerate(rates)],
                        dtype=np.float64)
        bits = app.input.unit_bits if d.frame_bits is None else d.frame_bits
        if not _plain(bits, 0.0, strict=True):
            bits = positive_scalar(f"devices[{n}].frame_bits", bits, unit="bit")
        max_frames = app.input.max_units if d.max_frames is None else d.max_frames
        if max_frames is not None and (isinstance(max_frames, bool) or not isinstance(max_frames, int)
                                       or max_frames < 1):
            raise ValueError(f"devices[{n}].max_frames is {d.max_frames!r}; it must be an integer >= 1")
        deadline = app.deadline if d.deadline is None else d.deadline if _plain(d.deadline, 0.0, strict=True) \
            else positive_scalar(f"devices[{n}].deadline", d.deadline, unit="s")
        if d.privacy is not None and not isinstance(d.privacy, Privacy):
            raise ValueError(f"devices[{n}].privacy is a {type(d.privacy).__name__}; expected a Privacy or None")
        self._check_servers(d.privacy, f"devices[{n}].privacy")
        return _Spec(k, float(alpha), rate, float(tx_power), float(bits), max_frames,
                     None if deadline is None else float(deadline), d.privacy)

    def _template(self, spec: _Spec, hw: Hardware, spans_cache: dict[Any, Any]) -> Template:
        """The menu template of a device (built once per group of alike devices, and kept)."""
        app = self.applications[spec.app]
        spans = []
        for i, v in enumerate(app.variants):
            key = (spec.app, i, spec.alpha, spec.max_frames)
            if key not in spans_cache:
                curve = cast(AccuracyCurve, v.accuracy)  # checked by Application
                try:
                    m_star = int(curve.min_frames(spec.alpha, spec.max_frames))
                    m_top = curve.max_frames if spec.max_frames is None else spec.max_frames
                    spans_cache[key] = (m_star, m_top if self.frames == "all" else m_star)
                except ValueError as exc:  # Sec. III-B: this variant cannot meet alpha within M^max
                    spans_cache[key] = str(exc)
            spans.append(spans_cache[key])
        group = (spec.app, hardware_key(hw), tuple(spans), spec.unit_bits, spec.privacy)
        template = self._templates.get(group)
        if template is None:
            policies = [(p, who) for p, who in ((app.privacy, f"application {app.name!r}"),
                                                (spec.privacy, "the device's own")) if p is not None]
            template = build_template(app, hw, spans, spec.unit_bits, policies, self._offer)
            if len(self._templates) >= _TEMPLATE_CACHE:
                self._templates.clear()
            self._templates[group] = template
        return template

    def menu(self, device: Device, spans: dict[Any, Any] | None = None) -> Template:
        """The menu template of ``device`` (:class:`~edgesched.pipeline.menus.Template`): its options without its
        rates and transmit power, their ``server`` column indexing this pipeline's servers.

        Built once per group of alike devices (application, hardware, frame counts, unit size, privacy) and
        kept, so devices of one group get the same object; ``spans`` caches the frame counts across calls.
        The online simulator lays out a city's menus from these (:mod:`edgesched.pipeline.fleet`)."""
        return self._template(self._device(0, device), device.hardware, {} if spans is None else spans)

    def options(self, devices: Sequence[Device], infeasible: str = "raise") -> PipelineTable:
        """The option table of ``devices``.

        ``infeasible="raise"``: a device without any option (accuracy unreachable by every variant, or no
        variant fits anywhere its privacy allows, or none meets its deadline) is a ValueError naming its index
        and why; ``"drop"``: it is left out of the table and reported infeasible.

        When a device has a finite deadline the table has a slack per option (``docs/model.md`` §8; see
        :meth:`_build`): a local option runs at Theorem 1's frequency raised just enough to meet the deadline, an
        option with a shared part at Theorem 1's frequency (the split between local and shared time is not
        optimised). Without one the table has no slack, as before.
        """
        if infeasible not in ("raise", "drop"):
            raise ValueError(f"infeasible is {infeasible!r}; it must be 'raise' or 'drop'")
        devices = list(devices)
        if not devices:
            raise ValueError("devices is empty; give at least one Device")
        specs = [self._device(n, d) for n, d in enumerate(devices)]
        spans: dict[Any, Any] = {}
        templates = [self._template(s, d.hardware, spans) for s, d in zip(specs, devices)]
        kept, dropped = [], []
        for n, (t, d) in enumerate(zip(templates, devices)):
            if t.size:
                kept.append(n)
            elif infeasible == "raise":
                alpha = d.alpha if d.alpha is not None else specs[n].alpha
                raise ValueError(f"device {n} (alpha {alpha}) has no feasible option: " + "; ".join(t.why))
            else:
                dropped.append(n)
        while True:
            if not kept:
                raise ValueError(f"every device ({', '.join(map(str, sorted(dropped)))}) is infeasible")
            built = self._build(kept, templates, specs)
            late = [n for n, why in built[-1].items() if why]
            if not late:
                break
            if infeasible == "raise":
                raise ValueError(f"device {late[0]} has no option that meets its deadline: {built[-1][late[0]]}")
            kept = [n for n in kept if n not in late]
            dropped += late
        ptr, physics, meta, priced, table, _ = built
        capacity = np.array([s.f_max for s in self.servers] or [1.0])
        return PipelineTable(table, tuple(kept), tuple(sorted(dropped)), len(devices), meta["variant"],
                             meta["placement"], meta["split"], physics["frames"], physics["server"], priced, capacity,
                             float(self.w_delay), float(self.w_energy), meta["upload"],
                             tuple(a.name for a in self.applications), tuple(a.input.unit for a in self.applications),
                             tuple(s.app for s in specs), tuple(s.deadline for s in specs),
                             tuple(t.excluded for t in templates))

    def _build(self, kept: list[int], templates: list[Template], specs: list[_Spec]) -> tuple[Any, ...]:
        """The table of devices ``kept``: ``(option_ptr, physics, meta, priced physics, OptionTable, late)``,
        ``late`` mapping each kept device to why none of its options meets its deadline (``""``: some does).

        With a finite deadline somewhere the table has a slack per option (``docs/model.md`` §8): an option that
        runs only locally gets Theorem 1's frequency raised to meet the deadline (at most ``f_max``), one with a
        shared part keeps Theorem 1's frequency (the split of the deadline between local and shared time is not
        optimised), and its slack is the deadline less its local and fixed delays."""
        ptr, physics, meta = assemble([templates[n] for n in kept], np.array([specs[n].rate for n in kept]),
                                      np.array([specs[n].tx_power for n in kept]))
        priced = {k: physics[k] for k in OPTION_PHYSICS}
        D = np.array([math.inf if specs[n].deadline is None else specs[n].deadline for n in kept])
        timed = bool(np.isfinite(D).any())
        owner = np.repeat(np.arange(len(kept)), np.diff(ptr))
        D_opt = D[owner] if timed else None
        linear, c, w, f_local = option_costs(**priced, w_delay=self.w_delay, w_energy=self.w_energy,
                                             deadline=D_opt)
        priced["f_local"] = f_local
        capacity = np.array([s.f_max for s in self.servers] or [1.0])
        srv = physics["server"]
        slack = None
        late: dict[int, str] = {}
        if D_opt is not None:
            with np.errstate(divide="ignore", invalid="ignore"):  # options without local work: no local delay
                local = np.where(f_local > 0, theorems.local_delay(priced["local_cycles"], f_local), 0.0)
            slack = D_opt - local - priced["fixed_delay"]  # docs/model.md §8: the shared part's time
            F = capacity[np.maximum(srv, 0)]
            alone = np.where(srv >= 0, c * c / F + w * w, 0.0)  # the shared part alone on its server
            shared = (srv >= 0) & ((c > 0) | (w > 0))
            ok = np.where(shared, (slack > 0) & (alone < slack * (1.0 - theorems.DEADLINE_MARGIN)), slack >= 0)
            for i, n in enumerate(kept):
                menu = slice(ptr[i], ptr[i + 1])
                if not ok[menu].any():
                    best = float(np.min((local + priced["fixed_delay"] + alone)[menu]))
                    late[n] = (f"deadline {D[i]:.6g} s; its fastest option takes {best:.6g} s even alone on its "
                               "server (local at f_max, or offloaded)")
        table = OptionTable(ptr, linear, srv, c, w, self.w_delay / capacity,
                            np.full(capacity.shape, float(self.w_delay)), slack)
        return ptr, physics, meta, priced, table, late

    def solve(self, devices: Sequence[Device], method: str = "auto", infeasible: str = "raise",
              **solver: Any) -> PipelineResult:
        """The optimal variant, frame count and placement per device (``solve_options`` with ``method``), each
        served device within its deadline."""
        options = self.options(devices, infeasible)
        return options.decode(solve_options(options.table, method, **solver))
