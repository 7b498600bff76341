"""The job store's tables and database engine (SQLite tuned for several processes, or any SQLAlchemy URL)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING
from weakref import WeakSet

from nishabdham.errors import QueueError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from nishabdham.settings import Settings


def tables():
    from sqlalchemy import JSON, BigInteger, Column, Float, ForeignKey, Integer, MetaData, String, Table, Text

    metadata = MetaData()
    jobs = Table(
        "jobs",
        metadata,
        Column("id", String(64), primary_key=True),
        Column("source", Text, nullable=False),
        Column("out_dir", Text, nullable=False),
        Column("stem", Text, nullable=False),
        Column("audio_sha256", String(64), nullable=False, index=True),
        Column("settings_hash", String(64), nullable=False),
        Column("options", JSON, nullable=False),
        Column("state", String(16), nullable=False, index=True),
        Column("stage", String(32), nullable=False, default=""),
        Column("progress", Float, nullable=False, default=0.0),
        Column("attempts", Integer, nullable=False, default=0),
        Column("worker", String(255), nullable=False, default=""),
        Column("error", Text, nullable=False, default=""),
        Column("error_code", String(32), nullable=False, default=""),
        Column("audio_ms", BigInteger),
        Column("created_ms", BigInteger, nullable=False, index=True),
        Column("started_ms", BigInteger),
        Column("finished_ms", BigInteger),
        Column("heartbeat_ms", BigInteger),
        Column("outputs", JSON, nullable=False, default=list),
        Column("qa", JSON, nullable=False, default=dict),
        Column("timings_ms", JSON, nullable=False, default=dict),
    )
    attempts = Table(
        "attempts",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("job_id", String(64), ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False, index=True),
        Column("number", Integer, nullable=False),
        Column("worker", String(255), nullable=False),
        Column("started_ms", BigInteger, nullable=False),
        Column("finished_ms", BigInteger),
        Column("outcome", String(16), nullable=False),
        Column("error", Text, nullable=False, default=""),
    )
    return metadata, jobs, attempts


def database_url(settings: Settings) -> str:
    """The store's SQLAlchemy URL: the setting, or SQLite in the data directory."""
    if settings.database_url:
        return settings.database_url
    data_dir = Path(settings.data_dir)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise QueueError(f"cannot create the data directory ({exc.strerror or exc})", path=data_dir) from exc
    return f"sqlite:///{data_dir / 'jobs.sqlite3'}"


_ENGINES: WeakSet = WeakSet()


def _after_fork_in_child() -> None:
    for engine in list(_ENGINES):  # never share a pooled connection with the parent
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_after_fork_in_child)


def make_engine(url: str) -> Engine:
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_pre_ping=True)
    else:
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, record) -> None:
            dbapi_connection.isolation_level = None  # we send BEGIN ourselves, below
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout = 60000")
            _use_wal(cursor)
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection) -> None:
            # A transaction that writes takes the write lock at its start, so a read-then-write
            # can never fail half-way because another process wrote in between; readers don't.
            read_only = connection.get_execution_options().get("nishabdham_read_only", False)
            connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    _ENGINES.add(engine)
    return engine


def _use_wal(cursor, attempts: int = 100) -> None:
    """Put the database in WAL mode (once: the mode is stored in the file).

    Switching needs the database to itself and SQLite answers "database is locked" at once,
    without waiting for the busy timeout, when another process (a worker, the review server)
    opens a new database at the same moment; so the switch is tried again for a few seconds.
    """
    import sqlite3

    for attempt in range(attempts):
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05)
