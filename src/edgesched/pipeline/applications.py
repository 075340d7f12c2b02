"""Applications of a smart city and the devices that run them.

An :class:`Application` (traffic management on video, environmental monitoring on sensor series, public safety
on camera frames, ...) has its model variants, each with its measured accuracy curve; its input
(:class:`VideoInput`: frame size and rate, or :class:`SensorInput`: samples per window, bits per sample and
sample rate); a default accuracy requirement; optionally a default deadline; and optionally a
:class:`~edgesched.pipeline.privacy.Privacy` policy. Each :class:`Device` belongs to one application, and
may override its requirement and deadline, and tighten its privacy.

The unit of an input is a frame (video) or a sample (series): an inference reads ``M`` units, ``M*`` is the
smallest ``M`` whose accuracy meets the requirement (Sec. III-B, ``docs/model.md`` §1), a unit is ``d_n`` bits
(eq. (4)), and the models see an input of ``channels x M x height x width`` values (``height = width = 1``
for a series).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .._validation import positive_scalar, whole_number
from ..physics.hardware import Hardware
from ..physics.variants import ModelVariant
from .privacy import Privacy

__all__ = ["Application", "Device", "Input", "SensorInput", "VideoInput", "accuracy_requirement"]


@dataclass(frozen=True)
class VideoInput:
    """Camera frames.

    Attributes
    ----------
    height, width : int
        Frame size in pixels (default 112 x 112, as the paper's clips).
    channels : int
        Values per pixel (3: RGB).
    bits : int
        Bits per value (8: 8-bit RGB, 24 bit a pixel; 301,056 bit a 112 x 112 frame).
    frame_rate : float
        Frames per second. Carried for the simulator (a clip of ``M`` frames takes ``M / frame_rate`` s to
        record); the cost model does not price it.
    """

    height: int = 112
    width: int = 112
    channels: int = 3
    bits: int = 8
    frame_rate: float = 30.0
    modality: ClassVar[str] = "video"
    unit: ClassVar[str] = "frame"

    def __post_init__(self) -> None:
        for name in ("height", "width", "channels", "bits"):
            object.__setattr__(self, name, whole_number(getattr(self, name), f"input.{name}", integral_float=False))
        object.__setattr__(self, "frame_rate", positive_scalar("input.frame_rate", self.frame_rate,
                                                               unit="frame/s"))

    @property
    def unit_bits(self) -> float:
        """Bits of one frame, ``d_n`` (eq. (4)): ``channels * height * width * bits``."""
        return float(self.channels * self.height * self.width * self.bits)

    @property
    def size(self) -> tuple[int, int]:
        """``(height, width)`` the models read."""
        return self.height, self.width

    @property
    def rate(self) -> float:
        """Units (frames) per second."""
        return self.frame_rate

    @property
    def max_units(self) -> int | None:
        """The default frame limit ``M^max``: None (each variant's accuracy curve's last frame)."""
        return None

    def duration(self, units: int) -> float:
        """Seconds of input in ``units`` frames."""
        return units / self.frame_rate


@dataclass(frozen=True)
class SensorInput:
    """A window of sensor samples (a time series of ``channels`` readings per sample).

    Attributes
    ----------
    window : int
        Samples per window: the most samples a model reads, the default ``M^max`` (a variant whose accuracy
        curve reaches the requirement at a shorter window reads only the last ``M*`` samples).
    channels : int
        Readings per sample; the models' ``in_channels``.
    bits_per_sample : float, optional
        Bits of one sample, all channels (``d_n``); default 16 bits per reading.
    sample_rate : float
        Samples per second (default 1/60: one a minute). Carried for the simulator, not priced.
    """

    window: int = 60
    channels: int = 1
    bits_per_sample: float | None = None
    sample_rate: float = 1.0 / 60.0
    modality: ClassVar[str] = "series"
    unit: ClassVar[str] = "sample"

    def __post_init__(self) -> None:
        object.__setattr__(self, "window", whole_number(self.window, "input.window", integral_float=False))
        object.__setattr__(self, "channels", whole_number(self.channels, "input.channels", integral_float=False))
        bits = 16.0 * self.channels if self.bits_per_sample is None else self.bits_per_sample
        object.__setattr__(self, "bits_per_sample", positive_scalar("input.bits_per_sample", bits, unit="bit"))
        object.__setattr__(self, "sample_rate", positive_scalar("input.sample_rate", self.sample_rate,
                                                                unit="sample/s"))

    @property
    def unit_bits(self) -> float:
        """Bits of one sample, ``d_n`` (eq. (4))."""
        return float(self.bits_per_sample)  # type: ignore[arg-type]  # set in __post_init__

    @property
    def size(self) -> tuple[int, int]:
        """``(1, 1)``: a series has no height or width."""
        return 1, 1

    @property
    def rate(self) -> float:
        """Units (samples) per second."""
        return self.sample_rate

    @property
    def max_units(self) -> int | None:
        """The default sample limit ``M^max``: the window."""
        return self.window

    def duration(self, units: int) -> float:
        """Seconds of input in ``units`` samples."""
        return units / self.sample_rate


Input = VideoInput | SensorInput


def accuracy_requirement(value: Any, name: str) -> float:
    """A validated accuracy requirement in [0, 1] (constraint (8a)), the error naming ``name``."""
    alpha = positive_scalar(name, value, allow_zero=True)
    if alpha > 1.0:
        raise ValueError(f"{name} is {value!r}; accuracy requirements must be in [0, 1]")
    return alpha


@dataclass(frozen=True, eq=False)
class Application:
    """One application of the city: its model variants, its input, its requirements and its privacy.

    Attributes
    ----------
    name : str
        Unique within a pipeline; devices name it.
    variants : sequence of ModelVariant
        Its models (at least one, distinct names), each with its measured accuracy curve ``Phi(M)`` over the
        input's unit (frames, or samples of the window), each reading the input's modality and channels.
    input : VideoInput or SensorInput
        What its devices record (default: 112 x 112 RGB video).
    alpha : float, optional
        Default accuracy requirement in [0, 1] (constraint (8a)); a device may give its own. None: every
        device must give one.
    deadline : float, optional
        Default deadline in s of one inference; a device may give its own. A constraint of the optimisation
        (``docs/model.md`` §8): a pipeline's results meet it, or name the devices that cannot.
    privacy : Privacy, optional
        Where its devices' data may go (default: anywhere).
    """

    name: str
    variants: Sequence[ModelVariant]
    input: Input = field(default_factory=VideoInput)
    alpha: float | None = None
    deadline: float | None = None
    privacy: Privacy | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"application name is {self.name!r}; give a non-empty string")
        where = f"application {self.name!r}"
        if isinstance(self.variants, ModelVariant) or not isinstance(self.variants, Sequence):
            raise ValueError(f"{where}: variants must be a sequence of ModelVariant")
        object.__setattr__(self, "variants", tuple(self.variants))
        if not isinstance(self.input, (VideoInput, SensorInput)):
            raise ValueError(f"{where}: input is a {type(self.input).__name__}; expected a VideoInput or SensorInput")
        if not self.variants:
            raise ValueError(f"{where}: variants is empty; give at least one ModelVariant")
        seen: dict[str, int] = {}
        for i, v in enumerate(self.variants):
            if not isinstance(v, ModelVariant):
                raise ValueError(f"{where}: variants[{i}] is a {type(v).__name__}; expected a ModelVariant")
            if v.accuracy is None:
                raise ValueError(f"{where}: variants[{i}] ({v.name}) has no accuracy curve; give its measured Phi(M)")
            if v.name in seen:
                raise ValueError(f"{where}: variants[{i}] is named {v.name!r} like variants[{seen[v.name]}]; "
                                 "give variants distinct names")
            seen[v.name] = i
            net = v.network
            if net.modality != self.input.modality:
                raise ValueError(f"{where}: variants[{i}] ({v.name}) reads {net.modality}; the application's input "
                                 f"is {self.input.modality}")
            if net.in_channels != self.input.channels:
                raise ValueError(f"{where}: variants[{i}] ({v.name}) reads {net.in_channels} channels; the "
                                 f"application's input has {self.input.channels}")
        if self.alpha is not None:
            object.__setattr__(self, "alpha", accuracy_requirement(self.alpha, f"{where}: alpha"))
        if self.deadline is not None:
            object.__setattr__(self, "deadline", positive_scalar(f"{where}: deadline", self.deadline, unit="s"))
        if self.privacy is not None and not isinstance(self.privacy, Privacy):
            raise ValueError(f"{where}: privacy is a {type(self.privacy).__name__}; expected a Privacy or None")

    def device(self, hardware: Hardware, rate: float | Sequence[float], tx_power: float, **kw: Any) -> Device:
        """A :class:`Device` of this application (keywords as :class:`Device`: ``alpha``, ``deadline``,
        ``privacy``, ``frame_bits``, ``max_frames``)."""
        return Device(hardware, kw.pop("alpha", None), rate, tx_power, application=self.name, **kw)


@dataclass(frozen=True)
class Device:
    """A device of the city (a camera, a sensor station).

    Attributes
    ----------
    hardware : Hardware
        Its processor (``f_max`` = ``f^md,max``, ``kappa``, cycles per MAC, memory).
    alpha : float or None
        Accuracy requirement in [0, 1] (constraint (8a)); None: its application's.
    rate : float or sequence of float
        Uplink rate ``R_nj`` in bit/s to each edge server (one value for one server).
    tx_power : float
        Transmit power ``p_n`` in W.
    frame_bits : float, optional
        Bits ``d_n`` of one input unit (a frame, or a sample of a series); default: its application's input's.
    max_frames : int, optional
        Limit ``M^max`` (8b) on the units of one inference; default: its application's (a series' window),
        or each accuracy curve's last table frame.
    application : str
        The name of its application; may be left empty in a pipeline of one application.
    deadline : float, optional
        Its deadline in s; default: its application's (enforced: docs/model.md §8).
    privacy : Privacy, optional
        Its own policy, applied on top of its application's.
    """

    hardware: Hardware
    alpha: float | None
    rate: float | Sequence[float]
    tx_power: float
    frame_bits: float | None = None
    max_frames: int | None = None
    application: str = field(default="", kw_only=True)
    deadline: float | None = field(default=None, kw_only=True)
    privacy: Privacy | None = field(default=None, kw_only=True)

