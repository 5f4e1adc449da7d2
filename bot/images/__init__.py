"""Pillow rendering for AlbumDuel: the duel image, /rankings chart collages, placeholder tiles, and
the cover fetcher that feeds them.

Compose functions are synchronous and pure (bytes in, bytes out); their ``*_async`` twins run them in
a worker thread so the event loop never blocks on image work.
"""

from bot.images.collage import CHART_SIZES, compose_chart, compose_chart_async
from bot.images.covers import CoverCacheStats, CoverFetcher
from bot.images.decode import is_decodable_cover, load_cover
from bot.images.duel_image import compose_duel_image, compose_duel_image_async
from bot.images.models import AlbumLabel, ChartItem
from bot.images.placeholder import placeholder_colour, placeholder_png, render_placeholder

__all__ = [
    "CHART_SIZES",
    "AlbumLabel",
    "ChartItem",
    "CoverCacheStats",
    "CoverFetcher",
    "compose_chart",
    "compose_chart_async",
    "compose_duel_image",
    "compose_duel_image_async",
    "is_decodable_cover",
    "load_cover",
    "placeholder_colour",
    "placeholder_png",
    "render_placeholder",
]
