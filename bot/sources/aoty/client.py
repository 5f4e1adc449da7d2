"""Fetching a user's Album of the Year ratings, every page, with albumoftheyearapi doing the fetching.

One request per page: ``UserMethods.user_ratings`` fetches and parses a page and keeps the parsed
document on the instance (``user_page``), so the cover, year and page count are read from that same
document instead of fetching the page a second time. The library is synchronous, so each page is
read in a worker thread; a fresh ``UserMethods`` per page keeps concurrent imports from sharing state.

An import is all-or-nothing: any page that fails after its retries raises, and nothing is returned.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.error import HTTPError, URLError
from urllib.parse import quote, unquote

from albumoftheyearapi.http import CloudflareBlockedError
from albumoftheyearapi.user import UserMethods
from curl_cffi.requests.exceptions import RequestException as CurlRequestException

from bot.errors import (
    MalformedResponse,
    NothingToImport,
    RateLimited,
    SourceBlocked,
    SourceError,
    SourceUnavailable,
    UnknownAccount,
)
from bot.sources.aoty.models import AotyRating, PageProgress
from bot.sources.aoty.parsing import is_user_ratings_page, ratings_from_page, total_pages

log = logging.getLogger(__name__)

SERVICE = "aoty"
DEFAULT_BASE_URL = "https://www.albumoftheyear.org"
BLOCKED_MESSAGE = "AOTY is blocking automated access right now; try again later."
_PROFILE_URL = re.compile(r"albumoftheyear\.org/user/([^/?#]+)", re.I)


class _Transient(Exception):
    """A failure worth retrying (5xx, connection trouble); ``reason`` ends up in the final message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Page:
    is_user_page: bool
    total_pages: int
    ratings: list[AotyRating]


def normalise_username(raw: str) -> str:
    """Accept ``name``, ``@name`` or a profile URL; the result is safe to put in a URL path."""
    text = raw.strip()
    if match := _PROFILE_URL.search(text):
        text = unquote(match.group(1))
    text = text.removeprefix("@").strip()
    if not text or "/" in text or any(ch.isspace() for ch in text):
        raise UnknownAccount(f"No Album of the Year user named {raw.strip() or '(nothing)'}.", service=SERVICE)
    return text


