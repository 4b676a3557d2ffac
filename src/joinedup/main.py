"""The application factory: mounts each domain's api.py and views.py."""

from __future__ import annotations

import gc
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request, Response
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from starlette.routing import compile_path
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from joinedup import __version__
from joinedup.config import Settings, get_settings, with_local_secret
from joinedup.core import api as core_api
from joinedup.core import load, periodic
from joinedup.core.auth.visible_sets import use_visible_sets
from joinedup.core.changes import relay_after_commit
from joinedup.core.context import RequestContext, set_request_context
from joinedup.core.contract import strict_types
from joinedup.core.deps import route_rule
from joinedup.core.errors import PROBLEM_BASE, Problem, install_problem_handlers, problem_response
from joinedup.core.event_access import use_topic_rules
from joinedup.core.events import EventBus
from joinedup.core.json_body import document_json_bodies
from joinedup.core.outbox import RELAY_JOB
from joinedup.core.state import AppState
from joinedup.db.session import make_engine, make_session_factory
from joinedup.domains.audit import api as audit_api
from joinedup.domains.audit import views as audit_views
from joinedup.domains.capacity import api as capacity_api
from joinedup.domains.capacity import fhir as capacity_fhir
from joinedup.domains.capacity import permissions as capacity_permissions
from joinedup.domains.capacity import views as capacity_views
from joinedup.domains.discharge import api as discharge_api
from joinedup.domains.discharge import permissions as discharge_permissions
from joinedup.domains.discharge import tasks as discharge_tasks
from joinedup.domains.discharge import views as discharge_views
from joinedup.domains.homecare import api as homecare_api
from joinedup.domains.homecare import permissions as homecare_permissions
from joinedup.domains.homecare.tasks import JobRunner
from joinedup.domains.neighbourhoods import api as neighbourhoods_api
from joinedup.domains.neighbourhoods import permissions as neighbourhoods_permissions
from joinedup.domains.neighbourhoods import views as neighbourhoods_views
from joinedup.domains.neighbourhoods.service import StudyStore
from joinedup.domains.organisations import api as organisations_api
from joinedup.domains.organisations import permissions as organisations_permissions
from joinedup.domains.organisations import service as organisations_service
from joinedup.domains.organisations import views as organisations_views
from joinedup.domains.visibility import api as visibility_api
from joinedup.domains.visibility import permissions as visibility_permissions
from joinedup.domains.visibility import views as visibility_views
from joinedup.logs import configure_logging, get_logger
from joinedup.web import api_docs
from joinedup.web import views as web_views
from joinedup.web.render import CONTENT_SECURITY_POLICY, STATIC_DIR

API_PREFIX = "/api/v1"
# Started with the server; a domain adds its own in its tasks.py.
PERIODIC_JOBS = [RELAY_JOB, *discharge_tasks.PERIODIC]
log = get_logger(__name__)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # Nothing here uses the camera, microphone, location, payments or devices: refused to all.
    "Permissions-Policy": "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), serial=(), usb=()",
}
# Sent only over HTTPS (directly, or as a trusted proxy says): browsers then refuse plain HTTP.
HSTS = "max-age=31536000; includeSubDomains"


def _channel(path: str) -> str:
    if path.startswith(API_PREFIX):
        return "api"
    return "fhir" if path.startswith("/fhir/") else "web"


def api_routes(app: FastAPI) -> Iterator[tuple[str, APIRoute]]:
    """(full path, route) for every API and page route, through included routers."""
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, APIRoute):
            yield ctx.path or route.path, route


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    methods: set[str] = set()
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, APIRoute) and ctx.path and compile_path(ctx.path)[0].match(path):
            methods |= route.methods or set()
    return sorted(methods)


def unruled_routes(app: FastAPI) -> list[str]:
    """Routes with no access rule. Deny by default: the app refuses to start with any."""
    missing = []
    for path, route in api_routes(app):
        if not any(route_rule(dep.call) for dep in route.dependant.dependencies):
            missing.append(f"{sorted(route.methods or ())} {path}")
    return missing


def wire() -> None:
    """Connect core to the domains it serves but must not import: authentication asks the
    organisations domain which organisations a principal may see, and the live stream asks each
    domain who may hear of its changes. Idempotent; run by `create_app`, and by anything else
    that authenticates (tests, commands)."""
    use_visible_sets(organisations_service.visible_organisation_ids)
    use_topic_rules(
        [
            *organisations_permissions.EVENT_RULES,
            *capacity_permissions.EVENT_RULES,
            *discharge_permissions.EVENT_RULES,
            *homecare_permissions.EVENT_RULES,
            *visibility_permissions.EVENT_RULES,
            *neighbourhoods_permissions.EVENT_RULES,
        ]
    )


