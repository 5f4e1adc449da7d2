"""The embedded web server: OAuth callbacks and a health check.

Feature modules add their routes with ``WebServer.add_routes`` before ``start``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)


class WebServer:
    def __init__(self, host: str, port: int, health: Callable[[], Awaitable[dict]]) -> None:
        self.host = host
        self.port = port
        self._health = health
        self.app = web.Application()
        self.app.router.add_get("/healthz", self._healthz)
        self._runner: web.AppRunner | None = None

    def add_routes(self, routes: list[web.RouteDef]) -> None:
        self.app.add_routes(routes)

    async def _healthz(self, _request: web.Request) -> web.Response:
        database = await self._health()
        healthy = database.get("status") == "ok"
        return web.json_response({"status": "ok" if healthy else "degraded", "database": database},
                                 status=200 if healthy else 503)

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        # With port 0 the OS picks one: remember the real one so callers can build URLs.
        server = site._server  # aiohttp exposes no public accessor for the bound sockets
        if server is not None and server.sockets:
            self.port = server.sockets[0].getsockname()[1]
        log.info("Web server listening on http://%s:%s", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"
