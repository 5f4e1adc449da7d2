"""The daily product through the real client: import from AOTY, duel, rank, stats, exclude."""

import asyncio
import io
import sqlite3

import pytest
from PIL import Image
from sqlalchemy import func, select

from bot.db.models import UserAlbum, Vote
from bot.sandbox.aoty import AotyRatingSpec
from bot.images.duel_image import tile_boxes
from bot.sandbox.cdn import colour_for
from tests.support.waits import wait_for_text

ALBUMS = [("Blue", "Joni Mitchell", 1971), ("Kid A", "Radiohead", 2000), ("Vespertine", "Björk", 2001),
          ("Blonde", "Frank Ocean", 2016), ("Illinois", "Sufjan Stevens", 2005), ("Remain in Light", "Talking Heads", 1980),
          ("Loveless", "My Bloody Valentine", 1991), ("Aquemini", "OutKast", 1998), ("Hounds of Love", "Kate Bush", 1985),
          ("Spiderland", "Slint", 1991), ("Pink Moon", "Nick Drake", 1972), ("Madvillainy", "Madvillain", 2004)]


def rated(cdn, dead: set[str] = frozenset()) -> list[AotyRatingSpec]:
    specs = []
    for i, (title, artist, year) in enumerate(ALBUMS):
        path = f"/covers/{i}.jpg"
        if title in dead:
            cdn.dead.add(path)
        specs.append(AotyRatingSpec(title, artist, year, cdn.url(path), score=100 - i * 3))
    return specs


async def import_for(world, user, aoty, cdn, name="alice_aoty", dead=frozenset()):
    aoty.add_user(name, rated(cdn, dead))
    run = await world.emu.slash(user, "import", "aoty", guild=world.guild, username=name)
    await wait_for_text(world.emu, await run.done(), "Imported")
    return run


def duel_pixels(message):
    attachment = next(a for a in message.attachments if a.filename == "duel.png")
    image = Image.open(io.BytesIO(attachment.data))
    image.load()
    return image


async def vote_count(harness, user_id) -> int:
    async with harness.runtime.sessions() as session:
        return await session.scalar(select(func.count()).select_from(Vote).where(
            Vote.user_id == user_id, Vote.undone_at.is_(None)))


async def test_import_then_duel_shows_two_covers_with_vote_buttons(harness, world, aoty, cdn):
    run = await import_for(world, world.alice, aoty, cdn, dead={"Kid A"})
    final = world.emu.message(run.reply.id)
    assert run.ephemeral and "Imported 12 albums" in final.content and "12" in final.content
    duel = await world.emu.slash(world.alice, "duel", guild=world.guild)
    message = await duel.done()
    assert not duel.ephemeral
    embed = message.embeds[0]
    assert embed["image"]["url"].endswith("/duel.png")  # Discord resolves attachment://duel.png
    lines = embed["description"].splitlines()
    shown = [next(i for i, (t, _, _) in enumerate(ALBUMS) if f"**{t}**" in line) for line in lines]
    assert len(shown) == 2 and shown[0] != shown[1]
    image = duel_pixels(message)
    assert image.format == "PNG" and image.width > image.height
    # each tile shows that album's cover (the CDN draws each cover in a colour of its own), or a
    # placeholder for the album whose cover is dead
    for index, box in zip(shown, tile_boxes()):
        x = (box[0] + box[2]) // 2
        y = box[1] + (box[3] - box[1]) // 4
        pixel = image.convert("RGB").getpixel((x, y))
        expected = colour_for(f"/covers/{index}.jpg")
        close = all(abs(p - e) <= 12 for p, e in zip(pixel, expected))
        assert close == (ALBUMS[index][0] != "Kid A"), (ALBUMS[index][0], pixel, expected)
    labels = {b["label"] for b in message.buttons}
    assert {"A", "B", "Draw", "Skip", "Undo", "Exclude A", "Exclude B"} <= labels
    assert all(b["custom_id"].startswith("duel:") for b in message.buttons)