# Every JSON API route refuses values of another type than its OpenAPI document says.
CONTRACT = [Depends(strict_types)]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = with_local_secret(settings or get_settings())
    wire()
    configure_logging(level=settings.log_level, json=settings.log_json)
    engine = make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
    )
    # The health check, the outbox relay and periodic jobs on connections of their own (core.load).
    platform = make_engine(settings.database_url, pool_size=2, max_overflow=2, pool_timeout=10)
    platform_factory = make_session_factory(platform)
    state = AppState(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        bus=EventBus(),
        platform_factory=platform_factory,
    )
    # The one place outbox rows are relayed: after any commit of a session these factories make.
    relay_after_commit(state.session_factory, state.bus, relay_factory=platform_factory)
    relay_after_commit(platform_factory, state.bus)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        jobs = periodic.start(
            PERIODIC_JOBS,
            periodic.JobContext(session_factory=platform_factory, bus=state.bus, settings=settings),
        )
        runner.resume_unfinished()
        # Everything built at start-up (models, schemas, routes, templates) lives as long as the
        # process: moved out of the collector's sight, each collection walks only request garbage.
        # Measured: about a fifth more capacity updates per second (benchmarks/capacity_ingest.py).
        gc.freeze()
        yield
        runner.shutdown()
        await periodic.stop(jobs)
        engine.dispose()
        platform.dispose()

    app = FastAPI(
        title="joinedup API",
        version=__version__,
        description="Open API for an Integrated Care System: organisations, capacity, discharge and more. "
        "Errors are RFC 9457 problem details (application/problem+json).",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served by joinedup.web.api_docs from the package's own files
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.joinedup = state
    runner = JobRunner(state.session_factory)
    app.state.roster_runner = runner
    app.state.neighbourhood_studies = StudyStore()

    # Inside the request context below: a shed request still gets its id and security headers.
    load.install(app, settings)

    @app.middleware("http")
    async def request_context(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request_id = request.headers.get("x-request-id", "")[:40] or uuid.uuid4().hex
        # The peer, or what a trusted proxy said it was (ProxyHeadersMiddleware), to the column's width.
        client_ip = request.client.host[:45] if request.client else None
        set_request_context(
            RequestContext(request_id=request_id, client_ip=client_ip, channel=_channel(request.url.path))
        )
        if "%00" in request.url.query or "\x00" in request.url.path:
            problem = Problem(
                type=PROBLEM_BASE + "bad-request",
                title="Bad request",
                status=400,
                detail="The address contains a NUL character.",
            )
            response = problem_response(request, problem)
        else:
            response = await call_next(request)
        response.headers["X-Request-Id"] = request_id
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.scheme == "https":
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response

    if settings.trusted_proxy_list:
        # Outermost: only a configured proxy is believed about the client's address and scheme.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxy_list))

    install_problem_handlers(
        app, html_handler=web_views.html_error, allowed_methods=lambda path: allowed_methods(app, path)
    )
    app.include_router(core_api.router, prefix=API_PREFIX, dependencies=CONTRACT)
    app.include_router(organisations_api.router, prefix=API_PREFIX, dependencies=CONTRACT)
    app.include_router(audit_api.router, prefix=API_PREFIX, dependencies=CONTRACT)
    app.include_router(capacity_api.router, prefix=API_PREFIX, dependencies=CONTRACT)
    app.include_router(homecare_api.router, prefix=API_PREFIX, dependencies=CONTRACT)
    app.include_router(discharge_api.router, prefix=API_PREFIX, dependencies=CONTRACT)
    app.include_router(visibility_api.router, prefix=API_PREFIX, dependencies=CONTRACT)
    app.include_router(neighbourhoods_api.router, prefix=API_PREFIX, dependencies=CONTRACT)
    app.include_router(web_views.router)
    app.include_router(api_docs.docs_router(f"{API_PREFIX}/openapi.json"), prefix=API_PREFIX)
    app.include_router(organisations_views.router)
    app.include_router(audit_views.router)
    app.include_router(capacity_views.router)
    app.include_router(discharge_views.router)
    app.include_router(neighbourhoods_views.router)
    app.include_router(capacity_fhir.router)
    app.include_router(visibility_views.router)
    document_json_bodies(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")

    missing = unruled_routes(app)
    if missing:
        raise RuntimeError(f"routes without an access rule: {missing}")
    return app
