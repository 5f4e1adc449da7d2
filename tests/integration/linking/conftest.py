"""The linking layer without Discord: the runtime, services and callback routes on a real web server,
both provider emulators, a redirect-following browser and a notifier that records DMs."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from types import SimpleNamespace

import httpx
import pytest

from bot.config import load_settings
from bot.linking.routes import callback_routes
from bot.notify import DirectMessage
from bot.runtime import Runtime
from bot.services.registry import Services
from bot.sources import lastfm, spotify
from bot.web import WebServer

CLIENT_ID, CLIENT_SECRET = "linking-client", "linking-secret"


@dataclass
class RecordingNotifier:
    """Keeps every DM and its edits, like a person's DM channel."""

    messages: dict[int, list[str]] = field(default_factory=dict)  # message id -> texts, oldest first
    owners: dict[int, int] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def send_dm(self, user_id: int, text: str) -> DirectMessage | None:
        message_id = len(self.owners) + 1
        self.owners[message_id] = user_id
        self.messages[message_id] = [text]
        return DirectMessage(user_id, message_id)

    async def edit_dm(self, message: DirectMessage, text: str) -> bool:
        self.messages[message.message_id].append(text)
        return True

    def latest(self, user_id: int) -> str:
        return [texts[-1] for mid, texts in self.messages.items() if self.owners[mid] == user_id][-1]


async def instant(_seconds: float) -> None:
    await asyncio.sleep(0)


@pytest.fixture
async def linkenv(database, spotify_emu, lastfm_emu, tmp_path):
    settings = load_settings(
        _env_file=None, discord_token="unused", database_url=database.url, secret_key="linking-tests",
        spotify_client_id=CLIENT_ID, spotify_client_secret=CLIENT_SECRET,
        spotify_api_base_url=spotify_emu.api_base_url, spotify_accounts_base_url=spotify_emu.accounts_base_url,
        lastfm_api_key=lastfm_emu.api_key, lastfm_api_secret=lastfm_emu.api_secret,
        lastfm_api_base_url=lastfm_emu.api_url, lastfm_auth_url=lastfm_emu.auth_url, web_port=0,
        cover_tile_dir=tmp_path / "cover-tiles")
    runtime = Runtime(settings, db_schema=database.schema)
    await runtime.open()
    services = Services.build(runtime)
    # Retries run their real schedule, without the wall-clock wait.
    services.provider_imports.spotify_policy = spotify.RetryPolicy(sleep=instant)
    services.provider_imports.lastfm_retry = lastfm.RetryPolicy(base_delay=0, rate_limit_delay=0)
    notifier = RecordingNotifier()
    services.import_runner.notifier = notifier
    web = WebServer("127.0.0.1", 0, runtime.database_health)
    web.add_routes(callback_routes(services.linking, services.import_runner))
    await web.start()
    settings.public_base_url = web.base_url
    spotify_emu.register_app(CLIENT_ID, CLIENT_SECRET, [f"{web.base_url}/oauth/spotify/callback"])
    async with httpx.AsyncClient(follow_redirects=True) as browser:
        yield SimpleNamespace(runtime=runtime, services=services, notifier=notifier, web=web, browser=browser,
                              spotify=spotify_emu, lastfm=lastfm_emu, sessions=runtime.sessions)
    await web.stop()
    await services.close()
    await runtime.close()


async def link(env, user_id: int, provider: str, account: str) -> httpx.Response:
    """Start a link, approve it in the browser as ``account``, and wait for the import it starts."""
    (env.spotify if provider == "spotify" else env.lastfm).login_as(account)
    start = await env.services.linking.start(user_id, f"user{user_id}", provider)
    page = await env.browser.get(start.url)
    await env.services.import_runner.wait(user_id, provider)
    return page
