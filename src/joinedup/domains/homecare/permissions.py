"""Who may run rostering solves: commissioners, homecare providers (people or their systems), administrators."""

from __future__ import annotations

from joinedup.core.deps import require
from joinedup.core.event_access import TopicRule, readers
from joinedup.core.permissions import Permission

can_read_rosters = require(Permission.ROSTERS_RUN)
can_run_rosters = require(Permission.ROSTERS_RUN, write=True)

# Who hears of a job's progress on the live stream: whoever may read the job.
EVENT_RULES = (TopicRule("roster_job", readers(Permission.ROSTERS_RUN)),)
