"""The organisations domain's door: the only module other domains may import (with schemas).

Care systems, places, organisations and sites (`organisations`), users (`users`), machine
credentials (`credentials`), and the plain records other domains read (`directory`).
"""

from joinedup.domains.organisations.service.credentials import (
    create_api_key,
    create_oauth_client,
    list_api_keys,
    list_oauth_clients,
    revoke,
)
from joinedup.domains.organisations.service.directory import (
    find_organisations,
    organisation,
    organisation_by_ods,
    organisation_names,
    organisations_by_id,
    place,
    places_in_system,
    sites_of,
    visible_organisation_ids,
)
from joinedup.domains.organisations.service.organisations import (
    add_site,
    create_organisation,
    get_organisation,
    list_care_systems,
    list_organisations,
    list_places,
    update_organisation,
)
from joinedup.domains.organisations.service.users import (
    create_user,
    get_user,
    list_users,
    update_user,
    user_out,
    visible_memberships,
)

__all__ = [
    "add_site",
    "create_api_key",
    "create_oauth_client",
    "create_organisation",
    "create_user",
    "find_organisations",
    "get_organisation",
    "get_user",
    "list_api_keys",
    "list_care_systems",
    "list_oauth_clients",
    "list_organisations",
    "list_places",
    "list_users",
    "organisation",
    "organisation_by_ods",
    "organisation_names",
    "organisations_by_id",
    "place",
    "places_in_system",
    "revoke",
    "sites_of",
    "update_organisation",
    "update_user",
    "user_out",
    "visible_memberships",
    "visible_organisation_ids",
]
