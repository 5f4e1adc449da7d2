"""Keeping a linked account's access token valid: the storage interface and the refreshing provider."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

import httpx

from bot.errors import LinkBroken
from bot.sources.spotify.models import SERVICE, SpotifyTokens
from bot.sources.spotify.oauth import DEFAULT_ACCOUNTS_BASE_URL, Clock, refresh
from bot.sources.spotify.retry import RetryPolicy

REFRESH_MARGIN = 60.0  # seconds; the same margin spotipy uses to call a token expired


class TokenStore(Protocol):
    """Where one linked account's tokens live (the lead's implementation encrypts them in the DB)."""

    async def load(self) -> SpotifyTokens: ...

    async def save(self, tokens: SpotifyTokens) -> None: ...


class InMemoryTokenStore:
    def __init__(self, tokens: SpotifyTokens | None = None) -> None:
        self.tokens = tokens
        self.saves = 0

    async def load(self) -> SpotifyTokens:
        if self.tokens is None:
            raise LinkBroken("Spotify is not linked. Please run /link spotify.", service=SERVICE)
        return self.tokens

    async def save(self, tokens: SpotifyTokens) -> None:
        self.tokens = tokens
        self.saves += 1


class AccessTokenSource(Protocol):
    """What ``SpotifyLibraryClient`` needs: a valid token, and a new one when Spotify rejected one."""

    async def access_token(self) -> str: ...

    async def refresh_rejected(self, rejected: str) -> str: ...


class SpotifyTokenProvider:
    """Loads tokens from a ``TokenStore``, refreshes them when under a minute is left or when Spotify
    answered 401, and saves the rotated pair at once (the old refresh token no longer works).

    One lock serialises refreshes: several requests in flight that all get 401 cause one refresh, not
    one each, which would spend the rotated refresh token and look like ``invalid_grant``.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        store: TokenStore,
        *,
        client_id: str,
        client_secret: str | None = None,
        accounts_base_url: str = DEFAULT_ACCOUNTS_BASE_URL,
        policy: RetryPolicy = RetryPolicy(),
        clock: Clock = time.time,
        refresh_margin: float = REFRESH_MARGIN,
    ) -> None:
        self._http = http
        self._store = store
        self._client_id = client_id
        self._client_secret = client_secret
        self._accounts_base_url = accounts_base_url
        self._policy = policy
        self._clock = clock
        self._margin = refresh_margin
        self._tokens: SpotifyTokens | None = None
        self._lock = asyncio.Lock()
        self.refresh_count = 0

    async def access_token(self) -> str:
        async with self._lock:
            tokens = await self._current()
            if tokens.expires_at - self._clock() < self._margin:
                tokens = await self._refresh(tokens)
            return tokens.access_token

    async def refresh_rejected(self, rejected: str) -> str:
        async with self._lock:
            tokens = await self._current()
            if tokens.access_token != rejected:
                return tokens.access_token  # another request already refreshed it
            return (await self._refresh(tokens)).access_token

    async def _current(self) -> SpotifyTokens:
        if self._tokens is None:
            self._tokens = await self._store.load()
        return self._tokens

    async def _refresh(self, tokens: SpotifyTokens) -> SpotifyTokens:
        fresh = await refresh(
            self._http, client_id=self._client_id, tokens=tokens, client_secret=self._client_secret,
            accounts_base_url=self._accounts_base_url, policy=self._policy, clock=self._clock,
        )
        await self._store.save(fresh)
        self._tokens = fresh
        self.refresh_count += 1
        return fresh
