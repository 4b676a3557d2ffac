"""FHIR R4 facade for capacity: routes (thin), mapping (capacity answers to resources),
parsing (resources to what the service takes) and the facade's own OpenAPI document."""

from joinedup.domains.capacity.fhir.routes import router

__all__ = ["router"]
