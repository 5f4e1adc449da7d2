"""Importing a user's album chart: paging, the play cutoff, odd data, and each Last.fm error."""

from __future__ import annotations

import httpx
import pytest

from bot.errors import (
    ConfigError, LinkBroken, MalformedResponse, PrivateProfile, RateLimited, SourceUnavailable, UnknownAccount,
)
from bot.sandbox.lastfm import PLACEHOLDER_IMAGE_HASH, EmulatedAlbum, LastfmEmulator, image_set
from bot.sources.lastfm import LastfmClient, RetryPolicy, TopAlbumsProgress, auth_url


def _small_client(emu: LastfmEmulator, http: httpx.AsyncClient, sleep, page_size: int, **kwargs) -> LastfmClient:
    return LastfmClient(http, emu.api_url, emu.api_key, emu.api_secret, page_size=page_size, sleep=sleep, **kwargs)


async def test_pages_until_playcounts_fall_below_the_cutoff(emu: LastfmEmulator, http, sleep) -> None:
    chart = emu.generate_top_albums("alice", 5000, seed=7)
    expected = [album for album in chart if album.playcount >= 3]
    assert 400 < len(expected) < 1000  # the cutoff falls on the 3rd or 4th page of 200
    client = _small_client(emu, http, sleep, page_size=200)
    progress: list[TopAlbumsProgress] = []

    albums = await client.top_albums("alice", min_plays=3, on_page=progress.append)

    assert [(a.title, a.artist, a.playcount) for a in albums] == [(a.name, a.artist, a.playcount) for a in expected]
    assert [a.rank for a in albums] == list(range(1, len(expected) + 1))
    pages_needed = len(expected) // 200 + 1
    assert emu.request_count("user.getTopAlbums") == pages_needed  # of 25 pages, only these were fetched
    assert [p.page for p in progress] == list(range(1, pages_needed + 1))
    assert progress[-1].done and not any(p.done for p in progress[:-1])
    assert progress[-1].total_pages == 25 and progress[-1].albums == len(expected)


async def test_every_page_when_everything_passes_the_cutoff(emu: LastfmEmulator, http, sleep) -> None:
    emu.add_user("bob", [EmulatedAlbum(f"Album {i}", "Artist", 100 - i) for i in range(25)])
    client = _small_client(emu, http, sleep, page_size=10)
    calls: list[int] = []

    async def on_page(progress: TopAlbumsProgress) -> None:  # async callbacks are awaited
        calls.append(progress.page)

    albums = await client.top_albums("bob", min_plays=1, on_page=on_page)
    assert len(albums) == 25 and calls == [1, 2, 3]
    assert emu.request_count() == 3


async def test_default_page_size_is_the_api_maximum(emu: LastfmEmulator, client: LastfmClient) -> None:
    emu.generate_top_albums("carol", 2500, seed=3, top_playcount=100_000)
    albums = await client.top_albums("carol", min_plays=1)
    assert len(albums) == 2499  # the last album of a generated chart has 0 plays
    assert emu.request_count() == 3
    assert {r.params["limit"] for r in emu.requests} == {"1000"}


async def test_empty_chart(emu: LastfmEmulator, client: LastfmClient) -> None:
    emu.add_user("newbie")
    assert await client.top_albums("newbie") == []
    assert emu.request_count() == 1


async def test_odd_data_mbids_images_unicode_and_zero_plays(emu: LastfmEmulator, client: LastfmClient) -> None:
    emu.add_user("dora", [
        EmulatedAlbum("Ágætis byrjun", "Sigur Rós", 50, mbid="f7f2b1d8-0000-4000-8000-000000000001",
                      artist_mbid="f6f2326f-6b25-4170-b89d-e235b25508e8", images=image_set("abc123")),
        EmulatedAlbum("音楽図鑑", "坂本龍一", 20, images=image_set(None)),
        EmulatedAlbum("Starless", "Nobody", 10, images=("https://img/small.png", "https://img/medium.png", "", "")),
        EmulatedAlbum("No Cover", "Someone", 5, images=image_set(PLACEHOLDER_IMAGE_HASH)),
        EmulatedAlbum("Never Played", "Ghost", 0),
    ])
    albums = await client.top_albums("dora", min_plays=0)
    by_title = {album.title: album for album in albums}
    assert list(by_title) == ["Ágætis byrjun", "音楽図鑑", "Starless", "No Cover", "Never Played"]
    first = by_title["Ágætis byrjun"]
    assert first.artist == "Sigur Rós" and first.mbid == "f7f2b1d8-0000-4000-8000-000000000001"
    assert first.artist_mbid == "f6f2326f-6b25-4170-b89d-e235b25508e8"
    assert first.cover_url == "https://lastfm.freetls.fastly.net/i/u/300x300/abc123.png"
    assert by_title["音楽図鑑"].mbid is None and by_title["音楽図鑑"].cover_url is None
    assert by_title["Starless"].cover_url == "https://img/medium.png"
    assert by_title["No Cover"].cover_url is None
    assert by_title["Never Played"].playcount == 0
    assert [a.title for a in await client.top_albums("dora")] == ["Ágætis byrjun", "音楽図鑑", "Starless", "No Cover"]


