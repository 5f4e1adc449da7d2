"""The async engine and the session factory, configured the same way for SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.util import await_only
from sqlalchemy.util.concurrency import in_greenlet


def create_engine(database_url: str, *, schema: str | None = None, echo: bool = False) -> AsyncEngine:
    """Create the engine. ``schema`` (PostgreSQL only) isolates one deployment, or one test, in a schema."""
    if database_url.startswith("sqlite"):
        # SQLite has one writer at a time; within a process, queueing on a single connection is fair and
        # fast, where many connections polling the file lock starve each other.
        engine = create_async_engine(database_url, echo=echo, connect_args={"timeout": 30},
                                     pool_size=1, max_overflow=0, pool_timeout=60)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
            # We begin transactions ourselves (below), so the driver must not.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            # WAL lets readers run beside the one writer; foreign keys are off in SQLite by default.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _begin_immediate(connection) -> None:  # noqa: ANN001
            # A deferred transaction that reads and then writes cannot wait for the lock (SQLite answers
            # "database is locked" at once to avoid a deadlock); taking the write lock up front makes
            # concurrent clicks queue on busy_timeout instead.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        @event.listens_for(engine.sync_engine.pool, "invalidate")
        def _roll_back_before_closing(_dbapi_connection, record, _exception) -> None:  # noqa: ANN001
            # A task cancelled mid-statement gets its connection invalidated and closed. The statement's
            # cursor lives on in the cancelled task's traceback, so sqlite3's close leaves a "zombie"
            # connection that keeps BEGIN IMMEDIATE's write lock until the garbage collector finds it,
            # and every other writer waits (30 s). Rolling back first releases the lock whatever
            # happens to the cursor. The driver queues the rollback behind the running statement.
            driver = record.driver_connection
            if driver is None or not in_greenlet():
                return  # garbage-collector cleanup: nothing can be awaited here
            try:
                await_only(asyncio.shield(driver.rollback()))
            except asyncio.CancelledError:
                # Cancelled again while rolling back: let the close below run, and keep the
                # cancellation for the task's next await.
                task = asyncio.current_task()
                if task is not None:
                    task.cancel()
            except Exception:  # noqa: BLE001 - the connection is being thrown away; the close still runs
                pass

        return engine
    # Named connections, so pg_stat_activity tells whose they are (and which schema's, for a deployment
    # or a test that shares a database).
    server_settings = {"application_name": f"albumduel:{schema}"[:63] if schema else "albumduel"}
    if schema:
        server_settings["search_path"] = schema
    connect_args = {"server_settings": server_settings}
    # No pre-ping: it costs a round trip on every checkout, which under load more than doubled click
    # latency (docs/performance.md). After a database restart the first statement on a dead connection
    # fails once, and SQLAlchemy then discards the whole pool; recycling keeps connections fresh.
    return create_async_engine(database_url, echo=echo, pool_size=10, max_overflow=20,
                               pool_pre_ping=False, pool_recycle=1800, connect_args=connect_args)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
