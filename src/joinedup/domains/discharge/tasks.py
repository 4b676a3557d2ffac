"""Discharge's periodic jobs, started with the server (core.periodic)."""

from __future__ import annotations

from joinedup.core.periodic import JobContext, PeriodicJob
from joinedup.domains.discharge import service


def _expire_offers(context: JobContext) -> int:
    return service.expire_due_offers(context.session_factory)


# Offers past their hold are recorded as expired even if nobody touches the patient.
PERIODIC = [PeriodicJob("discharge.expire_offers", _expire_offers, lambda _settings: 60.0)]
