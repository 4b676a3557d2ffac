"""Delay reasons recorded for a ready patient, and the discharge itself."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from joinedup.domains.discharge.schemas.common import Strict


class DelayIn(Strict):
    reason_code: Annotated[str, StringConstraints(pattern=r"^[A-Z][0-9]{2}$")] = Field(
        description="One of the 37 NHS England acute delay reasons (GET /discharge/delay-reasons)"
    )
    primary: bool = False
    started_on: date | None = Field(default=None, description="Default: today")


class DelayOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    patient_id: str
    reason_code: str
    primary: bool
    started_on: date
    ended_on: date | None


class DelayReasonOut(BaseModel):
    code: str
    family: str
    label: str = Field(description="Exactly as NHS England publishes it")


class DischargeIn(Strict):
    discharged_at: AwareDatetime | None = Field(default=None, description="Default: now")


class DischargeCorrection(StrEnum):
    """Why a discharge recorded in error is undone (on the day it was recorded)."""

    WRONG_PATIENT = "wrong_patient"
    NOT_LEFT = "not_left"
    CANCELLED = "cancelled"
    OTHER = "other"


CORRECTION_LABELS = {
    DischargeCorrection.WRONG_PATIENT: "It was recorded for the wrong patient",
    DischargeCorrection.NOT_LEFT: "The patient has not left hospital yet",
    DischargeCorrection.CANCELLED: "The discharge was cancelled",
    DischargeCorrection.OTHER: "Another reason",
}


class DischargeCorrectionIn(Strict):
    reason: DischargeCorrection = Field(description="Why the discharge is undone")
