"""What Spotify's bad moments do to a library read: 429s, quota exhaustion, 5xx, timeouts, junk."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bot.errors import MalformedResponse, QuotaExceeded, RateLimited, SourceError, SourceUnavailable
from bot.sandbox.spotify import ME_PATH, TOKEN_PATH, TRACKS_PATH, Fault, SpotifyEmulator
from bot.sources.spotify import RetryPolicy, SpotifyLibraryClient, refresh
from tests.integration.spotify.conftest import CLIENT_ID, SSL_CONTEXT, library_client, link

N_TRACKS = 180


@pytest.fixture
async def alice(http, browser, emu: SpotifyEmulator, callback):
    emu.generate_library("acc-alice", n_tracks=N_TRACKS, n_albums=5, seed=5)
    return await link(http, browser, emu, callback, "acc-alice")


async def read_all(client: SpotifyLibraryClient, progress: list | None = None) -> int:
    seen = 0
    async for page in client.saved_tracks_albums(on_progress=None if progress is None else progress.append):
        seen += page.items_seen
    return seen


async def test_429_waits_as_told_then_succeeds(http, emu, alice, policy, sleeps):
    client, _, _ = library_client(http, emu, alice, policy)
    emu.rate_limit_next(TRACKS_PATH, retry_after=5)
    progress: list = []
    assert await read_all(client, progress) == N_TRACKS
    assert sleeps.delays == [5]
    assert "Spotify asked us to wait 5 s" in [p.message for p in progress]


async def test_a_wait_longer_than_the_cap_gives_up(http, emu, alice, sleeps):
    client, _, _ = library_client(http, emu, alice, RetryPolicy(sleep=sleeps, max_retry_after=60))
    emu.rate_limit_next(TRACKS_PATH, retry_after=3600)
    with pytest.raises(RateLimited) as caught:
        await read_all(client)
    assert caught.value.retry_after == 3600
    assert sleeps.delays == []


async def test_endless_429s_give_up(http, emu, alice, policy, sleeps):
    client, _, _ = library_client(http, emu, alice, policy)
    emu.rate_limit_next(ME_PATH, retry_after=1, times=20)
    with pytest.raises(RateLimited):
        await client.me()
    assert len(sleeps.delays) == policy.max_rate_limited


async def test_quota_exceeded_is_not_retried(http, emu, alice, policy, sleeps):
    client, _, _ = library_client(http, emu, alice, policy)
    emu.quota_exceeded = True
    with pytest.raises(QuotaExceeded):
        await read_all(client)
    assert emu.request_count(TRACKS_PATH) == 1
    assert sleeps.delays == []


async def test_5xx_is_retried_with_backoff_then_succeeds(http, emu, alice, policy, sleeps):
    client, _, _ = library_client(http, emu, alice, policy)
    emu.fail_next(TRACKS_PATH, status=503, times=2)
    assert await read_all(client) == N_TRACKS
    assert sleeps.delays == [policy.backoff(1), policy.backoff(2)] == [0.5, 1.0]


async def test_persistent_5xx_is_reported_as_unavailable(http, emu, alice, policy, sleeps):
    client, _, _ = library_client(http, emu, alice, policy)
    emu.fail_next(ME_PATH, status=502, times=10)
    with pytest.raises(SourceUnavailable) as caught:
        await client.me()
    assert caught.value.retryable
    assert emu.request_count(ME_PATH) == policy.max_attempts


async def test_timeouts_are_retried(http, emu, alice, sleeps):
    policy = RetryPolicy(sleep=sleeps)
    client = SpotifyLibraryClient(http, emu.api_base_url, library_client(http, emu, alice, policy)[1],
                                  policy=policy, timeout=0.05)
    emu.inject(ME_PATH, Fault(stall=True))
    assert (await client.me()).account_id == "acc-alice"
    assert sleeps.delays == [0.5]


async def test_malformed_json_is_reported(http, emu, alice, policy):
    client, _, _ = library_client(http, emu, alice, policy)
    emu.inject(TRACKS_PATH, Fault(status=200, raw_body='{"items": [tru'))
    with pytest.raises(MalformedResponse):
        await read_all(client)


async def test_a_page_without_items_is_reported(http, emu, alice, policy):
    client, _, _ = library_client(http, emu, alice, policy)
    emu.inject(TRACKS_PATH, Fault(status=200, raw_body='{"total": 3}'))
    with pytest.raises(MalformedResponse):
        await read_all(client)


async def test_a_failing_page_mid_walk_stops_the_walk(http, emu, alice, policy):
    client, _, _ = library_client(http, emu, alice, policy)
    walk = client.saved_tracks_albums()
    first = await anext(walk)
    assert first.offset == 0
    emu.inject(TRACKS_PATH, *[Fault(status=500)] * 20)
    with pytest.raises(SourceUnavailable):
        async for _ in walk:
            pass


async def test_unregistered_dev_mode_user_is_told_why(http, emu, alice, policy):
    client, _, _ = library_client(http, emu, alice, policy)
    emu.state.users["acc-alice"].registered = False
    with pytest.raises(SourceError) as caught:
        await client.me()
    assert "developer dashboard" in caught.value.message


async def test_rolling_rate_limit_window(http, emu, alice):
    emu.rate_limit = (2, 30.0)
    headers = {"Authorization": f"Bearer {alice.access_token}"}
    statuses = [(await http.get(emu.api_base_url + "/me", headers=headers)) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert 1 <= int(statuses[2].headers["Retry-After"]) <= 30
    emu.advance(31)
    assert (await http.get(emu.api_base_url + "/me", headers=headers)).status_code == 200


async def test_token_endpoint_5xx_is_retried(http, emu, alice, policy, sleeps):
    emu.fail_next(TOKEN_PATH, status=500)
    rotated = await refresh(http, client_id=CLIENT_ID, tokens=alice, accounts_base_url=emu.accounts_base_url,
                            policy=policy)
    assert rotated.refresh_token in emu.valid_refresh_tokens("acc-alice")
    assert sleeps.delays == [0.5]


async def test_unreachable_spotify_is_unavailable(alice, sleeps):
    policy = RetryPolicy(sleep=sleeps)
    async with httpx.AsyncClient(verify=SSL_CONTEXT) as http:
        with pytest.raises(SourceUnavailable):
            await refresh(http, client_id=CLIENT_ID, tokens=alice, accounts_base_url="http://127.0.0.1:9",
                          policy=policy)
    assert len(sleeps.delays) == policy.max_attempts - 1


async def test_requests_in_flight_wait_out_one_429_together(http, emu, alice):
    """While one request waits out Retry-After, the others neither send nor start waits of their own."""
    release = asyncio.Event()
    delays: list[float] = []

    async def held_sleep(seconds: float) -> None:
        delays.append(seconds)
        await release.wait()

    policy = RetryPolicy(sleep=held_sleep)
    client, _, _ = library_client(http, emu, alice, policy, concurrency=3)
    progress: list = []
    walk = client.saved_tracks_albums(on_progress=progress.append, min_tracks=None)
    first = await anext(walk)
    emu.rate_limit_next(TRACKS_PATH, retry_after=2, times=3)
    rest = asyncio.create_task(_drain(walk))
    for _ in range(10_000):  # until the three requests in flight have been refused
        if emu.request_count(TRACKS_PATH) == 4 and delays:
            break
        await asyncio.sleep(0)
    for _ in range(200):
        await asyncio.sleep(0)
    assert delays == [2] and emu.request_count(TRACKS_PATH) == 4  # nothing sent while the gate is shut
    release.set()
    assert first.items_seen + await rest == N_TRACKS
    assert [p.wait_seconds for p in progress if p.wait_seconds] == delays


async def _drain(walk) -> int:
    return sum([page.items_seen async for page in walk])
