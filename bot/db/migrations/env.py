"""Alembic environment. The bot runs migrations itself at start-up, handing Alembic a live connection
(``config.attributes["connection"]``); the ``alembic`` CLI path builds its own from DATABASE_URL."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from bot.db.models import Base

config = context.config
target_metadata = Base.metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table instead
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///albumduel.db"),
                      target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_online_from_env() -> None:
    from bot.db.engine import create_engine

    engine = create_engine(os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///albumduel.db"))
    async with engine.begin() as connection:
        await connection.run_sync(_configure_and_run)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
elif (connection := config.attributes.get("connection")) is not None:
    _configure_and_run(connection)
else:
    asyncio.run(_run_online_from_env())
