"""Who may read, write and export capacity."""

from __future__ import annotations

from joinedup.core.deps import public, require
from joinedup.core.permissions import Permission

can_read_capacity = require(Permission.CAPACITY_READ)
can_write_capacity = require(Permission.CAPACITY_WRITE, write=True)
can_export_capacity = require(Permission.CAPACITY_EXPORT)
anyone = public()  # the published data standard
