"""Images for the cogs: the duel picture and chart collages, covers fetched through the shared cache."""

from __future__ import annotations

from bot.catalog.artwork import ArtworkResolver
from bot.images import AlbumLabel, ChartItem, CoverFetcher
from bot.images.workers import ImageWorkers
from bot.services.cards import AlbumCard, DuelCard
from bot.services.collection import RankedRow


def _label(album: AlbumCard) -> AlbumLabel:
    return AlbumLabel(album.title, album.artist, album.year)


class ImageRenderer:
    def __init__(self, covers: CoverFetcher, artwork: ArtworkResolver | None = None,
                 workers: ImageWorkers | None = None) -> None:
        self.covers = covers
        self.artwork = artwork
        self.workers = workers or ImageWorkers(processes=0)

    async def duel_png(self, card: DuelCard) -> bytes:
        cover_a, cover_b = await self.covers.fetch_many([card.album_a.cover_url, card.album_b.cover_url])
        # A stored cover that no longer loads shows the placeholder now and is replaced in the background.
        dead = [a.album_id for a, c in ((card.album_a, cover_a), (card.album_b, cover_b)) if a.cover_url and c is None]
        if dead and self.artwork is not None:
            self.artwork.schedule(dead)
        return await self.workers.duel_png(cover_a, cover_b, _label(card.album_a), _label(card.album_b))

    async def chart_png(self, rows: list[RankedRow], size: int) -> bytes:
        covers = await self.covers.fetch_many([r.album.cover_url for r in rows])
        items = [ChartItem(r.position, r.album.title, r.album.artist, cover) for r, cover in zip(rows, covers)]
        return await self.workers.chart(items, size)
