"""An emulated image CDN: every path is a cover, drawn from the path, unless told otherwise.

Real CDNs serve JPEGs, answer 404 for dead links, and are sometimes slow; covers here do the same so
the duel image, charts and the cover cache meet real bytes over real HTTP.

Two styles of cover: ``"flat"`` (one colour per path, cheap, which tests read back to tell covers apart)
and ``"photo"`` (640 px photo-like JPEGs, Spotify's largest size, which cost what real covers cost to
decode, quantise and dither). Photo covers are drawn from a pool made at start-up, each path's bytes
made unique by a JPEG comment naming it, so no cache keyed by bytes can share work between two paths.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import struct
from collections import Counter
from typing import Literal

import numpy as np
from aiohttp import web
from PIL import Image

PHOTO_SIDE = 640
PHOTO_POOL = 48


def colour_for(path: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(path.encode()).digest()
    return digest[0], digest[1], digest[2]


def photo_cover(seed: int, side: int = PHOTO_SIDE) -> bytes:
    """A smooth colour field with grain, JPEG-encoded like a real cover: compresses and decodes like a photo."""
    rng = np.random.default_rng(seed)
    field = Image.fromarray(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)).resize((side, side), Image.BICUBIC)
    grain = rng.normal(0, 10, (side, side, 3))
    pixels = np.clip(np.asarray(field, dtype=float) + grain, 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=90)
    return out.getvalue()


def _with_comment(jpeg: bytes, text: str) -> bytes:
    """The same picture with a COM segment after the start-of-image marker: different bytes, same pixels."""
    comment = text.encode()[:60000]
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + jpeg[2:]


class CoverCdn:
    def __init__(self, size: int = 300, style: Literal["flat", "photo"] = "flat") -> None:
        self.size = size
        self.style = style
        self._photos: list[bytes] = []
        self.dead: set[str] = set()       # paths that answer 404
        self.not_images: set[str] = set()  # paths that answer an HTML page with status 200
        self.hold_paths: set[str] = set()  # paths that hang until release()
        self.hits: Counter[str] = Counter()
        self._released = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def release(self) -> None:
        self._released.set()

    async def start(self) -> None:
        if self.style == "photo" and not self._photos:
            # Made once, before anyone asks: drawing a photo per request would load the machine under test.
            self._photos = [photo_cover(seed) for seed in range(PHOTO_POOL)]
        app = web.Application()
        app.router.add_get("/{path:.*}", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # aiohttp has no public accessor for the port
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        self._released.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> "CoverCdn":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def picture(self, path: str) -> str:
        """Which picture ``path`` serves: paths with the same answer serve the same pixels (their bytes
        still differ), so whoever prepares them ahead (a benchmark) can do each picture once."""
        if self.style == "photo":
            return f"photo-{hashlib.sha256(path.encode()).digest()[0] % PHOTO_POOL}"
        return "flat-%02x%02x%02x" % colour_for(path)

    def body(self, path: str) -> bytes:
        """The image bytes served at ``path`` (a JPEG; ``start()`` first for photo covers)."""
        if self.style == "photo":
            digest = hashlib.sha256(path.encode()).digest()
            return _with_comment(self._photos[digest[0] % len(self._photos)], path)
        buffer = io.BytesIO()
        Image.new("RGB", (self.size, self.size), colour_for(path)).save(buffer, "JPEG", quality=85)
        return buffer.getvalue()

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        self.hits[path] += 1
        if path in self.hold_paths:
            await self._released.wait()
        if path in self.dead:
            return web.Response(status=404, text="Not Found")
        if path in self.not_images:
            return web.Response(text="<html><body>Oops</body></html>", content_type="text/html")
        body = self.body(path)
        return web.Response(body=body, content_type="image/jpeg",
                            headers={"Cache-Control": "public, max-age=31536000"})
