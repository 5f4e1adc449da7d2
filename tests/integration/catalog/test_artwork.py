"""The artwork chain against real HTTP: first cover that loads wins, dead covers are replaced."""

from sqlalchemy import select

from bot.catalog.artwork import ArtworkReport
from bot.catalog.incoming import IncomingAlbum
from bot.catalog.store import store_albums
from bot.db.models import Album
from bot.sandbox.spotify import album_object

USER = 7


def spotify_album(album_id: str, title: str, artist: str, cover: str | None) -> dict:
    album = album_object(album_id, title, [(f"artist{album_id[:10]}", artist)])
    album["images"] = [{"url": cover, "height": 640, "width": 640}] if cover else []
    return album


async def album_row(services, title: str) -> Album:
    async with services.runtime.sessions() as session:
        return await session.scalar(select(Album).where(Album.title == title))


async def resolve(services, title: str) -> tuple[str | None, ArtworkReport]:
    report = ArtworkReport()
    album = await album_row(services, title)
    url = await services.artwork.resolve_one(album.id, report)
    return url, report


async def test_each_dead_step_falls_through_to_the_next(services, cdn, spotify):
    for path in ("/dead-existing.jpg", "/dead-aoty.jpg"):
        cdn.dead.add(path)
    sessions = services.runtime.sessions
    await store_albums(sessions, USER, [IncomingAlbum("Kid A", ["Radiohead"], "aoty", cover_url=cdn.url("/dead-aoty.jpg"))])
    await store_albums(sessions, USER, [IncomingAlbum("Kid A", ["Radiohead"], "lastfm", cover_url=cdn.url("/lastfm.jpg"))])
    async with sessions.begin() as session:  # a stored cover that has since died
        album = await session.scalar(select(Album).where(Album.title == "Kid A"))
        album.cover_url = cdn.url("/dead-existing.jpg")
    url, report = await resolve(services, "Kid A")
    assert url == cdn.url("/lastfm.jpg") and report.found == {"lastfm": 1} and report.replaced == 1
    # tried in order: the existing cover, then AOTY's, then (nothing from Spotify) Last.fm's
    assert cdn.hits["/dead-existing.jpg"] == 1 and cdn.hits["/dead-aoty.jpg"] == 1
    stored = await album_row(services, "Kid A")
    assert stored.cover_url == url and stored.cover_source == "lastfm"


async def test_aoty_beats_lastfm_and_spotify_by_id_beats_lastfm(services, cdn, spotify):
    sessions = services.runtime.sessions
    await store_albums(sessions, USER, [IncomingAlbum("Blue", ["Joni Mitchell"], "lastfm", cover_url=cdn.url("/lf.jpg")),
                                        IncomingAlbum("Blue", ["Joni Mitchell"], "aoty", cover_url=cdn.url("/aoty.jpg"))])
    async with sessions.begin() as session:
        (await session.scalar(select(Album).where(Album.title == "Blue"))).cover_url = None
    url, report = await resolve(services, "Blue")
    assert url == cdn.url("/aoty.jpg") and report.found == {"aoty": 1}

    spotify.add_catalog_album(spotify_album("0" * 21 + "1", "Vespertine", "Björk", cdn.url("/sp.jpg")))
    await store_albums(sessions, USER, [IncomingAlbum("Vespertine", ["Björk"], "lastfm", cover_url=cdn.url("/lf2.jpg"),
                                                      spotify_id="0" * 21 + "1")])
    async with sessions.begin() as session:
        (await session.scalar(select(Album).where(Album.title == "Vespertine"))).cover_url = None
    url, report = await resolve(services, "Vespertine")
    assert url == cdn.url("/sp.jpg") and report.found == {"spotify": 1}


async def test_spotify_search_is_accepted_only_when_title_and_artist_match(services, cdn, spotify):
    sessions = services.runtime.sessions
    spotify.add_catalog_album(spotify_album("a" * 22, "Blonde", "Some Tribute Band", cdn.url("/wrong.jpg")))
    await store_albums(sessions, USER, [IncomingAlbum("Blonde", ["Frank Ocean"], "aoty")])
    url, report = await resolve(services, "Blonde")
    assert url is None and report.placeholders == 1 and cdn.hits["/wrong.jpg"] == 0
    spotify.add_catalog_album(spotify_album("b" * 22, "Blonde", "Frank Ocean", cdn.url("/right.jpg")))
    url, report = await resolve(services, "Blonde")
    assert url == cdn.url("/right.jpg") and report.found == {"spotify_search": 1}


async def test_a_merged_row_lends_its_cover(services, cdn, spotify):
    sessions = services.runtime.sessions
    # two spellings the identity rules keep apart, then an import that shows they are one album
    await store_albums(sessions, USER, [IncomingAlbum("Illinois", ["Sufjan Stevens"], "lastfm", mbid="m-1",
                                                      cover_url=cdn.url("/illinois.jpg"))])
    await store_albums(sessions, USER, [IncomingAlbum("Come On Feel the Illinoise", ["Sufjan Stevens"], "spotify",
                                                      spotify_id="c" * 22)])
    summary = await store_albums(sessions, USER, [IncomingAlbum("Illinois", ["Sufjan Stevens"], "spotify",
                                                                spotify_id="c" * 22, mbid="m-1")])
    assert summary.merged == 1
    async with sessions.begin() as session:
        kept = await session.scalar(select(Album).where(Album.spotify_id == "c" * 22))
        kept.cover_url = None
        kept_id = kept.id
    url = await services.artwork.resolve_one(kept_id)
    assert url == cdn.url("/illinois.jpg")


async def test_background_resolution_covers_every_new_album(services, cdn, spotify):
    sessions = services.runtime.sessions
    cdn.dead.add("/x2.jpg")
    await store_albums(sessions, USER, [IncomingAlbum(f"Record {i}", ["Band"], "aoty", cover_url=cdn.url(f"/x{i}.jpg"))
                                        for i in range(4)])
    services.artwork.schedule(await services.artwork.due_albums())
    await services.artwork.idle()
    async with sessions() as session:
        albums = {a.title: a for a in (await session.scalars(select(Album))).all()}
    assert all(albums[f"Record {i}"].cover_checked_at is not None for i in range(4))
    assert albums["Record 2"].cover_url is None and albums["Record 0"].cover_url == cdn.url("/x0.jpg")
    assert await services.artwork.due_albums() == []
