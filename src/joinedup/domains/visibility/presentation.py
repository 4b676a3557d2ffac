"""How the system picture writes its figures: ages and rounding in tables, CSV of any table
(with a size limit that says how to narrow it), and the export link of each table on a page."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlencode

from joinedup.core.errors import ProblemError
from joinedup.domains.visibility.schemas import Level, Table

MAX_EXPORT_ROWS = 50_000
# A service's kind (capacity's code) as a table shows it.
SERVICE_KINDS = {"care_home": "Care home", "homecare": "Homecare", "reablement": "Reablement"}
EXPORT_PATH = "/api/v1/visibility/export.csv"


def age(as_of: datetime | None, now: datetime) -> str:
    """How long ago, in the largest whole unit: "3 hours ago", "just now", "never"."""
    if as_of is None:
        return "never"
    seconds = max(0, int((now - as_of).total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'' if n == 1 else 's'} ago"
    return "just now"


def kind_label(kind: str) -> str:
    return SERVICE_KINDS.get(kind, kind.replace("_", " ").capitalize())


def rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def export_links(level: Level, params: Mapping[str, str]) -> dict[str, str]:
    """Each table's CSV export, with the level's keys and the page's filters."""
    base = {"level": level.level, **level.key, **params}
    return {t.key: f"{EXPORT_PATH}?" + urlencode({**base, "table": t.key}) for t in level.tables}


def _safe(value: object) -> object:
    # Cells starting with = + - @ would be run as formulas by spreadsheets.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def table_csv(table: Table, *, max_rows: int | None = None) -> str:
    limit = MAX_EXPORT_ROWS if max_rows is None else max_rows
    if len(table.rows) > limit:
        raise ProblemError(
            413,
            "export-too-large",
            "Export too large",
            f"The table {table.key!r} has {len(table.rows):,} rows; exports are limited to {limit:,}. "
            "Open a lower level (a place, a neighbourhood or a provider) and export from there.",
        )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_safe(v) for v in row])
    return out.getvalue()
