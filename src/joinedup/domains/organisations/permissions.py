"""Who may do what with organisations, users and credentials."""

from __future__ import annotations

from joinedup.core.deps import require
from joinedup.core.permissions import Permission

can_read_organisations = require(Permission.ORGANISATIONS_READ)
can_manage_organisations = require(Permission.ORGANISATIONS_MANAGE, write=True)
can_read_users = require(Permission.USERS_READ)
can_manage_users = require(Permission.USERS_MANAGE, write=True)
can_manage_credentials = require(Permission.CREDENTIALS_MANAGE, write=True)
