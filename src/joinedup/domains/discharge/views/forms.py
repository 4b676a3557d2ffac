"""What every discharge page shares: who may see it, the labels and tags it shows, reading a
posted form (CSRF checked) and answering a post with a redirect that carries the outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from joinedup.core.auth.principal import Principal
from joinedup.core.errors import ProblemError
from joinedup.domains.discharge import permissions
from joinedup.domains.discharge.delay_reasons import DELAY_REASONS
from joinedup.domains.discharge.schemas import (
    DECLINE_LABELS,
    REFERRAL_STATE_LABELS,
    Behaviour,
    Cognition,
    Continence,
    Level,
    Medication,
    MessageIn,
    Mobility,
    Nutrition,
    Skin,
)
from joinedup.web.render import check_csrf

Hub = Annotated[Principal, Depends(permissions.can_read)]
HubWriter = Annotated[Principal, Depends(permissions.can_coordinate)]
Provider = Annotated[Principal, Depends(permissions.can_view_referrals)]
ProviderWriter = Annotated[Principal, Depends(permissions.can_respond)]
Reporter = Annotated[Principal, Depends(permissions.can_report)]
Flash = Annotated[str | None, Query(max_length=300)]
STATE_TAGS = {
    "sent": "grey",
    "opened": "blue",
    "question": "yellow",
    "offered": "green",
    "accepted": "green",
    "declined": "red",
    "expired": "orange",
    "withdrawn": "grey",
    "completed": "purple",
}
NEED_FIELDS: list[tuple[str, str, type[Any]]] = [
    ("mobility", "Mobility and transfers", Mobility),
    ("personal_care", "Personal care", Level),
    ("continence", "Continence", Continence),
    ("nutrition", "Nutrition", Nutrition),
    ("medication_support", "Medication support", Medication),
    ("cognition", "Cognition and dementia", Cognition),
    ("behaviour", "Behaviour", Behaviour),
    ("skin_integrity", "Skin integrity", Skin),
]


def label(value: Any) -> str:
    return str(value).replace("_", " ").capitalize() if value is not None else ""


def common() -> dict[str, Any]:
    return {
        "label": label,
        "state_labels": {s.value: v for s, v in REFERRAL_STATE_LABELS.items()},
        "state_tags": STATE_TAGS,
        "decline_labels": {k.value: v for k, v in DECLINE_LABELS.items()},
        "reasons": DELAY_REASONS,
    }


async def read_form(request: Request) -> dict[str, Any]:
    form = await request.form()
    data: dict[str, Any] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            data.setdefault(key, []).append(value)
    flat = {k: v[0] if len(v) == 1 else v for k, v in data.items()}
    check_csrf(request, flat.pop("csrf_token", None))
    return flat


def message_text(form: dict[str, Any]) -> str:
    return MessageIn.model_validate({"text": str(form.get("text", ""))}).text


def go(url: str, *, done: str | None = None, problem: str | None = None) -> RedirectResponse:
    sep = "&" if "?" in url else "?"
    if problem:
        return RedirectResponse(f"{url}{sep}problem={quote(problem[:300])}", status_code=303)
    if done:
        return RedirectResponse(f"{url}{sep}done={quote(done)}", status_code=303)
    return RedirectResponse(url, status_code=303)


def attempt(fn: Callable[[], Any], back: str, done: str) -> RedirectResponse:
    try:
        fn()
    except ProblemError as exc:
        if exc.status >= 500:
            raise
        detail = exc.detail or exc.title
        if exc.errors:
            detail = "; ".join(e.message for e in exc.errors)
        return go(back, problem=detail)
    except ValidationError as exc:
        return go(back, problem="; ".join(str(e["msg"]).split(": ", 1)[-1] for e in exc.errors()))
    return go(back, done=done)
