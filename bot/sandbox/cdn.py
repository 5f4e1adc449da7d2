"""An emulated image CDN: every path is a cover, drawn from the path, unless told otherwise.

Real CDNs serve JPEGs, answer 404 for dead links, and are sometimes slow; covers here do the same so
the duel image, charts and the cover cache meet real bytes over real HTTP.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections import Counter

from aiohttp import web
from PIL import Image


def colour_for(path: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(path.encode()).digest()
    return digest[0], digest[1], digest[2]


class CoverCdn:
    def __init__(self, size: int = 300) -> None:
        self.size = size
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

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        self.hits[path] += 1
        if path in self.hold_paths:
            await self._released.wait()
        if path in self.dead:
            return web.Response(status=404, text="Not Found")
        if path in self.not_images:
            return web.Response(text="<html><body>Oops</body></html>", content_type="text/html")
        buffer = io.BytesIO()
        Image.new("RGB", (self.size, self.size), colour_for(path)).save(buffer, "JPEG", quality=85)
        return web.Response(body=buffer.getvalue(), content_type="image/jpeg",
                            headers={"Cache-Control": "public, max-age=31536000"})
