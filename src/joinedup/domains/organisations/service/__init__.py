"""The organisations domain's door: the only module other domains may import (with schemas).

Care systems, places, organisations and sites (`organisations`), CQC locations registered to
providers (`locations`), users (`users`; changing and deactivating them: `user_changes`; a
person's own roles and switching between them: `accounts`), machine
credentials (`credentials`), and the plain records other domains read (`directory`).
"""

from joinedup.domains.organisations.service.accounts import deactivation_preview, roles_held, switch_role
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
from joinedup.domains.organisations.service.locations import (
    locations_of,
    register_location,
    registered_cqc_locations,
)
from joinedup.domains.organisations.service.organisations import (
    add_site,
    cqc_location_taken,
    create_organisation,
    get_organisation,
    list_care_systems,
    list_organisations,
    list_places,
    update_organisation,
)
from joinedup.domains.organisations.service.user_changes import (
    UserEdit,
    deactivate_user,
    edit_user,
    reactivate_user,
    update_user,
)
from joinedup.domains.organisations.service.users import (
    create_user,
    get_user,
    get_user_to_change,
    list_users,
    user_out,
    visible_memberships,
)

__all__ = [
    "UserEdit",
    "add_site",
    "cqc_location_taken",
    "create_api_key",
    "create_oauth_client",
    "create_organisation",
    "create_user",
    "deactivate_user",
    "deactivation_preview",
    "edit_user",
    "find_organisations",
    "get_organisation",
    "get_user",
    "get_user_to_change",
    "list_api_keys",
    "list_care_systems",
    "list_oauth_clients",
    "list_organisations",
    "list_places",
    "list_users",
    "locations_of",
    "organisation",
    "organisation_by_ods",
    "organisation_names",
    "organisations_by_id",
    "place",
    "places_in_system",
    "reactivate_user",
    "register_location",
    "registered_cqc_locations",
    "revoke",
    "roles_held",
    "sites_of",
    "switch_role",
    "update_organisation",
    "update_user",
    "user_out",
    "visible_memberships",
    "visible_organisation_ids",
]
