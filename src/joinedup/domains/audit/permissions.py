"""Only administrators read the audit log."""

from __future__ import annotations

from joinedup.core.deps import require
from joinedup.core.permissions import Permission

can_read_audit = require(Permission.AUDIT_READ)
