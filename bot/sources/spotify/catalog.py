"""Spotify's public catalogue with the app's own token (client credentials): an album by id, and album
search, for finding covers of albums that arrived without one.

Development-mode apps get at most 10 search results per page; that is all we ask for.
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx

from bot.errors import MalformedResponse
from bot.sources.spotify.models import SERVICE, SpotifyAlbum, parse_album
from bot.sources.spotify.oauth import _post_token
from bot.sources.spotify.retry import RateLimitGate, RetryPolicy, send_with_retry

SEARCH_LIMIT = 10


class SpotifyCatalogClient:
    def __init__(self, http: httpx.AsyncClient, *, api_base_url: str, accounts_base_url: str, client_id: str,
                 client_secret: str, policy: RetryPolicy = RetryPolicy(), timeout: float = 10.0) -> None:
        self._http = http
        self._api = api_base_url.rstrip("/")
        self._accounts = accounts_base_url
        self._client = (client_id, client_secret)
        self._policy = policy
        self._timeout = timeout
        self._token: tuple[str, float] | None = None
        self._lock = asyncio.Lock()
        self._gate = RateLimitGate()
        self.request_count = 0

    async def _access_token(self, *, renew: bool = False) -> str:
        async with self._lock:
            if self._token is None or renew or self._token[1] - time.time() < 60:
                body, response = await _post_token(self._http, self._accounts, {"grant_type": "client_credentials"},
                                                   self._client[0], self._client[1], self._policy)
                if response.status_code != 200 or not body or "access_token" not in body:
                    raise MalformedResponse("Spotify refused the bot's app credentials; check SPOTIFY_CLIENT_ID and "
                                            "SPOTIFY_CLIENT_SECRET.", service=SERVICE)
                self._token = (body["access_token"], time.time() + float(body.get("expires_in", 3600)))
            return self._token[0]

    async def _get(self, path: str, params: dict[str, str | int]) -> dict | None:
        renewed = False
        while True:
            token = await self._access_token(renew=renewed)

            async def send() -> httpx.Response:
                self.request_count += 1
                return await self._http.get(self._api + path, params=params, timeout=self._timeout,
                                            headers={"Authorization": f"Bearer {token}"})

            response = await send_with_retry(send, self._policy, gate=self._gate)
            if response.status_code == 401 and not renewed:
                renewed = True
                continue
            if response.status_code in (400, 404):
                return None
            try:
                body = response.json()
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise MalformedResponse("Spotify sent a catalogue answer we could not read.", service=SERVICE) from exc
            if response.status_code != 200 or not isinstance(body, dict):
                raise MalformedResponse(f"Spotify answered HTTP {response.status_code} to a catalogue lookup.",
                                        service=SERVICE)
            return body

    async def album(self, spotify_id: str) -> SpotifyAlbum | None:
        body = await self._get(f"/albums/{spotify_id}", {})
        return None if body is None else parse_album(body, "saved_albums")

    async def search_albums(self, title: str, artist: str) -> list[SpotifyAlbum]:
        query = f'album:"{title.replace(chr(34), "")}" artist:"{artist.replace(chr(34), "")}"'
        body = await self._get("/search", {"q": query, "type": "album", "limit": SEARCH_LIMIT})
        items = ((body or {}).get("albums") or {}).get("items") or []
        return [parse_album(item, "saved_albums") for item in items if isinstance(item, dict) and item.get("id")]
