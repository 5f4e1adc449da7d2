"""``SpotifyEmulator``: one aiohttp server on 127.0.0.1 hosting the accounts service and the Web API.

``accounts_base_url`` (``.../accounts``) stands in for ``https://accounts.spotify.com`` and
``api_base_url`` (``.../v1``) for ``https://api.spotify.com/v1``. Tests drive it through its methods:
register apps and users, choose who is logged in in the browser, move its clock, inject faults, and
read how many requests each path received.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.sandbox.spotify.accounts import AccountsRoutes
from bot.sandbox.spotify.data import full_album_object, generate_saved_items
from bot.sandbox.spotify.state import EmulatedApp, EmulatedUser, EmulatorState, Fault
from bot.sandbox.spotify.webapi import WebApiRoutes, api_error

ACCOUNTS_PREFIX = "/accounts"
API_PREFIX = "/v1"
TRACKS_PATH = "/v1/me/tracks"
ALBUMS_PATH = "/v1/me/albums"
ME_PATH = "/v1/me"
TOKEN_PATH = "/accounts/api/token"
AUTHORIZE_PATH = "/accounts/authorize"
_STALL_LIMIT = 30.0


class SpotifyEmulator:
    def __init__(self, *, token_lifetime: float = 3600.0, latency: float = 0.0) -> None:
        self.state = EmulatorState()
        self.token_lifetime = token_lifetime
        self.latency = latency
        # Every /v1 request answers 429 with reason QUOTA_EXCEEDED while this is set.
        self.quota_exceeded = False
        # (max requests, window seconds): a rolling window like Spotify's 30 s one; None = unlimited.
        self.rate_limit: tuple[int, float] | None = None
        self._clock_offset = 0.0
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.extra_catalog: dict[str, dict] = {}

    # --- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> SpotifyEmulator:
        app = web.Application(middlewares=[self._middleware])
        AccountsRoutes(self).add_to(app, ACCOUNTS_PREFIX)
        WebApiRoutes(self).add_to(app, API_PREFIX)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SpotifyEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def accounts_base_url(self) -> str:
        return self.base_url + ACCOUNTS_PREFIX

    @property
    def api_base_url(self) -> str:
        return self.base_url + API_PREFIX

    # --- clock ------------------------------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self._clock_offset

    def advance(self, seconds: float) -> None:
        """Move the emulator's clock forward (tokens and codes expire by it)."""
        self._clock_offset += seconds

    # --- apps and users ---------------------------------------------------------------------------

    def register_app(self, client_id: str, client_secret: str, redirect_uris: list[str]) -> EmulatedApp:
        app = EmulatedApp(client_id, client_secret, set(redirect_uris))
        self.state.apps[client_id] = app
        return app

    def add_user(
        self,
        account_id: str,
        *,
        saved_tracks: list[dict] | None = None,
        saved_albums: list[dict] | None = None,
        display_name: str | None = None,
        user_id: str | None = None,
    ) -> EmulatedUser:
        """Add a Spotify user. Items are ``{"added_at", "track"}`` / ``{"added_at", "album"}`` objects
        (see ``bot.sandbox.spotify.data``); bare track or album objects get an ``added_at``."""
        from bot.sandbox.spotify.data import added_at

        def wrap(items: list[dict] | None, key: str) -> list[dict]:
            return [it if key in it and "added_at" in it else {"added_at": added_at(i), key: it}
                    for i, it in enumerate(items or [])]

        user = EmulatedUser(
            account_id=account_id,
            user_id=user_id or account_id.lower(),
            display_name=display_name if display_name is not None else account_id,
            saved_tracks=wrap(saved_tracks, "track"),
            saved_albums=wrap(saved_albums, "album"),
        )
        self.state.users[account_id] = user
        return user

    def generate_library(self, account_id: str, n_tracks: int, n_albums: int, seed: int = 0) -> EmulatedUser:
        """Give the user (created if needed) a seeded library of saved tracks and saved albums."""
        user = self.state.users.get(account_id) or self.add_user(account_id)
        user.saved_tracks, user.saved_albums = generate_saved_items(n_tracks, n_albums, seed)
        return user

    def add_catalog_album(self, album: dict) -> None:
        """An album anyone can look up or find by search, saved by nobody."""
        self.extra_catalog[album["id"]] = full_album_object(album) if "tracks" not in album else album

    def catalog(self) -> dict[str, dict]:
        """Every album the emulated Spotify knows: the extra ones and those in anyone's library."""
        albums = dict(self.extra_catalog)
        for user in self.state.users.values():
            for item in user.saved_albums:
                albums.setdefault(item["album"]["id"], item["album"])
            for item in user.saved_tracks:
                album = item["track"]["album"]
                albums.setdefault(album["id"], full_album_object(album))
        return albums

    def login_as(self, account_id: str | None) -> None:
        """The user logged in in the test browser (a ``sp_emu_user`` cookie overrides it per client)."""
        self.state.logged_in = account_id

    def deny_consent(self, account_id: str, deny: bool = True) -> None:
        self.state.users[account_id].denies_consent = deny

    # --- token manipulation -----------------------------------------------------------------------

    def expire_access_tokens(self, account_id: str) -> None:
        """Make every access token of the user expired now, as if an hour had passed for them."""
        for token in self.state.access_tokens.values():
            if token.account_id == account_id:
                token.expires_at = self.now() - 1

    def revoke_refresh_tokens(self, account_id: str) -> None:
        """The user removed the app's access (or the dev-mode refresh token aged out)."""
        for token in self.state.refresh_tokens.values():
            if token.account_id == account_id:
                token.revoked = True

    def valid_refresh_tokens(self, account_id: str) -> list[str]:
        return [t.token for t in self.state.refresh_tokens.values()
                if t.account_id == account_id and t.valid and not t.revoked]

    # --- faults and counters ----------------------------------------------------------------------

    def inject(self, path: str, *faults: Fault) -> None:
        """Answer the next requests to ``path`` (e.g. ``TRACKS_PATH``) with these faults, in order."""
        self.state.faults.setdefault(path, deque()).extend(faults)

    def fail_next(self, path: str, status: int = 503, times: int = 1) -> None:
        self.inject(path, *[Fault(status=status)] * times)

    def rate_limit_next(self, path: str, retry_after: int = 1, times: int = 1) -> None:
        self.inject(path, *[Fault(status=429, retry_after=retry_after)] * times)

    def request_count(self, path: str) -> int:
        return self.state.request_counts[path]

    @property
    def api_request_count(self) -> int:
        return sum(n for p, n in self.state.request_counts.items() if p.startswith(API_PREFIX))

    def reset_counts(self) -> None:
        self.state.request_counts.clear()

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        path = request.path
        self.state.request_counts[path] += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        queue = self.state.faults.get(path)
        if queue:
            return await self._answer_fault(queue.popleft())
        if path.startswith(API_PREFIX):
            if self.quota_exceeded:
                return api_error(429, "API rate limit exceeded", reason="QUOTA_EXCEEDED")
            limited = self._rolling_window()
            if limited is not None:
                return limited
        return await handler(request)

    async def _answer_fault(self, fault: Fault) -> web.Response:
        if fault.stall:
            try:
                await asyncio.wait_for(self._closing.wait(), _STALL_LIMIT)
            except TimeoutError:
                pass
            return api_error(504, "Gateway timeout")
        if fault.raw_body is not None:
            return web.Response(status=fault.status, text=fault.raw_body, content_type="application/json")
        message = {429: "API rate limit exceeded", 500: "Server error", 502: "Bad gateway",
                   503: "Service unavailable"}.get(fault.status, "Error")
        response = api_error(fault.status, message, reason=fault.reason)
        if fault.retry_after is not None:
            response.headers["Retry-After"] = str(fault.retry_after)
        return response

    def _rolling_window(self) -> web.Response | None:
        if self.rate_limit is None:
            return None
        max_requests, window = self.rate_limit
        now = self.now()
        recent = self.state.recent_api_requests
        while recent and recent[0] <= now - window:
            recent.popleft()
        if len(recent) >= max_requests:
            response = api_error(429, "API rate limit exceeded")
            response.headers["Retry-After"] = str(max(1, math.ceil(recent[0] + window - now)))
            return response
        recent.append(now)
        return None
