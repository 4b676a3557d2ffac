"""What one running app holds: settings, database, event bus."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from joinedup.config import Settings
from joinedup.core.events import EventBus


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    bus: EventBus
