"""Every table, for Alembic and the tests: a composition root.

The only module of `joinedup.db` that imports the domains: it imports each module that defines
tables so that `metadata` holds the whole schema (autogenerate, `create_all` in tests). A new
domain adds its models module here.
"""

from __future__ import annotations

import joinedup.core.audit
import joinedup.core.auth.models
import joinedup.core.outbox
import joinedup.domains.capacity.models
import joinedup.domains.discharge.models
import joinedup.domains.homecare.models
import joinedup.domains.neighbourhoods.models
import joinedup.domains.organisations.models
import joinedup.domains.visibility.models  # noqa: F401
from joinedup.db.base import Base

metadata = Base.metadata

__all__ = ["metadata"]
