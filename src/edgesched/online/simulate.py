"""The simulation loop: the world changes, the monitor evaluates, the policy re-solves."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .app_series import simulate_applications
from .city import OnlineCity
from .config import SimConfig
from .loop import run_steps
from .output import COLUMNS

__all__ = ["simulate"]


def simulate(config: SimConfig, *, progress: bool | None = None,
             on_step: Callable[[int, Any, str], None] | None = None) -> Any:
    """Run a configuration; the time series, one row per step (:data:`COLUMNS`; with ``config.apps``, a city
    of applications, those of :func:`~edgesched.online.app_series.application_columns`).

    Parameters
    ----------
    config : SimConfig
    progress : bool, optional
        A tqdm progress bar on stderr; ``None``: only when stderr is a terminal and tqdm is installed.
    on_step : callable, optional
        ``on_step(step, city, stage)``, called with the :class:`OnlineCity` (an
        :class:`~edgesched.online.app_city.AppCity` for a city of applications) after the monitor has evaluated
        the schedule in force (``stage="monitor"``) and after a re-solve has put a new one in force
        (``"resolved"``): to watch or check every schedule. It must not change the city.

    Returns
    -------
    pandas.DataFrame, or dict of numpy arrays when pandas is not installed
    """
    if not isinstance(config, SimConfig):
        raise ValueError(f"config must be a SimConfig; got {type(config).__name__}")
    if config.apps is not None:
        return simulate_applications(config, progress, on_step)
    return run_steps(OnlineCity(config), COLUMNS, progress, on_step)
