"""Bed days lost and the NHS England return shapes (daily sitrep, monthly delay reasons)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class BedDaysRow(BaseModel):
    key: str
    label: str
    patients: int
    bed_days_lost: int


class BedDaysReport(BaseModel):
    start: date
    end: date
    total: int
    by_patient: list[BedDaysRow]
    by_reason: list[BedDaysRow]
    by_pathway: list[BedDaysRow]
    by_organisation: list[BedDaysRow]
    by_provider: list[BedDaysRow]


class DailySitrepRow(BaseModel):
    nhs_trust22_code: str
    date: date
    do_not_meet_criteria_to_reside: int
    discharged_by_1700: int
    discharged_between_1701_2359: int
    discharged_total: int


class MonthlyDelayRow(BaseModel):
    nhs_trust22_name: str
    nhs_trust22_code: str
    date: date
    delay_reason: str
    delay_count: float
