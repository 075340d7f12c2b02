"""edgesched: delay/energy-optimal placement of video DNN inference on devices, edge servers and the cloud.

The core model is Pan et al., *Joint Optimization of DNN Inference Delay and Energy under Accuracy
Constraints for AR Applications*: MAC-based delay and energy, Theorem 1 (local CPU frequency), Theorem 2
(edge CPU and TDMA time shares) and the iterative greedy offloading policy; ``docs/model.md`` states the
mathematics. The package is laid out by job:

- :mod:`edgesched.model`: devices, option tables, the closed forms of Theorems 1-2, results;
- :mod:`edgesched.solvers`: the solvers' entry points (the C++ core, array code for many scenarios, SCIP);
- :mod:`edgesched.methods`: the registry of solver methods and their budgets;
- :mod:`edgesched.physics`: channel, accuracy curves, architectures and MACs, model variants, hardware;
- :mod:`edgesched.scenarios`, :mod:`edgesched.pipeline`, :mod:`edgesched.online`, :mod:`edgesched.experiments`.
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    from . import _core  # noqa: F401
except ImportError as exc:  # pragma: no cover - only on a broken install
    raise ImportError(
        "edgesched's compiled core (edgesched._core) is missing or broken: "
        "install the package with `pip install .` (or `make install`) from the source tree. "
        f"Original error: {exc}"
    ) from exc

from . import experiments, kernels, model, online, pipeline, scenarios
from .experiments import profile, profiling, sweep
from .methods import METHODS, OPTION_METHODS
from .model import Devices, OptionSchedule, OptionTable, Schedule, paper_table
from .online import SimConfig, simulate
from .physics import accuracy, arch, channel, hardware, macs, variants
from .physics.arch import Architecture
from .physics.hardware import HARDWARE, Hardware
from .physics.variants import ModelVariant
from .pipeline import Application, Cloud, Device, Pipeline, PipelineResult, Privacy, SensorInput, VideoInput
from .scenarios import load_scenario
from .solvers import BatchSchedule, Offloader, batched, solve, solve_batch, solve_offloading, solve_options

try:
    __version__ = version("edgesched")
except PackageNotFoundError:  # pragma: no cover - the source tree without an install
    __version__ = "0+unknown"

__all__ = [
    "HARDWARE", "METHODS", "OPTION_METHODS", "Application", "Architecture", "BatchSchedule", "Cloud", "Device",
    "Devices", "Hardware", "ModelVariant", "Offloader", "OptionSchedule", "OptionTable", "Pipeline", "PipelineResult",
    "Privacy",
    "Schedule", "SensorInput", "SimConfig", "VideoInput", "accuracy", "arch", "batched", "channel", "experiments",
    "hardware", "kernels", "load_scenario", "macs", "model", "online", "paper_table", "pipeline", "profile",
    "profiling", "scenarios", "simulate", "solve", "solve_batch", "solve_offloading", "solve_options", "sweep",
    "variants", "__version__",
]
