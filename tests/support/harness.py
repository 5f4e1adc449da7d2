"""Runs the real AlbumDuel client against the Discord emulator, and restarts it on the same database."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.app import AlbumDuelBot
from bot.config import Settings, load_settings
from tests.support.databases import TestDatabase


class BotHarness:
    """Start, stop and restart the bot in this event loop. ``bot_class`` lets a test add a cog."""

    def __init__(self, emulator, database: TestDatabase, workdir: Path, bot_class: type[AlbumDuelBot] = AlbumDuelBot,
                 **settings_overrides: object) -> None:
        self.emulator = emulator
        self.database = database
        self.workdir = workdir
        self.bot_class = bot_class
        self.settings_overrides = settings_overrides
        self.bot: AlbumDuelBot | None = None
        self._task: asyncio.Task | None = None
        self.starts = 0
        # The first start binds any free port; restarts reuse it, so links handed out earlier still
        # reach the callback routes, and PUBLIC_BASE_URL names the real address.
        self.web_port = 0

    def settings(self) -> Settings:
        overrides: dict[str, object] = {
            "discord_token": self.emulator.token,
            "database_url": self.database.url,
            "discord_api_base_url": self.emulator.api_base,
            "web_host": "127.0.0.1",
            "web_port": self.web_port,
            "public_base_url": f"http://127.0.0.1:{self.web_port or 1}",
            "log_level": "DEBUG",
            "image_workers": 0,  # threads: a process pool per bot start would cost a second each time
            "cover_tile_dir": self.workdir / "cover-tiles",  # kept across restarts, as in production
        }
        if self.database.backend == "postgresql":
            overrides["secret_key"] = "test-secret-key-for-postgres"
        overrides.update(self.settings_overrides)
        return load_settings(_env_file=None, **overrides)

    async def start(self) -> AlbumDuelBot:
        bot = self.bot_class(self.settings(), db_schema=self.database.schema, guild_ready_timeout=0.05)
        self.bot = bot
        self._task = asyncio.create_task(bot.start(self.emulator.token), name="albumduel-bot")
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({self._task, ready}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if self._task in done:
                self._task.result()  # re-raise why the bot died during start-up
            raise TimeoutError("the bot did not become ready within 20 s")
        self.starts += 1
        # Same number of tries as in production, without the seconds of back-off between them.
        bot.services.imports.aoty.retry_delays = tuple(0.0 for _ in bot.services.imports.aoty.retry_delays)
        if not self.web_port and "web_port" not in self.settings_overrides:
            self.web_port = bot.web.port
            if "public_base_url" not in self.settings_overrides:
                bot.settings.public_base_url = bot.web.base_url
        return bot

    async def stop(self) -> None:
        if self.bot is None:
            return
        await self.bot.close()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=10)
            finally:
                self._task = None
        self.bot = None

    async def restart(self) -> AlbumDuelBot:
        await self.stop()
        return await self.start()

    @property
    def runtime(self):
        assert self.bot is not None, "the bot is not running"
        return self.bot.runtime
