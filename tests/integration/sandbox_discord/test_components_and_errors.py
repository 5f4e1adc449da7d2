"""Buttons across a restart, uploads, DMs, and the errors Discord answers with."""

from __future__ import annotations

import asyncio

import aiohttp

from tests.integration.sandbox_discord.conftest import World, running_bot
from tests.integration.sandbox_discord.sample_bot import SampleBot, tiny_png


async def test_dynamic_button_updates_in_place_and_survives_a_restart(world: World) -> None:
    emu = world.emu
    async with running_bot(emu, lambda: SampleBot(world.guild.id)):
        r = await emu.slash(world.alice, "counter", guild=world.guild)
        message = await r.done()
        assert [b["custom_id"] for b in message.buttons] == ["counter:0", f"reset:{world.alice.id}"]
        click = await emu.click(world.bob, message, "counter:0")
        updated = await click.done()
        assert click.callback_type == 7 and updated.id == message.id
        assert updated.content == "count=1" and updated.buttons[0]["label"] == "Count 1"
        assert click.payload["message"]["id"] == str(message.id)  # the click carried the message
    await emu.wait_for_disconnect()

    async with running_bot(emu, lambda: SampleBot(world.guild.id)):
        click = await emu.click(world.alice, message, "counter:1")
        assert (await click.done()).content == "count=2"
    assert [e["content"] for e in message.edits] == ["count=0", "count=1"]


async def test_deferred_update_then_channel_edit_and_ephemeral_followup(world: World, bot: SampleBot) -> None:
    emu = world.emu
    message = await (await emu.slash(world.alice, "counter", guild=world.guild)).done()
    refused = await emu.click(world.bob, message, f"reset:{world.alice.id}")
    answer = await refused.done()
    assert refused.callback_type == 6 and answer.ephemeral and answer.content == "Only the owner can reset"
    assert emu.message(message.id).content == "count=0"
    reset = await emu.click(world.alice, message, f"reset:{world.alice.id}")
    assert (await reset.done()).content == "count=0 (reset)" and reset.reply.id == message.id
    assert [m.content for m in emu.channel_messages(world.channel)] == ["count=0 (reset)"]


async def test_select_menu_values_reach_the_view(world: World, bot: SampleBot) -> None:
    message = await (await world.emu.slash(world.alice, "pick", guild=world.guild)).done()
    [select] = [c for row in message.components for c in row["components"]]
    run = await world.emu.select(world.alice, message, select["custom_id"], ["Aja", "Abraxas"])
    updated = await run.done()
    assert updated.content == "picked Aja, Abraxas" and updated.components == []


async def test_uploaded_file_bytes_come_through(world: World, bot: SampleBot) -> None:
    r = await world.emu.slash(world.alice, "cover", guild=world.guild)
    reply = await r.done()
    [attachment] = reply.attachments
    assert attachment.filename == "cover.png" and attachment.data == tiny_png()
    assert attachment.content_type == "image/png"
    assert reply.embeds[0]["image"]["url"] == attachment.url  # attachment:// resolved like Discord
    async with aiohttp.ClientSession() as http:
        async with http.get(attachment.url) as response:
            assert await response.read() == tiny_png()


async def test_dm_through_create_dm(world: World, bot: SampleBot) -> None:
    r = await world.emu.slash(world.alice, "dm", guild=world.guild)
    assert (await r.done()).content == "Check your DMs"
    dm = await world.emu.wait_for_dm(world.alice)
    assert dm.content == "hello in private"
    assert world.emu.dms(world.alice) == [dm] and world.emu.dms(world.bob) == []


async def test_closed_dms_raise_forbidden_50007_in_the_bot(world: World, bot: SampleBot) -> None:
    world.emu.close_dms(world.alice)
    r = await world.emu.slash(world.alice, "dm", guild=world.guild)
    assert (await r.done()).content == "Open your DMs"
    error = bot.seen["dm_error"]
    assert error.status == 403 and error.code == 50007
    assert world.emu.dms(world.alice) == []


async def test_unknown_message_is_not_found_10008(world: World, bot: SampleBot) -> None:
    r = await world.emu.slash(world.alice, "ghost", guild=world.guild)
    await r.done()
    assert bot.seen["ghost_error"].code == 10008


async def test_injected_429_is_retried_by_discord_py(world: World, bot: SampleBot) -> None:
    injection = world.emu.inject_rate_limit(f"POST /channels/{world.channel.id}/messages", times=1,
                                            retry_after=0.01)
    r = await world.emu.slash(world.alice, "say", guild=world.guild, text="hello all")
    await r.done()
    assert injection.hits == 1
    assert [m.content for m in world.emu.channel_messages(world.channel)] == ["hello all"]


async def test_second_callback_gets_40060_and_is_recorded(world: World, bot: SampleBot) -> None:
    r = await world.emu.slash(world.alice, "twice", guild=world.guild)
    assert (await r.done()).content == "once"
    assert await asyncio.wait_for(bot.events.get(), 5) == ("twice", 40060)
    assert [(e.status, e.code) for e in r.errors] == [(400, 40060)]


async def test_callback_after_the_window_gets_10062(world: World, bot: SampleBot) -> None:
    world.emu.state.callback_window = 0.0  # every callback arrives too late
    r = await world.emu.slash(world.alice, "late", guild=world.guild)
    event = await asyncio.wait_for(bot.events.get(), 5)
    assert event == ("late", 10062)
    assert [(e.status, e.code) for e in r.errors] == [(404, 10062)]
    assert r.reply is None


async def test_member_and_guild_events_reach_the_bot(world: World, bot: SampleBot) -> None:
    carol = world.emu.add_user("carol")
    world.emu.add_member(world.guild, carol)
    assert await asyncio.wait_for(bot.events.get(), 5) == ("join", carol.id)
    world.emu.remove_member(world.guild, carol)
    assert await asyncio.wait_for(bot.events.get(), 5) == ("leave", carol.id)
    other = world.emu.add_guild("Second Server")
    assert await asyncio.wait_for(bot.events.get(), 5) == ("guild_join", other.id)
    world.emu.remove_bot_from_guild(world.guild)
    assert await asyncio.wait_for(bot.events.get(), 5) == ("guild_remove", world.guild.id)
    assert bot.get_guild(world.guild.id) is None


async def test_reconnect_request_resumes_the_session(world: World, bot: SampleBot) -> None:
    assert world.emu.request_reconnect() == 1
    assert await asyncio.wait_for(bot.events.get(), 5) == ("resumed", None)
    r = await world.emu.slash(world.alice, "ping", guild=world.guild)
    assert (await r.done()).content == "pong from guild"
    assert world.emu.gateway.identify_count == 1 and world.emu.gateway.resume_count == 1
