"""Pages: the hospital's ward list, assessment, matches and referral board; a provider's
incoming referrals with the assessment and offer/decline. Forms post back and redirect, so the
pages work without scripts on a desk or a tablet; a refusal comes back as an error summary."""

from __future__ import annotations

from fastapi import APIRouter

from joinedup.domains.discharge.views import hospital, provider

router = APIRouter(include_in_schema=False)
router.include_router(hospital.router)
router.include_router(provider.router)
