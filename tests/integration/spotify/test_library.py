"""Reading a library: the profile, every saved item exactly once, the import rule, odd data, resuming."""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import aclosing

import pytest
import spotipy

from bot.sandbox.spotify import ALBUMS_PATH, TRACKS_PATH, SpotifyEmulator, album_object, track_object
from bot.sources.spotify import SpotifyAlbum, keep_album, year_from_release_date
from tests.integration.spotify.conftest import library_client, link

N_TRACKS, N_ALBUMS = 523, 61


@pytest.fixture
async def alice(http, browser, emu: SpotifyEmulator, callback):
    emu.generate_library("acc-alice", n_tracks=N_TRACKS, n_albums=N_ALBUMS, seed=11)
    return await link(http, browser, emu, callback, "acc-alice")


def expected_track_albums(emu: SpotifyEmulator, account_id: str) -> Counter[str]:
    return Counter(item["track"]["album"]["id"] for item in emu.state.users[account_id].saved_tracks)


async def test_me_identifies_the_account(http, emu, alice, policy):
    emu.state.users["acc-alice"].display_name = "Alice A."
    client, _, _ = library_client(http, emu, alice, policy)
    account = await client.me()
    assert (account.account_id, account.display_name, account.user_id) == ("acc-alice", "Alice A.", "acc-alice")


