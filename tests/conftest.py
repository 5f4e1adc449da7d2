"""Shared fixtures: a fresh database per test (SQLite and PostgreSQL), the Discord emulator, the bot.

``database`` is parametrised over both back ends; PostgreSQL is skipped only when no server answers.
Any ERROR logged by discord.py or the bot during a test fails it (``error_logs.take`` claims the ones a
test provokes on purpose).
"""

from __future__ import annotations

import logging

import pytest

from tests.support.databases import (
    create_postgres_schema, drop_postgres_schema, postgres_available, sqlite_database,
)
from tests.support.logcheck import ErrorLogGuard


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request, tmp_path):
    if request.param == "sqlite":
        yield sqlite_database(tmp_path)
        return
    if not await postgres_available():
        pytest.skip("no PostgreSQL server answers on 127.0.0.1:5432")
    db = await create_postgres_schema()
    try:
        yield db
    finally:
        await drop_postgres_schema(db)


@pytest.fixture
def sqlite_only(tmp_path):
    return sqlite_database(tmp_path)


@pytest.fixture(autouse=True)
def error_logs():
    guard = ErrorLogGuard()
    root = logging.getLogger()
    root.addHandler(guard)
    previous = root.level
    if root.level > logging.INFO:
        root.setLevel(logging.INFO)
    yield guard
    root.removeHandler(guard)
    root.setLevel(previous)
    if guard.records:
        pytest.fail("ERROR logged during the test:\n" + guard.describe(), pytrace=False)


@pytest.fixture
async def discord_emulator():
    from bot.sandbox.discord import DiscordEmulator

    emulator = DiscordEmulator(token="test-bot-token")
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
def world(discord_emulator):
    """One server with a #general channel and three members; ``world.outsider`` shares no server."""
    from types import SimpleNamespace

    emu = discord_emulator
    guild = emu.add_guild("Vinyl Club")
    channel = emu.add_text_channel(guild, "general")
    alice, bob, carol = emu.add_user("alice"), emu.add_user("bob"), emu.add_user("carol")
    for user in (alice, bob, carol):
        emu.add_member(guild, user)
    outsider = emu.add_user("outsider")
    return SimpleNamespace(emu=emu, guild=guild, channel=channel, alice=alice, bob=bob, carol=carol, outsider=outsider)


@pytest.fixture
async def cdn():
    from bot.sandbox.cdn import CoverCdn

    async with CoverCdn() as server:
        yield server


@pytest.fixture
async def aoty(monkeypatch):
    from bot.sandbox.aoty import AotyEmulator

    # albumoftheyearapi spaces its requests by this process-wide setting; tests need no politeness.
    monkeypatch.setenv("AOTY_MIN_REQUEST_INTERVAL", "0")
    async with AotyEmulator() as emulator:
        yield emulator


@pytest.fixture
async def harness(world, database, tmp_path, aoty):
    from tests.support.harness import BotHarness

    bot_harness = BotHarness(world.emu, database, tmp_path, aoty_base_url=aoty.base_url, aoty_min_interval=0)
    await bot_harness.start()
    try:
        yield bot_harness
    finally:
        await bot_harness.stop()


@pytest.fixture
async def spotify_emu():
    from bot.sandbox.spotify import SpotifyEmulator

    async with SpotifyEmulator() as emulator:
        yield emulator


@pytest.fixture
async def lastfm_emu():
    from bot.sandbox.lastfm import LastfmEmulator

    async with LastfmEmulator() as emulator:
        yield emulator
