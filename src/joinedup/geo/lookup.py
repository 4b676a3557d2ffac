"""Where a postcode is: the open postcode extract shipped with the demo data (Trafford).

A deployment for another place replaces `demo/data/postcodes.csv` with its own ONS extract.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from joinedup.core.errors import invalid
from joinedup.geo.postcodes import normalise_postcode

POSTCODES_CSV = Path(__file__).resolve().parents[1] / "demo" / "data" / "postcodes.csv"


@dataclass(frozen=True)
class PostcodePoint:
    postcode: str
    latitude: float
    longitude: float
    lsoa_code: str | None


@lru_cache(maxsize=1)
def _table() -> dict[str, PostcodePoint]:
    table: dict[str, PostcodePoint] = {}
    if not POSTCODES_CSV.exists():
        return table
    with POSTCODES_CSV.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            try:
                point = PostcodePoint(
                    postcode=normalise_postcode(row["postcode"]),
                    latitude=float(row["lat"]),
                    longitude=float(row["lon"]),
                    lsoa_code=row.get("lsoa_code") or None,
                )
            except (ValueError, KeyError):
                continue
            table[point.postcode] = point
    return table


def locate(postcode: str) -> PostcodePoint | None:
    """The point of a postcode, or None if it is not in the extract. ValueError if malformed."""
    return _table().get(normalise_postcode(postcode))


def resolve_postcode(postcode: str, *, field: str = "postcode") -> PostcodePoint:
    """The point of a postcode a caller sent, or a 422 problem naming `field`: code "postcode"
    when it is malformed, "unknown_postcode" when it is not in the extract."""
    try:
        point = locate(postcode)
    except ValueError as exc:
        raise invalid(field, str(exc), "postcode") from None
    if point is None:
        raise invalid(field, "postcode not found in the postcode lookup", "unknown_postcode")
    return point


def district(postcode: str) -> str:
    """The outward code ("M41" of "M41 5BU")."""
    return normalise_postcode(postcode).split(" ")[0]
