"""Fixtures: a running Spotify emulator with one registered app, a stand-in for our OAuth callback
route, a redirect-following "browser", and helpers that link a user end to end."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import httpx
import pytest
from aiohttp import web

from bot.sandbox.spotify import SpotifyEmulator
from bot.sources.spotify import (
    InMemoryTokenStore,
    RetryPolicy,
    SpotifyLibraryClient,
    SpotifyTokenProvider,
    SpotifyTokens,
    authorize_url,
    exchange_code,
    make_pkce_pair,
)

CLIENT_ID = "albumduel-test-client"
CLIENT_SECRET = "albumduel-test-secret"
# Built once: httpx would load the CA bundle again for every client (~0.1 s each).
SSL_CONTEXT = ssl.create_default_context()


@dataclass
class CallbackServer:
    """Records what Spotify redirected the browser back with, like our callback route would see."""

    url: str = ""
    received: list[dict[str, str]] = field(default_factory=list)


@dataclass
class RecordedSleeps:
    """An injectable sleep: records the delays and yields to the loop instead of waiting."""

    delays: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
async def callback() -> AsyncIterator[CallbackServer]:
    server = CallbackServer()

    async def receive(request: web.Request) -> web.Response:
        server.received.append(dict(request.query))
        return web.Response(text="<p>Linked, you can close this tab</p>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/oauth/spotify/callback", receive)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.url = f"http://127.0.0.1:{runner.addresses[0][1]}/oauth/spotify/callback"
    yield server
    await runner.cleanup()


@pytest.fixture
async def emu(callback: CallbackServer) -> AsyncIterator[SpotifyEmulator]:
    async with SpotifyEmulator() as emulator:
        emulator.register_app(CLIENT_ID, CLIENT_SECRET, [callback.url])
        yield emulator


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(verify=SSL_CONTEXT) as client:
        yield client


@pytest.fixture
async def browser() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(follow_redirects=True, verify=SSL_CONTEXT) as client:
        yield client


@pytest.fixture
def sleeps() -> RecordedSleeps:
    return RecordedSleeps()


@pytest.fixture
def policy(sleeps: RecordedSleeps) -> RetryPolicy:
    return RetryPolicy(sleep=sleeps)


async def consent(browser: httpx.AsyncClient, emu: SpotifyEmulator, callback: CallbackServer,
                  account_id: str, state: str = "state-1") -> tuple[dict[str, str], str]:
    """Walk the browser through the consent page as ``account_id``; returns (callback query, verifier)."""
    verifier, challenge = make_pkce_pair()
    emu.login_as(account_id)
    url = authorize_url(CLIENT_ID, callback.url, state, challenge, accounts_base_url=emu.accounts_base_url)
    response = await browser.get(url)
    assert response.status_code == 200
    return callback.received[-1], verifier


async def link(http: httpx.AsyncClient, browser: httpx.AsyncClient, emu: SpotifyEmulator,
               callback: CallbackServer, account_id: str) -> SpotifyTokens:
    query, verifier = await consent(browser, emu, callback, account_id)
    return await exchange_code(http, client_id=CLIENT_ID, code=query["code"], redirect_uri=callback.url,
                               code_verifier=verifier, accounts_base_url=emu.accounts_base_url)


def library_client(
    http: httpx.AsyncClient, emu: SpotifyEmulator, tokens: SpotifyTokens, policy: RetryPolicy,
    *, clock: Callable[[], float] = time.time, concurrency: int = 6,
) -> tuple[SpotifyLibraryClient, SpotifyTokenProvider, InMemoryTokenStore]:
    store = InMemoryTokenStore(tokens)
    provider = SpotifyTokenProvider(http, store, client_id=CLIENT_ID, accounts_base_url=emu.accounts_base_url,
                                    policy=policy, clock=clock)
    client = SpotifyLibraryClient(http, emu.api_base_url, provider, policy=policy, concurrency=concurrency)
    return client, provider, store
