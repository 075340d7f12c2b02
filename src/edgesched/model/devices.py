"""The devices of an instance: the eight per-device inputs of the model, in one validated type."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from .._validation import device_array, device_count, float_array

__all__ = ["DEVICE_FIELDS", "DeviceFields", "Devices"]

#: The per-device inputs, in the order of :func:`edgesched.solve_offloading`'s arguments: name -> (unit, meaning).
DEVICE_FIELDS: dict[str, tuple[str, str]] = {
    "macs": ("MAC", "C(M*), multiply-accumulates of one inference at the device's frame count"),
    "frames": ("frames", "M*, video frames per inference (a whole number)"),
    "frame_bits": ("bit", "d, size of one frame"),
    "rate": ("bit/s", "R, uplink rate while the device holds the whole channel"),
    "tx_power": ("W", "p, transmit power"),
    "f_local_max": ("Hz", "the device CPU's top frequency"),
    "kappa": ("J s^2/cycle^3", "switched capacitance of the device CPU (power kappa f^3)"),
    "rho": ("cycle/MAC", "CPU cycles per MAC"),
}


def _frozen(arr: Any) -> np.ndarray:
    """A read-only float64 copy: the caller's array stays theirs and cannot change the devices afterwards."""
    out = np.array(arr, dtype=np.float64, order="C")
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class Devices:
    """N devices of the model: per-device inputs as read-only float64 arrays of shape (N,), SI units.

    Every field is finite and > 0 and ``frames`` whole (:data:`DEVICE_FIELDS` gives units and meanings); a scalar
    broadcasts to every device. A bad value is a ValueError naming the field and the first bad index
    (``"rate[3] is -1.0; rate must be > 0 bit/s"``). Scenarios, cities, scenario files and the online simulator
    hold their devices as a ``Devices``; :meth:`arrays` gives the keyword arguments of
    :func:`edgesched.solve_offloading`.
    """

    macs: np.ndarray
    frames: np.ndarray
    frame_bits: np.ndarray
    rate: np.ndarray
    tx_power: np.ndarray
    f_local_max: np.ndarray
    kappa: np.ndarray
    rho: np.ndarray

    def __post_init__(self) -> None:
        values = {name: getattr(self, name) for name in DEVICE_FIELDS}
        n = device_count(**values)
        for name, value in values.items():
            unit = DEVICE_FIELDS[name][0]
            arr = device_array(name, value, n, unit=unit, integral=(name == "frames"))
            object.__setattr__(self, name, _frozen(arr))

    @classmethod
    def from_checked(cls, **arrays: Any) -> Devices:
        """Devices from arrays that already hold valid values (taken from other ``Devices``, or computed from
        validated inputs): no second validation pass, only the read-only copy."""
        devices = object.__new__(cls)
        for name in DEVICE_FIELDS:
            object.__setattr__(devices, name, _frozen(arrays[name]))
        return devices

    @classmethod
    def check_types(cls, **values: Any) -> dict[str, Any]:
        """Types and lengths only, as float64 arrays (a scalar stays an array of length 1): what the C++ core needs
        before it checks every value as it reads it."""
        device_count(**values)
        return {name: np.atleast_1d(float_array(name, values[name])) for name in DEVICE_FIELDS}

    @property
    def n_devices(self) -> int:
        """Number of devices N."""
        return int(self.macs.shape[0])

    @property
    def cycles(self) -> np.ndarray:
        """CPU cycles of one inference, ``rho * C(M*)`` (cycle)."""
        return self.rho * self.macs

    @property
    def bits(self) -> np.ndarray:
        """Bits of one inference's input, ``M* d`` (bit)."""
        return self.frames * self.frame_bits

    def arrays(self) -> dict[str, Any]:
        """The eight arrays by name, in :data:`DEVICE_FIELDS` order (read-only)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def take(self, index: Any) -> Devices:
        """The devices at ``index`` (an integer array or a boolean mask), in that order."""
        return Devices.from_checked(**{name: arr[index] for name, arr in self.arrays().items()})

    def replace(self, **changes: Any) -> Devices:
        """A copy with some fields changed (re-validated)."""
        return Devices(**{**self.arrays(), **changes})


class DeviceFields:
    """The per-device inputs of a holder of ``devices`` as attributes: ``x.macs`` is ``x.devices.macs``."""

    devices: Devices

    @property
    def n_devices(self) -> int:
        """Number of devices N."""
        return self.devices.n_devices

    @property
    def macs(self) -> np.ndarray:
        """C(M*) of each device, MAC."""
        return self.devices.macs

    @property
    def frames(self) -> np.ndarray:
        """M* of each device, frames."""
        return self.devices.frames

    @property
    def frame_bits(self) -> np.ndarray:
        """Size d of one frame, bit."""
        return self.devices.frame_bits

    @property
    def rate(self) -> np.ndarray:
        """Uplink rate R, bit/s."""
        return self.devices.rate

    @property
    def tx_power(self) -> np.ndarray:
        """Transmit power p, W."""
        return self.devices.tx_power

    @property
    def f_local_max(self) -> np.ndarray:
        """Top CPU frequency of each device, Hz."""
        return self.devices.f_local_max

    @property
    def kappa(self) -> np.ndarray:
        """Switched capacitance of each device's CPU, J s^2/cycle^3."""
        return self.devices.kappa

    @property
    def rho(self) -> np.ndarray:
        """CPU cycles per MAC."""
        return self.devices.rho
