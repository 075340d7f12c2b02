"""The model-optimisation pipeline as scheduler input: model variants, hardware, edge, cloud and split
placements, decided per device."""
from __future__ import annotations

from .result import DeviceResult, PipelineResult, PipelineTable
from .system import PLACEMENTS, Cloud, Device, Pipeline

__all__ = ["PLACEMENTS", "Cloud", "Device", "DeviceResult", "Pipeline", "PipelineResult", "PipelineTable"]
