"""A real discord.py bot connects, gets READY and GUILD_CREATE, and syncs its commands."""

from __future__ import annotations

import json

import discord
import pytest

from tests.integration.sandbox_discord.conftest import World, running_bot
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


async def test_a_large_guild_is_chunked_a_thousand_members_at_a_time(world: World) -> None:
    big = world.emu.add_guild("Big Server")
    for i in range(2_500):
        world.emu.add_member(big, world.emu.add_user(f"member{i:04}"))
    world.emu.add_member(big, world.alice)
    chunks: list[tuple[int, int, int]] = []

    class CountingBot(SampleBot):
        async def on_socket_raw_receive(self, message: str) -> None:  # with enable_debug_events
            payload = json.loads(message)
            if payload.get("t") == "GUILD_MEMBERS_CHUNK":
                data = payload["d"]
                chunks.append((data["chunk_index"], data["chunk_count"], len(data["members"])))

    async with running_bot(world.emu, lambda: CountingBot(world.guild.id, enable_debug_events=True)) as bot:
        guild = bot.get_guild(big.id)
        members = await guild.chunk()
        assert len(members) == len(big.member_ids) >= 2_501
        assert {m.id for m in members} == set(big.member_ids)
        full = [c for c in chunks if c[1] == 3]  # discord.py chunks at start-up too: each time three pages
        assert set(full) == {(0, 3, 1000), (1, 3, 1000), (2, 3, len(big.member_ids) - 2000)}
        assert len(full) % 3 == 0

        found = await guild.query_members("member00", limit=5)
        assert len(found) == 5 and all(m.name.startswith("member00") for m in found)
        by_id = await guild.query_members(user_ids=[world.alice.id, world.bob.id])
        assert [m.id for m in by_id] == [world.alice.id]  # bob is not in this server: not found


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
