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
    # A few connections of their own for the health check, the outbox relay and periodic jobs,
    # so an exhausted request pool stops none of them (None: they share the request pool).
    platform_factory: sessionmaker[Session] | None = None

    @property
    def platform_engine(self) -> Engine:
        factory = self.platform_factory or self.session_factory
        engine: Engine = factory.kw["bind"]
        return engine
