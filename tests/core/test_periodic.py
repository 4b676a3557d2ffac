"""Periodic jobs: every job a domain declares starts with the server, keeps running after a
failed run, and stops on shutdown."""

from __future__ import annotations

import asyncio
import threading

from joinedup.config import Settings
from joinedup.core import periodic
from joinedup.core.events import EventBus
from joinedup.core.outbox import RELAY_JOB
from joinedup.domains.discharge import tasks as discharge_tasks
from joinedup.logs import configure_logging
from joinedup.main import PERIODIC_JOBS


def test_the_server_starts_the_outbox_relay_and_every_domain_job() -> None:
    assert RELAY_JOB in PERIODIC_JOBS
    assert all(job in PERIODIC_JOBS for job in discharge_tasks.PERIODIC)
    assert len({job.name for job in PERIODIC_JOBS}) == len(PERIODIC_JOBS)


def test_a_failing_run_is_logged_and_the_job_runs_again_until_stopped(
    session_factory, settings: Settings, capsys
) -> None:
    configure_logging(level="INFO", json=True)
    calls: list[str] = []
    worker_threads: set[str] = set()
    third_run = threading.Event()

    def flaky(context: periodic.JobContext) -> None:
        worker_threads.add(threading.current_thread().name)
        calls.append("run")
        if len(calls) == 3:
            third_run.set()
        if len(calls) == 1:
            raise RuntimeError("patient 943 476 5919 not found")  # never logged: only the type is

    job = periodic.PeriodicJob("test.flaky", flaky, lambda _settings: 0.01)
    context = periodic.JobContext(session_factory=session_factory, bus=EventBus(), settings=settings)

    async def scenario() -> int:
        tasks = periodic.start([job], context)
        assert await asyncio.to_thread(third_run.wait, 10)
        await periodic.stop(tasks)
        stopped_at = len(calls)
        await asyncio.sleep(0.05)
        assert all(task.done() for task in tasks)
        return len(calls) - stopped_at

    assert asyncio.run(scenario()) == 0  # nothing ran after stop
    assert len(calls) >= 3  # the failure did not end the job
    assert threading.main_thread().name not in worker_threads  # runs off the event loop's thread
    err = capsys.readouterr().err
    assert "periodic_job_failed" in err and "RuntimeError" in err and "test.flaky" in err
    assert "943 476 5919" not in err


def test_the_discharge_job_expires_offers_through_its_context(session_factory, settings: Settings) -> None:
    context = periodic.JobContext(session_factory=session_factory, bus=EventBus(), settings=settings)
    (job,) = discharge_tasks.PERIODIC
    assert job.every_seconds(settings) == 60.0
    assert job.run(context) == 0  # no offers in an empty database; the query ran under a system scope
