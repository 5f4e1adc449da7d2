"""The /rankings chart: the top 9, 16 or 25 covers as one square grid, ranked in reading order.

Each tile carries its rank in a small badge at the top-left and, optionally, a translucent caption
strip ("title – artist") along its bottom edge. Output is JPEG: 25 photo covers at 1000 x 1000 px are
~200-400 KB as JPEG (far below Discord's 8 MB upload cap) against several MB as PNG.
"""

from __future__ import annotations

import asyncio
import io
import math
from typing import Literal

from PIL import Image, ImageDraw

from bot.images.decode import load_cover
from bot.images.models import ChartItem
from bot.images.placeholder import render_placeholder
from bot.images.text_layout import display_text, ellipsise, font

ChartSize = Literal[9, 16, 25]
CHART_SIZES: tuple[int, ...] = (9, 16, 25)
# Tile sides keep every chart about 900-1000 px wide: sharp in Discord's viewer, small to upload.
TILE_SIDES = {9: 300, 16: 250, 25: 200}
FILENAME = "chart.jpg"
MIME_TYPE = "image/jpeg"
JPEG_QUALITY = 85

EMPTY = (30, 31, 34)  # cells past the end of a short ranking
BADGE_FILL = (0, 0, 0, 170)
CAPTION_FILL = (0, 0, 0, 150)
INK = (255, 255, 255)

# Text to draw once the translucent shapes are composited: (position, text, font px, anchor).
_Text = tuple[tuple[float, float], str, int, str]


def chart_geometry(size: int) -> tuple[int, int]:
    """(columns, tile side in px) of a chart of ``size`` covers; ValueError for other sizes."""
    if size not in TILE_SIDES:
        raise ValueError(f"a chart holds 9, 16 or 25 covers, not {size}")
    return math.isqrt(size), TILE_SIDES[size]


def compose_chart(items: list[ChartItem], size: ChartSize, *, captions: bool = True) -> bytes:
    """The chart as JPEG bytes: ``items`` fill the grid left to right, top to bottom (extra items are
    ignored, missing ones leave dark cells); a missing or unusable cover becomes the placeholder."""
    columns, side = chart_geometry(size)
    canvas = Image.new("RGB", (columns * side, columns * side), EMPTY)
    overlay = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    shade = ImageDraw.Draw(overlay)
    texts: list[_Text] = []

    for index, item in enumerate(items[:size]):
        x, y = (index % columns) * side, (index // columns) * side
        tile = load_cover(item.cover, side, background=EMPTY)
        has_cover = tile is not None
        canvas.paste(tile if has_cover else render_placeholder(item.title, item.artist, side), (x, y))
        texts.append(_rank_badge(shade, item.rank, x, y, side))
        # A placeholder already names its album; a caption over it would only repeat it.
        if captions and has_cover:
            texts.append(_caption_strip(shade, item, x, y, side))

    # Translucent shapes go on in one composite, then text on top at full opacity.
    canvas = Image.alpha_composite(canvas.convert("RGBA"), overlay).convert("RGB")
    draw = ImageDraw.Draw(canvas)
    for position, text, size_px, anchor in texts:
        draw.text(position, text, font=font(size_px), fill=INK, anchor=anchor)
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


async def compose_chart_async(items: list[ChartItem], size: ChartSize, *, captions: bool = True) -> bytes:
    """``compose_chart`` in a worker thread, so the event loop keeps serving clicks."""
    return await asyncio.to_thread(compose_chart, items, size, captions=captions)


def _rank_badge(shade: ImageDraw.ImageDraw, rank: int, x: int, y: int, side: int) -> _Text:
    text_px = max(12, side // 11)
    label = str(rank)
    width = font(text_px).getlength(label) + text_px
    height = text_px * 1.5
    inset = max(4, side // 40)
    box = (x + inset, y + inset, x + inset + width, y + inset + height)
    shade.rounded_rectangle(box, radius=height / 2, fill=BADGE_FILL)
    centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    return centre, label, text_px, "mm"


def _caption_strip(shade: ImageDraw.ImageDraw, item: ChartItem, x: int, y: int, side: int) -> _Text:
    text_px = max(10, side // 16)
    height = round(text_px * 1.8)
    shade.rectangle((x, y + side - height, x + side - 1, y + side - 1), fill=CAPTION_FILL)
    pad = max(4, side // 30)
    label = display_text(f"{item.title or 'Untitled'} – {item.artist or 'Unknown artist'}")
    text = ellipsise(label, font(text_px), side - 2 * pad)
    return (x + pad, y + side - height / 2), text, text_px, "lm"
