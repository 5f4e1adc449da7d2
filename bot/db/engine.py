"""The async engine and the session factory, configured the same way for SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def create_engine(database_url: str, *, schema: str | None = None, echo: bool = False) -> AsyncEngine:
    """Create the engine. ``schema`` (PostgreSQL only) isolates one deployment, or one test, in a schema."""
    if database_url.startswith("sqlite"):
        engine = create_async_engine(database_url, echo=echo, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
            cursor = dbapi_connection.cursor()
            # WAL lets readers run beside the one writer; foreign keys are off in SQLite by default.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    connect_args: dict = {}
    if schema:
        connect_args["server_settings"] = {"search_path": schema}
    return create_async_engine(database_url, echo=echo, pool_size=10, max_overflow=20,
                               pool_pre_ping=True, connect_args=connect_args)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
