"""edgesched: delay/energy-optimal placement of video DNN inference on devices and edge servers.

The core model is Pan et al., *Joint Optimization of DNN Inference Delay and Energy under Accuracy
Constraints for AR Applications*: MAC-based delay and energy, Theorem 1 (local CPU frequency), Theorem 2
(edge CPU and TDMA time shares) and the iterative greedy offloading policy.
"""
from __future__ import annotations

try:
    from . import _core  # noqa: F401
except ImportError as exc:  # pragma: no cover - only on a broken install
    raise ImportError(
        "edgesched's compiled core (edgesched._core) is missing or broken: "
        "install the package with `pip install .` (or `make install`) from the source tree. "
        f"Original error: {exc}"
    ) from exc

from . import (accuracy, arch, batched, channel, hardware, kernels, macs, online, pipeline, profiling, reference,
               scenarios, variants)
from .arch import Architecture
from .batched import BatchSchedule, solve_batch
from .hardware import HARDWARE, Hardware
from .offloading import METHODS, solve, solve_offloading
from .online import SimConfig, simulate
from .options import OptionSchedule, OptionTable, paper_table, solve_options
from .pipeline import Cloud, Device, Pipeline, PipelineResult
from .profiling import profile
from .scenario_file import load_scenario
from .schedule import Schedule
from .sweep import sweep
from .variants import ModelVariant

__version__ = "0.1.0"
__all__ = [
    "HARDWARE", "METHODS", "Architecture", "BatchSchedule", "Cloud", "Device", "Hardware", "ModelVariant",
    "OptionSchedule", "OptionTable", "Pipeline", "PipelineResult", "Schedule", "SimConfig", "accuracy", "arch", "batched",
    "channel", "hardware", "kernels", "load_scenario", "macs", "online", "paper_table", "pipeline", "profile", "profiling",
    "reference", "scenarios", "solve", "solve_batch", "solve_offloading", "solve_options", "simulate", "sweep", "variants",
    "__version__",
]
