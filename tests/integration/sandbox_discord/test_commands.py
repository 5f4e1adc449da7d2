"""Slash commands, autocomplete, deferral, edits and modals, answered by a real discord.py bot."""

from __future__ import annotations

import pytest

from tests.integration.sandbox_discord.conftest import World
from tests.integration.sandbox_discord.sample_bot import SampleBot


async def test_ephemeral_reply_in_guild_and_in_dm(world: World, bot: SampleBot) -> None:
    emu = world.emu
    r = await emu.slash(world.alice, "ping", guild=world.guild)
    reply = await r.done()
    assert reply is not None and reply.content == "pong from guild"
    assert r.ephemeral and r.callback_type == 4
    assert emu.channel_messages(world.channel) == []  # nobody else sees it

    r = await emu.slash(world.alice, "ping")
    assert (await r.done()).content == "pong from dm"
    assert r.payload["context"] == 1 and "user" in r.payload and "member" not in r.payload


async def test_guild_command_with_typed_options_answers_publicly(world: World, bot: SampleBot) -> None:
    r = await world.emu.slash(world.alice, "echo", guild=world.guild, text="hi", times=3, loud=True)
    reply = await r.done()
    assert reply.content == "HI HI HI" and not r.ephemeral
    assert r.payload["data"]["guild_id"] == str(world.guild.id)
    assert world.emu.channel_messages(world.channel) == [reply]


async def test_subcommand_with_integer_and_user_options(world: World, bot: SampleBot) -> None:
    r = await world.emu.slash(world.alice, "album", "rate", guild=world.guild, title="Aja", stars=4,
                              friend=world.bob)
    reply = await r.done()
    assert reply.content == f"Aja: **** with <@{world.bob.id}>" and r.ephemeral
    assert bot.seen["rate_friend"].id == world.bob.id
    assert bot.seen["rate_friend"].guild.id == world.guild.id  # resolved as a Member


async def test_the_driver_refuses_what_the_discord_client_would_not_send(world: World, bot: SampleBot) -> None:
    emu = world.emu
    with pytest.raises(AssertionError, match="no command /nope"):
        await emu.slash(world.alice, "nope", guild=world.guild)
    with pytest.raises(AssertionError, match="requires option 'stars'"):
        await emu.slash(world.alice, "album", "rate", guild=world.guild, title="Aja")
    with pytest.raises(AssertionError, match="above its maximum"):
        await emu.slash(world.alice, "album", "rate", guild=world.guild, title="Aja", stars=9)
    with pytest.raises(AssertionError, match="no command /echo synced for DMs"):
        await emu.slash(world.alice, "echo", text="x")


async def test_autocomplete_returns_the_bots_choices(world: World, bot: SampleBot) -> None:
    choices = await world.emu.autocomplete(world.alice, "album", "rate", option="title", value="ab",
                                           guild=world.guild)
    assert choices == [{"name": "Abbey Road", "value": "Abbey Road"}, {"name": "Abraxas", "value": "Abraxas"}]


async def test_defer_then_followups_resolve_the_thinking_message(world: World, bot: SampleBot) -> None:
    r = await world.emu.slash(world.alice, "slow", guild=world.guild)
    reply = await r.done()
    assert r.callback_type == 5
    assert reply.content == "done thinking" and not reply.loading and not reply.ephemeral
    await world.emu.state.wait_until(lambda: len(r.followups) == 1, 5, "the second follow-up")
    assert r.followups[0].content == "and one more"
    assert [m.content for m in world.emu.channel_messages(world.channel)] == ["done thinking", "and one more"]


async def test_ephemeral_deferral_keeps_the_first_followup_ephemeral(world: World, bot: SampleBot) -> None:
    r = await world.emu.slash(world.alice, "slow", guild=world.guild, private=True)
    reply = await r.done()
    assert reply.content == "done thinking" and reply.ephemeral


async def test_edit_of_the_original_response_is_kept_with_history(world: World, bot: SampleBot) -> None:
    r = await world.emu.slash(world.alice, "edit", guild=world.guild)
    await r.done()
    await world.emu.state.wait_until(lambda: r.reply.content == "second", 5, "the edit")
    assert [e["content"] for e in r.reply.edits] == ["first"]
    assert r.reply.data["edited_timestamp"] is not None


async def test_modal_opened_and_submitted(world: World, bot: SampleBot) -> None:
    r = await world.emu.slash(world.alice, "feedback", guild=world.guild)
    await r.done()
    assert r.callback_type == 9 and r.modal["title"] == "Feedback"
    submitted = await world.emu.submit_modal(world.alice, r, {"feedback:text": "great"})
    reply = await submitted.done()
    assert reply.content == "thanks for: great" and reply.ephemeral
