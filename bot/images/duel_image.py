"""The one image a duel message carries: cover A and cover B side by side, badged and captioned.

Layout (pixels): a dark canvas, two square tiles of ``TILE`` with equal margins, an "A"/"B" badge in
each tile's top-left corner and the title and "artist · year" under each tile. Missing or unusable
covers become the album's placeholder tile, so the image always shows two albums.

The PNG is palette-based (a third the size of RGB, and far quicker to deflate). Its 256 colours are
split: ``FIXED`` colours for the background, the caption inks and the badges, then ``COVER_COLOURS``
for cover A and as many for cover B. Each cover gets its own palette and is dithered once, then kept as
palette indices: a cover seen before (the same album again, or the same album in another member's
duel) costs no decoding, quantising or dithering, and composing a duel is copying indices, drawing two
captions and deflating.
"""

from __future__ import annotations

import asyncio
import io
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw

from bot.images.decode import load_cover
from bot.images.models import AlbumLabel
from bot.images.placeholder import render_placeholder
from bot.images.text_layout import display_text, ellipsise, font
from bot.images.tiles import read_tile, touch, write_tile

# Discord shows an embed image at most ~400 px wide (larger only when opened), so 320 px tiles lose nothing
# a person sees and cost a third less to compose, encode and upload on every click than 400 px ones.
TILE = 320
MARGIN = 20
GAP = 20
CAPTION = 54
WIDTH = MARGIN + TILE + GAP + TILE + MARGIN
HEIGHT = MARGIN + TILE + CAPTION + MARGIN // 2
FILENAME = "duel.png"

BACKGROUND = (30, 31, 34)  # Discord's dark theme, so the image blends into the embed
TITLE_INK = (242, 243, 245)
ARTIST_INK = (181, 186, 193)
BADGES = {"A": (88, 101, 242), "B": (235, 69, 158)}  # blurple and fuchsia: told apart at a glance
BADGE_SIZE = 46
WHITE = (255, 255, 255)
INK_LEVELS = 7  # antialiasing steps of caption text between the background and full ink


def _blend(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]


def _fixed_palette() -> list[tuple[int, int, int]]:
    colours = [BACKGROUND]
    for ink in (TITLE_INK, ARTIST_INK):
        colours += [_blend(BACKGROUND, ink, level / INK_LEVELS) for level in range(1, INK_LEVELS + 1)]
    colours.append(WHITE)
    for badge in BADGES.values():  # the letter's antialiased edge, white into the badge colour
        colours += [_blend(badge, WHITE, level / INK_LEVELS) for level in range(INK_LEVELS)]
    return colours


FIXED = _fixed_palette()
TITLE_BASE, ARTIST_BASE = 1, 1 + INK_LEVELS
COVER_COLOURS = (256 - len(FIXED)) // 2
COVER_A_BASE, COVER_B_BASE = len(FIXED), len(FIXED) + COVER_COLOURS


@lru_cache(maxsize=512)
def _cover_indices(cover: bytes) -> tuple[np.ndarray, bytes] | None:
    """A cover decoded, cropped, scaled, given its own palette and dithered, as (indices, palette);
    None when the bytes are not a usable image. Kept: that work is most of a duel image's cost, and
    the same covers come back duel after duel. Bytes hash once and remember it."""
    tile = load_cover(cover, TILE, background=BACKGROUND)
    return None if tile is None else _indexed(tile)


@dataclass(frozen=True, slots=True)
class CoverInput:
    """What a duel image is given for one cover: the downloaded bytes, or where the cover's prepared
    tile lies (``bot/images/tiles.py``), or both (the tile is then written from the bytes)."""

    data: bytes | None = None
    tile_path: str | None = None


class TilesMissing(Exception):
    """A tile the caller expected is gone or damaged: fetch those covers and compose again."""

    def __init__(self, letters: tuple[str, ...]) -> None:
        super().__init__(letters)  # the only argument, so it survives pickling back from a worker process
        self.letters = letters

    def __str__(self) -> str:
        return f"no usable tile for cover {', '.join(self.letters)}"