async def test_twenty_votes_with_undo_skip_draw_and_exclude(harness, world, aoty, cdn):
    await import_for(world, world.alice, aoty, cdn)
    message = await (await world.emu.slash(world.alice, "duel")).done()  # in DMs
    script = ["A", "B", "Draw", "Skip", "A", "Undo", "B", "Exclude A", "A", "B"] * 2 + ["A"] * 4
    expected_votes = 0
    for label in script:
        button = next(b for b in world.emu.message(message.id).buttons if b["label"] == label)
        run = await world.emu.click(world.alice, message, button["custom_id"])
        updated = await run.done()
        assert updated.id == message.id  # updated in place
        expected_votes += {"A": 1, "B": 1, "Draw": 1, "Undo": -1}.get(label, 0)
        footer = updated.embeds[0]["footer"]["text"] if updated.embeds else updated.content
        assert f"{expected_votes} duel" in footer
    assert await vote_count(harness, world.alice.id) == expected_votes
    async with harness.runtime.sessions() as session:
        excluded = await session.scalar(select(func.count()).select_from(UserAlbum).where(
            UserAlbum.user_id == world.alice.id, UserAlbum.excluded.is_(True)))
    assert excluded == 2


async def test_buttons_work_after_a_restart_and_only_for_the_owner(harness, world, aoty, cdn):
    await import_for(world, world.alice, aoty, cdn)
    message = await (await world.emu.slash(world.alice, "duel", guild=world.guild)).done()
    await harness.restart()
    button = next(b for b in world.emu.message(message.id).buttons if b["label"] == "A")
    updated = await (await world.emu.click(world.alice, message, button["custom_id"])).done()
    assert "1 duel" in updated.embeds[0]["footer"]["text"]
    button = next(b for b in world.emu.message(message.id).buttons if b["label"] == "B")
    refused = await world.emu.click(world.bob, message, button["custom_id"])
    reply = await refused.done()
    assert refused.ephemeral and "belongs to" in reply.content and "/duel" in reply.content
    assert await vote_count(harness, world.alice.id) == 1


async def test_double_clicks_count_once(harness, world, aoty, cdn):
    await import_for(world, world.alice, aoty, cdn)
    message = await (await world.emu.slash(world.alice, "duel", guild=world.guild)).done()
    button = next(b for b in message.buttons if b["label"] == "A")
    edits_before = len(world.emu.message(message.id).edits)
    runs = [await world.emu.click(world.alice, message, button["custom_id"]) for _ in range(3)]
    await asyncio.gather(*(r.done() for r in runs))
    # every click is answered by an edit of its own: the winner's next duel, then the current duel twice
    await world.emu.state.wait_until(lambda: len(world.emu.message(message.id).edits) >= edits_before + 3, 10,
                                     "three edits of the duel message")
    assert await vote_count(harness, world.alice.id) == 1
    assert "1 duel" in world.emu.message(message.id).embeds[0]["footer"]["text"]


async def test_fewer_than_two_albums_is_an_ephemeral_hint(harness, world):
    run = await world.emu.slash(world.carol, "duel", guild=world.guild)
    reply = await run.done()
    assert run.ephemeral and "Import" in reply.content
    assert [m for m in world.emu.channel_messages(world.channel)] == []


