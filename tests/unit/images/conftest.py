"""A real HTTP server on 127.0.0.1 playing a cover CDN: images, 404s, 500s, redirects, a slow endpoint,
an oversized body, HTML where an image should be. It counts requests per path so tests can tell a
cache hit from a download."""

from __future__ import annotations

import asyncio
from collections import Counter
from functools import lru_cache

import httpx
import pytest
from aiohttp import web

from tests.unit.images import samples


@lru_cache(maxsize=1)
def _library() -> tuple[tuple[str, tuple[bytes, str]], ...]:
    return (
        ("/covers/red.png", (samples.solid(samples.RED), "image/png")),
        ("/covers/blue.jpg", (samples.solid(samples.BLUE, fmt="JPEG"), "image/jpeg")),
        ("/covers/green.png", (samples.solid(samples.GREEN), "image/png")),
        ("/covers/photo.jpg", (samples.photo_like(3, side=400), "image/jpeg")),
        ("/covers/octet.jpg", (samples.solid(samples.BLUE, fmt="JPEG"), "application/octet-stream")),
        ("/covers/page.html", (samples.HTML_PAGE, "text/html; charset=utf-8")),
        ("/covers/truncated.jpg", (samples.truncated_jpeg(), "image/jpeg")),
    )


class CoverServer:
    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.bodies: dict[str, tuple[bytes, str]] = dict(_library())
        self.release_slow = asyncio.Event()  # set only at teardown: /slow outlives any client timeout
        self.gate = asyncio.Event()  # holds /gated responses until a test opens it
        self.gated_arrived = asyncio.Event()
        self.slow_arrived = asyncio.Event()
        self.stream_bytes_sent = 0
        self.base = ""
        self._runner: web.AppRunner | None = None

    def url(self, path: str) -> str:
        return self.base + path

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/covers/{name}", self._cover)
        app.router.add_get("/gated/{name}", self._gated)
        app.router.add_get("/slow", self._slow)
        app.router.add_get("/redirect", self._redirect)
        app.router.add_get("/error", self._error)
        app.router.add_get("/big-declared", self._big_declared)
        app.router.add_get("/big-streamed", self._big_streamed)
        self._runner = web.AppRunner(app, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base = f"http://{host}:{port}"

    async def stop(self) -> None:
        self.release_slow.set()
        self.gate.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def _count(self, request: web.Request) -> None:
        self.hits[request.path] += 1

    async def _cover(self, request: web.Request) -> web.Response:
        self._count(request)
        found = self.bodies.get(request.path)
        if found is None:
            return web.Response(status=404, text="Not Found", content_type="text/html")
        body, content_type = found
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def _gated(self, request: web.Request) -> web.Response:
        self._count(request)
        self.gated_arrived.set()
        await self.gate.wait()
        body, content_type = self.bodies["/covers/" + request.match_info["name"]]
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def _slow(self, request: web.Request) -> web.Response:
        self._count(request)
        self.slow_arrived.set()
        await self.release_slow.wait()
        body, content_type = self.bodies["/covers/red.png"]
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def _redirect(self, request: web.Request) -> web.Response:
        self._count(request)
        raise web.HTTPFound("/covers/green.png")

    async def _error(self, request: web.Request) -> web.Response:
        self._count(request)
        return web.Response(status=503, text="upstream unavailable")

    async def _big_declared(self, request: web.Request) -> web.Response:
        # A real image, just larger than the cap the test sets: the cap must be what refuses it.
        self._count(request)
        body, content_type = self.bodies["/covers/photo.jpg"]
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def _big_streamed(self, request: web.Request) -> web.StreamResponse:
        # Chunked, no Content-Length: only counting the bytes as they arrive can stop it.
        self._count(request)
        response = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        body = self.bodies["/covers/photo.jpg"][0]
        chunk = 16_384
        try:
            for _ in range(1000):  # ~16 MB if nobody hangs up
                for start in range(0, len(body), chunk):
                    await response.write(body[start:start + chunk])
                    self.stream_bytes_sent += len(body[start:start + chunk])
        except (ConnectionResetError, ConnectionError):
            pass
        return response


@pytest.fixture
async def cover_server():
    server = CoverServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def http():
    async with httpx.AsyncClient() as client:
        yield client
