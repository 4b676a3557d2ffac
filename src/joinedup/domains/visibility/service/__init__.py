"""The system picture's door: the only functions its pages, API and CLI call (keyword-only,
session first, each in the caller's transaction).

- the drill-down: one function per level, any level by name, any table as CSV
  (`service/drilldown.py`, built in `levels.py` and `wards.py`), and the map (`map_picture.py`);
- saved views (`saved_views.py`);
- the trusts' published series: import (`series_import.py`) and daily capacity snapshots
  (`snapshots.py`);
- where the discharge figures come from (`discharge_sources.py`).

What it reads of other domains it reads through their doors, all in `other_domains.py`.
"""

from __future__ import annotations

from joinedup.domains.visibility.service.discharge_sources import (
    PUBLISHED,
    DischargeFigures,
    DischargeRecords,
)
from joinedup.domains.visibility.service.discharge_sources import source as discharge_source
from joinedup.domains.visibility.service.discharge_sources import use_source as use_discharge_source
from joinedup.domains.visibility.service.drilldown import (
    build_level,
    export_table_csv,
    neighbourhood_level,
    organisation_level,
    patients_level,
    place_level,
    system_level,
    ward_level,
)
from joinedup.domains.visibility.service.map_picture import map_picture
from joinedup.domains.visibility.service.other_domains import FIGURE_TOPICS
from joinedup.domains.visibility.service.published_series import TrustSeriesFigures
from joinedup.domains.visibility.service.saved_views import delete_view, list_views, save_view
from joinedup.domains.visibility.service.series_import import ImportProblem, ImportResult, import_trust_history
from joinedup.domains.visibility.service.snapshots import snapshot_today

__all__ = [
    "FIGURE_TOPICS",
    "PUBLISHED",
    "DischargeFigures",
    "DischargeRecords",
    "ImportProblem",
    "ImportResult",
    "TrustSeriesFigures",
    "build_level",
    "delete_view",
    "discharge_source",
    "export_table_csv",
    "import_trust_history",
    "list_views",
    "map_picture",
    "neighbourhood_level",
    "organisation_level",
    "patients_level",
    "place_level",
    "save_view",
    "snapshot_today",
    "system_level",
    "use_discharge_source",
    "ward_level",
]
