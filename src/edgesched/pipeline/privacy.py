"""Where a device's data may go: the privacy rules of applications and devices, and the options they exclude.

Data leaves a device in one of two forms:

* **raw**: the input itself (a video clip, a window of sensor samples), which the ``"edge"`` and ``"cloud"``
  placements upload; a split upload is raw too where raw input still crosses its cut
  (:attr:`edgesched.arch.Analysis.raw`: the input, or a tensor made from it by pooling, batch norm or sums
  only);
* **features**: what a ``"split"`` or ``"split-cloud"`` placement uploads at any other cut, tensors computed by
  layers with learned weights.

It goes to one of three tiers (:data:`DESTINATION`): it stays on the ``"device"`` (``"local"``), is processed
on the ``"edge"`` (a base station's server: ``"edge"``, ``"split"``) or in the ``"cloud"`` (``"cloud"``,
``"split-cloud"``; on its way the data crosses the station's uplink and backhaul, which carry it but do not
process it).

A :class:`Privacy` names, for each form, the farthest tier it may reach, and optionally the edge servers
trusted with the data. An application's policy applies to each of its devices, and a device's own policy
applies on top: both must allow an option, so a device can tighten its application's rules but not loosen
them. An option that breaks a rule is never offered (the device's menu of ``docs/model.md`` §4 lacks it), and
the device's result lists it as an :class:`Exclusion` with the rule and whose policy it is.
"""
from __future__ import annotations

from dataclasses import dataclass

from .._validation import whole_number

__all__ = ["DATA", "DESTINATION", "PLACEMENTS", "TIERS", "Exclusion", "Privacy", "upload_kind"]

#: Placement kinds an option can have.
PLACEMENTS = ("local", "edge", "cloud", "split", "split-cloud")
#: Tiers data can reach, nearest first.
TIERS = ("device", "edge", "cloud")
#: Forms in which data leaves a device.
DATA = ("raw", "features")
#: The tier each placement sends its upload to.
DESTINATION = {"local": "device", "edge": "edge", "cloud": "cloud", "split": "edge", "split-cloud": "cloud"}


def upload_kind(placement: str, raw_cut: bool) -> str:
    """What a placement uploads: ``""`` (nothing, ``"local"``), ``"raw"`` (``"edge"``, ``"cloud"``, or a split
    at a cut where raw input crosses) or ``"features"``."""
    if placement == "local":
        return ""
    if placement in ("edge", "cloud") or raw_cut:
        return "raw"
    return "features"


@dataclass(frozen=True)
class Privacy:
    """A privacy policy: the farthest tier each form of data may reach (see the module docstring).

    Attributes
    ----------
    raw : str
        ``"device"`` (raw data never leaves the device), ``"edge"`` (it may go to an edge server but not to
        the cloud) or ``"cloud"`` (no restriction, the default).
    features : str
        The same for split uploads of features.
    edge_servers : tuple of int, optional
        The edge servers (indices into the pipeline's servers) that may process the data, raw or features;
        None: every server. It does not restrict the stations the cloud placements pass through.

    Examples
    --------
    Raw video never leaves the device, extracted features may go to the edge but not to the cloud:
    ``Privacy(raw="device", features="edge")``.
    """

    raw: str = "cloud"
    features: str = "cloud"
    edge_servers: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        for form in DATA:
            tier = getattr(self, form)
            if tier not in TIERS:
                raise ValueError(f"privacy.{form} is {tier!r}; it must be one of {', '.join(TIERS)} (the farthest "
                                 f"tier {form} data may reach)")
        if self.edge_servers is not None:
            if isinstance(self.edge_servers, (str, bytes)) or not hasattr(self.edge_servers, "__iter__"):
                raise ValueError(f"privacy.edge_servers is {self.edge_servers!r}; give a sequence of server indices "
                                 "or None")
            servers = {whole_number(j, f"privacy.edge_servers[{i}]", 0, integral_float=False)
                       for i, j in enumerate(self.edge_servers)}
            object.__setattr__(self, "edge_servers", tuple(sorted(servers)))

    def breach(self, data: str, placement: str, server: int) -> str | None:
        """Why sending ``data`` (``"raw"`` or ``"features"``) by ``placement`` through station ``server`` breaks
        this policy, or None if it does not."""
        limit, tier = getattr(self, data), DESTINATION[placement]
        if TIERS.index(tier) > TIERS.index(limit):
            return f"{data} data may not {'leave the device' if limit == 'device' else 'go to the cloud'}"
        if tier == "edge" and self.edge_servers is not None and server not in self.edge_servers:
            trusted = ", ".join(map(str, self.edge_servers)) or "none"
            return f"{data} data may not go to server {server} (trusted servers: {trusted})"
        return None


@dataclass(frozen=True)
class Exclusion:
    """Options a device was not offered, and why.

    Attributes
    ----------
    variant : str
        The model variant's name.
    placement : str
        A placement kind, or ``"any"`` (every placement of the variant).
    server : int or None
        The station the option goes through; None: whichever (the rule holds for every one, or there is none).
    split : str or None
        For split placements, the last layer the device would run; None otherwise.
    rule : str
        ``"accuracy"`` (the variant cannot meet the requirement within the frame limit), ``"precision"`` or
        ``"memory"`` (the device, server or cloud cannot run that part of the model), or ``"privacy"``.
    reason : str
        The rule in words; for privacy, whose policy it is (the application's or the device's own).
    """

    variant: str
    placement: str
    server: int | None
    split: str | None
    rule: str
    reason: str

    def label(self) -> str:
        """``"r3d_18 cloud via 0"``, ``"r3d_18 split after layer3.1.add on 1"``, ``"r3d_18 local"``; the
        variant's name alone for the whole variant."""
        if self.placement == "any":
            return self.variant
        text = f"{self.variant} {self.placement}"
        if self.split is not None:
            text += f" after {self.split}"
        if self.server is not None:
            text += f" {'via' if DESTINATION.get(self.placement) == 'cloud' else 'on'} {self.server}"
        return text
