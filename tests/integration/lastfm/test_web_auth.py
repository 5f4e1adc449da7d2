"""Web auth end to end: consent page -> redirect to our callback (state intact) -> signed token exchange."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pylast
import pytest
from aiohttp import web

from bot.errors import ConfigError, LinkFailed, SourceUnavailable
from bot.sandbox.lastfm import LastfmEmulator
from bot.sources.lastfm import LastfmClient, LastfmSession, auth_url
from bot.sources.lastfm.auth import pylast_network


@dataclass
class CallbackSite:
    """Stands in for the app's /oauth/lastfm/callback: records what arrives and exchanges the token."""

    client: LastfmClient
    url: str = ""
    received: list[dict[str, str]] = field(default_factory=list)
    sessions: list[LastfmSession] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append(dict(request.query))
        session = await self.client.get_session(request.query["token"])
        self.sessions.append(session)
        return web.Response(text=f"Linked as {session.name}, you can close this tab.")


@pytest.fixture
async def callback(client: LastfmClient) -> AsyncIterator[CallbackSite]:
    site_state = CallbackSite(client)
    app = web.Application()
    app.router.add_get("/oauth/lastfm/callback", site_state.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    site_state.url = f"http://127.0.0.1:{port}/oauth/lastfm/callback"
    yield site_state
    await runner.cleanup()


async def test_consent_redirects_to_callback_with_our_state_and_a_token_that_links(
        emu: LastfmEmulator, browser: httpx.AsyncClient, callback: CallbackSite) -> None:
    emu.add_user("Alice")
    emu.login_as("Alice")
    url = auth_url(emu.api_key, f"{callback.url}?state=s3cr3t-state", emu.auth_url)

    page = await browser.get(url)

    assert page.status_code == 200
    assert page.text == "Linked as Alice, you can close this tab."
    assert page.history[0].status_code == 302
    (query,) = callback.received
    assert query["state"] == "s3cr3t-state"
    assert len(query["token"]) == 32
    assert callback.sessions[0].name == "Alice"
    assert emu.sessions[callback.sessions[0].session_key].user == "Alice"


async def test_callback_without_query_gets_question_mark_token(emu: LastfmEmulator, http: httpx.AsyncClient) -> None:
    emu.add_user("bob")
    emu.login_as("bob")
    response = await http.get(auth_url(emu.api_key, "https://bot.example/cb", emu.auth_url))
    assert response.status_code == 302
    assert response.headers["location"].startswith("https://bot.example/cb?token=")


async def test_registered_callback_used_when_cb_missing(emu: LastfmEmulator, http: httpx.AsyncClient) -> None:
    emu.add_app("other-key", "other-secret", callback_url="https://bot.example/registered?x=1")
    emu.add_user("bob")
    emu.login_as("bob")
    response = await http.get(emu.auth_url, params={"api_key": "other-key"})
    assert response.headers["location"].startswith("https://bot.example/registered?x=1&token=")


async def test_denied_consent_never_reaches_the_callback(
        emu: LastfmEmulator, browser: httpx.AsyncClient, callback: CallbackSite) -> None:
    emu.add_user("carol")
    emu.login_as("carol")
    emu.deny_consent()
    page = await browser.get(auth_url(emu.api_key, f"{callback.url}?state=x", emu.auth_url))
    assert page.status_code == 200
    assert "Access not granted" in page.text
    assert page.history == []
    assert callback.received == []


async def test_nobody_logged_in_shows_login_page(emu: LastfmEmulator, browser: httpx.AsyncClient) -> None:
    page = await browser.get(auth_url(emu.api_key, "https://bot.example/cb", emu.auth_url))
    assert "Log in" in page.text and page.history == []


async def test_unknown_api_key_on_consent_page(emu: LastfmEmulator, browser: httpx.AsyncClient) -> None:
    emu.add_user("dan")
    emu.login_as("dan")
    page = await browser.get(auth_url("nope", "https://bot.example/cb", emu.auth_url))
    assert page.status_code == 400 and "Invalid API key" in page.text


async def _approved_token(emu: LastfmEmulator, http: httpx.AsyncClient, user: str = "erin") -> str:
    if user.lower() not in emu.users:
        emu.add_user(user)
    emu.login_as(user)
    response = await http.get(auth_url(emu.api_key, "https://bot.example/cb?state=1", emu.auth_url))
    return httpx.URL(response.headers["location"]).params["token"]


async def test_token_is_single_use(emu: LastfmEmulator, http: httpx.AsyncClient, client: LastfmClient) -> None:
    token = await _approved_token(emu, http)
    assert (await client.get_session(token)).name == "erin"
    with pytest.raises(LinkFailed) as caught:
        await client.get_session(token)
    assert caught.value.step == "token exchange"
    assert "already used" in str(caught.value) and "/link lastfm" in str(caught.value)


async def test_same_user_linking_again_gets_the_same_session_key(
        emu: LastfmEmulator, http: httpx.AsyncClient, client: LastfmClient) -> None:
    first = await client.get_session(await _approved_token(emu, http))
    second = await client.get_session(await _approved_token(emu, http))
    assert first == second


async def test_expired_token_is_refused(emu: LastfmEmulator, http: httpx.AsyncClient, client: LastfmClient) -> None:
    token = await _approved_token(emu, http)
    emu.advance(61 * 60)
    with pytest.raises(LinkFailed, match="expired"):
        await client.get_session(token)


async def test_made_up_token_is_refused(client: LastfmClient) -> None:
    with pytest.raises(LinkFailed, match="not valid"):
        await client.get_session("0" * 32)


async def test_unapproved_desktop_token_then_approved(
        emu: LastfmEmulator, http: httpx.AsyncClient, client: LastfmClient) -> None:
    # The desktop flow through pylast's own helper: auth.getToken, then the person approves the token.
    network = pylast_network(emu.api_url, emu.api_key, emu.api_secret)
    url = await asyncio.to_thread(pylast.SessionKeyGenerator(network).get_web_auth_url)
    token = httpx.URL(url).params["token"]
    with pytest.raises(LinkFailed, match="not approved"):
        await client.get_session(token)
    emu.add_user("fay")
    emu.login_as("fay")
    approval = await http.get(emu.auth_url, params={"api_key": emu.api_key, "token": token})
    assert "authorised" in approval.text
    assert (await client.get_session(token)).name == "fay"


async def test_wrong_secret_fails_the_signature_check(
        emu: LastfmEmulator, http: httpx.AsyncClient) -> None:
    token = await _approved_token(emu, http)
    wrong = LastfmClient(http, emu.api_url, emu.api_key, "not-the-secret")
    with pytest.raises(ConfigError) as caught:
        await wrong.get_session(token)
    assert caught.value.setting == "LASTFM_API_SECRET"
    assert not emu.tokens[token].used


async def test_unknown_api_key_is_a_configuration_error(emu: LastfmEmulator, http: httpx.AsyncClient) -> None:
    token = await _approved_token(emu, http)
    wrong = LastfmClient(http, emu.api_url, "unknown-key", emu.api_secret)
    with pytest.raises(ConfigError) as caught:
        await wrong.get_session(token)
    assert caught.value.setting == "LASTFM_API_KEY"


@pytest.mark.parametrize("fault", ["code-8", "code-11", "code-16", "code-29", "http-503", "http-502"])
async def test_transient_failures_during_exchange_are_retried(
        emu: LastfmEmulator, http: httpx.AsyncClient, client: LastfmClient, sleep, fault: str) -> None:
    token = await _approved_token(emu, http)
    kind, value = fault.split("-")
    if kind == "code":
        emu.inject_error(int(value), times=2, method="auth.getSession")
    else:
        emu.inject_http_error(int(value), times=2, method="auth.getSession")
    assert (await client.get_session(token)).name == "erin"
    assert emu.request_count("auth.getSession") == 3
    assert len(sleep.delays) == 2


async def test_exchange_gives_up_after_the_retry_budget(
        emu: LastfmEmulator, http: httpx.AsyncClient, client: LastfmClient, sleep) -> None:
    token = await _approved_token(emu, http)
    emu.inject_error(11, times=10, method="auth.getSession")
    with pytest.raises(SourceUnavailable):
        await client.get_session(token)
    assert emu.request_count("auth.getSession") == 4
    assert len(sleep.delays) == 3


async def test_session_key_and_secret_never_logged(
        emu: LastfmEmulator, http: httpx.AsyncClient, client: LastfmClient,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = await _approved_token(emu, http)
    session = await client.get_session(token)
    with pytest.raises(LinkFailed):
        await client.get_session(token)
    await client.top_albums("erin", session_key=session.session_key)
    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    assert "auth.getSession" in logged  # the capture did see the exchange
    assert session.session_key not in logged
    assert emu.api_secret not in logged
    assert session.session_key not in repr(session)
