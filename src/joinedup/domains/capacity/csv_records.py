"""An uploaded CSV read record by record, safely: a record the csv module cannot read (a value
longer than its field limit, a line break inside a value that is not quoted) becomes one error
naming its row and, where it can be told, its column. Never a server error, and nothing of the
file is echoed but the column names of the header.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

_LINE_BREAK_IN_VALUE = "new-line character seen in unquoted field"


@dataclass(frozen=True)
class Unreadable:
    """Why reading stopped: the row (1 is the header) and column, in words for people."""

    row: int
    column: str
    message: str


@dataclass
class Records:
    header: list[str]
    rows: list[tuple[int, dict[str, str] | None]]  # (row number, values by column; None: too many values)
    unreadable: Unreadable | None = None


def _long_value_column(text: str, first_line: int, header: list[str], limit: int) -> str:
    """The column of the first value longer than `limit` in the record starting at `first_line`
    (1-based physical line), found by walking its characters as the csv module would."""
    lines = io.StringIO(text, newline="")
    for _ in range(first_line - 1):
        lines.readline()
    column, length, quoted = 0, 0, False
    while char := lines.read(1):
        if char == '"':
            quoted = not quoted
            continue
        if char == "," and not quoted:
            column, length = column + 1, 0
            continue
        if char in "\r\n" and not quoted:
            break
        length += 1
        if length > limit:
            break
    return header[column] if column < len(header) else "row"


def _unreadable(exc: csv.Error, text: str, row: int, first_line: int, header: list[str]) -> Unreadable:
    limit = csv.field_size_limit()
    if "field larger than field limit" in str(exc):
        column = _long_value_column(text, first_line, header, limit) if row > 1 else "row"
        return Unreadable(row, column, f"a value is longer than {limit:,} characters; no column takes that much")
    if _LINE_BREAK_IN_VALUE in str(exc):
        return Unreadable(row, "row", "a line break inside a value that is not in double quotes")
    return Unreadable(row, "row", "the row cannot be read as CSV (check its double quotes)")


def read_records(text: str) -> Records:
    """Every record of `text` until the first one that cannot be read (rows numbered from 2)."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = list(reader.fieldnames or [])
    except csv.Error as exc:
        return Records(header=[], rows=[], unreadable=_unreadable(exc, text, 1, 1, []))
    out = Records(header=header, rows=[])
    number = 1
    while True:
        number += 1
        first_line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return out
        except csv.Error as exc:
            out.unreadable = _unreadable(exc, text, number, first_line, header)
            return out
        if None in row:  # more values than columns
            out.rows.append((number, None))
            continue
        out.rows.append((number, {k: v or "" for k, v in row.items() if k}))
