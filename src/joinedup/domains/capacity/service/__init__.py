"""Capacity's door: the only way in for other domains (and for capacity's own handlers).

Every function takes the session first and keyword arguments after; reads go through the
session's tenancy scope; writes record their audit row and event through core.changes in the
caller's transaction. Answers are capacity schemas, never database rows. The modules:
registry (finding services), provider_services (writing them), identity (who a service is, and
its approval), updates (capacity in), provider_updates (a provider's screens), history (the
past), search, candidates (discharge matching), system_totals (the system picture), providers
(whose services a write reaches), retag (search columns recomputed after a change of the
reading of sections).
"""

from joinedup.domains.capacity.service.candidates import candidate_services, free_units
from joinedup.domains.capacity.service.history import (
    bed_report,
    bed_reports,
    capacity_by_id,
    capacity_by_identifier,
    capacity_of,
    history,
)
from joinedup.domains.capacity.service.identity import (
    Review,
    awaiting_approval,
    count_awaiting_approval,
    decide_identity,
)
from joinedup.domains.capacity.service.provider_services import put_service, upsert_service
from joinedup.domains.capacity.service.provider_updates import confirm_unchanged, own_capacity, report_update
from joinedup.domains.capacity.service.providers import KIND_FOR_ORG, is_provider, target_organisation
from joinedup.domains.capacity.service.registry import (
    list_service_summaries,
    service_by_identifier,
    service_names,
    service_summary,
    services_by_id,
)
from joinedup.domains.capacity.service.retag import retag_all
from joinedup.domains.capacity.service.search import SearchQuery, search
from joinedup.domains.capacity.service.system_totals import (
    capacity_summaries,
    figure_cache,
    read_service_figures,
    service_figures,
)
from joinedup.domains.capacity.service.updates import ingest, ingest_for

__all__ = [
    "KIND_FOR_ORG",
    "Review",
    "SearchQuery",
    "awaiting_approval",
    "bed_report",
    "bed_reports",
    "candidate_services",
    "capacity_by_id",
    "capacity_by_identifier",
    "capacity_of",
    "capacity_summaries",
    "confirm_unchanged",
    "count_awaiting_approval",
    "decide_identity",
    "figure_cache",
    "free_units",
    "history",
    "ingest",
    "ingest_for",
    "is_provider",
    "list_service_summaries",
    "own_capacity",
    "put_service",
    "read_service_figures",
    "report_update",
    "retag_all",
    "search",
    "service_by_identifier",
    "service_figures",
    "service_names",
    "service_summary",
    "services_by_id",
    "target_organisation",
    "upsert_service",
]
