"""NHS numbers: ten digits, the last a Modulus 11 check digit (NHS Data Dictionary)."""

from __future__ import annotations

import re

_SPACES = re.compile(r"[\s-]")


def check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None where the remainder makes the number invalid (10)."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    digit = 11 - total % 11
    if digit == 11:
        return 0
    return None if digit == 10 else digit


def normalise(value: str) -> str:
    """Digits only ("943 476 5919" and "943-476-5919" are the same number)."""
    return _SPACES.sub("", value)


def is_valid(value: str) -> bool:
    digits = normalise(value)
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    expected = check_digit(digits[:9])
    return expected is not None and expected == int(digits[9])


def validate(value: str) -> str:
    """The normalised number, or ValueError saying what is wrong."""
    digits = normalise(value)
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        raise ValueError("an NHS number is 10 digits")
    if not is_valid(digits):
        raise ValueError("the NHS number's check digit is wrong")
    return digits


def formatted(value: str) -> str:
    """3-3-4 grouping, as printed on NHS documents."""
    return f"{value[:3]} {value[3:6]} {value[6:]}"
