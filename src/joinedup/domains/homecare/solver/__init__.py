"""Homecare rostering engine: PyVRP routing core plus a homecare layer.

Public API::

    instance = load_instance(path)          # UHHC JSON, native JSON or VRPLIB
    roster = solve(instance, time_limit_s=60, seed=1, on_progress=None)
    violations = check_roster(instance, roster)   # independent checker
    metrics = compute_metrics(instance, roster)
    rows = summary_rows(metrics, len(violations))
"""

from .checker import check_roster
from .engine import solve
from .loading import load_instance
from .metrics import Metrics, compute_metrics, summary_rows
from .model import Break, Carer, Instance, Objective, Recipient, Service, SyncRule, TimeWindow, Visit
from .roster import BreakTaken, CarerRoute, Roster, Stop, Unassigned, Violation
from .uhhc import read_uhhc, read_uhhc_solution, write_uhhc_solution
from .vrplib_io import read_vrplib

__all__ = [
    "Break",
    "BreakTaken",
    "Carer",
    "CarerRoute",
    "Instance",
    "Metrics",
    "Objective",
    "Recipient",
    "Roster",
    "Service",
    "Stop",
    "SyncRule",
    "TimeWindow",
    "Unassigned",
    "Violation",
    "Visit",
    "check_roster",
    "compute_metrics",
    "load_instance",
    "read_uhhc",
    "read_uhhc_solution",
    "read_vrplib",
    "solve",
    "summary_rows",
    "write_uhhc_solution",
]
