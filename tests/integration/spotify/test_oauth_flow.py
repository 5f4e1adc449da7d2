"""The PKCE authorization code flow through a redirect-following browser and the emulated accounts service."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from spotipy.cache_handler import MemoryCacheHandler
from spotipy.oauth2 import SpotifyPKCE

from bot.errors import ConfigError, LinkBroken
from bot.sandbox.spotify import SpotifyEmulator
from bot.sources.spotify import authorize_url, exchange_code, make_pkce_pair
from tests.integration.spotify.conftest import CLIENT_ID, CLIENT_SECRET, SSL_CONTEXT, CallbackServer, consent, link


async def test_pkce_flow_links_the_logged_in_account(http, browser, emu: SpotifyEmulator, callback):
    emu.add_user("acc-alice", display_name="Alice")
    query, verifier = await consent(browser, emu, callback, "acc-alice", state="s-123")
    assert query["state"] == "s-123"
    tokens = await exchange_code(http, client_id=CLIENT_ID, code=query["code"], redirect_uri=callback.url,
                                 code_verifier=verifier, accounts_base_url=emu.accounts_base_url)
    assert tokens.scope == "user-library-read"
    assert tokens.expires_at > time.time() + 3000
    me = await http.get(emu.api_base_url + "/me", headers={"Authorization": f"Bearer {tokens.access_token}"})
    assert me.json()["account_id"] == "acc-alice"


async def test_authorize_url_carries_pkce_state_and_scope():
    verifier, challenge = make_pkce_pair()
    assert 43 <= len(verifier) <= 128
    url = authorize_url("cid", "https://bot.example/oauth/spotify/callback", "st4te", challenge,
                        accounts_base_url="https://accounts.example")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://accounts.example/authorize"
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert params == {
        "client_id": "cid", "response_type": "code", "redirect_uri": "https://bot.example/oauth/spotify/callback",
        "code_challenge_method": "S256", "code_challenge": challenge, "scope": "user-library-read", "state": "st4te",
    }


async def test_wrong_verifier_is_rejected(http, browser, emu, callback):
    emu.add_user("acc-alice")
    query, _ = await consent(browser, emu, callback, "acc-alice")
    other_verifier, _ = make_pkce_pair()
    with pytest.raises(LinkBroken):
        await exchange_code(http, client_id=CLIENT_ID, code=query["code"], redirect_uri=callback.url,
                            code_verifier=other_verifier, accounts_base_url=emu.accounts_base_url)


async def test_code_is_single_use(http, browser, emu, callback):
    emu.add_user("acc-alice")
    query, verifier = await consent(browser, emu, callback, "acc-alice")
    args = dict(client_id=CLIENT_ID, code=query["code"], redirect_uri=callback.url, code_verifier=verifier,
                accounts_base_url=emu.accounts_base_url)
    await exchange_code(http, **args)
    with pytest.raises(LinkBroken):
        await exchange_code(http, **args)


async def test_expired_code_is_rejected(http, browser, emu, callback):
    emu.add_user("acc-alice")
    query, verifier = await consent(browser, emu, callback, "acc-alice")
    emu.advance(601)
    response = await http.post(emu.accounts_base_url + "/api/token", data={
        "grant_type": "authorization_code", "code": query["code"], "redirect_uri": callback.url,
        "code_verifier": verifier, "client_id": CLIENT_ID})
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": "Authorization code expired"}


async def test_token_request_with_another_redirect_uri_is_rejected(http, browser, emu, callback):
    emu.add_user("acc-alice")
    query, verifier = await consent(browser, emu, callback, "acc-alice")
    response = await http.post(emu.accounts_base_url + "/api/token", data={
        "grant_type": "authorization_code", "code": query["code"], "redirect_uri": callback.url + "/other",
        "code_verifier": verifier, "client_id": CLIENT_ID})
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": "Invalid redirect URI"}


async def test_unregistered_redirect_uri_never_leaves_spotify(browser, emu, callback):
    emu.add_user("acc-alice")
    emu.login_as("acc-alice")
    _, challenge = make_pkce_pair()
    url = authorize_url(CLIENT_ID, "http://127.0.0.1:1/evil", "s", challenge, accounts_base_url=emu.accounts_base_url)
    response = await browser.get(url)
    assert response.status_code == 400
    assert "Invalid redirect URI" in response.text
    assert callback.received == []


async def test_denied_consent_redirects_with_access_denied(browser, emu, callback):
    emu.add_user("acc-bob")
    emu.deny_consent("acc-bob")
    query, _ = await consent(browser, emu, callback, "acc-bob", state="s-9")
    assert query == {"error": "access_denied", "state": "s-9"}


async def test_browser_cookie_chooses_the_user(http, emu, callback):
    emu.add_user("acc-alice")
    emu.add_user("acc-carol")
    emu.login_as("acc-alice")
    async with httpx.AsyncClient(follow_redirects=True, cookies={"sp_emu_user": "acc-carol"},
                                 verify=SSL_CONTEXT) as carol_browser:
        verifier, challenge = make_pkce_pair()
        await carol_browser.get(authorize_url(CLIENT_ID, callback.url, "s", challenge,
                                              accounts_base_url=emu.accounts_base_url))
    tokens = await exchange_code(http, client_id=CLIENT_ID, code=callback.received[-1]["code"],
                                 redirect_uri=callback.url, code_verifier=verifier,
                                 accounts_base_url=emu.accounts_base_url)
    me = await http.get(emu.api_base_url + "/me", headers={"Authorization": f"Bearer {tokens.access_token}"})
    assert me.json()["account_id"] == "acc-carol"


async def test_confidential_client_sends_its_secret(http, browser, emu, callback):
    emu.add_user("acc-alice")
    query, verifier = await consent(browser, emu, callback, "acc-alice")
    tokens = await exchange_code(http, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=query["code"],
                                 redirect_uri=callback.url, code_verifier=verifier,
                                 accounts_base_url=emu.accounts_base_url)
    assert tokens.refresh_token


async def test_wrong_client_secret_is_a_configuration_error(http, browser, emu, callback):
    emu.add_user("acc-alice")
    query, verifier = await consent(browser, emu, callback, "acc-alice")
    with pytest.raises(ConfigError) as caught:
        await exchange_code(http, client_id=CLIENT_ID, client_secret="not-the-secret", code=query["code"],
                            redirect_uri=callback.url, code_verifier=verifier,
                            accounts_base_url=emu.accounts_base_url)
    assert caught.value.setting == "SPOTIFY_CLIENT_ID"


async def test_spotipy_runs_the_flow_against_the_emulator(browser, emu: SpotifyEmulator, callback: CallbackServer):
    """The real spotipy client, unmodified except for the URLs, accepts the emulator as Spotify."""
    emu.add_user("acc-alice")
    emu.login_as("acc-alice")
    cache = MemoryCacheHandler()
    pkce = SpotifyPKCE(client_id=CLIENT_ID, redirect_uri=callback.url, scope="user-library-read",
                       cache_handler=cache, open_browser=False)
    pkce.OAUTH_AUTHORIZE_URL = emu.accounts_base_url + "/authorize"
    pkce.OAUTH_TOKEN_URL = emu.accounts_base_url + "/api/token"
    await browser.get(await asyncio.to_thread(pkce.get_authorize_url, "s-sp"))
    code = callback.received[-1]["code"]
    token = await asyncio.to_thread(pkce.get_access_token, code, False)
    info = await asyncio.to_thread(pkce.refresh_access_token, cache.get_cached_token()["refresh_token"])
    assert info["access_token"] != token
    assert len(emu.valid_refresh_tokens("acc-alice")) == 1


async def test_link_helper_gives_working_tokens(http, browser, emu, callback):
    emu.add_user("acc-dana")
    tokens = await link(http, browser, emu, callback, "acc-dana")
    assert "access_token" not in repr(tokens) and tokens.access_token not in repr(tokens)


async def test_loopback_redirect_registered_without_port_accepts_any_port(http, browser, emu, callback):
    """Spotify's rule for loopback IP literals, which lets a test web server take an ephemeral port."""
    emu.register_app("portless", "secret", ["http://127.0.0.1/oauth/spotify/callback"])
    emu.add_user("acc-alice")
    emu.login_as("acc-alice")
    verifier, challenge = make_pkce_pair()
    await browser.get(authorize_url("portless", callback.url, "s", challenge, accounts_base_url=emu.accounts_base_url))
    tokens = await exchange_code(http, client_id="portless", code=callback.received[-1]["code"],
                                 redirect_uri=callback.url, code_verifier=verifier,
                                 accounts_base_url=emu.accounts_base_url)
    assert tokens.access_token
    refused = await browser.get(authorize_url("portless", "http://127.0.0.1:1/other", "s", challenge,
                                              accounts_base_url=emu.accounts_base_url))
    assert refused.status_code == 400
