"""Pages: a provider keeps its capacity live from a phone; others search it."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.deps import DbSession, StateDep
from joinedup.core.errors import ProblemError
from joinedup.core.permissions import Permission, Role
from joinedup.core.uploads import MAX_CSV_BYTES, read_csv_upload
from joinedup.domains.capacity import csv_io, identity_views, permissions, schemas, service
from joinedup.domains.capacity.page_form import capacity_form, values_of
from joinedup.web.flash import Flash
from joinedup.web.forms import attempt
from joinedup.web.posted import read_form
from joinedup.web.render import page
from joinedup.web.words import label

router = APIRouter(include_in_schema=False)
router.include_router(identity_views.router)  # approving services' names and places
Reader = Annotated[Principal, Depends(permissions.can_read_capacity)]
Writer = Annotated[Principal, Depends(permissions.can_write_capacity)]
Text = Annotated[str | None, Query(max_length=200)]
WEB_SOURCE = "joinedup web"
BED_FIELDS = ["physical", "staffed", "occupied", "vacant", "reserved", "accepting_admissions"]
UPLOAD_FORM_ROOM = 64 * 1024  # the upload form's other fields and the multipart framing
FLASH = Flash({"confirmed": "Confirmed: nothing changed.", "updated": "Capacity updated."})
STATUS_LABELS = {
    "accepting": "Accepting",
    "not_accepting": "Not accepting",
    "waitlist": "Waiting list",
    "assessment_required": "Assessment required",
}


def human_age(seconds: int | None) -> str:
    if seconds is None:
        return "never"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'' if n == 1 else 's'} ago"
    return "just now"


# How the search page words the postcode problems the service reports.
POSTCODE_ERRORS = {
    "postcode": "Enter a real postcode, like M41 5BU",
    "unknown_postcode": "We cannot find that postcode",
}


@router.get("/capacity", response_class=HTMLResponse)
def capacity_home(
    request: Request,
    actor: Reader,
    session: DbSession,
    state: StateDep,
    care_type: Text = None,
    postcode: Text = None,
    radius_km: Annotated[float, Query(gt=0, le=200)] = 10.0,
    accepting: Text = None,
    done: Text = None,
) -> Response:
    mine = (
        None
        if request.query_params.get("search")
        else service.own_capacity(session, actor=actor, settings=state.settings)
    )
    if mine is not None:
        return page(
            request,
            "capacity/mine.jinja",
            {
                "title": "Your capacity",
                "rows": mine,
                "human_age": human_age,
                "labels": STATUS_LABELS,
                "done": FLASH.text(done),
            },
            actor=actor,
        )
    errors: dict[str, str] = {}
    chosen: schemas.CareType | None = None
    if care_type:
        try:
            chosen = schemas.CareType(care_type)
        except ValueError:
            errors["care_type"] = "Choose a type of care from the list"
    query = service.SearchQuery(
        care_type=chosen, postcode=postcode or None, radius_km=radius_km, accepting=True if accepting == "yes" else None
    )
    results: list[schemas.CapacityOut] = []
    try:
        found = service.search(session, actor=actor, settings=state.settings, query=query, limit=100)
    except ProblemError as exc:
        if exc.status >= 500 or not exc.errors or exc.errors[0].code not in POSTCODE_ERRORS:
            raise
        errors["postcode"] = POSTCODE_ERRORS[exc.errors[0].code]
    else:
        results = [] if errors else found.items
    care_items = [{"value": "", "text": "Any"}] + [
        {"value": c.value, "text": label(c), "selected": care_type == c.value} for c in schemas.CareType
    ]
    return page(
        request,
        "capacity/search.jinja",
        {
            "title": "Find capacity",
            "results": results,
            "errors": errors,
            "form": {"postcode": postcode or "", "radius_km": radius_km, "accepting": accepting == "yes"},
            "care_items": care_items,
            "human_age": human_age,
            "labels": STATUS_LABELS,
            # A provider corrects its own services; a system administrator any service.
            "edit_all": actor.can(Permission.CAPACITY_WRITE) and actor.role is Role.SYSTEM_ADMINISTRATOR,
            "own_org": actor.organisation_id if actor.can(Permission.CAPACITY_WRITE) else None,
            # An administrator of the care system approves new and changed services.
            "approves": actor.can(Permission.ORGANISATIONS_MANAGE),
            "awaiting_approval": service.count_awaiting_approval(session, actor=actor),
        },
        actor=actor,
        status_code=422 if errors else 200,
    )


def _held(out: schemas.CapacityOut, section: str) -> list[dict[str, Any]]:
    held = out.sections.get(section)
    return list((held.value if held is not None else None) or [])


def _edit_page(
    request: Request,
    actor: Principal,
    out: schemas.CapacityOut,
    form: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
    summary: list[dict[str, str]] | None = None,
) -> Response:
    beds = _held(out, "beds")
    if not beds and out.service.kind == schemas.ServiceKind.CARE_HOME:
        beds = [{"bed_type": "residential", **dict.fromkeys(BED_FIELDS, 0)}]
    homecare = _held(out, "homecare")
    if not homecare and out.service.kind == schemas.ServiceKind.HOMECARE:
        # A first report: one row per time band in the branch's own postcode district.
        district = [out.service.postcode.split()[0]] if out.service.postcode else []
        homecare = [
            {
                "time_band": band.value,
                "postcode_districts": district,
                "lsoa_codes": [],
                "skills": [],
                "spare_hours_per_week": 0,
                "earliest_start": utcnow().date().isoformat(),
            }
            for band in schemas.TimeBand
        ]
    reablement = _held(out, "reablement")
    if not reablement and out.service.kind == schemas.ServiceKind.REABLEMENT:
        reablement = [{"pathway": p, "places": 0, "hours_per_week": None} for p in (1, 2)]
    status_items = [
        {"value": k, "text": v, "selected": (form.get("status") or (out.status.value if out.status else "")) == k}
        for k, v in STATUS_LABELS.items()
    ]
    return page(
        request,
        "capacity/edit.jinja",
        {
            "title": f"Update {out.service.name}",
            "out": out,
            "beds": beds,
            "bed_fields": BED_FIELDS,
            "homecare": homecare,
            "reablement": reablement,
            "form": form,
            "errors": errors,
            "errors_list": summary or [],
            "status_items": status_items,
            "human_age": human_age,
            "label": label,
        },
        actor=actor,
        status_code=status_code,
    )


@router.get("/capacity/services/{service_id}", response_class=HTMLResponse)
def edit_form(request: Request, actor: Writer, session: DbSession, state: StateDep, service_id: str) -> Response:
    out = service.capacity_by_id(session, actor=actor, settings=state.settings, service_id=service_id)
    return _edit_page(request, actor, out, {"note": out.note or ""}, {})


@router.post("/capacity/services/{service_id}", response_class=HTMLResponse)
async def submit(request: Request, actor: Writer, session: DbSession, state: StateDep, service_id: str) -> Response:
    posted = await read_form(request)
    form = capacity_form(posted)
    data, fs = form.read(posted)
    if not fs.failed:
        attempt(
            session,
            fs,
            form,
            lambda: service.report_update(
                session,
                actor=actor,
                settings=state.settings,
                service_id=service_id,
                values=values_of(data, posted),
                source_system=WEB_SOURCE,
                update_id=f"web-{uuid.uuid4().hex}",
                any_visible=True,
            ),
        )
    if fs.failed:
        out = service.capacity_by_id(session, actor=actor, settings=state.settings, service_id=service_id)
        return _edit_page(request, actor, out, fs.values, fs.errors, status_code=422, summary=fs.summary())
    return FLASH.redirect("/capacity", "updated")


@router.post("/capacity/services/{service_id}/confirm", response_class=HTMLResponse)
async def confirm(request: Request, actor: Writer, session: DbSession, state: StateDep, service_id: str) -> Response:
    await read_form(request)  # its size limited and its CSRF token checked; it holds nothing else
    service.confirm_unchanged(
        session,
        actor=actor,
        settings=state.settings,
        source_system=WEB_SOURCE,
        service_id=service_id,
        any_visible=True,
    )
    return FLASH.redirect("/capacity", "confirmed")


@router.get("/capacity/upload", response_class=HTMLResponse)
def upload_form(request: Request, actor: Writer) -> Response:
    return page(request, "capacity/upload.jinja", {"title": "Upload capacity (CSV)", "result": None}, actor=actor)


@router.post("/capacity/upload", response_class=HTMLResponse)
async def upload(request: Request, actor: Writer, session: DbSession, state: StateDep) -> Response:
    # Its size limited (the file's own limit, and room for the form around it) and its CSRF token checked.
    answers = await read_form(request, files=True, max_bytes=MAX_CSV_BYTES + UPLOAD_FORM_ROOM)
    dry_run = answers.get("dry_run") == "yes"
    try:
        text = await read_csv_upload((await request.form()).get("file"), required=True)
        result = csv_io.upload(session, actor=actor, settings=state.settings, text=text, dry_run=dry_run)
    except ProblemError as exc:
        if exc.status >= 500:
            raise
        errors = [
            {
                "row": e.field.split(".")[1] if e.field.startswith("row.") else "",
                "field": e.field.split(".")[-1] if e.field.startswith("row.") else "",
                "message": e.message,
                "code": e.code,
            }
            for e in exc.errors
        ] or [{"row": "", "field": "", "message": exc.detail or exc.title}]
        result = schemas.CsvResult(dry_run=dry_run, rows=0, stored=0, errors=errors)
    return page(
        request,
        "capacity/upload.jinja",
        {"title": "Upload capacity (CSV)", "result": result, "problems": upload_problems(result.errors)},
        actor=actor,
        status_code=422 if result.errors else 200,
    )


# What the page says for a problem the API names for programs ("PUT the service first"), by its code.
UPLOAD_WORDS = {
    "unknown_service": "your organisation has no service with this reference",
}
# Problems with the person uploading, not with the file: said without a place in the file.
NOT_THE_FILE = {
    "not_a_provider": "Only a care provider's staff can upload capacity: your organisation is not a care provider.",
}


def upload_problems(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Each problem with a file, as the error summary lists it: where it is, then what is wrong,
    each linking to the file field (the GOV.UK pattern: the field is the file)."""
    out = []
    for e in errors:
        code = str(e.get("code") or "")
        if code in NOT_THE_FILE:
            out.append({"text": NOT_THE_FILE[code], "href": "#file"})
            continue
        row, column = str(e.get("row") or ""), str(e.get("field") or "")
        where = "Header" if row == "1" else f"Row {row}" if row else "The file"
        if column and column != "row":
            where += f", column {column}"
        out.append({"text": f"{where}: {UPLOAD_WORDS.get(code, e['message'])}", "href": "#file"})
    return out