async def test_duel_images_from_a_worker_process(world, sqlite_only, tmp_path, aoty, cdn):
    """Production composes images in a worker process (IMAGE_WORKERS=1); the same duel works that way.
    The import's covers get their duel tiles prepared in the background, so after a restart (nothing
    cached in memory) duels show the right covers without downloading any."""
    from tests.support.harness import BotHarness

    harness = BotHarness(world.emu, sqlite_only, tmp_path, aoty_base_url=aoty.base_url, aoty_min_interval=0,
                         image_workers=1)
    await harness.start()
    try:
        artwork = harness.bot.services.artwork
        await artwork.sweeper.wait_for_passes(1)  # the sweep at start-up, before there was anything to find
        await import_for(world, world.alice, aoty, cdn)
        # The import woke the sweeper: no waiting for its next tick, a minute away.
        await asyncio.wait_for(artwork.sweeper.wait_for_passes(artwork.sweeper.passes + 1), 20)
        tiles = harness.bot.services.images.tiles
        assert all(tiles.has(cdn.url(f"/covers/{i}.jpg")) for i in range(len(ALBUMS)))
        await harness.restart()
        downloads = sum(cdn.hits.values())
        message = await (await world.emu.slash(world.alice, "duel")).done()
        button = next(b for b in message.buttons if b["label"] == "A")
        updated = await (await world.emu.click(world.alice, message, button["custom_id"])).done()
        image = duel_pixels(updated)
        assert image.format == "PNG" and image.size == duel_pixels(message).size
        assert sum(cdn.hits.values()) == downloads
        lines = updated.embeds[0]["description"].splitlines()
        shown = [next(i for i, (t, _, _) in enumerate(ALBUMS) if f"**{t}**" in line) for line in lines]
        for index, box in zip(shown, tile_boxes()):
            pixel = image.convert("RGB").getpixel(((box[0] + box[2]) // 2, box[1] + (box[3] - box[1]) // 4))
            assert all(abs(p - e) <= 12 for p, e in zip(pixel, colour_for(f"/covers/{index}.jpg"))), pixel
    finally:
        await harness.stop()


async def test_stopping_right_after_a_command_leaves_no_transaction_open(harness, world, aoty, cdn, database):
    """/duel writes once more after its reply has gone (the message id); a shutdown at that moment must
    wait for it. Cut off, its connection stayed mid-transaction outside the pool: on SQLite holding the
    write lock the next start then waited for; on PostgreSQL a session idle in a transaction."""
    await import_for(world, world.alice, aoty, cdn)
    await (await world.emu.slash(world.alice, "duel", guild=world.guild)).done()
    await harness.stop()
    if database.backend == "sqlite":
        connection = sqlite3.connect(database.url.split("///", 1)[1], timeout=0)
        try:
            connection.execute("BEGIN IMMEDIATE")  # "database is locked" if a writer was left behind
            connection.execute("ROLLBACK")
        finally:
            connection.close()
    else:
        import asyncpg

        connection = await asyncpg.connect(database.url.replace("+asyncpg", ""))
        try:
            open_transactions = await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND application_name = $1 AND xact_start IS NOT NULL", f"albumduel:{database.schema}")
        finally:
            await connection.close()
        assert open_transactions == 0
    await harness.start()


async def test_a_shutdown_lets_running_commands_reply_and_turns_new_ones_away(harness, world, aoty, cdn):
    """Stopping the bot while an import waits on AOTY: the import still finishes and its person sees
    the summary (the gateway and REST stay open until running handlers are done), while a click and a
    command arriving meanwhile are answered "restarting" at once and change nothing."""
    await import_for(world, world.alice, aoty, cdn)
    duel = await (await world.emu.slash(world.alice, "duel", guild=world.guild)).done()
    aoty.add_user("bob_aoty", rated(cdn))
    requests = sum(aoty.hits.values())
    aoty.hold()
    importing = await world.emu.slash(world.bob, "import", "aoty", guild=world.guild, username="bob_aoty")
    await aoty.wait_for_requests(requests + 1)  # bob's import is now waiting on AOTY
    stopping = asyncio.ensure_future(harness.stop())
    try:
        button = next(b for b in duel.buttons if b["label"] == "A")
        click = await world.emu.click(world.alice, duel, button["custom_id"])
        refused = await click.done()
        assert click.ephemeral and "restarting" in refused.content
        command = await world.emu.slash(world.carol, "duel", guild=world.guild)
        assert "restarting" in (await command.done()).content and command.ephemeral
        assert not stopping.done()  # still waiting for bob's import
    finally:
        aoty.release()
    final = await wait_for_text(world.emu, await importing.done(timeout=30), "Imported")
    assert "Imported 12 albums" in final.content
    await stopping
    await harness.start()
    assert await vote_count(harness, world.alice.id) == 0  # the turned-away click counted nothing
    async with harness.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(UserAlbum).where(
            UserAlbum.user_id == world.bob.id)) == 12
