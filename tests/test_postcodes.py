from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.geo.postcodes import normalise_postcode


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [("m41 5bu", "M41 5BU"), ("WA156SQ", "WA15 6SQ"), (" m15  4ab ", "M15 4AB"), ("EC1A1BB", "EC1A 1BB")],
)
def test_postcodes_are_normalised(raw: str, canonical: str) -> None:
    assert normalise_postcode(raw) == canonical


@pytest.mark.parametrize("raw", ["", "M41", "12345", "M41 5B", "MM41A 5BU"])
def test_non_postcodes_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="postcode"):
        normalise_postcode(raw)


@given(st.from_regex(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}", fullmatch=True))
def test_normalising_is_idempotent(raw: str) -> None:
    once = normalise_postcode(raw)
    assert normalise_postcode(once) == once and " " in once
