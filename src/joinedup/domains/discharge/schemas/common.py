"""Field types and helpers every discharge schema shares."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints
from pydantic_core import PydanticCustomError

from joinedup.core.clock import UK, utcnow
from joinedup.domains.discharge import nhs_number

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120, pattern=r"^[^\x00-\x1f\x7f]*$")
]
# A ward's name as typed on the patient system.
WardName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60, pattern=r"^[^\x00-\x1f\x7f]*$")
]


def _nhs(value: str) -> str:
    """The number's digits; each way it can be wrong has its own error type, so a page can say which."""
    digits = nhs_number.normalise(value)
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        raise PydanticCustomError("nhs_number_digits", "an NHS number is 10 digits")
    if not nhs_number.is_valid(digits):
        raise PydanticCustomError("nhs_number_check_digit", "the NHS number's check digit is wrong")
    return digits


NhsNumber = Annotated[str, StringConstraints(max_length=14), AfterValidator(_nhs)]


def uk_today() -> date:
    """Today in the UK: the day people see on the ward."""
    return utcnow().astimezone(UK).date()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
