"""Turning untrusted cover bytes into a square RGB tile, or None when they are not a usable image.

Cover bytes come from other people's CDNs: they may be HTML error pages, truncated downloads, animated
GIFs, CMYK or palette images, or decompression bombs (a few KB that decode to gigapixels). Pillow's own
bomb guard is a process-wide setting; the limits here are checked on the header before any pixel is
decoded, so nothing large is ever allocated.
"""

from __future__ import annotations

import io
import logging

import numpy as np
from PIL import Image

log = logging.getLogger(__name__)

# Formats covers actually come in; refusing the rest narrows the decoders untrusted bytes can reach.
COVER_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")
# JPEGs decode at 1/2..1/8 scale through ``draft``, so a big JPEG stays cheap; other formats decode in
# full, so they get a tighter limit (4096 x 4096).
MAX_JPEG_PIXELS = 64_000_000
MAX_OTHER_PIXELS = 16_800_000
MAX_SIDE = 20_000
_JPEG_FAMILY = ("JPEG", "MPO")  # camera JPEGs with several pictures open as MPO; same decoder

RGB = tuple[int, int, int]


def load_cover(data: bytes | None, side: int, *, background: RGB = (30, 31, 34)) -> Image.Image | None:
    """The cover as a ``side`` x ``side`` RGB image, centre-cropped to a square; None if unusable.

    Transparent areas are laid on ``background``; animated images give their first frame.
    """
    if not data:
        return None
    try:
        with _open_checked(data) as img:
            if img.format in _JPEG_FAMILY:
                img.draft("RGB", (side, side))  # decode at reduced scale: the main cost of a big JPEG
            img.load()
            rgb = _to_rgb(img, background)
        return _square(rgb, side)
    except Exception as exc:  # any decoder failure on untrusted bytes means "no cover", never a crash
        log.debug("cover not decodable (%d bytes): %s: %s", len(data), type(exc).__name__, exc)
        return None


def is_decodable_cover(data: bytes | None) -> bool:
    """Whether ``load_cover`` would succeed.

    A JPEG (nearly every cover) is judged by its headers and its end-of-image marker: that catches what
    actually goes wrong (an HTML page, a cut-off download, a bomb) for a fraction of a decode, which
    the duel image repeats anyway. Anything else is decoded at reduced scale, so truncation is caught.
    """
    verdict = quick_cover_verdict(data)
    return verdict if verdict is not None else load_cover(data, 64) is not None


def quick_cover_verdict(data: bytes | None) -> bool | None:
    """``is_decodable_cover``'s answer when headers alone give it (~30 us, cheap enough for the event
    loop), or None when only a decode can tell."""
    if not data:
        return False
    try:
        with _open_checked(data) as img:
            if img.format in _JPEG_FAMILY and _ends_with_end_of_image(data):
                return True
    except Exception:  # not an image we take: load_cover would fail the same way
        return False
    return None


def _ends_with_end_of_image(data: bytes) -> bool:
    # Some encoders pad with zero bytes after the marker; anything else after it gets the full check.
    return data[-4096:].rstrip(b"\0").endswith(b"\xff\xd9")


def _open_checked(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data), formats=COVER_FORMATS)
    width, height = img.size
    limit = MAX_JPEG_PIXELS if img.format in _JPEG_FAMILY else MAX_OTHER_PIXELS
    if width <= 0 or height <= 0 or width > MAX_SIDE or height > MAX_SIDE or width * height > limit:
        img.close()
        raise ValueError(f"refusing a {width}x{height} {img.format} image")
    return img


def _square(img: Image.Image, side: int) -> Image.Image:
    """Centre-crop to a square and scale to ``side``. Hamming is as sharp as bicubic when shrinking a
    cover and twice as fast; ``reducing_gap`` makes big downscales cheap."""
    width, height = img.size
    crop = min(width, height)
    left, top = (width - crop) / 2, (height - crop) / 2
    box = (left, top, left + crop, top + crop)
    return img.resize((side, side), Image.Resampling.HAMMING, box=box, reducing_gap=2.0)


def _to_rgb(img: Image.Image, background: RGB) -> Image.Image:
    has_alpha = img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info
    if has_alpha:
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, background)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: convert("RGB") clips everything above 255 to white; scale it down instead.
        wide = np.asarray(img.convert("I"), dtype=np.int64)
        peak = 65535 if wide.max(initial=0) > 255 else 255
        return Image.fromarray((wide * 255 // peak).clip(0, 255).astype(np.uint8), "L").convert("RGB")
    return img.convert("RGB")
