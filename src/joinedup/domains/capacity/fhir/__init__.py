"""FHIR R4 facade for capacity: routes (thin), mapping (capacity answers to resources),
parsing (resources to what the service takes) and the facade's own OpenAPI document.

`router` is what the application mounts: the facade's routes, left out of the JSON API's OpenAPI
document because they are described by their own (/fhir/R4/openapi.json)."""

from fastapi import APIRouter

from joinedup.domains.capacity.fhir import routes

router = APIRouter()
router.include_router(routes.router, include_in_schema=False)

__all__ = ["router"]
