"""Several server processes on one PostgreSQL database acting as one.

Each process keeps one dedicated connection (never the request pool's) in a thread of its own:

- it LISTENs on the channels the periodic jobs name, and runs the woken job's callback at once,
  so an outbox row committed by any process reaches every process's event bus within
  milliseconds (the committing transaction NOTIFYs, core.outbox);
- it tries, every `TICK_SECONDS`, to take a session-level advisory lock: the process holding it
  is the leader and alone runs the jobs that must run once across the processes (expiring
  offers). The lock lives as long as the connection, so a leader that stops or dies hands over
  to another process within about a second.

A lost connection is opened again (backing off to `MAX_BACKOFF_SECONDS`), leadership dropped
meanwhile; after reconnecting every callback runs once to catch up. SQLite has no such link: a
single process does everything.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import select
import threading
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Engine

from joinedup.logs import get_logger

log = get_logger(__name__)

TICK_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 10
# The advisory lock whose holder runs the once-only jobs; advisory locks are per database.
LEADER_LOCK = int.from_bytes(hashlib.sha256(b"joinedup.periodic.leader").digest()[:8], "big", signed=True)


def supports_cluster(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


class ClusterLink:
    """One process's dedicated connection: LISTEN for wake-ups, hold or seek leadership."""

    def __init__(self, engine: Engine, wake: Mapping[str, Callable[[], object]]) -> None:
        self._engine = engine
        self._wake = dict(wake)
        self._leader = False
        self._stopping = threading.Event()
        self._wakeup_r, self._wakeup_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name="cluster-link", daemon=True)
        self.connected = threading.Event()

    @property
    def is_leader(self) -> bool:
        return self._leader

    def start(self) -> None:
        self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        """Stop listening and give up leadership (the connection closes)."""
        self._stopping.set()
        with contextlib.suppress(OSError):
            os.write(self._wakeup_w, b"x")
        self._thread.join(timeout)
        for fd in (self._wakeup_r, self._wakeup_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _connect(self) -> Any:
        import psycopg  # the PostgreSQL driver: only needed where there is PostgreSQL

        cargs, cparams = self._engine.dialect.create_connect_args(self._engine.url)
        cparams.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
        conn = psycopg.connect(*cargs, **cparams, autocommit=True)
        for channel in self._wake:
            conn.execute(f'LISTEN "{channel}"')
        return conn

    def _seek_leadership(self, conn: Any) -> None:
        if not self._leader:
            self._leader = bool(conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK,)).fetchone()[0])
            if self._leader:
                log.info("cluster_leader", pid=os.getpid())

    def _call(self, channels: set[str] | Mapping[str, object]) -> None:
        for channel in channels:
            callback = self._wake.get(channel)
            if callback is None:
                continue
            try:
                callback()
            except Exception as exc:  # a failing callback must not end the link
                log.error("cluster_wake_failed", channel=channel, error_type=type(exc).__name__)

    def _serve(self, conn: Any) -> None:
        self.connected.set()
        self._call(self._wake)  # catch up on anything sent while not listening
        while not self._stopping.is_set():
            self._seek_leadership(conn)
            ready, _, _ = select.select([conn.fileno(), self._wakeup_r], [], [], TICK_SECONDS)
            if self._wakeup_r in ready:
                return
            if ready:
                self._call({note.channel for note in conn.notifies(timeout=0)})

    def _run(self) -> None:
        backoff = 0.5
        while not self._stopping.is_set():
            conn = None
            try:
                conn = self._connect()
                backoff = 0.5
                self._serve(conn)
            except Exception as exc:  # the server went away or refused us: try again
                log.warning("cluster_link_lost", error_type=type(exc).__name__, retry_seconds=backoff)
            finally:
                self._leader = False
                self.connected.clear()
                if conn is not None:
                    with contextlib.suppress(Exception):
                        conn.close()
            if self._stopping.wait(backoff):
                return
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