async def test_saved_tracks_cover_every_item_exactly_once(http, emu, alice, policy):
    client, _, _ = library_client(http, emu, alice, policy)
    emu.reset_counts()
    pages = [page async for page in client.saved_tracks_albums(min_tracks=None)]
    assert [p.offset for p in pages] == list(range(0, N_TRACKS, 50))
    assert pages[-1].is_last and pages[-1].next_offset == N_TRACKS
    counts: Counter[str] = Counter()
    for page in pages:
        for album in page.albums:
            counts[album.spotify_id] += album.saved_track_count
    assert counts == expected_track_albums(emu, "acc-alice")
    assert emu.request_count(TRACKS_PATH) == -(-N_TRACKS // 50)  # one request per page, no more


async def test_saved_tracks_are_filtered_by_the_import_rule(http, emu, alice, policy):
    client, _, _ = library_client(http, emu, alice, policy)
    kept = {a.spotify_id: a async for page in client.saved_tracks_albums() for a in page.albums}
    raw = {item["track"]["album"]["id"]: item["track"]["album"] for item in emu.state.users["acc-alice"].saved_tracks}
    wanted = {i for i, a in raw.items() if a["album_type"] == "album" and a["total_tracks"] >= 6}
    assert set(kept) == wanted
    assert any(a["album_type"] == "album" and a["total_tracks"] == 5 for a in raw.values())  # the odd short LP
    assert any(a["album_type"] in ("single", "compilation") for a in raw.values())


async def test_saved_albums_are_all_kept(http, emu, alice, policy):
    client, _, _ = library_client(http, emu, alice, policy)
    albums = [a async for page in client.saved_albums() for a in page.albums]
    assert [a.spotify_id for a in albums] == [it["album"]["id"] for it in emu.state.users["acc-alice"].saved_albums]
    assert {a.source for a in albums} == {"saved_albums"}
    assert any(a.album_type != "album" for a in albums)


async def test_resume_from_an_offset_reads_only_the_rest(http, emu, alice, policy):
    client, _, _ = library_client(http, emu, alice, policy)
    first_run = []
    # aclosing: leaving the walk early cancels its requests in flight at once, not at garbage collection
    async with aclosing(client.saved_tracks_albums(min_tracks=None)) as walk:
        async for page in walk:
            first_run.append(page)
            if len(first_run) == 4:
                break  # the import was killed after persisting page 4
    resume_at = first_run[-1].next_offset
    restarted, _, _ = library_client(http, emu, alice, policy)  # the bot came back up
    rest = [page async for page in restarted.saved_tracks_albums(min_tracks=None, start_offset=resume_at)]
    assert rest[0].offset == 200
    counts: Counter[str] = Counter()
    for page in first_run + rest:
        for album in page.albums:
            counts[album.spotify_id] += album.saved_track_count
    assert counts == expected_track_albums(emu, "acc-alice")
    assert restarted.request_count == len(rest)
    # Requests already in flight when the first run stopped are wasted, but bounded by the concurrency.
    assert emu.request_count(TRACKS_PATH) <= 4 + 6 + len(rest)


async def test_resume_past_the_end_yields_one_empty_page(http, emu, alice, policy):
    client, _, _ = library_client(http, emu, alice, policy)
    pages = [page async for page in client.saved_tracks_albums(start_offset=N_TRACKS)]
    assert len(pages) == 1 and pages[0].albums == [] and pages[0].is_last


async def test_progress_reports_each_page(http, emu, alice, policy):
    client, _, _ = library_client(http, emu, alice, policy)
    seen = []
    async for _ in client.saved_albums(on_progress=seen.append):
        pass
    assert [p.done for p in seen] == [50, N_ALBUMS]
    assert seen[-1].message == f"Read {N_ALBUMS} of {N_ALBUMS} saved albums"


async def test_odd_album_data_is_read_sensibly(http, browser, emu, callback, policy):
    def album(i: str, **kw) -> dict:
        return album_object(f"{i:0>22}", f"Album {i}", [("artist0000000000000001", "Someone")], **kw)

    albums = [
        album("1", release_date="1999", with_images=False),
        album("2", release_date="1999-05", total_tracks=5),
        album("3", release_date="1999-05-03", album_type="compilation", total_tracks=30),
        album("4", release_date="0000", album_type="single", total_tracks=4),
    ]
    albums[0]["images"] = []
    emu.add_user("acc-odd", saved_tracks=[track_object(f"t{n:0>21}", "Song", a) for n, a in enumerate(albums)])
    tokens = await link(http, browser, emu, callback, "acc-odd")
    client, _, _ = library_client(http, emu, tokens, policy)
    got = {a.title: a async for page in client.saved_tracks_albums(min_tracks=None) for a in page.albums}
    assert got["Album 1"].cover_url is None and got["Album 1"].year == 1999
    assert got["Album 2"].year == 1999 and got["Album 2"].total_tracks == 5
    assert got["Album 3"].cover_url.endswith("-640") and got["Album 3"].album_type == "compilation"
    assert got["Album 4"].year is None
    assert got["Album 1"].artists == ("Someone",)


def test_the_import_rule():
    def album(album_type: str, tracks: int, source: str = "saved_tracks") -> SpotifyAlbum:
        return SpotifyAlbum("id", "T", ("A",), ("a",), 2000, None, album_type, tracks, source)  # type: ignore[arg-type]

    assert keep_album(album("album", 6))
    assert not keep_album(album("album", 5))
    assert keep_album(album("album", 5), min_tracks=5)
    assert not keep_album(album("single", 6))
    assert not keep_album(album("compilation", 20))
    assert keep_album(album("single", 1, source="saved_albums"))
    assert keep_album(album("compilation", 2, source="saved_albums"))


@pytest.mark.parametrize("date, year", [("1999", 1999), ("1999-05", 1999), ("1999-05-03", 1999),
                                        ("0000", None), ("", None), (None, None)])
def test_year_from_release_date(date, year):
    assert year_from_release_date(date) == year


async def test_limit_over_50_is_refused_by_the_emulator(http, emu, alice):
    response = await http.get(emu.api_base_url + "/me/tracks", params={"limit": 51},
                              headers={"Authorization": f"Bearer {alice.access_token}"})
    assert response.status_code == 400
    assert response.json()["error"]["status"] == 400


async def test_library_scope_is_required(http, emu, alice):
    emu.state.access_tokens[alice.access_token].scope = ""
    response = await http.get(emu.api_base_url + "/me/albums",
                              headers={"Authorization": f"Bearer {alice.access_token}"})
    assert response.status_code == 403


async def test_spotipy_pages_the_emulator(emu, alice):
    """spotipy follows the emulator's ``next`` links exactly as it would Spotify's."""
    sp = spotipy.Spotify(auth=alice.access_token, retries=0)
    sp.prefix = emu.api_base_url + "/"

    def read_all() -> tuple[str, int]:
        me = sp.me()
        page, count = sp.current_user_saved_albums(limit=50), 0
        while page:
            count += len(page["items"])
            page = sp.next(page)
        return me["account_id"], count

    account_id, count = await asyncio.to_thread(read_all)
    assert (account_id, count) == ("acc-alice", N_ALBUMS)
    assert emu.request_count(ALBUMS_PATH) == 2
