"""Solving: the paper's problem on arrays (one cell or many, once or again and again through a handle), option
tables, many scenarios as array code, and the exact MIQP through SCIP."""
from __future__ import annotations

from .batched import BatchSchedule, solve_batch
from .exact import ExactResult, solve_scip
from .handle import HANDLE_METHODS, Offloader
from .offloading import solve, solve_offloading
from .options import solve_options

__all__ = ["HANDLE_METHODS", "BatchSchedule", "ExactResult", "Offloader", "solve", "solve_batch", "solve_offloading",
           "solve_options", "solve_scip"]
