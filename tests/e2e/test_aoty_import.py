"""/import aoty through the real client: every failure gets its own message and changes nothing."""

import pytest
from sqlalchemy import func, select

from bot.db.models import Album, UserAlbum
from tests.e2e.test_duel_loop import import_for, rated
from tests.support.waits import wait_for_text


async def counts(harness) -> tuple[int, int]:
    async with harness.runtime.sessions() as session:
        return (await session.scalar(select(func.count()).select_from(Album)),
                await session.scalar(select(func.count()).select_from(UserAlbum)))


async def run_import(world, username: str) -> str:
    run = await world.emu.slash(world.alice, "import", "aoty", guild=world.guild, username=username)
    reply = await run.done(timeout=30)
    assert run.ephemeral
    return reply.content


@pytest.mark.parametrize(("setup", "expected"), [
    (lambda aoty: None, "No Album of the Year user named ghost"),
    (lambda aoty: aoty.add_user("ghost", []), "has no public ratings"),
    (lambda aoty: (aoty.add_user("ghost", []), setattr(aoty, "cloudflare", 403)),
     "AOTY is blocking automated access right now; try again later"),
    (lambda aoty: (aoty.add_generated_user("ghost", 5, seed=2), aoty.fail_next(10, 503)), "try again later"),
    (lambda aoty: (aoty.add_generated_user("ghost", 5, seed=2), setattr(aoty, "malformed", "layout")),
     "layout may have changed"),
])
async def test_failures_are_explained_and_change_nothing(harness, world, aoty, cdn, setup, expected):
    await import_for(world, world.alice, aoty, cdn)
    before = await counts(harness)
    setup(aoty)
    assert expected in await run_import(world, "ghost")
    assert await counts(harness) == before


async def test_reimport_adds_nothing_twice_and_keeps_votes(harness, world, aoty, cdn):
    await import_for(world, world.alice, aoty, cdn)
    message = await (await world.emu.slash(world.alice, "duel")).done()
    button = next(b for b in message.buttons if b["label"] == "B")
    await (await world.emu.click(world.alice, message, button["custom_id"])).done()
    aoty.add_user("alice_aoty", rated(cdn))
    run = await world.emu.slash(world.alice, "import", "aoty", guild=world.guild, username="alice_aoty")
    final = await wait_for_text(world.emu, await run.done(), "Imported")
    assert "**0** new to your collection, 12 already there" in final.content
    assert await counts(harness) == (12, 12)
    stats = await (await world.emu.slash(world.alice, "stats")).done()
    assert "**1** votes" in str(stats.embeds[0]["fields"])


async def test_a_private_duel_in_a_server_is_ephemeral(harness, world, aoty, cdn):
    await import_for(world, world.alice, aoty, cdn)
    run = await world.emu.slash(world.alice, "duel", guild=world.guild, private=True)
    message = await run.done()
    assert run.ephemeral and message.attachments[0].filename == "duel.png"
    assert world.emu.channel_messages(world.channel) == []
    # the buttons work on the ephemeral message too
    button = next(b for b in message.buttons if b["label"] == "Draw")
    updated = await (await world.emu.click(world.alice, message, button["custom_id"])).done()
    assert "1 duel" in updated.embeds[0]["footer"]["text"]
