"""The shared resources of one running bot: database, HTTP client, encryption.

Plain async Python, so tests, the sandbox and benchmarks can open the same runtime the Discord client
uses. ``open`` acquires each resource in order and ``close`` releases them in reverse.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.crypto import SecretBox, resolve_secret_key
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade_to_head

log = logging.getLogger(__name__)

USER_AGENT = "AlbumDuel/0.1 (+https://github.com/albumduel)"


@dataclass
class Runtime:
    settings: Settings
    db_schema: str | None = None  # PostgreSQL schema to live in (tests isolate themselves this way)
    engine: AsyncEngine = field(init=False)
    sessions: async_sessionmaker[AsyncSession] = field(init=False)
    http: httpx.AsyncClient = field(init=False)
    secrets: SecretBox = field(init=False)
    _opened: list[str] = field(default_factory=list, init=False)

    async def open(self) -> None:
        key, created = resolve_secret_key(self.settings.secret_key, self.settings.sqlite_path)
        if created is not None:
            log.warning("No SECRET_KEY set: generated one and saved it to %s (mode 0600). Back it up with "
                        "the database; without it stored links cannot be decrypted.", created)
        self.secrets = SecretBox(key)

        self.engine = create_engine(self.settings.database_url, schema=self.db_schema)
        self._opened.append("engine")
        await upgrade_to_head(self.engine)
        self.sessions = create_session_factory(self.engine)

        self.http = httpx.AsyncClient(
            timeout=httpx.Timeout(10.0, connect=5.0),
            headers={"User-Agent": USER_AGENT},
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
            follow_redirects=True,
        )
        self._opened.append("http")

    async def close(self) -> None:
        while self._opened:
            resource = self._opened.pop()
            try:
                if resource == "http":
                    await self.http.aclose()
                elif resource == "engine":
                    await self.engine.dispose()
            except Exception:
                log.exception("Closing %s failed", resource)

    async def database_health(self) -> dict:
        """A cheap round trip to the database, for /healthz."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return {"status": "ok", "backend": self.engine.dialect.name}
        except Exception as exc:  # the health page reports, it does not crash
            return {"status": "error", "backend": self.engine.dialect.name, "error": type(exc).__name__}
