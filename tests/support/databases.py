"""Fresh databases for tests: a SQLite file, or a throw-away PostgreSQL schema.

PostgreSQL is skipped only when no server answers on 127.0.0.1:5432.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")

_postgres_answers: bool | None = None


@dataclass
class TestDatabase:
    backend: str
    url: str
    schema: str | None = None


async def postgres_available() -> bool:
    global _postgres_answers
    if _postgres_answers is None:
        import asyncpg

        try:
            connection = await asyncpg.connect(POSTGRES_URL.replace("+asyncpg", ""), timeout=3)
            await connection.close()
            _postgres_answers = True
        except (OSError, asyncio.TimeoutError, asyncpg.PostgresError):
            _postgres_answers = False
    return _postgres_answers


async def create_postgres_schema() -> TestDatabase:
    import asyncpg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(POSTGRES_URL.replace("+asyncpg", ""))
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await connection.close()
    return TestDatabase("postgresql", POSTGRES_URL, schema)


async def drop_postgres_schema(database: TestDatabase) -> None:
    import asyncpg

    connection = await asyncpg.connect(POSTGRES_URL.replace("+asyncpg", ""))
    try:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{database.schema}" CASCADE')
    finally:
        await connection.close()


def sqlite_database(directory: Path) -> TestDatabase:
    return TestDatabase("sqlite", f"sqlite+aiosqlite:///{directory / 'albumduel.db'}")
