"""Demo: Manchester University NHS FT's real discharge history, from the slice the demo ships,
and today's capacity snapshot."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from joinedup.config import get_settings
from joinedup.domains.visibility.service import import_trust_history, snapshot_today


def seed_visibility(session: Session, data_dir: Path, trust_code: str) -> int:
    """Import the trust's history (idempotent) and snapshot today's capacity. Returns days loaded."""
    result = import_trust_history(session, data_dir=data_dir / "england_r0a", trust_code=trust_code)
    snapshot_today(session, settings=get_settings())
    return result.days
