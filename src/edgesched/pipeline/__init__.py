"""The model-optimisation pipeline as scheduler input: a city of applications (video, sensor series), their model
variants, hardware, privacy rules, and edge, cloud and split placements, decided per device."""
from __future__ import annotations

from .applications import Application, Device, SensorInput, VideoInput
from .privacy import PLACEMENTS, TIERS, Exclusion, Privacy
from .result import ApplicationSummary, DeviceResult, PipelineResult, PipelineTable
from .system import Cloud, Pipeline

__all__ = ["PLACEMENTS", "TIERS", "Application", "ApplicationSummary", "Cloud", "Device", "DeviceResult",
           "Exclusion", "Pipeline", "PipelineResult", "PipelineTable", "Privacy", "SensorInput", "VideoInput"]
