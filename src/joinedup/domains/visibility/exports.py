"""CSV of any table on a drill-down page, with a size limit that says how to narrow it."""

from __future__ import annotations

import csv
import io

from joinedup.core.errors import ProblemError
from joinedup.domains.visibility.drilldown import Table

MAX_EXPORT_ROWS = 50_000


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
