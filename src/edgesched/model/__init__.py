"""The model: devices, the option table, the closed forms of Theorems 1 and 2, and the results of a solve."""
from __future__ import annotations

from . import theorems
from .devices import DEVICE_FIELDS, Devices
from .results import Certified, OptionSchedule, Schedule, relative_gap
from .table import OptionTable, paper_table

__all__ = ["DEVICE_FIELDS", "Certified", "Devices", "OptionSchedule", "OptionTable", "Schedule", "paper_table",
           "relative_gap", "theorems"]