_TILE_CACHE_SIZE = 512
_TOUCH_EVERY = 600.0  # seconds: a tile shown from memory still counts as used for trimming, cheaply
# Tiles read, by path, with when their file was last marked used. Only hits: a miss may be made later.
_tiles_read: OrderedDict[str, tuple[tuple[np.ndarray, bytes], float]] = OrderedDict()
_tiles_lock = threading.Lock()  # with IMAGE_WORKERS=0 several threads compose at once


def _tile_indices(path: str) -> tuple[np.ndarray, bytes] | None:
    now = time.monotonic()
    with _tiles_lock:
        entry = _tiles_read.get(path)
        if entry is not None:
            _tiles_read.move_to_end(path)
            tile, touched = entry
            if now - touched > _TOUCH_EVERY:
                _tiles_read[path] = (tile, now)
        else:
            touched = now
    if entry is not None:
        if now - touched > _TOUCH_EVERY:
            touch(path)
        return tile
    tile = read_tile(path, TILE, COVER_COLOURS)  # marks it used
    if tile is not None:
        with _tiles_lock:
            _tiles_read[path] = (tile, now)
            while len(_tiles_read) > _TILE_CACHE_SIZE:
                _tiles_read.popitem(last=False)
    return tile


def prepare_tile(cover: bytes, path: str) -> bool:
    """Keep ``cover``'s tile at ``path`` unless one is there; False when the bytes are not an image."""
    if os.path.exists(path):
        return True
    # Not through _cover_indices' cache: imports prepare thousands of covers that no duel shows yet,
    # and they would push out the ones duels are showing.
    tile = load_cover(cover, TILE, background=BACKGROUND)
    return tile is not None and write_tile(path, *_indexed(tile))


def _indices_for(cover: CoverInput) -> tuple[np.ndarray, bytes] | None:
    if cover.data:
        indexed = _cover_indices(cover.data)
        if indexed is not None and cover.tile_path and not os.path.exists(cover.tile_path):
            write_tile(cover.tile_path, *indexed)  # the next duel with this album reads it
        return indexed
    return _tile_indices(cover.tile_path) if cover.tile_path else None


@lru_cache(maxsize=256)
def _placeholder_indices(title: str, artist: str) -> tuple[np.ndarray, bytes]:
    return _indexed(render_placeholder(title, artist, TILE))


def _indexed(tile: Image.Image) -> tuple[np.ndarray, bytes]:
    # Floyd-Steinberg dithering: without it smooth gradients in covers band visibly. The palette is
    # chosen on a quarter-size copy: as good, 5x cheaper.
    palette = tile.reduce(4).quantize(colors=COVER_COLOURS, method=Image.Quantize.FASTOCTREE)
    indexed = tile.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG)
    indices = np.asarray(indexed, dtype=np.uint8)
    colours = bytes(indexed.getpalette()[: 3 * COVER_COLOURS]).ljust(3 * COVER_COLOURS, b"\0")
    indices = np.minimum(indices, COVER_COLOURS - 1)  # never an index past this cover's share
    indices.setflags(write=False)
    return indices, colours


def tile_boxes() -> tuple[tuple[int, int, int, int], tuple[int, int, int, int]]:
    """Where cover A and cover B sit in the image, as (left, top, right, bottom)."""
    left = (MARGIN, MARGIN, MARGIN + TILE, MARGIN + TILE)
    right_x = MARGIN + TILE + GAP
    return left, (right_x, MARGIN, right_x + TILE, MARGIN + TILE)


def compose_duel_image(
    cover_a: bytes | None, cover_b: bytes | None, album_a: AlbumLabel, album_b: AlbumLabel
) -> bytes:
    """The duel image as PNG bytes. Never fails on bad cover bytes: they become placeholders."""
    return compose_duel(CoverInput(cover_a), CoverInput(cover_b), album_a, album_b)


