"""The Web API: ``/v1/me``, ``/v1/me/tracks`` and ``/v1/me/albums`` with Spotify's paging and errors."""

from __future__ import annotations

from typing import TYPE_CHECKING
import re
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
        app.router.add_get(f"{prefix}/albums/{{album_id}}", self.album)
        app.router.add_get(f"{prefix}/search", self.search)

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

    # --- the public catalogue: any valid token, a user's or the app's own ---------------------------

    def _any_token(self, request: web.Request) -> web.Response | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return api_error(401, "No token provided")
        token = self.emu.state.access_tokens.get(header[7:])
        if token is None:
            return api_error(401, "Invalid access token")
        if token.expires_at <= self.emu.now():
            return api_error(401, "The access token expired")
        return None

    async def album(self, request: web.Request) -> web.Response:
        if (refused := self._any_token(request)) is not None:
            return refused
        album_id = request.match_info["album_id"]
        if not album_id.isalnum() or len(album_id) != 22:
            return api_error(400, "Invalid base62 id")
        album = self.emu.catalog().get(album_id)
        if album is None:
            return api_error(404, "Resource not found")
        return web.json_response(album)

    async def search(self, request: web.Request) -> web.Response:
        """``q`` with ``album:"..."`` and ``artist:"..."`` filters or free words; dev-mode apps get <= 10."""
        if (refused := self._any_token(request)) is not None:
            return refused
        query = request.query.get("q", "")
        if not query or request.query.get("type") != "album":
            return api_error(400, "No search query" if not query else "Bad search type field")
        try:
            limit = int(request.query.get("limit", "10"))
            offset = int(request.query.get("offset", "0"))
        except ValueError:
            return api_error(400, "Invalid limit")
        if not 1 <= limit <= 10:
            return api_error(400, "Invalid limit")
        filters = dict(re.findall(r'(album|artist):"([^"]*)"', query))
        words = re.sub(r'(album|artist):"[^"]*"', " ", query).lower().split()

        def matches(album: dict) -> bool:
            name = album["name"].lower()
            artists = " ".join(a["name"] for a in album.get("artists", [])).lower()
            if "album" in filters and filters["album"].lower() not in name:
                return False
            if "artist" in filters and filters["artist"].lower() not in artists:
                return False
            return all(w in f"{name} {artists}" for w in words)

        found = [a for a in self.emu.catalog().values() if matches(a)]
        items = [{k: v for k, v in a.items() if k != "tracks"} for a in found[offset:offset + limit]]
        return web.json_response({"albums": {"href": str(request.url), "items": items, "limit": limit,
                                             "next": None if offset + limit >= len(found) else str(request.url),
                                             "offset": offset, "previous": None, "total": len(found)}})

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