async def test_one_album_page_sent_as_a_bare_object(emu: LastfmEmulator, client: LastfmClient) -> None:
    emu.single_item_as_object = True
    emu.add_user("solo", [EmulatedAlbum("Only One", "Loner", 9)])
    (album,) = await client.top_albums("solo")
    assert album.title == "Only One" and album.rank == 1


async def test_user_names_are_case_insensitive(emu: LastfmEmulator, client: LastfmClient) -> None:
    emu.add_user("CamelCase", [EmulatedAlbum("A", "B", 5)])
    assert len(await client.top_albums("camelcase")) == 1


async def test_unknown_user(client: LastfmClient) -> None:
    with pytest.raises(UnknownAccount, match="no user called “ghost”"):
        await client.top_albums("ghost")


async def test_hidden_listening_is_a_private_profile_with_instructions(emu: LastfmEmulator, client) -> None:
    emu.add_user("shy", [EmulatedAlbum("A", "B", 5)], private=True)
    with pytest.raises(PrivateProfile) as caught:
        await client.top_albums("shy")
    message = str(caught.value)
    assert "Hide recent listening information" in message and "last.fm/settings/privacy" in message
    assert emu.request_count() == 1  # not retried


async def _linked_session(emu: LastfmEmulator, http: httpx.AsyncClient, client: LastfmClient, name: str) -> str:
    emu.login_as(name)
    response = await http.get(auth_url(emu.api_key, "https://bot.example/cb", emu.auth_url))
    return (await client.get_session(httpx.URL(response.headers["location"]).params["token"])).session_key


async def test_own_session_reads_a_hidden_chart(emu: LastfmEmulator, http, client: LastfmClient) -> None:
    emu.add_user("shy", [EmulatedAlbum("A", "B", 5)], private=True)
    session_key = await _linked_session(emu, http, client, "shy")
    albums = await client.top_albums("shy", session_key=session_key)
    assert [a.title for a in albums] == ["A"]
    assert emu.requests[-1].params["sk"] == "<redacted>"  # sent signed, as a form


async def test_revoked_or_unknown_session_is_a_broken_link(emu: LastfmEmulator, http, client) -> None:
    emu.add_user("gone", [EmulatedAlbum("A", "B", 5)])
    session_key = await _linked_session(emu, http, client, "gone")
    emu.revoke("gone")
    with pytest.raises(LinkBroken, match="/link lastfm"):
        await client.top_albums("gone", session_key=session_key)
    with pytest.raises(LinkBroken):
        await client.top_albums("gone", session_key="f" * 32)


@pytest.mark.parametrize("code", [8, 11, 16])
async def test_backend_errors_are_retried_with_backoff(emu: LastfmEmulator, client: LastfmClient, sleep,
                                                      code: int) -> None:
    emu.add_user("eve", [EmulatedAlbum("A", "B", 5)])
    emu.inject_error(code, times=3)
    assert len(await client.top_albums("eve")) == 1
    assert emu.request_count() == 4
    assert len(sleep.delays) == 3
    assert sleep.delays[0] <= 1.0 < sleep.delays[2] <= 4.0  # doubling, with jitter


async def test_backend_errors_give_up_as_unavailable(emu: LastfmEmulator, client: LastfmClient, sleep) -> None:
    emu.add_user("eve", [EmulatedAlbum("A", "B", 5)])
    emu.inject_error(16, times=100)
    with pytest.raises(SourceUnavailable, match="try again"):
        await client.top_albums("eve")
    assert emu.request_count() == 4


