"""Who may design neighbourhoods and compare scenarios: commissioners and administrators."""

from __future__ import annotations

from joinedup.core.deps import require
from joinedup.core.event_access import TopicRule, own_organisation, readers
from joinedup.core.permissions import Permission

can_read_studies = require(Permission.NEIGHBOURHOODS_DESIGN)
can_run_studies = require(Permission.NEIGHBOURHOODS_DESIGN, write=True)

# A study belongs to the organisation that made it; only its designers hear of its changes.
EVENT_RULES = (TopicRule("neighbourhoods", readers(Permission.NEIGHBOURHOODS_DESIGN, own_organisation)),)
