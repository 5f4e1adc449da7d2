"""A local albumoftheyear.org: user profile and ratings pages over real HTTP, with switchable faults.

Faults mirror what a scraper meets on the real site: Cloudflare's managed challenge (403 or 503 with
``cf-mitigated: challenge``), 5xx and 429 bursts, slow or hanging responses, and markup that changed
under the scraper. Every request is counted by path so tests can prove each page was fetched once.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter

from aiohttp import web

from bot.sandbox.aoty import pages
from bot.sandbox.aoty.data import RATINGS_PER_PAGE, AotyRatingSpec, EmulatedUser, generate_ratings

class AotyEmulator:
    """``await start()``, point a client at ``base_url``, ``await stop()``.

    Switches a test may flip at any time (they apply to the next request):
    ``cloudflare`` (None, 403 or 503), ``latency`` (seconds added to every answer), ``hold()`` /
    ``release()`` (answers wait until released), ``fail_next(n, status)`` (5xx or 429 bursts) and
    ``malformed`` (None, "layout": a redesigned page, "blocks": album cards missing their fields).
    """

    def __init__(self, *, per_page: int = RATINGS_PER_PAGE) -> None:
        self.per_page = per_page
        self.cloudflare: int | None = None
        self.latency = 0.0
        self.malformed: str | None = None
        self.hits: Counter[str] = Counter()
        self.log: list[tuple[str, int]] = []
        self._users: dict[str, EmulatedUser] = {}
        self._album_ids: dict[str, list[int]] = {}
        self._next_album_id = itertools.count(500_000)
        self._failures: list[int] = []
        self._released = asyncio.Event()
        self._released.set()
        self._arrivals = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # --- data ---------------------------------------------------------------------------------

    def add_user(self, username: str, ratings: list[AotyRatingSpec]) -> EmulatedUser:
        """A user whose ratings page lists ``ratings`` in order (the site's default: most recent first)."""
        user = EmulatedUser(username, list(ratings))
        self._users[username.lower()] = user
        self._album_ids[username.lower()] = [
            spec.album_id if spec.album_id is not None else next(self._next_album_id) for spec in ratings
        ]
        return user

    def add_generated_user(self, username: str, n_albums: int, seed: int) -> list[AotyRatingSpec]:
        specs = generate_ratings(n_albums, seed)
        self.add_user(username, specs)
        return specs

    def album_url(self, username: str, index: int) -> str:
        """The absolute album URL the ratings page links for the user's ``index``-th rating."""
        user = self._users[username.lower()]
        return self.base_url + pages.album_path(self._album_ids[username.lower()][index], user.ratings[index])

    def total_pages(self, username: str) -> int:
        return max(1, -(-len(self._users[username.lower()].ratings) // self.per_page))

    # --- fault switches -----------------------------------------------------------------------

    def fail_next(self, n: int, status: int = 503) -> None:
        """The next ``n`` requests answer ``status`` (a 429 carries ``Retry-After: 0``)."""
        self._failures.extend([status] * n)

    def hold(self) -> None:
        """Requests arrive and are counted but get no answer until ``release()``."""
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    async def wait_for_requests(self, total: int) -> None:
        """Wait until ``total`` requests have arrived in all (answered or not)."""
        async with self._arrivals:
            await self._arrivals.wait_for(lambda: sum(self.hits.values()) >= total)

    # --- server -------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/user/{username}/", self._profile)
        app.router.add_get("/user/{username}", self._profile)
        app.router.add_get("/user/{username}/ratings/", self._ratings)
        app.router.add_get("/user/{username}/ratings/{page:\\d+}/", self._ratings)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        self.release()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> AotyEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- handlers -----------------------------------------------------------------------------

    async def _arrive(self, request: web.Request) -> web.Response | None:
        """Count the request, apply delays, and answer it here if a fault is switched on."""
        async with self._arrivals:
            self.hits[request.path] += 1
            self._arrivals.notify_all()
        if self.latency:
            await asyncio.sleep(self.latency)
        await self._released.wait()
        if self.cloudflare is not None:
            return self._answer(request, web.Response(
                status=self.cloudflare, text=pages.cloudflare_challenge_page("8f3a2b1c9d0e7f65"),
                content_type="text/html", charset="utf-8",
                headers={"cf-mitigated": "challenge", "Server": "cloudflare", "CF-RAY": "8f3a2b1c9d0e7f65-AMS",
                         "Cache-Control": "private, max-age=0, no-store, no-cache, must-revalidate"},
            ))
        if self._failures:
            status = self._failures.pop(0)
            headers = {"Retry-After": "0"} if status == 429 else {}
            return self._answer(request, web.Response(
                status=status, text=f"<html><body><h1>{status} Error</h1></body></html>",
                content_type="text/html", charset="utf-8", headers=headers,
            ))
        return None

    def _answer(self, request: web.Request, response: web.Response) -> web.Response:
        self.log.append((request.path, response.status))
        return response

    def _html(self, request: web.Request, body: str, status: int = 200) -> web.Response:
        response = web.Response(status=status, body=body.encode("utf-8"), content_type="text/html", charset="utf-8")
        return self._answer(request, response)

    async def _not_found(self, request: web.Request) -> web.Response:
        return await self._arrive(request) or self._html(request, pages.not_found_page(), 404)

    async def _profile(self, request: web.Request) -> web.Response:
        if (fault := await self._arrive(request)) is not None:
            return fault
        user = self._users.get(request.match_info["username"].lower())
        if user is None:
            return self._html(request, pages.not_found_page(), 404)
        return self._html(request, pages.profile_page(user))

    async def _ratings(self, request: web.Request) -> web.Response:
        if (fault := await self._arrive(request)) is not None:
            return fault
        key = request.match_info["username"].lower()
        user = self._users.get(key)
        if user is None:
            return self._html(request, pages.not_found_page(), 404)
        page = int(request.match_info.get("page", "1"))
        if page < 1 or page > self.total_pages(user.name):
            # The site sends out-of-range pages back to the first one.
            self.log.append((request.path, 302))
            raise web.HTTPFound(f"/user/{user.name}/ratings/")
        if self.malformed == "layout":
            return self._html(request, pages.redesigned_page(user))
        if self.malformed == "blocks":
            return self._html(request, pages.broken_blocks_page(user))
        return self._html(request, pages.ratings_page(user, page, self.per_page, self._album_ids[key]))
