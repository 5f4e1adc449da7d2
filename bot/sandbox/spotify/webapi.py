"""The Web API: ``/v1/me``, ``/v1/me/tracks`` and ``/v1/me/albums`` with Spotify's paging and errors."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from aiohttp import web

from bot.sandbox.spotify.state import EmulatedUser

if TYPE_CHECKING:
    from bot.sandbox.spotify.server import SpotifyEmulator

LIBRARY_SCOPE = "user-library-read"


def api_error(status: int, message: str, reason: str | None = None) -> web.Response:
    error: dict = {"status": status, "message": message}
    if reason is not None:
        error["reason"] = reason
    return web.json_response({"error": error}, status=status)


class WebApiRoutes:
    def __init__(self, emu: SpotifyEmulator) -> None:
        self.emu = emu

    def add_to(self, app: web.Application, prefix: str) -> None:
        app.router.add_get(f"{prefix}/me", self.me)
        app.router.add_get(f"{prefix}/me/", self.me)  # spotipy asks for "me/"
        app.router.add_get(f"{prefix}/me/tracks", self.saved_tracks)
        app.router.add_get(f"{prefix}/me/albums", self.saved_albums)

    def _user(self, request: web.Request, scope: str | None = None) -> EmulatedUser | web.Response:
        header = request.headers.get("Authorization", "")
        if not header:
            return api_error(401, "No token provided")
        if not header.startswith("Bearer "):
            return api_error(400, "Only valid bearer authentication supported")
        token = self.emu.state.access_tokens.get(header[7:])
        if token is None:
            return api_error(401, "Invalid access token")
        if token.expires_at <= self.emu.now():
            return api_error(401, "The access token expired")
        user = self.emu.state.users[token.account_id]
        if not user.registered:
            return api_error(403, "Check settings on developer.spotify.com/dashboard, the user may not be registered.")
        if scope is not None and scope not in token.scope.split():
            return api_error(403, "Insufficient client scope")
        return user

    async def me(self, request: web.Request) -> web.Response:
        user = self._user(request)
        if isinstance(user, web.Response):
            return user
        return web.json_response({
            "account_id": user.account_id,
            "country": "DE",
            "display_name": user.display_name,
            "explicit_content": {"filter_enabled": False, "filter_locked": False},
            "external_urls": {"spotify": f"https://open.spotify.com/user/{user.user_id}"},
            "followers": {"href": None, "total": 0},
            "href": f"https://api.spotify.com/v1/users/{user.user_id}",
            "id": user.user_id,
            "images": [],
            "product": user.product,
            "type": "user",
            "uri": f"spotify:user:{user.user_id}",
        })

    async def saved_tracks(self, request: web.Request) -> web.Response:
        user = self._user(request, LIBRARY_SCOPE)
        if isinstance(user, web.Response):
            return user
        return self._page(request, user.saved_tracks)

    async def saved_albums(self, request: web.Request) -> web.Response:
        user = self._user(request, LIBRARY_SCOPE)
        if isinstance(user, web.Response):
            return user
        return self._page(request, user.saved_albums)

    def _page(self, request: web.Request, items: list[dict]) -> web.Response:
        try:
            limit = int(request.query.get("limit", "20"))
            offset = int(request.query.get("offset", "0"))
        except ValueError:
            return api_error(400, "Invalid limit or offset")
        if not 1 <= limit <= 50:
            return api_error(400, "Invalid limit")
        if not 0 <= offset <= 100_000:
            return api_error(400, "Invalid offset")
        base = f"{self.emu.api_base_url}{request.path[len('/v1'):]}"

        def link(at: int) -> str:
            return f"{base}?{urlencode({'offset': at, 'limit': limit})}"

        total = len(items)
        return web.json_response({
            "href": link(offset),
            "items": items[offset:offset + limit],
            "limit": limit,
            "next": link(offset + limit) if offset + limit < total else None,
            "offset": offset,
            "previous": link(max(0, offset - limit)) if offset > 0 else None,
            "total": total,
        })
