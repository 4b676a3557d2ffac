"""Who may run rostering solves: commissioners, homecare providers (people or their systems), administrators."""

from __future__ import annotations

from joinedup.core.deps import require
from joinedup.core.permissions import Permission

can_read_rosters = require(Permission.ROSTERS_RUN)
can_run_rosters = require(Permission.ROSTERS_RUN, write=True)
