"""One row per album whatever the source, kept apart where they differ, and merges that lose nothing."""

from sqlalchemy import func, select

from bot.catalog.incoming import IncomingAlbum
from bot.catalog.store import store_albums
from bot.db.models import Album, AlbumMerge, Belief, UserAlbum, Vote
from bot.ranking import Ranker

USER = 11

# The same five albums as Spotify, Last.fm and AOTY spell them.
SPOTIFY = [("Abbey Road (Remastered 2009)", ["The Beatles"], "sp-abbey"), ("Vespertine", ["Björk"], "sp-vesp"),
           ("Watch The Throne (Deluxe)", ["JAY-Z", "Kanye West"], "sp-wtt"),
           ("Ágætis byrjun", ["Sigur Rós"], "sp-agaetis"), ("Rumours (Super Deluxe)", ["Fleetwood Mac"], "sp-rum")]
LASTFM = [("Abbey Road", "The Beatles", "mb-abbey"), ("Vespertine", "Bjork", ""), ("Watch the Throne", "Jay-Z & Kanye West", ""),
          ("Agaetis Byrjun", "Sigur Ros", "mb-agaetis"), ("Rumours", "Fleetwood Mac", "")]
AOTY = [("Abbey Road", "The Beatles"), ("Vespertine", "Björk"), ("Watch the Throne", "JAY-Z & Kanye West"),
        ("Ágætis byrjun", "Sigur Rós"), ("Rumours", "Fleetwood Mac")]


async def count(sessions, model) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_three_sources_make_one_row_each(services):
    sessions = services.runtime.sessions
    await store_albums(sessions, USER, [IncomingAlbum(t, a, "spotify", spotify_id=i, spotify_saved_album=True) for t, a, i in SPOTIFY])
    await store_albums(sessions, USER, [IncomingAlbum(t, [a], "lastfm", mbid=m or None, lastfm_playcount=40) for t, a, m in LASTFM])
    summary = await store_albums(sessions, USER, [IncomingAlbum(t, [a], "aoty", aoty_score=80) for t, a in AOTY])
    assert summary.new_to_catalogue == 0 and summary.already_in_collection == 5
    assert await count(sessions, Album) == 5
    async with sessions() as session:
        entries = (await session.scalars(select(UserAlbum))).all()
    assert all(sorted(e.sources) == ["aoty", "lastfm", "spotify"] for e in entries)
    assert all(e.spotify_saved_album and e.lastfm_playcount == 40 and e.aoty_score == 80 for e in entries)


async def test_different_albums_stay_apart(services):
    sessions = services.runtime.sessions
    await store_albums(sessions, USER, [
        IncomingAlbum("Peter Gabriel", ["Peter Gabriel"], "aoty", year=1977),
        IncomingAlbum("Peter Gabriel", ["Peter Gabriel"], "aoty", year=1980),
        IncomingAlbum("Led Zeppelin II", ["Led Zeppelin"], "aoty"), IncomingAlbum("Led Zeppelin III", ["Led Zeppelin"], "aoty"),
        IncomingAlbum("Blue", ["Joni Mitchell"], "aoty"), IncomingAlbum("Blue", ["Weezer"], "aoty"),
        IncomingAlbum("Live at Leeds", ["The Who"], "aoty"), IncomingAlbum("Who's Next", ["The Who"], "aoty"),
    ])
    assert await count(sessions, Album) == 8


async def test_a_merge_after_votes_keeps_every_vote_and_rebuilds_the_ranking(services):
    sessions = services.runtime.sessions
    # The same album arrives twice under spellings the rules keep apart; then Spotify shows they are one.
    await store_albums(sessions, USER, [IncomingAlbum("Illinois", ["Sufjan Stevens"], "lastfm", mbid="mb-ill")]
                       + [IncomingAlbum(f"Other {i}", ["Band"], "lastfm") for i in range(4)])
    await store_albums(sessions, USER, [IncomingAlbum("Come On Feel The Illinoise!", ["Sufjan Stevens"], "spotify",
                                                      spotify_id="sp-ill")])
    card = await services.duels.open_duel(USER, "u", guild_id=None, channel_id=None)
    from bot.services.duels import DuelAction
    for _ in range(12):
        card = await services.duels.answer(card.duel_id, USER, DuelAction.A)
    async with sessions() as session:
        half_a = await session.scalar(select(Album.id).where(Album.mbid == "mb-ill"))
        half_b = await session.scalar(select(Album.id).where(Album.spotify_id == "sp-ill"))
        votes_before = (await session.execute(select(Vote.id, Vote.album_a, Vote.album_b))).all()
    between = [v for v in votes_before if {v.album_a, v.album_b} == {half_a, half_b}]

    summary = await store_albums(sessions, USER, [IncomingAlbum("Illinois", ["Sufjan Stevens"], "spotify",
                                                                spotify_id="sp-ill", mbid="mb-ill")])
    assert summary.merged == 1
    async with sessions() as session:
        votes_after = (await session.scalars(select(Vote).order_by(Vote.id))).all()
        merge = await session.scalar(select(AlbumMerge))
        collection = set(await session.scalars(select(UserAlbum.album_id).where(UserAlbum.user_id == USER)))
        beliefs = await session.scalar(select(func.count()).select_from(Belief))
    assert len(votes_after) == len(votes_before)  # nothing lost
    assert sum(v.void for v in votes_after) == len(between)
    kept = merge.kept_album_id
    assert {kept, merge.merged_album_id} == {half_a, half_b} and merge.details["votes_voided"] == len(between)
    live = [v for v in votes_after if not v.void]
    assert all(merge.merged_album_id not in (v.album_a, v.album_b) for v in live)
    assert len(collection) == 5 and kept in collection and beliefs == 0  # beliefs dropped: rebuilt from the log
    page = await services.collection.rankings(USER, USER, None, 1)
    assert page.total == 5 and page.votes == len(live)
    replay = Ranker.from_votes(sorted(collection), [(v.album_a, v.album_b, v.outcome) for v in live], seed=USER)
    assert [r.album_id for r in replay.ranking()] == [r.album.album_id for r in page.rows]
