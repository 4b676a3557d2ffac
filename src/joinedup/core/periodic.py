"""Jobs the server runs every so often (relaying the outbox, expiring discharge offers).

A domain declares its jobs in its `tasks.py` as `PeriodicJob`s; `main.py` starts every
declared job with the server and stops it on shutdown, so a new job never means editing the
application factory. Each run happens in a worker thread (jobs use the database) and a failing
run is logged by its error type (never its message, which may hold personal data) and retried
at the next interval.

With several server processes on one PostgreSQL database (core.cluster), a job runs once across
them: only the process holding the leader lock runs it. A job marked `every_process` (the
outbox relay, which feeds each process's own event bus) runs in every process, and one with a
`wake_channel` also runs as soon as that channel is notified.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from joinedup.config import Settings
from joinedup.core.cluster import ClusterLink, supports_cluster
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
    # False: one process of several runs it (the leader); True: every process runs it.
    every_process: bool = False
    # A PostgreSQL NOTIFY channel that runs the job at once (in every process listening).
    wake_channel: str | None = None


async def run_every(job: PeriodicJob, context: JobContext, link: ClusterLink | None = None) -> None:
    """Run `job` after each interval until cancelled; a once-only job only while leading."""
    while True:
        await asyncio.sleep(job.every_seconds(context.settings))
        if link is not None and not job.every_process and not link.is_leader:
            continue
        try:
            await asyncio.to_thread(job.run, context)
        except Exception as exc:
            log.error("periodic_job_failed", job=job.name, error_type=type(exc).__name__)


async def _hold(link: ClusterLink) -> None:
    """Keep the process's cluster link open while the server runs."""
    link.start()
    try:
        await asyncio.Event().wait()
    finally:
        await asyncio.to_thread(link.close)


def cluster_link(jobs: list[PeriodicJob], context: JobContext) -> ClusterLink | None:
    """The link to the other processes (PostgreSQL only), waking the jobs that name a channel."""
    engine = context.session_factory.kw.get("bind")
    if not isinstance(engine, Engine) or not supports_cluster(engine):
        return None

    def waker(job: PeriodicJob) -> Callable[[], object]:
        return lambda: job.run(context)

    return ClusterLink(engine, {job.wake_channel: waker(job) for job in jobs if job.wake_channel})


def start(jobs: list[PeriodicJob], context: JobContext) -> list[asyncio.Task[None]]:
    link = cluster_link(jobs, context)
    tasks = [asyncio.create_task(run_every(job, context, link), name=job.name) for job in jobs]
    if link is not None:
        tasks.append(asyncio.create_task(_hold(link), name="cluster-link"))
    return tasks


async def stop(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
