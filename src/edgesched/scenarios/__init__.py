"""Problem instances: the paper's set-up and heterogeneous variants (one cell), cities of many stations, and
scenario files (one model per device, or a city of applications)."""
from __future__ import annotations

from collections.abc import Callable

from .city import City, city
from .files import ApplicationScenario, ScenarioFile, ScenarioFileError, load_scenario
from .paper import SOLVER_KEYS, Scenario, frame_bits_rgb, heterogeneous, paper_default

__all__ = ["GENERATORS", "SOLVER_KEYS", "ApplicationScenario", "City", "Scenario", "ScenarioFile",
           "ScenarioFileError", "city", "frame_bits_rgb", "heterogeneous", "load_scenario", "paper_default"]

#: Scenario generators that sweeps and sweep files may name (``scenario = "heterogeneous"``).
GENERATORS: dict[str, Callable[..., Scenario]] = {
    "paper_default": paper_default,
    "heterogeneous": heterogeneous,
}
