"""Runs rostering jobs in the background: a thread per job waits on a process pool, so solves
use other cores and never block the web server's event loop."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor

from sqlalchemy.orm import Session, sessionmaker

from joinedup.domains.homecare import service
from joinedup.domains.homecare.models import JobStatus
from joinedup.logs import get_logger

log = get_logger(__name__)


class JobRunner:
    def __init__(self, factory: sessionmaker[Session], *, workers: int = 1) -> None:
        # The app's factory: a job's events are relayed when `service.mark` commits.
        self._factory = factory
        self._workers = workers
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="roster-job")

    def _process_pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # spawn, not fork: forking a process with a web server's threads is unsafe.
                self._pool = ProcessPoolExecutor(self._workers, mp_context=multiprocessing.get_context("spawn"))
            return self._pool

    def submit(self, job_id: str) -> Future[None]:
        return self._threads.submit(self._run, job_id)

    def resume_unfinished(self) -> int:
        """After a restart: run again what was queued or running when the server stopped."""
        ids = service.unfinished_job_ids(self._factory)
        for job_id in ids:
            self.submit(job_id)
        return len(ids)

    def _run(self, job_id: str) -> None:
        job = service.mark(self._factory, job_id, JobStatus.RUNNING)
        if job is None:
            return
        try:
            future = self._process_pool().submit(service.solve_payload, job.instance, job.time_limit_s, job.seed)
            result = future.result()
        except Exception as exc:
            log.error("roster_job_failed", job_id=job_id, error_type=type(exc).__name__)
            service.mark(self._factory, job_id, JobStatus.FAILED, error=f"The solve failed ({type(exc).__name__}).")
        else:
            service.mark(self._factory, job_id, JobStatus.SUCCEEDED, result=result)

    def shutdown(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
