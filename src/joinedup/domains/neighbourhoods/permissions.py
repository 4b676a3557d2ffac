"""Who may design neighbourhoods and compare scenarios: commissioners and administrators."""

from __future__ import annotations

from joinedup.core.deps import require
from joinedup.core.permissions import Permission

can_read_studies = require(Permission.NEIGHBOURHOODS_DESIGN)
can_run_studies = require(Permission.NEIGHBOURHOODS_DESIGN, write=True)
