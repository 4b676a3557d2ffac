"""Patients awaiting discharge: what is entered, changed and shown, and a CSV import's result."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, model_validator

from joinedup.core.errors import rule_error
from joinedup.domains.capacity.schemas import Postcode
from joinedup.domains.discharge.pathways import PathwayCode
from joinedup.domains.discharge.schemas.common import Name, NhsNumber, Strict, WardName, uk_today


class PatientIn(Strict):
    nhs_number: NhsNumber = Field(description="10 digits, Modulus 11 check digit", examples=["9434765919"])
    name: Name
    hospital_number: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,30}$")] | None = None
    ward: WardName
    admitted_on: date
    discharge_ready_on: date | None = Field(
        default=None, description="Discharge ready date: the day the patient no longer met the criteria to reside"
    )
    pathway: PathwayCode = Field(description="Proposed discharge pathway with its sitrep sub-code (P3b included)")
    home_postcode: Postcode | None = None
    family_postcode: Postcode | None = None

    @model_validator(mode="after")
    def _dates(self) -> PatientIn:
        today = uk_today()
        if self.admitted_on > today:
            raise rule_error("admitted_on", "the admission date must be today or in the past")
        if self.admitted_on < today - timedelta(days=3650):
            raise rule_error("admitted_on", "the admission date must be within the last 10 years")
        if self.discharge_ready_on is not None:
            if self.discharge_ready_on < self.admitted_on:
                raise rule_error(
                    "discharge_ready_on", "the discharge ready date must be on or after the admission date"
                )
            if self.discharge_ready_on > today:
                raise rule_error("discharge_ready_on", "the discharge ready date must be today or in the past")
        return self


class PatientUpdate(Strict):
    ward: WardName | None = None
    discharge_ready_on: date | None = None
    pathway: PathwayCode | None = None


class PatientOut(BaseModel):
    id: str
    nhs_number: str
    name: str
    hospital_number: str | None
    ward: str
    admitted_on: date
    discharge_ready_on: date | None
    pathway: str
    pathway_label: str
    home_postcode: str | None
    family_postcode: str | None
    status: str
    discharged_at: datetime | None
    days_since_ready: int | None = Field(description="Whole days since the discharge ready date (0 on the day)")
    bed_days_lost: int
    primary_delay: str | None = Field(description="Code of the current primary delay reason")
    primary_delay_label: str | None
    assessment_version: int | None
    placement: str | None = Field(description="Where the patient is going: the accepted service's name")
    synthetic: bool


class ImportResult(BaseModel):
    dry_run: bool
    rows: int
    created: int
    updated: int
    errors: list[dict[str, Any]]
