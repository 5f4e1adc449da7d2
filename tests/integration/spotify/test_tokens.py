"""Keeping access alive: refresh before expiry and after a 401, rotation, and ``invalid_grant``."""

from __future__ import annotations

import logging
import time

import pytest

from bot.errors import LinkBroken
from bot.sandbox.spotify import TOKEN_PATH, SpotifyEmulator
from bot.sources.spotify import refresh
from tests.integration.spotify.conftest import CLIENT_ID, library_client, link


@pytest.fixture
async def tokens(http, browser, emu: SpotifyEmulator, callback):
    emu.generate_library("acc-alice", n_tracks=120, n_albums=10, seed=3)
    return await link(http, browser, emu, callback, "acc-alice")


async def test_fresh_token_is_used_without_refreshing(http, emu, tokens, policy):
    client, provider, store = library_client(http, emu, tokens, policy)
    assert (await client.me()).account_id == "acc-alice"
    assert provider.refresh_count == 0 and emu.request_count(TOKEN_PATH) == 1  # the code exchange only


async def test_refreshes_when_less_than_a_minute_is_left(http, emu, tokens, policy):
    almost_expired = lambda: time.time() + 3600 - 30  # noqa: E731 - the client's clock, 59.5 min later
    client, provider, store = library_client(http, emu, tokens, policy, clock=almost_expired)
    await client.me()
    assert provider.refresh_count == 1
    assert store.tokens.access_token != tokens.access_token
    assert store.tokens.refresh_token != tokens.refresh_token


async def test_a_401_forces_one_refresh_then_the_call_succeeds(http, emu, tokens, policy):
    client, provider, store = library_client(http, emu, tokens, policy)
    emu.expire_access_tokens("acc-alice")  # Spotify expired the token early, our clock does not know
    assert (await client.me()).account_id == "acc-alice"
    assert provider.refresh_count == 1
    assert store.saves == 1


async def test_tokens_expire_by_the_emulator_clock(http, emu, tokens, policy):
    emu.advance(3601)
    response = await http.get(emu.api_base_url + "/me", headers={"Authorization": f"Bearer {tokens.access_token}"})
    assert response.status_code == 401
    assert response.json() == {"error": {"status": 401, "message": "The access token expired"}}


async def test_concurrent_401s_share_one_refresh(http, emu, tokens, policy):
    client, provider, store = library_client(http, emu, tokens, policy, concurrency=8)
    emu.expire_access_tokens("acc-alice")
    pages = [page async for page in client.saved_tracks_albums(min_tracks=None)]
    assert sum(p.items_seen for p in pages) == 120
    assert provider.refresh_count == 1  # a second refresh would have spent a rotated-away token


async def test_rotation_kills_the_old_refresh_token(http, emu, tokens):
    rotated = await refresh(http, client_id=CLIENT_ID, tokens=tokens, accounts_base_url=emu.accounts_base_url)
    assert rotated.refresh_token != tokens.refresh_token
    assert emu.valid_refresh_tokens("acc-alice") == [rotated.refresh_token]
    response = await http.post(emu.accounts_base_url + "/api/token", data={
        "grant_type": "refresh_token", "refresh_token": tokens.refresh_token, "client_id": CLIENT_ID})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    with pytest.raises(LinkBroken):
        await refresh(http, client_id=CLIENT_ID, tokens=tokens, accounts_base_url=emu.accounts_base_url)


async def test_revoked_access_breaks_the_link(http, emu, tokens, policy):
    client, provider, store = library_client(http, emu, tokens, policy)
    emu.expire_access_tokens("acc-alice")
    emu.revoke_refresh_tokens("acc-alice")
    with pytest.raises(LinkBroken) as caught:
        await client.me()
    assert "/link spotify" in caught.value.message
    assert store.tokens == tokens  # nothing half-written


async def test_a_second_401_after_refreshing_breaks_the_link(http, emu, tokens, policy):
    client, provider, _ = library_client(http, emu, tokens, policy)
    emu.expire_access_tokens("acc-alice")
    emu.token_lifetime = -10  # every new token is born expired: Spotify keeps refusing
    with pytest.raises(LinkBroken):
        await client.me()
    assert provider.refresh_count == 1


async def test_tokens_never_reach_the_logs(http, emu, tokens, policy, caplog):
    caplog.set_level(logging.DEBUG)
    client, _, store = library_client(http, emu, tokens, policy)
    emu.expire_access_tokens("acc-alice")
    [page async for page in client.saved_tracks_albums()]
    secrets = {tokens.access_token, tokens.refresh_token, store.tokens.access_token, store.tokens.refresh_token}
    assert caplog.records  # httpx logs each request at DEBUG/INFO: the scan is not vacuous
    for record in caplog.records:
        text = record.getMessage()
        assert not any(secret in text for secret in secrets)
