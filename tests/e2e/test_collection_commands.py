"""/rankings, /stats, /album, /exclude, /restore, /excluded through the real client."""

import io

from PIL import Image

from tests.e2e.test_duel_loop import ALBUMS, import_for


async def click_through(world, user, votes: int, guild=None):
    message = await (await world.emu.slash(user, "duel", guild=guild)).done()
    for _ in range(votes):
        button = next(b for b in world.emu.message(message.id).buttons if b["label"] == "A")
        await (await world.emu.click(user, message, button["custom_id"])).done()
    return message


async def test_rankings_pages_and_chart(harness, world, aoty, cdn):
    await import_for(world, world.alice, aoty, cdn)
    await click_through(world, world.alice, 6, guild=world.guild)
    run = await world.emu.slash(world.alice, "rankings", guild=world.guild)
    page1 = await run.done()
    lines = page1.embeds[0]["description"].splitlines()
    assert len(lines) == 10 and lines[0].strip().startswith("`  1.`") and "/100" in lines[0]
    assert "Page 1/2" in page1.embeds[0]["footer"]["text"] and "6 duels" in page1.embeds[0]["footer"]["text"]
    next_button = next(b for b in page1.buttons if "Next" in b["label"])
    await harness.restart()  # paging keeps working after a restart
    page2 = await (await world.emu.click(world.alice, page1, next_button["custom_id"])).done()
    assert "Page 2/2" in page2.embeds[0]["footer"]["text"]
    assert len(page2.embeds[0]["description"].splitlines()) == len(ALBUMS) - 10
    refused = await world.emu.click(world.bob, page1, next(b for b in page2.buttons if "Previous" in b["label"])["custom_id"])
    assert "ran /rankings" in (await refused.done()).content and refused.ephemeral
    chart = await (await world.emu.slash(world.alice, "rankings", guild=world.guild, chart=9)).done()
    image = Image.open(io.BytesIO(chart.attachments[0].data))
    assert image.size[0] == image.size[1] and "top 9" in chart.content
    out_of_range = await world.emu.slash(world.alice, "rankings", guild=world.guild, page=5)
    assert "pick a page from 1 to 2" in (await out_of_range.done()).content and out_of_range.ephemeral


async def test_stats_and_privacy_of_other_members(harness, world, aoty, cdn):
    await import_for(world, world.alice, aoty, cdn)
    await click_through(world, world.alice, 3, guild=world.guild)
    stats = await (await world.emu.slash(world.alice, "stats", guild=world.guild)).done()
    fields = {f["name"]: f["value"] for f in stats.embeds[0]["fields"]}
    assert "**12** in play" in fields["Albums"] and "Album of the Year: **12**" in fields["Albums"]
    assert "**3** votes" in fields["Duels"] and "Next milestone: 10 duels" in fields
    assert fields["Top 3"].count("/100") == 3
    # bob shares the server with alice (she used the bot there), so he may look
    seen = await (await world.emu.slash(world.bob, "stats", guild=world.guild, options={"user": world.alice})).done()
    assert "alice" in seen.embeds[0]["title"]
    # carol has never used AlbumDuel
    nobody = await world.emu.slash(world.bob, "rankings", guild=world.guild, options={"user": world.carol})
    assert "hasn't used AlbumDuel" in (await nobody.done()).content and nobody.ephemeral


async def test_exclude_restore_with_autocomplete_and_album_card(harness, world, aoty, cdn):
    await import_for(world, world.alice, aoty, cdn)
    await click_through(world, world.alice, 4)
    choices = await world.emu.autocomplete(world.alice, "exclude", option="album", value="radio", guild=world.guild)
    assert [c["name"] for c in choices] == ["Kid A — Radiohead (2000)"]
    assert await world.emu.autocomplete(world.bob, "exclude", option="album", value="radio", guild=world.guild) == []
    done = await world.emu.slash(world.alice, "exclude", guild=world.guild, album=choices[0]["value"])
    assert "Excluded **Kid A**" in (await done.done()).content and done.ephemeral
    again = await world.emu.slash(world.alice, "exclude", guild=world.guild, album=choices[0]["value"])
    assert "already excluded" in (await again.done()).content
    listed = await (await world.emu.slash(world.alice, "excluded", guild=world.guild)).done()
    assert "Kid A" in listed.embeds[0]["description"]
    card = await (await world.emu.slash(world.alice, "album", guild=world.guild, album="Kid A")).done()
    assert "Excluded" in str(card.embeds[0]["fields"])
    restore_choices = await world.emu.autocomplete(world.alice, "restore", option="album", value="", guild=world.guild)
    assert [c["name"] for c in restore_choices] == ["Kid A — Radiohead (2000)"]
    await (await world.emu.slash(world.alice, "restore", guild=world.guild, album=restore_choices[0]["value"])).done()
    card = await (await world.emu.slash(world.alice, "album", guild=world.guild, album=restore_choices[0]["value"])).done()
    fields = {f["name"]: f["value"] for f in card.embeds[0]["fields"]}
    assert fields["Rank"].startswith("**#") and "of 12" in fields["Rank"] and fields["From"] == "Album of the Year"
    unknown = await world.emu.slash(world.alice, "album", guild=world.guild, album="No Such Record")
    assert "No album matching" in (await unknown.done()).content and unknown.ephemeral
