"""Fixtures: an emulator with a guild and two people, a real discord.py bot connected to it, and a guard
that fails a test whenever discord.py (or the emulator) logs an ERROR."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import AsyncIterator, Callable

import discord
import pytest
import yarl

from bot.sandbox.discord import Channel, DiscordEmulator, Guild, User
from tests.integration.sandbox_discord.sample_bot import SampleBot


class ErrorCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("discord", "bot")):
            self.records.append(record)


@pytest.fixture(autouse=True)
def fail_on_logged_errors():
    """An exception inside a discord.py callback is only logged: turn it into a test failure."""
    collector = ErrorCollector()
    root = logging.getLogger()
    root.addHandler(collector)
    yield collector
    root.removeHandler(collector)
    if collector.records:
        lines = [f"{r.name}: {r.getMessage()}\n{r.exc_text or ''}" for r in collector.records]
        pytest.fail("ERROR logged during the test:\n" + "\n".join(lines))


@dataclass
class World:
    emu: DiscordEmulator
    guild: Guild
    channel: Channel
    alice: User
    bob: User


@pytest.fixture
async def world() -> AsyncIterator[World]:
    async with DiscordEmulator(token="test-token") as emu:
        guild = emu.add_guild("Test Server")
        channel = emu.add_text_channel(guild, "general")
        alice, bob = emu.add_user("alice"), emu.add_user("bob")
        emu.add_member(guild, alice)
        emu.add_member(guild, bob)
        yield World(emu, guild, channel, alice, bob)


@pytest.fixture(autouse=True)
def restore_discord_urls():
    """Pointing discord.py at the emulator changes two class attributes: put them back after each test."""
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    yield
    discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


@contextlib.asynccontextmanager
async def running_bot(emu: DiscordEmulator, make_bot: Callable[[], discord.Client]) -> AsyncIterator[discord.Client]:
    """Start a bot against the emulator the way the real bot does, and close it cleanly afterwards."""
    discord.http.Route.BASE = emu.api_base
    bot = make_bot()
    ready_before = emu.gateway.ready_count
    await bot.login(emu.token)
    # A plain Client dials DEFAULT_GATEWAY directly; ask the (emulated) API for the URL instead.
    _shards, url, _limits = await bot.http.get_bot_gateway()
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
    task = asyncio.create_task(bot.connect(reconnect=True))
    try:
        await emu.wait_for_ready(count=ready_before + 1)
        await asyncio.wait_for(bot.wait_until_ready(), 10)
        yield bot
    finally:
        await bot.close()
        await task


@pytest.fixture
async def bot(world: World) -> AsyncIterator[SampleBot]:
    async with running_bot(world.emu, lambda: SampleBot(world.guild.id)) as client:
        yield client  # type: ignore[misc]
