"""A real discord.py bot connects, gets READY and GUILD_CREATE, and syncs its commands."""

from __future__ import annotations

import discord
import pytest

from tests.integration.sandbox_discord.conftest import World
from tests.integration.sandbox_discord.sample_bot import SampleBot


async def test_bot_sees_its_guild_channel_and_members(world: World, bot: SampleBot) -> None:
    guild = bot.get_guild(world.guild.id)
    assert guild is not None and guild.name == "Test Server"
    assert [c.name for c in guild.text_channels] == ["general"]
    assert bot.user is not None and bot.user.id == world.emu.bot_user.id
    assert bot.application_id == world.emu.application_id
    # The members intent makes discord.py chunk the guild: the emulator answers with every member.
    await guild.chunk()
    assert {m.name for m in guild.members} >= {"alice", "bob"}


async def test_commands_are_synced_globally_and_to_the_guild(world: World, bot: SampleBot) -> None:
    await world.emu.wait_for_commands()
    global_names = {c["name"] for c in world.emu.commands()}
    assert {"ping", "album", "slow", "counter", "dm"} <= global_names
    assert [c["name"] for c in world.emu.commands(world.guild)] == ["echo"]
    fetched = await bot.tree.fetch_commands(guild=bot.get_guild(world.guild.id))
    assert [c.name for c in fetched] == ["echo"]


async def test_wrong_token_is_refused_like_discord(world: World) -> None:
    discord.http.Route.BASE = world.emu.api_base
    client = discord.Client(intents=discord.Intents.default())
    with pytest.raises(discord.LoginFailure):
        await client.login("not-the-token")
    await client.close()