class AotyClient:
    """Reads AOTY user ratings pages.

    ``min_interval`` spaces this client's requests (seconds between starts); the library adds its
    own process-wide spacing, ``AOTY_MIN_REQUEST_INTERVAL`` (0.75 s by default). ``timeout`` bounds
    each attempt at a page; ``retry_delays`` are the pauses before the second, third... attempt, so
    their length plus one is the number of tries.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        min_interval: float = 1.0,
        timeout: float = 20.0,
        retry_delays: Sequence[float] = (2.0, 5.0),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.min_interval = min_interval
        self.timeout = timeout
        self.retry_delays = tuple(retry_delays)
        self._next_slot = 0.0

    async def fetch_ratings(
        self,
        username: str,
        on_page: Callable[[PageProgress], Awaitable[None]] | None = None,
    ) -> list[AotyRating]:
        """Every album ``username`` rated, most recent first, each album once.

        Raises ``UnknownAccount``, ``NothingToImport`` (no ratings), ``SourceBlocked`` (Cloudflare),
        ``RateLimited``, ``SourceUnavailable`` (timeouts and 5xx after retries) or
        ``MalformedResponse``; a failure on any page fails the whole fetch.
        """
        name = normalise_username(username)
        first = await self._fetch_page(name, 1)
        if not first.ratings:
            raise NothingToImport(
                f"The Album of the Year user {name} has no public ratings to import.", service=SERVICE
            )
        pages = first.total_pages
        ratings: dict[tuple[str, ...], AotyRating] = {}
        page, current = 1, first
        while True:
            for rating in current.ratings:
                # A rating made during the walk shifts every later page by one; keep the first sighting.
                ratings.setdefault(_identity(rating), rating)
            if on_page is not None:
                await on_page(PageProgress(page=page, total_pages=pages, albums_so_far=len(ratings)))
            if page >= pages:
                break
            page += 1
            current = await self._fetch_page(name, page)
            if not current.ratings:
                break  # ratings were deleted during the walk: the list simply ends sooner
            # Ratings added during the walk push the last ones onto a new page: follow them there.
            pages = max(pages, current.total_pages)
        return list(ratings.values())

    # --- one page, with retries -----------------------------------------------------------------

    async def _fetch_page(self, username: str, page: int) -> _Page:
        attempts = len(self.retry_delays) + 1
        for attempt in range(attempts):
            await self._wait_for_slot()
            try:
                result = await asyncio.wait_for(
                    asyncio.to_thread(self._read_page, username, page), self.timeout
                )
            except TimeoutError:
                # The worker thread finishes on its own (the library's socket timeout is 30 s).
                reason = f"no answer within {self.timeout:g} s"
            except _Transient as exc:
                reason = exc.reason
            else:
                if not result.is_user_page:
                    raise MalformedResponse(
                        f"Album of the Year sent a page we could not read (ratings page {page}); "
                        "its layout may have changed.", service=SERVICE,
                    )
                return result
            log.info("AOTY ratings page %d for %s failed (attempt %d/%d): %s", page, username,
                     attempt + 1, attempts, reason)
            if attempt + 1 < attempts:
                await asyncio.sleep(self.retry_delays[attempt])
        raise SourceUnavailable(
            f"Album of the Year is not answering properly ({reason}, {attempts} tries); try again later.",
            service=SERVICE,
        )

    async def _wait_for_slot(self) -> None:
        """Reserve the next start time at least ``min_interval`` after the previous one."""
        now = asyncio.get_running_loop().time()
        slot = max(now, self._next_slot)
        self._next_slot = slot + self.min_interval
        if slot > now:
            await asyncio.sleep(slot - now)

    def _read_page(self, username: str, page: int) -> _Page:
        """Runs in a worker thread: fetch and parse one page, turning library errors into ours."""
        methods = UserMethods()
        methods.user_url = f"{self.base_url}/user/"
        try:
            rows = methods.user_ratings(quote(username, safe=""), page)
        except (AttributeError, TypeError) as exc:
            # The library's selectors found an album block without its title, artist or score.
            raise MalformedResponse(
                f"Album of the Year sent a page we could not read (ratings page {page}); "
                "its layout may have changed.", service=SERVICE,
            ) from exc
        except Exception as exc:
            raise _library_error(exc, username) from exc
        soup = methods.user_page
        try:
            ratings = ratings_from_page(soup, rows, self.base_url)
        except ValueError as exc:
            raise MalformedResponse(
                f"Album of the Year sent a page we could not read (ratings page {page}).", service=SERVICE
            ) from exc
        return _Page(is_user_ratings_page(soup, username), total_pages(soup), ratings)


def _identity(rating: AotyRating) -> tuple[str, ...]:
    if rating.aoty_url:
        return (rating.aoty_url,)
    return (rating.artist.casefold(), rating.title.casefold())


def _library_error(exc: Exception, username: str) -> Exception:
    """Map what albumoftheyearapi (urllib or curl_cffi underneath) raises to our errors."""
    if isinstance(exc, CloudflareBlockedError):
        if isinstance(exc.__cause__, URLError) and not isinstance(exc.__cause__, HTTPError):
            # The urllib path reports refused connections and DNS failures as Cloudflare blocks.
            return _Transient(f"connection failed: {exc.__cause__.reason}")
        return SourceBlocked(BLOCKED_MESSAGE, service=SERVICE)
    if isinstance(exc, HTTPError):
        if exc.code == 404:
            return UnknownAccount(f"No Album of the Year user named {username}.", service=SERVICE)
        if exc.code == 429:
            # The library already waited and retried its own way (AOTY_MAX_RETRIES).
            return RateLimited(
                "Album of the Year is limiting how fast we can read; try again in a few minutes.",
                service=SERVICE,
            )
        if exc.code >= 500:
            return _Transient(f"HTTP {exc.code}")
        return SourceError(f"Album of the Year refused the request (HTTP {exc.code}).", service=SERVICE)
    if isinstance(exc, (CurlRequestException, URLError, OSError)):
        return _Transient(f"connection failed: {type(exc).__name__}")
    return exc
