"""Cover tiles through the services: the artwork resolver prepares each cover's duel tile when it finds
the cover, so a duel (even after a restart, with an empty download cache) fetches nothing; a tile lost
or damaged on disk costs a download, never a wrong or missing picture."""

import asyncio
import os

import numpy as np
from sqlalchemy import select

from bot.catalog.incoming import IncomingAlbum
from bot.catalog.store import store_albums
from bot.db.models import Album
from bot.images import AlbumLabel, CoverFetcher, compose_duel_image, placeholder_colour
from bot.images.duel_image import tile_boxes
from bot.sandbox.cdn import colour_for
from bot.services.cards import AlbumCard, DuelCard
from bot.services.renders import ImageRenderer
from tests.unit.images import samples

USER = 9


async def stored_cards(services, cdn) -> tuple[AlbumCard, AlbumCard]:
    await store_albums(services.runtime.sessions, USER, [
        IncomingAlbum("Kid A", ["Radiohead"], "aoty", year=2000, cover_url=cdn.url("/kid-a.jpg")),
        IncomingAlbum("Blue", ["Joni Mitchell"], "aoty", year=1971, cover_url=cdn.url("/blue.jpg"))])
    async with services.runtime.sessions() as session:
        albums = (await session.scalars(select(Album).order_by(Album.title))).all()
    for album in albums:
        assert await services.artwork.resolve_one(album.id) == album.cover_url
    blue, kid_a = albums
    return (AlbumCard(kid_a.id, kid_a.title, "Radiohead", 2000, kid_a.cover_url),
            AlbumCard(blue.id, blue.title, "Joni Mitchell", 1971, blue.cover_url))


def duel(a: AlbumCard, b: AlbumCard) -> DuelCard:
    return DuelCard("d1", USER, "someone", a, b, votes=0, settled=0.0, private=False)


def tile_colours(png: bytes) -> list[tuple[int, int, int]]:
    image = samples.decode(png).convert("RGB")
    return [samples.dominant(image, box) for box in tile_boxes()]


async def test_a_resolved_cover_is_ready_for_duels_without_a_download(services, cdn):
    a, b = await stored_cards(services, cdn)
    assert services.images.tiles.has(a.cover_url) and services.images.tiles.has(b.cover_url)
    downloads = sum(cdn.hits.values())

    # As after a restart: nothing in the download cache, the tiles still on disk.
    fresh = ImageRenderer(CoverFetcher(services.runtime.http), services.artwork, services.images.workers,
                          services.images.tiles)
    png = await fresh.duel_png(duel(a, b))
    assert sum(cdn.hits.values()) == downloads
    expected = [colour_for("/kid-a.jpg"), colour_for("/blue.jpg")]
    assert all(samples.close(got, want) for got, want in zip(tile_colours(png), expected))


async def test_a_lost_or_damaged_tile_costs_a_download_and_is_made_again(services, cdn):
    a, b = await stored_cards(services, cdn)
    tiles = services.images.tiles
    reference = compose_duel_image(*await services.covers.fetch_many([a.cover_url, b.cover_url]),
                                   AlbumLabel("Kid A", "Radiohead", 2000), AlbumLabel("Blue", "Joni Mitchell", 1971))

    # The tile of A is damaged after the bot checked it exists; B's is deleted.
    path_a, path_b = tiles.path_for(a.cover_url), tiles.path_for(b.cover_url)
    with open(path_a, "r+b") as file:
        file.seek(200)
        file.write(b"\0" * 64)
    os.unlink(path_b)
    hits = cdn.hits.copy()
    fresh = ImageRenderer(CoverFetcher(services.runtime.http), services.artwork, services.images.workers, tiles)
    png = await fresh.duel_png(duel(a, b))
    assert cdn.hits["/kid-a.jpg"] == hits["/kid-a.jpg"] + 1 and cdn.hits["/blue.jpg"] == hits["/blue.jpg"] + 1
    assert np.array_equal(np.asarray(samples.decode(png).convert("RGB")),
                          np.asarray(samples.decode(reference).convert("RGB")))
    assert tiles.has(a.cover_url) and tiles.has(b.cover_url)  # both made again from the downloads


async def test_a_dead_cover_without_a_tile_shows_the_placeholder(services, cdn):
    a, b = await stored_cards(services, cdn)
    os.unlink(services.images.tiles.path_for(a.cover_url))
    cdn.dead.add("/kid-a.jpg")
    fresh = ImageRenderer(CoverFetcher(services.runtime.http), services.artwork, services.images.workers,
                          services.images.tiles)
    png = await fresh.duel_png(duel(a, b))
    left, _right = tile_colours(png)
    assert samples.close(left, placeholder_colour("Kid A", "Radiohead"), tolerance=40)


async def test_a_big_import_does_not_let_tiles_outgrow_their_room(database, cdn, tmp_path):
    """The store is trimmed as soon as new tiles could fill a twentieth of it, not only hourly."""
    from tests.support.services import open_services

    async with open_services(database, cover_tile_dir=tmp_path / "tiles", cover_tile_mb=1) as services:
        services.images.start()
        await asyncio.wait_for(services.images.trimmer.wait_for_passes(1), 10)  # the pass at start-up
        await store_albums(services.runtime.sessions, USER, [
            IncomingAlbum(f"Album {i}", [f"Artist {i}"], "aoty", cover_url=cdn.url(f"/many/{i}.jpg"))
            for i in range(40)])
        await services.artwork.catch_up()  # 40 new tiles, ~1.9 MB, into a 1 MB store
        await asyncio.wait_for(services.images.trimmer.wait_for_passes(2), 10)
        kept = sum(os.path.getsize(path) for path in (tmp_path / "tiles").rglob("*.tile"))
        assert 0 < kept <= 1_000_000
