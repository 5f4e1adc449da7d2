"""The tile shown for an album without a usable cover: its title and artist on a colour of its own.

The colour comes from a hash of the (case- and space-normalised) title and artist, so an album keeps
the same tile across duels, restarts and processes, and neighbouring albums rarely look alike.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
from functools import lru_cache

from PIL import Image, ImageDraw

from bot.images.text_layout import clean, display_text, ellipsise, font, wrap

DEFAULT_SIZE = 300
_LIGHT_TEXT = (255, 255, 255)
_DARK_TEXT = (20, 20, 24)

RGB = tuple[int, int, int]


def placeholder_colour(title: str, artist: str) -> RGB:
    """The background colour of an album's placeholder: a mid-toned, moderately saturated hue."""
    key = f"{clean(title).casefold()}\x1f{clean(artist).casefold()}".encode()
    digest = hashlib.blake2b(key, digest_size=8).digest()
    hue = int.from_bytes(digest[:2], "big") % 360 / 360
    saturation = 0.45 + digest[2] / 255 * 0.25
    lightness = 0.36 + digest[3] / 255 * 0.22
    r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
    return round(r * 255), round(g * 255), round(b * 255)


def text_colour_for(background: RGB) -> RGB:
    """White or near-black, whichever contrasts more with ``background`` (WCAG contrast ratio)."""
    bg = _luminance(background)
    light = (_luminance(_LIGHT_TEXT) + 0.05) / (bg + 0.05)
    dark = (bg + 0.05) / (_luminance(_DARK_TEXT) + 0.05)
    return _LIGHT_TEXT if light >= dark else _DARK_TEXT


def render_placeholder(title: str, artist: str, size: int = DEFAULT_SIZE) -> Image.Image:
    """A ``size`` x ``size`` RGB tile naming the album. The caller owns the returned image."""
    return _cached_placeholder(title or "", artist or "", size).copy()


def placeholder_png(title: str, artist: str, size: int = DEFAULT_SIZE) -> bytes:
    """The placeholder tile encoded as PNG, for callers that store or send image bytes."""
    out = io.BytesIO()
    _cached_placeholder(title or "", artist or "", size).save(out, format="PNG", optimize=True)
    return out.getvalue()


@lru_cache(maxsize=256)
def _cached_placeholder(title: str, artist: str, size: int) -> Image.Image:
    # Shared between threads, so it is only ever read (pasted or copied), never drawn on.
    background = placeholder_colour(title, artist)
    ink = text_colour_for(background)
    tile = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(tile)

    margin = max(4, size // 12)
    width = size - 2 * margin
    title_face = font(max(8, size // 9))
    artist_face = font(max(7, size // 14))
    title_lines = wrap(display_text(title) or "Untitled", title_face, width, max_lines=4)
    artist_line = ellipsise(display_text(artist) or "Unknown artist", artist_face, width)

    title_step = round(title_face.size * 1.2)
    artist_step = round(artist_face.size * 1.2)
    gap = artist_face.size // 2
    block = title_step * len(title_lines) + gap + artist_step
    # Centred, but never in the top fifth: duel and chart badges sit in the top-left corner.
    y = max(size // 5, (size - block) // 2)
    for line in title_lines:
        draw.text((margin, y), line, font=title_face, fill=ink)
        y += title_step
    y += gap
    # The artist line is the same ink, slightly faded towards the background, so the title leads.
    faded = tuple(round(i * 0.8 + b * 0.2) for i, b in zip(ink, background))
    draw.text((margin, y), artist_line, font=artist_face, fill=faded)
    return tile


def _luminance(colour: RGB) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
