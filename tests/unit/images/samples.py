"""Cover bytes of every shape the image layer meets, and ways to read back what a person would see."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

from bot.sandbox.cdn import photo_cover

RED = (220, 30, 40)
BLUE = (30, 60, 210)
GREEN = (40, 170, 60)

HTML_PAGE = b"<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>gone</body></html>"


def solid(colour, size=(300, 300), fmt="PNG", mode="RGB", **save) -> bytes:
    img = Image.new("RGB", size, colour)
    if mode != "RGB":
        img = img.convert(mode)
    out = io.BytesIO()
    img.save(out, format=fmt, **save)
    return out.getvalue()


def photo_like(seed: int, side: int = 640) -> bytes:
    """A smooth colour field with grain, JPEG-encoded like a real cover: the emulated CDN's photo covers."""
    return photo_cover(seed, side)


def truncated_jpeg(colour=RED) -> bytes:
    whole = photo_like(7)
    return whole[: len(whole) // 2]


def bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A valid PNG header claiming ``width`` x ``height`` pixels (the payload is a few bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    payload = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", payload) + chunk(b"IEND", b"")


def animated_gif(first, second) -> bytes:
    frames = [Image.new("RGB", (200, 200), c).convert("P") for c in (first, second)]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def transparent_png(colour) -> bytes:
    """A cover whose outer ring is fully transparent and whose middle is ``colour``."""
    img = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    img.paste(Image.new("RGBA", (200, 200), (*colour, 255)), (50, 50))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def sixteen_bit_grey(level16: int) -> bytes:
    img = Image.fromarray(np.full((120, 120), level16, dtype=np.uint16))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def wide_with_bars(centre, bars, size=(600, 200)) -> bytes:
    """A wide image: ``centre`` colour in the middle square, ``bars`` on both sides."""
    img = Image.new("RGB", size, bars)
    side = min(size)
    img.paste(Image.new("RGB", (side, side), centre), ((size[0] - side) // 2, (size[1] - side) // 2))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def decode(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def dominant(img: Image.Image, box) -> tuple[int, int, int]:
    """The per-channel median colour of ``box``: what the eye reads as that area's colour, robust to
    dithering, JPEG ringing and a little text."""
    pixels = np.asarray(img.convert("RGB").crop(box)).reshape(-1, 3)
    return tuple(int(v) for v in np.median(pixels, axis=0))


def close(a, b, tolerance: int = 14) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b))
