"""Artwork for every album: the first cover that really loads wins, in the original app's order.

1. the cover the album already has, 2. the AOTY cover, 3. the Spotify cover (from an import, else by id),
4. a cover of a row merged into this one, 5. a cover of another row with the same title and artist,
6. the Last.fm image, 7. a Spotify search, accepted only when title and artist normalise the same.

"Loads" means the cover fetcher got image bytes for it (and so has them cached for the next duel). A
cover that stops loading is replaced on the next pass; an album with nothing that loads keeps no URL and
is drawn with the generated placeholder. Resolution runs in the background, never inside a click.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog.identity import identity_key
from bot.db.models import Album
from bot.db.types import utcnow
from bot.errors import SourceError
from bot.images import CoverFetcher
from bot.services.background import Periodic
from bot.sources.spotify.catalog import SpotifyCatalogClient

log = logging.getLogger(__name__)

CHAIN = ("existing", "aoty", "spotify", "merged", "same_title", "lastfm", "spotify_search")


@dataclass(frozen=True)
class _AlbumFacts:
    album_id: int
    cover_url: str | None
    candidates: dict[str, str]
    spotify_id: str | None
    title: str
    artists: list[str]
    identity_key: str


@dataclass
class ArtworkReport:
    checked: int = 0
    found: Counter[str] = field(default_factory=Counter)  # chain step -> albums resolved by it
    replaced: int = 0     # albums whose stored cover was dead and got another
    placeholders: int = 0  # albums left with no cover that loads


class ArtworkResolver:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], covers: CoverFetcher,
                 spotify: SpotifyCatalogClient | None = None, *, retry_after: timedelta = timedelta(hours=6)) -> None:
        self.sessions = sessions
        self.covers = covers
        self.spotify = spotify
        self.retry_after = retry_after
        self._queue: asyncio.Queue[int] = asyncio.Queue()
        self._queued: set[int] = set()
        self._worker: asyncio.Task | None = None
        # The background sweep (``start_sweeping``); its ``passes`` / ``wait_for_passes`` serve tests.
        self.sweeper = Periodic(self.catch_up, 60.0, "artwork-sweeper", "Looking for albums that need covers failed")
        self.last_report = ArtworkReport()
        # Called with each cover found (URL, bytes) once it is stored: the image layer prepares the
        # cover's duel tile then, off the click path (set by the service registry).
        self.prepare_tile: Callable[[str, bytes], Awaitable[object]] | None = None

    # --- background ---------------------------------------------------------------------------------

    def schedule(self, album_ids: Iterable[int]) -> None:
        """Queue albums for resolution; a worker task handles them one at a time."""
        for album_id in album_ids:
            if album_id not in self._queued:
                self._queued.add(album_id)
                self._queue.put_nowait(album_id)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work(), name="artwork-resolver")

    async def idle(self) -> None:
        """Wait until every queued album has been resolved (for tests and shutdown)."""
        await self._queue.join()

    def start_sweeping(self, every: float = 60.0) -> None:
        """Look for albums that need a cover (new from any import, or dead a while ago) every ``every`` s,
        and at once when ``wake`` is called (an import finished)."""
        self.sweeper.every = every
        self.sweeper.start()

    def wake(self) -> None:
        """New albums were stored: sweep now instead of at the next tick."""
        self.sweeper.wake()

    async def catch_up(self) -> None:
        """Resolve every album now due, batch after batch, and return when none is left (or a batch
        changed nothing: albums whose resolution keeps failing wait for the next sweep)."""
        previous: list[int] | None = None
        while due := await self.due_albums():
            if due == previous:
                return
            self.schedule(due)
            await self.idle()
            previous = due

    async def close(self) -> None:
        await self.sweeper.stop()
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)

    async def _work(self) -> None:
        while True:
            album_id = await self._queue.get()
            try:
                await self.resolve_one(album_id, self.last_report)
            except Exception:
                log.exception("Resolving the cover of album %s failed", album_id)
            finally:
                self._queued.discard(album_id)
                self._queue.task_done()

    async def due_albums(self, limit: int = 500) -> list[int]:
        """Albums never checked, and those whose cover was missing or dead a while ago."""
        cutoff = utcnow() - self.retry_after
        async with self.sessions() as session:
            retry = and_(Album.cover_checked_at < cutoff, or_(Album.cover_url.is_(None), Album.cover_failures > 0))
            rows = await session.scalars(
                select(Album.id).where(Album.merged_into_id.is_(None), or_(Album.cover_checked_at.is_(None), retry))
                .order_by(Album.id).limit(limit))
            return list(rows)

    # --- one album ----------------------------------------------------------------------------------

    async def resolve_one(self, album_id: int, report: ArtworkReport | None = None) -> str | None:
        report = report if report is not None else ArtworkReport()
        async with self.sessions() as session:
            album = await session.get(Album, album_id)
            if album is None or album.merged_into_id is not None:
                return None
            snapshot = _AlbumFacts(album.id, album.cover_url, dict(album.cover_candidates or {}), album.spotify_id,
                                   album.title, list(album.artists), album.identity_key)
        had = snapshot.cover_url
        report.checked += 1
        chosen: tuple[str, str] | None = None
        cover: bytes | None = None
        async for step, url in self._candidates(snapshot):
            if url and (cover := await self.covers.fetch(url)) is not None:
                chosen = (step, url)
                break
        stored = await self._store_choice(album_id, had, chosen, report)
        if stored is not None and cover is not None and self.prepare_tile is not None:
            try:
                await self.prepare_tile(stored, cover)
            except Exception:  # the cover is stored; a duel makes the tile if this could not
                log.warning("Preparing the duel tile of album %s failed", album_id, exc_info=True)
        return stored

    async def _store_choice(self, album_id: int, had: str | None, chosen: tuple[str, str] | None,
                            report: ArtworkReport) -> str | None:
        async with self.sessions.begin() as session:
            album = await session.get(Album, album_id)
            if album is None:
                return None
            album.cover_checked_at = utcnow()
            if chosen is None:
                album.cover_failures = (album.cover_failures or 0) + (1 if album.cover_url else 0)
                album.cover_url, album.cover_source = None, None
                report.placeholders += 1
                return None
            step, url = chosen
            if had and url != had:
                report.replaced += 1
            report.found[step] += 1
            album.cover_url = url
            album.cover_source = album.cover_source if step == "existing" else step
            album.cover_failures = 0
            return url

    async def _candidates(self, facts: _AlbumFacts) -> AsyncIterator[tuple[str, str | None]]:
        candidates, key, album_id = facts.candidates, facts.identity_key, facts.album_id
        tried: set[str] = set()

        def fresh(url: str | None) -> str | None:
            if not url or url in tried:
                return None
            tried.add(url)
            return url

        yield "existing", fresh(facts.cover_url)
        yield "aoty", fresh(candidates.get("aoty"))
        yield "spotify", fresh(candidates.get("spotify"))
        if facts.spotify_id and self.spotify is not None:
            found = await self._spotify(self.spotify.album, facts.spotify_id)
            yield "spotify", fresh(found.cover_url if found else None)
        async with self.sessions() as session:
            merged = list(await session.scalars(select(Album.cover_url).where(
                Album.merged_into_id == album_id, Album.cover_url.is_not(None))))
            same = list(await session.scalars(select(Album.cover_url).where(
                Album.identity_key == key, Album.id != album_id, Album.cover_url.is_not(None)).limit(5)))
        for url in merged:
            yield "merged", fresh(url)
        for url in same:
            yield "same_title", fresh(url)
        yield "lastfm", fresh(candidates.get("lastfm"))
        if self.spotify is not None and facts.artists:
            results = await self._spotify(self.spotify.search_albums, facts.title, facts.artists[0]) or []
            for result in results:
                if identity_key(result.title, list(result.artists)) == key:
                    yield "spotify_search", fresh(result.cover_url)

    @staticmethod
    async def _spotify(call, *args):  # noqa: ANN001, ANN205 - a small adapter over two client methods
        """Spotify trouble must not stop the chain: the next step may still find a cover."""
        try:
            return await call(*args)
        except SourceError as error:
            log.info("Spotify lookup for artwork failed: %s", error)
            return None
