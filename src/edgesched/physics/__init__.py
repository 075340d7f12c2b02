"""The physical layer: radio channel, accuracy curves, network architectures and their MAC counts, model
variants (pruning, factorisation, quantization, distillation) and hardware classes."""
from __future__ import annotations

from . import accuracy, arch, channel, hardware, macs, variants

__all__ = ["accuracy", "arch", "channel", "hardware", "macs", "variants"]
