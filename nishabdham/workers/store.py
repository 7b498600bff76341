"""The job store: every job, attempt, error, timing and output path, in SQL.

The store is the source of truth of the queue. Redis only carries job ids to
the workers: when Redis loses its queue, ``nishabdham batch --resume`` sends
the unfinished jobs again from here. SQLite (``jobs.sqlite3`` in the data
directory) by default; any SQLAlchemy URL in ``NISHABDHAM_DATABASE_URL`` (for
example ``postgresql+psycopg://...``) when workers on several machines share
one store.

A job is identified by what it produces: the SHA-256 of the audio file's bytes
and the SHA-256 of the settings that change the output
(:meth:`nishabdham.pipeline.runner.PipelineOptions.output_settings`). The same recording
with the same settings is the same job, so no work is done twice.

PostgreSQL (or another server) may be away for a moment (a restart, a fail-over):
every read and every change of state is tried again for ``retry_s`` seconds
before it fails with a :class:`~nishabdham.errors.QueueError`; SQLite waits on
its lock instead (60 s busy timeout). The tables are created once, under an
advisory lock on PostgreSQL, however many workers start at once.

States: ``queued`` -> ``running`` -> ``done`` or ``failed``. A running job
whose worker died (its process is gone, or it gave no heartbeat for the lease)
is taken over by the next worker that gets its message, or put back to
``queued`` by :meth:`JobStore.requeue_lost`. Every change of state is a
compare-and-set in one transaction, so two workers never both run a job and two
batches never both create it. After ``max_attempts`` tries a job fails with its
last error: a file that crashes the worker cannot loop forever.

API for the CLI and the review UI::

    from nishabdham.workers.store import JobStore
    from nishabdham.workers.queue import enqueue
    store = JobStore.from_settings(settings)
    job = store.submit("reading.mp3", "subs/", settings)  # create, or find the same audio + settings
    if job.state == "queued":
        enqueue([job.id], settings)                       # hand it to the workers
    for job in store.list_jobs():                         # newest first
        job.state, job.stage, job.progress, job.elapsed_ms, job.qa, job.error
    store.get(job_id).transcript_path                     # subs/reading.json once done
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from nishabdham.errors import QueueError
from nishabdham.workers.db import database_url, make_engine, tables
from nishabdham.workers.jobs import (
    DONE,
    FAILED,
    LOST,
    QUEUED,
    RUNNING,
    STATES,
    Attempt,
    Claim,
    Job,
    claim_is_lost,
    file_sha256,
    job_identity,
    job_options,
    now_ms,
    output_options,
    settings_sha256,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from nishabdham.settings import Settings
__all__ = ["DONE", "FAILED", "QUEUED", "RUNNING", "STATES", "Attempt", "Claim", "Job", "JobStore", "output_options"]

log = logging.getLogger(__name__)

#: How long a store on a database server keeps trying while the server is away (a restart takes seconds).
RETRY_S = 60.0
#: PostgreSQL advisory lock key held while the tables are created (any constant shared by every process).
SCHEMA_LOCK = 0x6E697368

F = TypeVar("F", bound=Callable[..., Any])


def retried(method: F) -> F:
    """Run ``method`` again while the database server is away (connection refused or dropped), up to ``retry_s``.

    Each public method is one transaction or a series of them that are safe to run again.
    """

    @functools.wraps(method)
    def wrapper(self: JobStore, *args: Any, **kwargs: Any) -> Any:
        deadline, delay = time.monotonic() + self.retry_s, 0.25
        while True:
            try:
                return method(self, *args, **kwargs)
            except QueueError as exc:
                if self.is_sqlite or not _server_away(exc) or time.monotonic() + delay > deadline:
                    raise
                log.warning("the job store at %s is away; trying again in %.1f s (%s)", self.shown_url, delay, exc)
                time.sleep(delay)
                delay = min(5.0, delay * 2)

    return wrapper  # type: ignore[return-value]


def _server_away(exc: QueueError) -> bool:
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    cause = exc.__cause__
    if isinstance(cause, OperationalError | InterfaceError):
        return True
    return isinstance(cause, DBAPIError) and bool(cause.connection_invalidated)


# --------------------------------------------------------------------------- the store


class JobStore:
    """Jobs and attempts in one SQL database (see the module docstring)."""

    def __init__(self, url: str, *, retry_s: float = RETRY_S) -> None:
        from sqlalchemy.engine import make_url

        self.url = url
        parsed = make_url(url)
        self.shown_url = parsed.render_as_string(hide_password=True)
        self.backend = parsed.get_backend_name()
        self.is_sqlite = self.backend == "sqlite"
        self.retry_s = retry_s
        self.metadata, self.jobs, self.attempt_rows = tables()
        with self._errors("open"):
            self.engine = make_engine(url)
        self._create_tables()

    @classmethod
    def from_settings(cls, settings: Settings, *, retry_s: float = RETRY_S) -> JobStore:
        return cls(database_url(settings), retry_s=retry_s)

    def close(self) -> None:
        self.engine.dispose()

    # ----------------------------------------------------------------- creating jobs

    def submit(self, path: str | Path, out_dir: str | Path, settings: Settings, stem: str | None = None) -> Job:
        """The job for ``path`` with ``settings``: created as ``queued``, or the existing one."""
        job, _ = self.create(path, out_dir, job_options(settings, path), stem=stem)
        return job

    @retried
    def create(
        self,
        path: str | Path,
        out_dir: str | Path,
        options: dict[str, Any],
        *,
        stem: str | None = None,
        audio_sha256: str | None = None,
    ) -> tuple[Job, bool]:
        """Create the job (``True``) or return the one with the same audio and settings (``False``)."""
        from sqlalchemy import insert
        from sqlalchemy.exc import IntegrityError

        path = Path(path)
        audio = audio_sha256 or file_sha256(path)
        settings_hash = settings_sha256(options)
        new = Job(
            id=job_identity(audio, settings_hash),
            source=str(path.resolve()),
            out_dir=str(Path(out_dir).resolve()),
            stem=stem or path.stem or "recording",
            audio_sha256=audio,
            settings_hash=settings_hash,
            options=options,
            created_ms=now_ms(),
        )
        try:
            with self._transaction("create a job") as conn:
                existing = self._get(conn, new.id)
                if existing is not None:
                    return existing, False
                conn.execute(insert(self.jobs).values(**_row(new)))
                return new, True
        except IntegrityError:  # another process created it between our read and our write
            return self.get(new.id), False

    # ----------------------------------------------------------------- reading

    @retried
    def get(self, job_id: str) -> Job | None:
        with self._reading("read a job") as conn:
            return self._get(conn, job_id)

    @retried
    def list_jobs(
        self, *, states: Iterable[str] | None = None, ids: Iterable[str] | None = None, limit: int | None = None
    ) -> list[Job]:
        """Jobs, newest first, optionally only in ``states`` or with ``ids``."""
        from sqlalchemy import select

        query = select(self.jobs).order_by(self.jobs.c.created_ms.desc(), self.jobs.c.id)
        if states is not None:
            query = query.where(self.jobs.c.state.in_(list(states)))
        with self._reading("list jobs") as conn:
            if ids is None:
                rows = conn.execute(query.limit(limit)).mappings().all()
                return [_job(r) for r in rows]
            found: dict[str, Job] = {}
            wanted = list(dict.fromkeys(ids))
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                found.update(
                    (r["id"], _job(r)) for r in conn.execute(query.where(self.jobs.c.id.in_(chunk))).mappings()
                )
            return [found[i] for i in wanted if i in found][:limit]

    @retried
    def attempts(self, job_id: str) -> list[Attempt]:
        from sqlalchemy import select

        query = (
            select(self.attempt_rows).where(self.attempt_rows.c.job_id == job_id).order_by(self.attempt_rows.c.number)
        )
        with self._reading("read attempts") as conn:
            return [
                Attempt(
                    r["job_id"], r["number"], r["worker"], r["started_ms"], r["finished_ms"], r["outcome"], r["error"]
                )
                for r in conn.execute(query).mappings()
            ]

    @retried
    def counts(self) -> dict[str, int]:
        """How many jobs are in each state (every state, zero included)."""
        from sqlalchemy import func, select

        query = select(self.jobs.c.state, func.count()).group_by(self.jobs.c.state)
        with self._reading("count jobs") as conn:
            found = {state: n for state, n in conn.execute(query).all()}
        return {state: int(found.get(state, 0)) for state in STATES}

    # ----------------------------------------------------------------- the worker's side

    @retried
    def claim(self, job_id: str, worker: str, *, lease_ms: int, max_attempts: int) -> Claim:
        """Start an attempt at ``job_id`` for ``worker``, unless it is finished or running elsewhere."""
        now = now_ms()
        with self._transaction("claim a job") as conn:
            job = self._get(conn, job_id)
            if job is None:
                return Claim("unknown", None)
            if job.finished:
                return Claim("finished", job)
            lost = job.state == RUNNING and claim_is_lost(job, now, lease_ms)
            if job.state == RUNNING and not lost:
                return Claim("busy", job)
            error = f"{LOST} during {job.stage or 'start-up'}" if lost else job.error
            if job.attempts >= max_attempts:
                changes = dict(
                    state=FAILED,
                    error=f"gave up after {job.attempts} attempt(s): {error}",
                    error_code="attempts",
                    finished_ms=now,
                    worker="",
                )
                if not self._swap(conn, job, **changes):
                    return Claim("busy", job)
                self._close_attempt(conn, job, "lost" if lost else "failed", error, now)
                return Claim("gave-up", replace(job, **changes))
            changes = dict(
                state=RUNNING, attempts=job.attempts + 1, worker=worker, heartbeat_ms=now, started_ms=now,
                finished_ms=None, stage="start", progress=0.0, error=error,
            )  # fmt: skip
            if not self._swap(conn, job, **changes):
                return Claim("busy", job)
            if lost:
                self._close_attempt(conn, job, "lost", error, now)
            self._open_attempt(conn, job_id, job.attempts + 1, worker, now)
            return Claim("claimed", replace(job, **changes))

    def report_progress(self, job_id: str, worker: str, stage: str, fraction: float) -> bool:
        """Record the stage and overall progress of a running job (also a heartbeat)."""
        return self._update_mine(job_id, worker, stage=stage, progress=round(fraction, 4), heartbeat_ms=now_ms())

    def heartbeat(self, job_id: str, worker: str) -> bool:
        return self._update_mine(job_id, worker, heartbeat_ms=now_ms())

    @retried
    def complete(
        self,
        job_id: str,
        worker: str,
        *,
        outputs: Iterable[str | Path],
        qa: dict[str, Any],
        timings_ms: dict[str, int],
        audio_ms: int,
    ) -> bool:
        """Mark the job done with its outputs; False when this worker no longer holds it."""
        now = now_ms()
        changes = dict(
            state=DONE, stage="done", progress=1.0, finished_ms=now, heartbeat_ms=now, error="", error_code="",
            outputs=[str(p) for p in outputs], qa=qa, timings_ms=timings_ms, audio_ms=audio_ms,
        )  # fmt: skip
        return self._finish_mine(job_id, worker, "done", "", changes)

    @retried
    def fail(self, job_id: str, worker: str, error: str, code: str = "error") -> bool:
        """Mark the job failed for good (bad input, or no attempts left)."""
        now = now_ms()
        changes = dict(state=FAILED, finished_ms=now, heartbeat_ms=now, error=error, error_code=code)
        return self._finish_mine(job_id, worker, "failed", error, changes)

    @retried
    def release(self, job_id: str, worker: str, error: str, code: str = "error") -> bool:
        """Put the job back to ``queued`` after an error worth another try."""
        changes = dict(state=QUEUED, worker="", error=error, error_code=code, heartbeat_ms=None)
        return self._finish_mine(job_id, worker, "retry", error, changes)

    # ----------------------------------------------------------------- recovery

    @retried
    def requeue_lost(self, lease_ms: int, ids: Iterable[str] | None = None) -> list[str]:
        """Put running jobs whose worker is lost back to ``queued``; returns their ids."""
        now, moved = now_ms(), []
        for job in self.list_jobs(states=[RUNNING], ids=ids):
            if not claim_is_lost(job, now, lease_ms):
                continue
            error = f"{LOST} during {job.stage or 'start-up'}"
            with self._transaction("requeue a job") as conn:
                if self._swap(conn, job, state=QUEUED, worker="", error=error, heartbeat_ms=None):
                    self._close_attempt(conn, job, "lost", error, now)
                    moved.append(job.id)
        return moved

    def unfinished(self, lease_ms: int, ids: Iterable[str] | None = None) -> list[str]:
        """Ids of jobs to send again after a lost queue: queued ones, and running ones whose worker is lost."""
        ids = None if ids is None else list(ids)
        self.requeue_lost(lease_ms, ids)
        return [job.id for job in self.list_jobs(states=[QUEUED], ids=ids)]

    @retried
    def retry_failed(self, ids: Iterable[str] | None = None) -> list[str]:
        """Give failed jobs a fresh set of attempts; returns their ids (now ``queued``)."""
        return self._reopen(self.list_jobs(states=[FAILED], ids=ids), error="", error_code="")

    @retried
    def reopen_missing(self, ids: Iterable[str] | None = None) -> list[str]:
        """Put done jobs whose output files are gone back to ``queued``; returns their ids."""
        gone = [j for j in self.list_jobs(states=[DONE], ids=ids) if not all(Path(p).is_file() for p in j.outputs)]
        return self._reopen(gone, outputs=[])

    def _reopen(self, jobs: list[Job], **changes: Any) -> list[str]:
        moved = []
        for job in jobs:
            with self._transaction("reopen a job") as conn:
                if self._swap(conn, job, state=QUEUED, attempts=0, finished_ms=None, **changes):
                    moved.append(job.id)
        return moved

    # ----------------------------------------------------------------- internals

    @retried
    def _create_tables(self) -> None:
        """Create the tables once: one process at a time (SQLite's write lock, PostgreSQL's advisory lock)."""
        with self._transaction("create its tables") as conn:
            if self.backend == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK})")
            self.metadata.create_all(conn)

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        from sqlalchemy.exc import IntegrityError, SQLAlchemyError

        try:
            yield
        except IntegrityError:
            raise  # a lost race on creation: create() handles it
        except SQLAlchemyError as exc:
            detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise QueueError(
                f"the job store at {self.shown_url} failed to {action}: {detail}; "
                "check NISHABDHAM_DATABASE_URL and that the database is reachable"
            ) from exc

    @contextmanager
    def _transaction(self, action: str) -> Iterator[Connection]:
        """A transaction that writes (on SQLite it holds the write lock from its start)."""
        with self._errors(action), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _reading(self, action: str) -> Iterator[Connection]:
        """A transaction that only reads (on SQLite it never blocks the writers)."""
        with self._errors(action), self.engine.connect() as conn:
            with conn.execution_options(nishabdham_read_only=True).begin():
                yield conn

    def _get(self, conn: Connection, job_id: str) -> Job | None:
        from sqlalchemy import select

        row = conn.execute(select(self.jobs).where(self.jobs.c.id == job_id)).mappings().first()
        return _job(row) if row is not None else None

    def _swap(self, conn: Connection, job: Job, **changes: Any) -> bool:
        """Compare-and-set: apply ``changes`` only if the row is still as ``job`` saw it."""
        from sqlalchemy import update

        c = self.jobs.c
        query = update(self.jobs).where(
            c.id == job.id, c.state == job.state, c.attempts == job.attempts, c.worker == job.worker
        )
        return conn.execute(query.values(**_encode(changes))).rowcount == 1

    def _update_mine(self, job_id: str, worker: str, **changes: Any) -> bool:
        from sqlalchemy import update

        c = self.jobs.c
        query = update(self.jobs).where(c.id == job_id, c.state == RUNNING, c.worker == worker).values(**changes)
        with self._transaction("record progress") as conn:
            return conn.execute(query).rowcount == 1

    def _finish_mine(self, job_id: str, worker: str, outcome: str, error: str, changes: dict[str, Any]) -> bool:
        with self._transaction(f"record '{outcome}'") as conn:
            job = self._get(conn, job_id)
            if job is None or job.state != RUNNING or job.worker != worker:
                log.warning("job %s: not held by %s any more; its %s is not recorded", job_id, worker, outcome)
                return False
            if not self._swap(conn, job, **changes):
                return False
            self._close_attempt(conn, job, outcome, error, changes.get("finished_ms") or now_ms())
            return True

    def _open_attempt(self, conn: Connection, job_id: str, number: int, worker: str, now: int) -> None:
        from sqlalchemy import insert

        conn.execute(
            insert(self.attempt_rows).values(
                job_id=job_id, number=number, worker=worker, started_ms=now, outcome="running", error=""
            )
        )

    def _close_attempt(self, conn: Connection, job: Job, outcome: str, error: str, now: int) -> None:
        from sqlalchemy import update

        a = self.attempt_rows.c
        query = update(self.attempt_rows).where(a.job_id == job.id, a.number == job.attempts, a.outcome == "running")
        conn.execute(query.values(outcome=outcome, error=error, finished_ms=now))


def _encode(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in changes.items()}


def _row(job: Job) -> dict[str, Any]:
    from dataclasses import asdict

    return _encode(asdict(job))


def _job(row: Any) -> Job:
    data = dict(row)
    data["outputs"] = tuple(data.get("outputs") or ())
    data["qa"] = data.get("qa") or {}
    data["timings_ms"] = data.get("timings_ms") or {}
    return Job(**data)
