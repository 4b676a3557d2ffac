"""Jobs the server runs every so often (relaying the outbox, expiring discharge offers).

A domain declares its jobs in its `tasks.py` as `PeriodicJob`s; `main.py` starts every
declared job with the server and stops it on shutdown, so a new job never means editing the
application factory. Each run happens in a worker thread (jobs use the database) and a failing
run is logged by its error type (never its message, which may hold personal data) and retried
at the next interval.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from joinedup.config import Settings
from joinedup.core.events import EventBus
from joinedup.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class JobContext:
    """What a periodic job may use."""

    session_factory: sessionmaker[Session]
    bus: EventBus
    settings: Settings


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    run: Callable[[JobContext], object]
    every_seconds: Callable[[Settings], float]


async def run_every(job: PeriodicJob, context: JobContext) -> None:
    """Run `job` after each interval until cancelled."""
    while True:
        await asyncio.sleep(job.every_seconds(context.settings))
        try:
            await asyncio.to_thread(job.run, context)
        except Exception as exc:
            log.error("periodic_job_failed", job=job.name, error_type=type(exc).__name__)


def start(jobs: list[PeriodicJob], context: JobContext) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(run_every(job, context), name=job.name) for job in jobs]


async def stop(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