def compose_duel(cover_a: CoverInput, cover_b: CoverInput, album_a: AlbumLabel, album_b: AlbumLabel) -> bytes:
    """The duel image as PNG bytes from downloaded covers or prepared tiles. Bad cover bytes become
    placeholders; a cover given only as a tile that cannot be read raises ``TilesMissing``, since its
    bytes may well be fine."""
    covers = (cover_a, cover_b)
    indexed = [_indices_for(cover) for cover in covers]
    missing = tuple(letter for letter, cover, tile in zip("AB", covers, indexed)
                    if tile is None and not cover.data and cover.tile_path)
    if missing:
        raise TilesMissing(missing)
    pixels = np.zeros((HEIGHT, WIDTH), dtype=np.uint8)  # index 0 is the background
    palettes = []
    for letter, indexed, album, box, base in zip(
        "AB", indexed, (album_a, album_b), tile_boxes(), (COVER_A_BASE, COVER_B_BASE)
    ):
        if indexed is None:
            indexed = _placeholder_indices(album.title, album.artist)
        indices, colours = indexed
        left, top, right, bottom = box
        pixels[top:bottom, left:right] = indices + np.uint8(base)
        palettes.append(colours)
        _stamp_badge(pixels, letter, box)
        pixels[bottom:, left:right] = _caption(album)
    image = Image.frombuffer("P", (WIDTH, HEIGHT), pixels.tobytes(), "raw", "P", 0, 1)
    image.putpalette(bytes(channel for colour in FIXED for channel in colour) + b"".join(palettes))
    out = io.BytesIO()
    # Dithered pixels barely compress more at higher levels (level 6: 3% smaller, twice the time).
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


async def compose_duel_image_async(
    cover_a: bytes | None, cover_b: bytes | None, album_a: AlbumLabel, album_b: AlbumLabel
) -> bytes:
    """``compose_duel_image`` in a worker thread, so the event loop keeps serving clicks."""
    return await asyncio.to_thread(compose_duel_image, cover_a, cover_b, album_a, album_b)


@lru_cache(maxsize=2)
def _badge(letter: str) -> tuple[np.ndarray, np.ndarray]:
    """The badge as palette indices and the mask of its pixels: a dark ring (readable on any cover),
    the letter's colour disc and the white letter, drawn once."""
    size = BADGE_SIZE + 7
    image = Image.new("RGB", (size, size), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.ellipse((0, 0, BADGE_SIZE + 6, BADGE_SIZE + 6), fill=BACKGROUND)
    draw.ellipse((3, 3, BADGE_SIZE + 3, BADGE_SIZE + 3), fill=BADGES[letter])
    draw.text((3 + BADGE_SIZE / 2, 3 + BADGE_SIZE / 2), letter, font=font(28), fill=WHITE, anchor="mm")
    mask_image = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask_image).ellipse((0, 0, BADGE_SIZE + 6, BADGE_SIZE + 6), fill=255)
    # Each pixel takes the nearest of the fixed colours (the disc, its blends to white, the ring).
    rgb = np.asarray(image, dtype=np.int32)[:, :, None, :]
    fixed = np.asarray(FIXED, dtype=np.int32)[None, None, :, :]
    indices = ((rgb - fixed) ** 2).sum(axis=3).argmin(axis=2).astype(np.uint8)
    return indices, np.asarray(mask_image) > 0


def _stamp_badge(pixels: np.ndarray, letter: str, box: tuple[int, int, int, int]) -> None:
    indices, mask = _badge(letter)
    x, y = box[0] + 7, box[1] + 7
    region = pixels[y:y + mask.shape[0], x:x + mask.shape[1]]
    region[mask] = indices[mask]


@lru_cache(maxsize=512)
def _caption(album: AlbumLabel) -> np.ndarray:
    """The strip under a tile as palette indices: the title and "artist · year", antialiased in
    ``INK_LEVELS`` steps of each ink."""
    title = ellipsise(display_text(album.title) or "Untitled", font(19), TILE)
    byline = display_text(album.artist) or "Unknown artist"
    if album.year:
        byline = f"{byline} · {album.year}"
    strip = (HEIGHT - TILE - MARGIN, TILE)
    levels = []
    for text, size, y in ((title, 19, 8), (ellipsise(byline, font(15), TILE), 15, 32)):
        coverage = Image.new("L", strip[::-1], 0)
        ImageDraw.Draw(coverage).text((0, y), text, font=font(size), fill=255)
        levels.append((np.asarray(coverage, dtype=np.uint16) * INK_LEVELS + 127) // 255)
    title_level, byline_level = levels
    indices = np.where(
        title_level > 0, TITLE_BASE - 1 + title_level, np.where(byline_level > 0, ARTIST_BASE - 1 + byline_level, 0)
    ).astype(np.uint8)
    indices.setflags(write=False)
    return indices