async def test_rate_limit_backs_off_then_succeeds(emu: LastfmEmulator, client: LastfmClient, sleep) -> None:
    emu.add_user("eve", [EmulatedAlbum("A", "B", 5)])
    emu.inject_error(29, times=2)
    assert len(await client.top_albums("eve")) == 1
    assert sleep.delays == [10.0, 10.0]


async def test_rate_limit_gives_up(emu: LastfmEmulator, client: LastfmClient, sleep) -> None:
    emu.add_user("eve", [EmulatedAlbum("A", "B", 5)])
    emu.inject_error(29, times=100)
    with pytest.raises(RateLimited):
        await client.top_albums("eve")
    assert emu.request_count() == 4 and len(sleep.delays) == 3


async def test_emulated_request_window_limits_bursts(http) -> None:
    now = [1000.0]

    async def sleep_in_emulated_time(seconds: float) -> None:
        now[0] += seconds

    async with LastfmEmulator(clock=lambda: now[0]) as emu:
        emu.add_user("eve", [EmulatedAlbum(f"A{i}", "B", 50 - i) for i in range(6)])
        emu.rate_limit = (2, 1.0)  # two requests a second
        client = LastfmClient(http, emu.api_url, emu.api_key, emu.api_secret, page_size=1,
                              retry=RetryPolicy(attempts=2, base_delay=0.1, rate_limit_delay=0.5), sleep=sleep_in_emulated_time)
        with pytest.raises(RateLimited):
            await client.top_albums("eve")
        assert emu.request_count() == 4  # pages 1 and 2, then page 3 refused, and again 0.5 s later
        now[0] += 1.5
        # Backing off long enough gets through: each refusal is followed by a pause that clears the window.
        slow = LastfmClient(http, emu.api_url, emu.api_key, emu.api_secret, page_size=1,
                            retry=RetryPolicy(attempts=3, rate_limit_delay=1.0), sleep=sleep_in_emulated_time)
        assert len(await slow.top_albums("eve", min_plays=1)) == 6


async def test_server_errors_and_malformed_answers_are_retried(emu: LastfmEmulator, client, sleep) -> None:
    emu.add_user("eve", [EmulatedAlbum("A", "B", 5)])
    emu.inject_http_error(502)
    emu.inject_malformed()
    emu.inject_http_error(503)
    assert len(await client.top_albums("eve")) == 1
    assert emu.request_count() == 4


async def test_persistently_malformed_answers(emu: LastfmEmulator, client: LastfmClient) -> None:
    emu.add_user("eve", [EmulatedAlbum("A", "B", 5)])
    emu.inject_malformed(times=10)
    with pytest.raises(MalformedResponse):
        await client.top_albums("eve")


async def test_timeouts_are_retried(emu: LastfmEmulator, http, sleep) -> None:
    emu.add_user("eve", [EmulatedAlbum("A", "B", 5)])
    emu.inject_hang(times=1)
    client = _small_client(emu, http, sleep, page_size=50, request_timeout=0.1)
    assert len(await client.top_albums("eve")) == 1
    emu.inject_hang(times=4)
    with pytest.raises(SourceUnavailable, match="did not answer in time"):
        await client.top_albums("eve")


async def test_bad_or_suspended_api_key_is_a_configuration_error(emu: LastfmEmulator, http, client) -> None:
    emu.add_user("eve", [EmulatedAlbum("A", "B", 5)])
    with pytest.raises(ConfigError) as caught:
        await LastfmClient(http, emu.api_url, "wrong", "x").top_albums("eve")
    assert caught.value.setting == "LASTFM_API_KEY"
    emu.apps[emu.api_key].suspended = True
    with pytest.raises(ConfigError, match="suspended"):
        await client.top_albums("eve")
    assert emu.request_count() == 2  # neither retried


async def test_connection_refused_is_unavailable(http, sleep) -> None:
    async with LastfmEmulator() as emu:
        url = emu.api_url
    client = LastfmClient(http, url, "k", "s", sleep=sleep)
    with pytest.raises(SourceUnavailable, match="Could not reach"):
        await client.top_albums("anyone")
    assert len(sleep.delays) == 3
