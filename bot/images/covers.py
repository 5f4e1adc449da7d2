"""Fetching cover art through the shared HTTP client: bounded in time and size, cached, shared.

A duel must never wait twice for the same cover, and a dead URL must never fail or slow a duel twice:
successes are kept in an in-memory LRU (bounded by count and by bytes), failures are remembered for
``negative_ttl`` seconds, and concurrent requests for one URL share a single download. Network trouble
never raises; the caller gets None and shows the placeholder.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpx

from bot.images.decode import load_cover, quick_cover_verdict

log = logging.getLogger(__name__)

# Failures are remembered per URL; a bound keeps a flood of distinct dead URLs from growing memory.
MAX_NEGATIVE_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class CoverCacheStats:
    """Counters for operations and /stats: cache hits, downloads, failures and what is held now."""

    hits: int
    negative_hits: int
    downloads: int
    failures: int
    entries: int
    cached_bytes: int


class _Rejected(Exception):
    """A response that is not a usable cover (status, size or content). Internal: never escapes."""


class CoverFetcher:
    """Downloads cover images through ``http`` (the app's shared client, which the caller owns)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        timeout: float = 3.0,
        max_bytes: int = 5_000_000,
        cache_size: int = 512,
        cache_max_bytes: int = 64_000_000,
        negative_ttl: float = 600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._cache_size = cache_size
        self._cache_max_bytes = cache_max_bytes
        self._negative_ttl = negative_ttl
        self._clock = clock
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cached_bytes = 0
        self._failed_until: OrderedDict[str, float] = OrderedDict()
        self._inflight: dict[str, asyncio.Task[bytes | None]] = {}
        self._background: set[asyncio.Task[list[bytes | None]]] = set()
        self._hits = self._negative_hits = self._downloads = self._failures = 0

    async def fetch(self, url: str | None) -> bytes | None:
        """The image bytes at ``url``, or None (no URL, failed recently, or fails now)."""
        if not url:
            return None
        cached = self._cache.get(url)
        if cached is not None:
            self._cache.move_to_end(url)
            self._hits += 1
            return cached
        if self._recently_failed(url):
            self._negative_hits += 1
            return None
        task = self._inflight.get(url)
        if task is None:
            task = asyncio.create_task(self._download_and_remember(url), name=f"cover-fetch {url}")
            self._inflight[url] = task
            task.add_done_callback(lambda _t, u=url: self._inflight.pop(u, None))
        # Shielded: a caller that gives up (a cancelled click) does not cancel the others' download,
        # and the result still lands in the cache for next time.
        return await asyncio.shield(task)

    async def fetch_many(self, urls: Iterable[str | None]) -> list[bytes | None]:
        """``fetch`` for each URL, concurrently, results in the same order."""
        return list(await asyncio.gather(*(self.fetch(url) for url in urls)))

    def prefetch(self, urls: Iterable[str | None]) -> asyncio.Task[list[bytes | None]]:
        """Warm the cache in the background (e.g. for the next duel) and return at once.

        The returned task may be awaited or ignored; the fetcher keeps it alive until it finishes.
        """
        task = asyncio.create_task(self.fetch_many(list(urls)), name="cover-prefetch")
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    def cached(self, url: str | None) -> bytes | None:
        """The cached bytes for ``url`` without any network access."""
        return self._cache.get(url) if url else None

    def stats(self) -> CoverCacheStats:
        return CoverCacheStats(
            hits=self._hits,
            negative_hits=self._negative_hits,
            downloads=self._downloads,
            failures=self._failures,
            entries=len(self._cache),
            cached_bytes=self._cached_bytes,
        )

    async def aclose(self) -> None:
        """Cancel background and in-flight downloads. The shared HTTP client stays open."""
        tasks = [*self._background, *self._inflight.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- internals ---------------------------------------------------------------------------------

    async def _download_and_remember(self, url: str) -> bytes | None:
        self._downloads += 1
        try:
            async with asyncio.timeout(self._timeout):  # a total deadline: httpx's are per operation
                data = await self._download(url)
            verdict = quick_cover_verdict(data)  # most covers: no thread hop, no decode
            if verdict is None:
                # Only a decode can tell (not a JPEG, or one without its end marker): at reduced scale.
                verdict = await asyncio.to_thread(lambda: load_cover(data, 64) is not None)
            if not verdict:
                raise _Rejected(f"not a decodable image ({len(data)} bytes)")
        except _Rejected as exc:
            self._remember_failure(url)
            log.info("cover %s rejected: %s", url, exc)
            return None
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, TimeoutError, OSError) as exc:
            self._remember_failure(url)
            log.info("cover %s unavailable: %s: %s", url, type(exc).__name__, exc)
            return None
        except Exception:
            # Not a network problem, so it is worth a traceback; the duel still goes on without it.
            self._remember_failure(url)
            log.warning("cover %s failed unexpectedly", url, exc_info=True)
            return None
        self._store(url, data)
        log.debug("cover %s cached (%d bytes)", url, len(data))
        return data

    async def _download(self, url: str) -> bytes:
        request = self._http.build_request("GET", url, timeout=self._timeout)
        response = await self._http.send(request, stream=True, follow_redirects=True)
        try:
            if response.status_code != 200:
                raise _Rejected(f"HTTP {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self._max_bytes:
                raise _Rejected(f"declared size {declared} over the {self._max_bytes}-byte cap")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self._max_bytes:
                    raise _Rejected(f"body over the {self._max_bytes}-byte cap")
            return bytes(body)
        finally:
            await response.aclose()  # also abandons an unread body, so an oversized one stops here

    def _recently_failed(self, url: str) -> bool:
        until = self._failed_until.get(url)
        if until is None:
            return False
        if self._clock() < until:
            return True
        del self._failed_until[url]
        return False

    def _remember_failure(self, url: str) -> None:
        self._failures += 1
        self._failed_until[url] = self._clock() + self._negative_ttl
        self._failed_until.move_to_end(url)
        while len(self._failed_until) > MAX_NEGATIVE_ENTRIES:
            self._failed_until.popitem(last=False)

    def _store(self, url: str, data: bytes) -> None:
        if len(data) > self._cache_max_bytes or self._cache_size <= 0:
            return
        self._failed_until.pop(url, None)
        previous = self._cache.pop(url, None)
        if previous is not None:
            self._cached_bytes -= len(previous)
        self._cache[url] = data
        self._cached_bytes += len(data)
        while len(self._cache) > self._cache_size or self._cached_bytes > self._cache_max_bytes:
            _, evicted = self._cache.popitem(last=False)
            self._cached_bytes -= len(evicted)
