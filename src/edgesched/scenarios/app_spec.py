"""Applications as TOML tables: the part of scenario files and simulation files that describes a city of
applications (``docs/scenario-format.md``, "Applications"; ``docs/simulate-format.md``).

* ``[hardware.NAME]``: processors of one's own, besides the presets of :data:`edgesched.HARDWARE`;
* ``[cloud]``: the cloud tier (hardware, backhaul rate, round trip);
* ``[offer]``: the placements and split cuts offered;
* ``[applications.NAME]``: an application's input, requirement, deadline, privacy and its variants
  (``[[applications.NAME.variants]]``: an architecture of :data:`edgesched.arch.ARCHITECTURES` with its
  transforms and its measured accuracy).

Every error names the file and the key: ``city.toml: applications.traffic.variants[1].prune is 1.5; prune must
be a number in (0, 1]``.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .._files import Num, ScenarioFileError, check_keys, shown, text_value
from ..physics.arch import ARCHITECTURES
from ..physics.hardware import HARDWARE, HARDWARE_KINDS, PRECISIONS, Hardware
from ..physics.variants import ModelVariant
from ..pipeline.applications import Application, Input, SensorInput, VideoInput
from ..pipeline.privacy import DATA, PLACEMENTS, Privacy
from ..pipeline.system import Cloud
from .tables import accuracy_curve

__all__ = ["APPLICATION_KEYS", "NAME", "hardware_named", "read_applications", "read_cloud", "read_hardware",
           "read_offer", "read_privacy", "wrapped"]

#: Names of applications (and so of the series' columns): a letter, then letters, digits, ``_`` or ``-``.
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
#: The keys every ``[applications.NAME]`` table may have (files add their own).
APPLICATION_KEYS = ("input", "variants", "deadline", "privacy")
_HARDWARE_KEYS = {"kind", "cycles_per_mac", "f_max", "kappa", "power", "memory_bits"}
_VARIANT_KEYS = {"arch", "name", "accuracy", "prune", "rank", "sparsity", "sparse_speedup", "bits"}
_VIDEO_KEYS = {"kind", "height", "width", "channels", "bits", "frame_rate"}
_SERIES_KEYS = {"kind", "window", "channels", "bits_per_sample", "sample_rate"}
_POSITIVE = {"f_max": Num("Hz"), "kappa": Num("J s^2/cycle^3"), "power": Num("W"), "memory_bits": Num("bit")}


def wrapped(where: str, exc: Exception) -> ScenarioFileError:
    """A ValueError of a constructor (``"prune is 1.5; ..."``) as a file error after ``where``."""
    return ScenarioFileError(f"{where}{exc}")


def _table(where: str, value: Any, allowed: Any, what: str) -> dict[str, Any]:
    return check_keys(where, value, allowed, what)


def read_hardware(path: str, doc: Mapping[str, Any]) -> dict[str, Hardware]:
    """The processors a file may name: the presets of :data:`edgesched.HARDWARE` and its own
    ``[hardware.NAME]`` tables (``kind``, ``cycles_per_mac = { int8 = 2e-4, ... }``, ``f_max`` in Hz,
    ``kappa`` in J s^2/cycle^3 or ``power`` in W at ``f_max``, and optionally ``memory_bits``)."""
    out = dict(HARDWARE)
    raw = doc.get("hardware", {})
    if not isinstance(raw, Mapping):
        raise ScenarioFileError(f"{path}: hardware must be a table of [hardware.NAME] tables; got {shown(raw)}")
    for name, table in raw.items():
        where = f"{path}: hardware.{name}."
        if name in HARDWARE:
            raise ScenarioFileError(f"{path}: hardware.{name} is a preset's name; give your own processor another "
                                    f"name (presets: {', '.join(HARDWARE)})")
        t = _table(where, table, _HARDWARE_KEYS, f"[hardware.{name}]")
        for key in ("kind", "cycles_per_mac", "f_max"):
            if key not in t:
                raise ScenarioFileError(f"{where}{key} is missing; a processor needs kind, cycles_per_mac, f_max and "
                                        "kappa or power")
        if ("kappa" in t) == ("power" in t):
            raise ScenarioFileError(f"{where}kappa, power: give exactly one (kappa in J s^2/cycle^3, or the power "
                                    "in W drawn at f_max)")
        kind = t["kind"]
        if not isinstance(kind, str) or kind not in HARDWARE_KINDS:
            raise ScenarioFileError(f"{where}kind is {shown(kind)}; kind must be one of {', '.join(HARDWARE_KINDS)}")
        rho = _table(f"{where}cycles_per_mac.", t["cycles_per_mac"], PRECISIONS, "cycles_per_mac")
        if not rho:
            raise ScenarioFileError(f"{where}cycles_per_mac is empty; give cycles per MAC of at least one precision "
                                    f"({', '.join(PRECISIONS)})")
        cycles = {p: Num("cycle/MAC").check(f"{where}cycles_per_mac.", p, v) for p, v in rho.items()}
        values = {k: _POSITIVE[k].check(where, k, t[k]) for k in _POSITIVE if k in t}
        memory = values.get("memory_bits", math.inf)
        kappa = values.get("kappa")
        if kappa is None:  # eq. (3): the chip draws P = kappa f^3
            with np.errstate(all="ignore"):
                kappa = float(np.float64(values["power"]) / np.float64(values["f_max"]) ** 3)
            if not (math.isfinite(kappa) and kappa >= np.finfo(np.float64).tiny):
                raise ScenarioFileError(f"{where}power is {values['power']!r} W at f_max {values['f_max']!r} Hz; "
                                        f"kappa = power / f_max^3 is {kappa:g}, which must be a finite normal "
                                        "number: check the units of the two")
        try:
            out[name] = Hardware(name, kind, cycles, values["f_max"], kappa, memory)
        except ValueError as exc:
            raise wrapped(where, exc) from None
    return out


def hardware_named(where: str, key: str, value: Any, known: Mapping[str, Hardware]) -> Hardware:
    """The processor named ``value`` (a preset or a ``[hardware.NAME]``), or an error naming the key."""
    name = text_value(where, key, value)
    if name not in known:
        raise ScenarioFileError(f"{where}{key} is {shown(name)}; known hardware: {', '.join(known)} (or describe "
                                "it in a [hardware.NAME] table)")
    return known[name]


def read_cloud(path: str, doc: Mapping[str, Any], known: Mapping[str, Hardware]) -> Cloud | None:
    """``[cloud]``: ``hardware`` (default ``"cloud_gpu"``), ``backhaul_rate`` in bit/s and ``rtt`` in s (both
    required); None without the table."""
    if "cloud" not in doc:
        return None
    where = f"{path}: cloud."
    t = _table(where, doc["cloud"], {"hardware", "backhaul_rate", "rtt"}, "[cloud]")
    for key in ("backhaul_rate", "rtt"):
        if key not in t:
            raise ScenarioFileError(f"{where}{key} is missing; the cloud needs backhaul_rate (bit/s) and rtt (s)")
    hardware = hardware_named(where, "hardware", t.get("hardware", "cloud_gpu"), known)
    rate = Num("bit/s").check(where, "backhaul_rate", t["backhaul_rate"])
    rtt = Num("s", strict=False).check(where, "rtt", t["rtt"])
    return Cloud(hardware, rate, rtt)


def read_offer(path: str, doc: Mapping[str, Any], cloud: Cloud | None) -> tuple[tuple[str, ...], Any]:
    """``[offer]``: ``placements`` (a list of :data:`PLACEMENTS`; default all, without the cloud's when there
    is no ``[cloud]``) and ``splits`` (``"auto"``, ``"all"`` or a list of layer names)."""
    where = f"{path}: offer."
    t = _table(where, doc.get("offer", {}), {"placements", "splits"}, "[offer]")
    default = PLACEMENTS if cloud is not None else tuple(p for p in PLACEMENTS if "cloud" not in p)
    placements = t.get("placements", list(default))
    if not isinstance(placements, list) or not placements:
        raise ScenarioFileError(f"{where}placements is {shown(placements)}; give a non-empty list of "
                                f"{', '.join(PLACEMENTS)}")
    for i, p in enumerate(placements):
        if not isinstance(p, str) or p not in PLACEMENTS:
            raise ScenarioFileError(f"{where}placements[{i}] is {shown(p)}; placements are {', '.join(PLACEMENTS)}")
        if "cloud" in p and cloud is None:
            raise ScenarioFileError(f"{where}placements[{i}] is {p!r}, but there is no [cloud] table")
    splits = t.get("splits", "auto")
    if isinstance(splits, list):
        splits = tuple(text_value(where, f"splits[{i}]", s) for i, s in enumerate(splits))
    elif not isinstance(splits, str) or splits not in ("auto", "all"):
        raise ScenarioFileError(f"{where}splits is {shown(splits)}; splits must be 'auto', 'all' or a list of layer "
                                "names")
    return tuple(dict.fromkeys(placements)), splits


def read_privacy(where: str, value: Any, servers: Mapping[str, int] | None) -> Privacy:
    """``{ raw = ..., features = ..., edge_servers = [names] }`` (the last only where ``servers`` names the
    edge servers)."""
    allowed = {*DATA, *(("edge_servers",) if servers is not None else ())}
    t = _table(f"{where}privacy.", value, allowed, "privacy")
    trusted = None
    if "edge_servers" in t and servers is not None:
        names = t["edge_servers"]
        if not isinstance(names, list):
            raise ScenarioFileError(f"{where}privacy.edge_servers is {shown(names)}; give a list of server names")
        trusted = []
        for i, s in enumerate(names):
            if not isinstance(s, str) or s not in servers:
                raise ScenarioFileError(f"{where}privacy.edge_servers[{i}] is {shown(s)}; known servers: "
                                        f"{', '.join(servers)}")
            trusted.append(servers[s])
    try:
        return Privacy(**{k: t[k] for k in DATA if k in t}, edge_servers=None if trusted is None else tuple(trusted))
    except ValueError as exc:
        raise wrapped(where, exc) from None


def _input(where: str, value: Any) -> Input:
    t = dict(value) if isinstance(value, Mapping) else value
    kind = t.get("kind", "video") if isinstance(t, Mapping) else None
    if kind not in ("video", "series"):
        raise ScenarioFileError(f"{where}input.kind is {shown(kind)}; kind must be 'video' or 'series'")
    keys = _VIDEO_KEYS if kind == "video" else _SERIES_KEYS
    t = _table(f"{where}input.", t, keys, f"{kind} input")
    t.pop("kind", None)
    for key, v in t.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ScenarioFileError(f"{where}input.{key} is {shown(v)}; {key} must be a number")
    try:
        return VideoInput(**t) if kind == "video" else SensorInput(**t)
    except ValueError as exc:
        raise wrapped(where, exc) from None


def _variant(path: str, where: str, value: Any) -> ModelVariant:
    t = _table(where, value, _VARIANT_KEYS, "variant")
    arch = t.get("arch")
    if not isinstance(arch, str) or arch not in ARCHITECTURES:
        raise ScenarioFileError(f"{where}arch is {shown(arch)}; arch must be one of {', '.join(ARCHITECTURES)}")
    if "accuracy" not in t:
        raise ScenarioFileError(f"{where}accuracy is missing; give the variant's measured Phi(M): \"default\", a "
                                "CSV path or { frames = [...], accuracy = [...] }")
    kw: dict[str, Any] = {}
    for key in ("prune", "rank", "sparsity", "sparse_speedup", "bits"):
        if key not in t:
            continue
        v = t[key]
        numeric = isinstance(v, (int, float)) and not isinstance(v, bool)
        table = key == "prune" and isinstance(v, Mapping) and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in v.values())
        if not (numeric or table):
            raise ScenarioFileError(f"{where}{key} is {shown(v)}; {key} must be a number"
                                    + (" or a table of stage ratios" if key == "prune" else ""))
        kw[key] = dict(v) if table else v
    if "name" in t:
        kw["name"] = text_value(where, "name", t["name"])
    try:
        probe = ModelVariant(arch, **kw)
    except ValueError as exc:
        raise wrapped(where, exc) from None
    curve = accuracy_curve(path, where, t["accuracy"], probe.name)
    return ModelVariant(arch, curve, **kw)


def read_applications(path: str, doc: Mapping[str, Any], extra: Mapping[str, Callable[[str, Any], Any]],
                      servers: Mapping[str, int] | None = None) -> list[tuple[Application, dict[str, Any]]]:
    """The ``[applications.NAME]`` tables, in file order: each :class:`Application` with the values of the
    file's own keys ``extra`` (``key -> check(where, value)``; ``alpha`` among them sets the application's
    default requirement). ``servers`` names the edge servers a privacy policy may trust (None: it may not
    name any)."""
    raw = doc.get("applications")
    if not isinstance(raw, Mapping) or not raw:
        raise ScenarioFileError(f"{path}: applications must be a table of [applications.NAME] tables, at least one")
    out = []
    for name, table in raw.items():
        where = f"{path}: applications.{name}."
        if not NAME.match(name):
            raise ScenarioFileError(f"{path}: applications.{shown(name)[1:-1]} is not a valid name; an application's "
                                    "name is a letter, then letters, digits, '_' or '-'")
        t = _table(where, table, {*APPLICATION_KEYS, *extra}, f"[applications.{name}]")
        variants = t.get("variants")
        if not isinstance(variants, list) or not variants:
            raise ScenarioFileError(f"{where}variants is {shown(variants)}; give at least one "
                                    f"[[applications.{name}.variants]] table")
        models = [_variant(path, f"{where}variants[{i}].", v) for i, v in enumerate(variants)]
        values = {key: check(f"{where}", t[key]) for key, check in extra.items() if key in t}
        kw: dict[str, Any] = {"input": _input(where, t.get("input", {}))}
        if "deadline" in t:
            kw["deadline"] = Num("s").check(where, "deadline", t["deadline"])
        if "privacy" in t:
            kw["privacy"] = read_privacy(where, t["privacy"], servers)
        if "alpha" in values:
            kw["alpha"] = values["alpha"]
        try:
            app = Application(name, models, **kw)
        except ValueError as exc:
            text = str(exc)
            prefix = f"application {name!r}: "
            raise ScenarioFileError(f"{where}{text[len(prefix):]}" if text.startswith(prefix) else f"{where}{text}"
                                    ) from None
        out.append((app, values))
    return out
