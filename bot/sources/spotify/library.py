"""``SpotifyLibraryClient``: the linked person's profile, saved tracks and saved albums over httpx.

A walk reads the first page (which tells ``total``), then keeps up to ``concurrency`` page requests in
flight and yields pages strictly in offset order: the caller can write each page and persist
``next_offset``, and a killed import resumes from there with ``start_offset``. A caller that stops early should wrap
the walk in ``contextlib.aclosing`` so the requests still in flight are cancelled at once.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections import deque
from collections.abc import AsyncIterator, Callable

import httpx

from bot.errors import LinkBroken, MalformedResponse, SourceError
from bot.sources.spotify.models import (
    DEFAULT_MIN_TRACKS,
    SERVICE,
    AlbumSource,
    ProgressCallback,
    SavedPage,
    SpotifyAccount,
    SpotifyAlbum,
    SpotifyProgress,
    albums_of_saved_albums,
    albums_of_saved_tracks,
    keep_album,
)
from bot.sources.spotify.retry import RateLimitGate, RetryPolicy, send_with_retry, spotify_error
from bot.sources.spotify.tokens import AccessTokenSource

DEFAULT_API_BASE_URL = "https://api.spotify.com/v1"
PAGE_LIMIT = 50  # Spotify's maximum for /me/tracks and /me/albums
REQUEST_TIMEOUT = 10.0


class SpotifyLibraryClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        api_base_url: str,
        token_provider: AccessTokenSource,
        *,
        concurrency: int = 8,
        policy: RetryPolicy = RetryPolicy(),
        timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self._http = http
        self._base = api_base_url.rstrip("/")
        self._tokens = token_provider
        self._concurrency = max(1, concurrency)
        self._policy = policy
        self._timeout = timeout
        self._gate = RateLimitGate()
        self.request_count = 0  # HTTP requests sent, retries included

    async def me(self) -> SpotifyAccount:
        body = await self._get_json("/me", {}, on_wait=None)
        try:
            return SpotifyAccount(
                account_id=body.get("account_id") or body["id"],
                display_name=body.get("display_name"),
                user_id=body["id"],
            )
        except (KeyError, TypeError) as exc:
            raise MalformedResponse("Spotify sent a profile we could not read.", service=SERVICE) from exc

    async def saved_tracks_albums(
        self,
        on_progress: ProgressCallback | None = None,
        *,
        start_offset: int = 0,
        min_tracks: int | None = DEFAULT_MIN_TRACKS,
    ) -> AsyncIterator[SavedPage]:
        """Pages of the albums the saved tracks belong to, filtered by ``keep_album`` unless
        ``min_tracks`` is None. ``saved_track_count`` counts within the page only: a caller that sums
        it must do so in the same transaction that records ``next_offset``."""
        def parse(items: list[dict]) -> list[SpotifyAlbum]:
            albums = albums_of_saved_tracks(items)
            return albums if min_tracks is None else [a for a in albums if keep_album(a, min_tracks)]

        async for page in self._walk("/me/tracks", "saved_tracks", parse, on_progress, start_offset):
            yield page

    async def saved_albums(
        self, on_progress: ProgressCallback | None = None, *, start_offset: int = 0,
    ) -> AsyncIterator[SavedPage]:
        """Pages of the saved albums; every one is kept."""
        async for page in self._walk("/me/albums", "saved_albums", albums_of_saved_albums, on_progress, start_offset):
            yield page

    # --- paging -----------------------------------------------------------------------------------

    async def _walk(
        self,
        path: str,
        phase: AlbumSource,
        parse: Callable[[list[dict]], list[SpotifyAlbum]],
        on_progress: ProgressCallback | None,
        start_offset: int,
    ) -> AsyncIterator[SavedPage]:
        async def report(progress: SpotifyProgress) -> None:
            if on_progress is not None:
                result = on_progress(progress)
                if inspect.isawaitable(result):
                    await result

        total: int | None = None
        done = start_offset

        async def on_wait(seconds: float) -> None:
            await report(SpotifyProgress(phase, done, total, wait_seconds=seconds))

        async def fetch(offset: int) -> SavedPage:
            body = await self._get_json(path, {"limit": PAGE_LIMIT, "offset": offset}, on_wait=on_wait)
            try:
                items = body["items"]
                page_total = int(body["total"])
                if not isinstance(items, list):
                    raise TypeError("items is not a list")
            except (KeyError, TypeError, ValueError) as exc:
                raise MalformedResponse("Spotify sent a page we could not read.", service=SERVICE) from exc
            return SavedPage(offset, PAGE_LIMIT, page_total, len(items), parse(items))

        first = await fetch(start_offset)
        total = first.total
        done = first.next_offset
        yield first
        await report(SpotifyProgress(phase, done, total))
        if first.is_last:
            return

        offsets = iter(range(first.next_offset, total, PAGE_LIMIT))
        pending: deque[asyncio.Task[SavedPage]] = deque()
        try:
            while True:
                while len(pending) < self._concurrency:
                    offset = next(offsets, None)
                    if offset is None:
                        break
                    pending.append(asyncio.create_task(fetch(offset)))
                if not pending:
                    return
                page = await pending.popleft()
                done = page.next_offset
                yield page
                await report(SpotifyProgress(phase, done, total))
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    # --- one request ------------------------------------------------------------------------------

    async def _get_json(self, path: str, params: dict[str, int], *, on_wait: Callable | None) -> dict:
        url = self._base + path
        token = await self._tokens.access_token()
        refreshed = False
        while True:
            current = token

            async def send() -> httpx.Response:
                self.request_count += 1
                return await self._http.get(
                    url, params=params, headers={"Authorization": f"Bearer {current}"}, timeout=self._timeout,
                )

            response = await send_with_retry(send, self._policy, on_wait=on_wait, gate=self._gate)
            if response.status_code == 401 and not refreshed:
                # Expired or revoked early: one forced refresh, then one more try.
                token = await self._tokens.refresh_rejected(current)
                refreshed = True
                continue
            break
        if response.status_code == 401:
            raise LinkBroken("Spotify no longer accepts AlbumDuel's access. Please run /link spotify again.",
                             service=SERVICE)
        if response.status_code == 403:
            message, _ = spotify_error(response)
            raise SourceError(
                "Spotify refused access to your library. In development mode the bot's owner must add your "
                f"Spotify account in the developer dashboard (Spotify said: {message or 'forbidden'}).",
                service=SERVICE,
            )
        if response.status_code != 200:
            message, _ = spotify_error(response)
            raise SourceError(f"Spotify refused the request (HTTP {response.status_code}: {message}).",
                              service=SERVICE)
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise MalformedResponse("Spotify answered with something unreadable.", service=SERVICE) from exc
        if not isinstance(body, dict):
            raise MalformedResponse("Spotify answered with something unreadable.", service=SERVICE)
        return body
