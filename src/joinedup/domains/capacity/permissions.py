"""Who may read, write and export capacity, and who hears of its changes."""

from __future__ import annotations

from joinedup.core.deps import public, require
from joinedup.core.event_access import TopicRule, readers
from joinedup.core.permissions import Permission

can_read_capacity = require(Permission.CAPACITY_READ)
can_write_capacity = require(Permission.CAPACITY_WRITE, write=True)
can_export_capacity = require(Permission.CAPACITY_EXPORT)
# Vouching for a service's name, CQC location id and place is the care system's administration.
can_approve_services = require(Permission.ORGANISATIONS_MANAGE, write=True)
anyone = public()  # the published data standard

# Who hears of a change on the live stream: whoever may read the service's capacity.
EVENT_RULES = (TopicRule("capacity", readers(Permission.CAPACITY_READ)),)
