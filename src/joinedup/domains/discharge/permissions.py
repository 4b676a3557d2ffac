"""Who may coordinate discharges (a hospital's hub), respond to referrals (providers), and report."""

from __future__ import annotations

from joinedup.core.deps import public, require
from joinedup.core.permissions import Permission

can_read = require(Permission.DISCHARGE_COORDINATE)
can_coordinate = require(Permission.DISCHARGE_COORDINATE, write=True)
can_view_referrals = require(Permission.DISCHARGE_RESPOND)
can_respond = require(Permission.DISCHARGE_RESPOND, write=True)
can_report = require(Permission.DISCHARGE_REPORT)
anyone = public()  # the official code lists
