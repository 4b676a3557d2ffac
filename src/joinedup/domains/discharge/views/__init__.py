"""Pages: the hospital's ward list, assessment, matches and referral board, delays and the
discharge (asked first, correctable the same day); a provider's incoming referrals with the
assessment and offer/decline. Forms post back: done, they redirect to a page that says so (a
message chosen by key); refused, the same page comes back (422) with an error summary, a
message at each field and what was typed (joinedup.web.forms)."""

from __future__ import annotations

from fastapi import APIRouter

from joinedup.domains.discharge.views import discharging, hospital, provider, referring

router = APIRouter(include_in_schema=False)
router.include_router(hospital.router)
router.include_router(referring.router)
router.include_router(discharging.router)
router.include_router(provider.router)
