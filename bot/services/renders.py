"""Images for the cogs: the duel picture and chart collages, covers fetched through the shared cache."""

from __future__ import annotations

import asyncio
import logging
import os

from bot.catalog.artwork import ArtworkResolver
from bot.images import AlbumLabel, ChartItem, CoverFetcher
from bot.images.duel_image import CoverInput, TilesMissing
from bot.images.tiles import TileStore
from bot.images.workers import ImageWorkers
from bot.services.cards import AlbumCard, DuelCard
from bot.services.collection import RankedRow

log = logging.getLogger(__name__)

TRIM_EVERY_SECONDS = 3600.0
TILE_BYTES = 50_000  # about what one prepared tile takes on disk (docs/performance.md, Images)


def _label(album: AlbumCard) -> AlbumLabel:
    return AlbumLabel(album.title, album.artist, album.year)


class ImageRenderer:
    def __init__(self, covers: CoverFetcher, artwork: ArtworkResolver | None = None,
                 workers: ImageWorkers | None = None, tiles: TileStore | None = None) -> None:
        self.covers = covers
        self.artwork = artwork
        self.workers = workers or ImageWorkers(processes=0)
        self.tiles = tiles or TileStore(None, 0)
        self._trimmer: asyncio.Task | None = None
        self._trim_now = asyncio.Event()
        self._prepared_since_trim = 0
        self._trimmed = asyncio.Condition()
        self.trims = 0  # passes of the trimmer so far

    async def duel_png(self, card: DuelCard) -> bytes:
        albums = (card.album_a, card.album_b)
        paths = [self.tiles.path_for(album.cover_url) for album in albums]
        # A prepared tile (docs/performance.md) spares the click the download, decoding and dithering.
        # Checking for the file is one stat; reading it is the image worker's job.
        prepared = [path is not None and os.path.exists(path) for path in paths]
        inputs = await self._inputs(albums, paths, download=[not p for p in prepared])
        try:
            return await self.workers.duel_png(*inputs, _label(card.album_a), _label(card.album_b))
        except TilesMissing:
            # Deleted or damaged since the check (a trim, a disk problem): download both, so the second
            # try cannot miss again (the fetcher's cache makes the other one cheap).
            inputs = await self._inputs(albums, paths, download=[True, True])
            return await self.workers.duel_png(*inputs, _label(card.album_a), _label(card.album_b))

    async def _inputs(self, albums: tuple[AlbumCard, AlbumCard], paths: list[str | None],
                      download: list[bool]) -> list[CoverInput]:
        urls = [album.cover_url if wanted else None for album, wanted in zip(albums, download)]
        data = await self.covers.fetch_many(urls)
        # A stored cover that no longer loads shows the placeholder now and is replaced in the background.
        dead = [album.album_id for album, url, got in zip(albums, urls, data) if url and got is None]
        if dead and self.artwork is not None:
            self.artwork.schedule(dead)
        return [CoverInput(got, path if got else None) if wanted else CoverInput(None, path)
                for wanted, got, path in zip(download, data, paths)]

    async def prepare_tile(self, url: str, cover: bytes) -> None:
        """Keep the duel tile of a cover just resolved, so no click has to make it."""
        path = self.tiles.path_for(url)
        if path is not None and not os.path.exists(path) and await self.workers.prepare_tile(cover, path):
            # A big import can add thousands of tiles: trim once they could fill a twentieth of the
            # store, rather than letting it overshoot its size until the hourly trim.
            self._prepared_since_trim += 1
            if self._prepared_since_trim * TILE_BYTES > self.tiles.max_bytes / 20:
                self._trim_now.set()

    async def chart_png(self, rows: list[RankedRow], size: int) -> bytes:
        covers = await self.covers.fetch_many([r.album.cover_url for r in rows])
        items = [ChartItem(r.position, r.album.title, r.album.artist, cover) for r, cover in zip(rows, covers)]
        return await self.workers.chart(items, size)

    # --- keeping the tile store within its size ----------------------------------------------------

    def start(self) -> None:
        if self.tiles.directory is not None and self._trimmer is None:
            self._trimmer = asyncio.create_task(self._trim_forever(), name="cover-tile-trimmer")

    async def _trim_forever(self) -> None:
        if not await asyncio.to_thread(self.tiles.check_writable):
            return
        while True:
            # Counted from here: tiles made while this pass runs count towards the next early one.
            self._prepared_since_trim = 0
            self._trim_now.clear()
            try:
                await asyncio.to_thread(self.tiles.trim)
            except Exception:  # a full or read-only disk must not end the bot; tiles are an optimisation
                log.warning("Trimming cover tiles failed", exc_info=True)
            async with self._trimmed:
                self.trims += 1
                self._trimmed.notify_all()
            try:
                await asyncio.wait_for(self._trim_now.wait(), TRIM_EVERY_SECONDS)
            except TimeoutError:
                pass

    async def wait_for_trims(self, count: int) -> None:
        """Wait until the trimmer has made ``count`` passes (for tests)."""
        async with self._trimmed:
            await self._trimmed.wait_for(lambda: self.trims >= count)

    async def close(self) -> None:
        task, self._trimmer = self._trimmer, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self.workers.close()
