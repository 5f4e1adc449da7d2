"""The async Last.fm client: the token exchange and a user's whole album chart.

Calls are POSTed as forms (as pylast does) so that nothing, the session key included, ends up in a
URL that httpx or a proxy would log.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from bot.errors import MalformedResponse
from bot.sources.lastfm.auth import api_signature, exchange_token_blocking
from bot.sources.lastfm.errors import (
    RATE_LIMIT_CODE, SERVICE, TRANSIENT_CODES, error_for_code, rate_limited, unavailable,
)
from bot.sources.lastfm.models import LastfmAlbum, LastfmSession, TopAlbumsProgress
from bot.sources.lastfm.parse import parse_top_albums_page
from bot.sources.lastfm.retry import RetryableFailure, RetryPolicy, Sleep, default_sleep, with_retries

log = logging.getLogger(__name__)
DEFAULT_API_BASE_URL = "https://ws.audioscrobbler.com/2.0/"
MAX_PAGE_SIZE = 1000
OnPage = Callable[[TopAlbumsProgress], Awaitable[None] | None]


class LastfmClient:
    """``http`` is the application's shared ``httpx.AsyncClient``; the secret signs calls and is never
    sent or logged. ``retry`` and ``sleep`` are injectable so tests run the backoff instantly."""

    def __init__(self, http: httpx.AsyncClient, api_base_url: str, api_key: str, api_secret: str, *,
                 page_size: int = MAX_PAGE_SIZE, retry: RetryPolicy | None = None, sleep: Sleep = default_sleep,
                 request_timeout: float = 30.0) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
        self._http = http
        self._api_base_url = api_base_url
        self._api_key = api_key
        self._api_secret = api_secret
        self._page_size = page_size
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._timeout = request_timeout

    def __repr__(self) -> str:
        return f"LastfmClient({self._api_base_url!r})"

    async def get_session(self, token: str) -> LastfmSession:
        """Exchange the token Last.fm appended to our callback for a permanent session.

        Raises ``LinkFailed`` (token unknown, used, expired or never approved; ``step`` is
        "token exchange"), ``ConfigError`` (bad API key or secret), ``SourceUnavailable``/``RateLimited``
        after retries, ``MalformedResponse``.
        """
        return await with_retries(
            lambda: asyncio.to_thread(
                exchange_token_blocking, self._api_base_url, self._api_key, self._api_secret, token),
            self._retry, self._sleep, "auth.getSession")

    async def top_albums(self, user: str, min_plays: int = 3, on_page: OnPage | None = None, *,
                         period: str = "overall", session_key: str | None = None) -> list[LastfmAlbum]:
        """Every album of ``user``'s chart with at least ``min_plays`` plays, most played first.

        Pages through the chart by ``totalPages`` and stops as soon as a page reaches albums under
        ``min_plays`` (the chart is sorted by playcount). With the person's ``session_key`` the calls
        are signed as them, which also lets them read their own chart while their listening is hidden.
        Raises ``UnknownAccount`` (6), ``PrivateProfile`` (17), ``LinkBroken`` (stored session refused),
        ``SourceUnavailable``/``RateLimited`` after retries, ``MalformedResponse``, ``ConfigError``.
        """
        albums: list[LastfmAlbum] = []
        seen: set[tuple[str, str]] = set()
        page, total_pages = 1, 1
        while page <= total_pages:
            payload = await self._call("user.getTopAlbums", {
                "user": user, "period": period, "limit": str(self._page_size), "page": str(page),
            }, user=user, session_key=session_key)
            entries, total_pages = parse_top_albums_page(payload)
            below_cutoff = False
            for album in entries:
                if album.playcount < min_plays:
                    below_cutoff = True
                    continue
                # The chart can shift between page requests; keep each album once, at its best rank.
                identity = (album.artist.casefold(), album.title.casefold())
                if identity not in seen:
                    seen.add(identity)
                    albums.append(album)
            done = below_cutoff or not entries or page >= total_pages
            log.debug("Last.fm chart page %d/%d: %d albums kept", page, total_pages, len(albums))
            if on_page is not None:
                result = on_page(TopAlbumsProgress(page, total_pages, len(albums), done))
                if inspect.isawaitable(result):
                    await result
            if done:
                break
            page += 1
        return albums

    async def _call(self, method: str, params: dict[str, str], *, user: str | None = None,
                    session_key: str | None = None) -> dict[str, Any]:
        data = {"method": method, "api_key": self._api_key, **params}
        if session_key is not None:
            data["sk"] = session_key
            data["api_sig"] = api_signature(data, self._api_secret)
        data["format"] = "json"
        step = "album import" if method == "user.getTopAlbums" else method

        async def attempt() -> dict[str, Any]:
            return await self._post_once(data, step=step, user=user, with_session=session_key is not None)

        return await with_retries(attempt, self._retry, self._sleep, method)

    async def _post_once(self, data: dict[str, str], *, step: str, user: str | None,
                         with_session: bool) -> dict[str, Any]:
        try:
            response = await self._http.post(self._api_base_url, data=data, timeout=self._timeout)
        except httpx.TimeoutException:
            raise RetryableFailure(unavailable("Last.fm did not answer in time")) from None
        except httpx.TransportError:
            raise RetryableFailure(unavailable("Could not reach Last.fm")) from None
        try:
            payload = json.loads(response.content)
        except ValueError:
            payload = None
        if isinstance(payload, dict) and "error" in payload:
            code = _int_or_zero(payload["error"])
            message = str(payload.get("message", ""))
            if code in TRANSIENT_CODES:
                raise RetryableFailure(unavailable())
            if code == RATE_LIMIT_CODE:
                raise RetryableFailure(rate_limited(_retry_after(response)))
            raise error_for_code(code, message, step=step, user=user, with_session=with_session)
        if response.status_code == 429:
            raise RetryableFailure(rate_limited(_retry_after(response)))
        if response.status_code >= 500:
            raise RetryableFailure(unavailable())
        if response.status_code != 200 or not isinstance(payload, dict):
            raise RetryableFailure(MalformedResponse(
                "Last.fm sent an answer we could not read; please try again later.", service=SERVICE))
        return payload


def _int_or_zero(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None

