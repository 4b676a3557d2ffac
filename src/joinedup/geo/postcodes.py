"""UK postcodes: validation and the one canonical spelling ("M41 5BU")."""

from __future__ import annotations

import re

# The ONS/Royal Mail shape: outward code (area, district) then inward code (sector, unit).
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")


def normalise_postcode(value: str) -> str:
    """Upper-case with one space before the inward code; ValueError if it is not a postcode."""
    match = _POSTCODE.match(value.strip().upper())
    if match is None:
        raise ValueError("not a UK postcode (for example M41 5BU)")
    return f"{match.group(1)} {match.group(2)}"
