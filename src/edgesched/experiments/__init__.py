"""Experiments: parameter sweeps with a resumable store, the paper's figures reproduced, and model profiles."""
from __future__ import annotations

from .evaluate import METRICS, evaluate_paper, evaluate_paper_batch
from .profiling import profile
from .sweep import SweepTaskError, grid_points, summarize, sweep

__all__ = ["METRICS", "SweepTaskError", "evaluate_paper", "evaluate_paper_batch", "grid_points", "profile",
           "summarize", "sweep"]
