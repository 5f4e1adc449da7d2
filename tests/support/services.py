"""The services the cogs use, opened on a test database without Discord."""

from __future__ import annotations

import tempfile
from contextlib import asynccontextmanager
from pathlib import Path

from bot.config import load_settings
from bot.runtime import Runtime
from bot.services.registry import Services


@asynccontextmanager
async def open_services(database, **settings_overrides):
    with tempfile.TemporaryDirectory(prefix="albumduel-tiles-") as tiles:
        async with _open_services(database, **{"cover_tile_dir": Path(tiles), **settings_overrides}) as services:
            yield services


@asynccontextmanager
async def _open_services(database, **settings_overrides):
    settings = load_settings(_env_file=None, **{"discord_token": "unused", "database_url": database.url,
                                                "secret_key": "service-tests", "image_workers": 0,
                                                **settings_overrides})
    runtime = Runtime(settings, db_schema=database.schema)
    await runtime.open()
    services = Services.build(runtime)
    try:
        yield services
    finally:
        await services.close()
        await runtime.close()
