"""Images for the cogs: the duel picture and chart collages, covers fetched through the shared cache."""

from __future__ import annotations

import asyncio
import os

from bot.catalog.artwork import ArtworkResolver
from bot.images import AlbumLabel, ChartItem, CoverFetcher
from bot.images.duel_image import CoverInput, TilesMissing
from bot.images.tiles import TileStore
from bot.images.workers import ImageWorkers
from bot.services.background import Periodic
from bot.services.cards import AlbumCard, DuelCard
from bot.services.collection import RankedRow

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
        # Keeps the tile store within its size (``start``); its ``passes`` / ``wait_for_passes`` serve tests.
        self.trimmer = Periodic(self._trim, TRIM_EVERY_SECONDS, "cover-tile-trimmer", "Trimming cover tiles failed")
        self._prepared_since_trim = 0
        self._writable: bool | None = None

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
                self.trimmer.wake()

    async def chart_png(self, rows: list[RankedRow], size: int) -> bytes:
        covers = await self.covers.fetch_many([r.album.cover_url for r in rows])
        items = [ChartItem(r.position, r.album.title, r.album.artist, cover) for r, cover in zip(rows, covers)]
        return await self.workers.chart(items, size)

    # --- keeping the tile store within its size ----------------------------------------------------

    def start(self) -> None:
        if self.tiles.directory is not None:
            self.trimmer.start()

    async def _trim(self) -> bool:
        """One trimmer pass; False (no more passes) when the folder turns out not to be writable."""
        if self._writable is None:
            self._writable = await asyncio.to_thread(self.tiles.check_writable)
        if not self._writable:
            return False
        # Counted from here: tiles made while this pass runs count towards the next early one.
        self._prepared_since_trim = 0
        await asyncio.to_thread(self.tiles.trim)
        return True

    async def close(self) -> None:
        await self.trimmer.stop()
        self.workers.close()
