"""Benchmark: composing the duel image and a 25-cover chart, and the cover fetcher's cache path.

Run: ``python -m tests.bench.images_bench [repeats]``. Prints median and p95 wall milliseconds, the
median CPU time of the composing thread (what the machine's other load cannot inflate) and output
sizes. Targets: duel image < 50 ms and < 400 KB; 25-cover chart well below Discord's 8 MB cap.
Covers are 640 px photo-like JPEGs (Spotify's largest size); "placeholders" means no cover at all.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

import httpx
from aiohttp import web

from bot.images import AlbumLabel, ChartItem, CoverFetcher, compose_chart, compose_duel_image
from bot.images.duel_image import CoverInput, compose_duel, prepare_tile
from tests.unit.images.samples import photo_like


def measure(label: str, run: Callable[[], bytes], repeats: int) -> None:
    run()  # warm-up: fonts, placeholder cache
    times, cpu, size = [], [], 0
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.thread_time()
        size = len(run())
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(
        f"{label:<34} median {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms   "
        f"cpu {statistics.median(cpu):6.1f} ms   {size / 1000:7.1f} KB"
    )


async def measure_fetcher(repeats: int) -> None:
    body = photo_like(9)

    async def cover(_request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="image/jpeg")

    app = web.Application()
    app.router.add_get("/cover.jpg", cover)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        async with httpx.AsyncClient() as http:
            fetcher = CoverFetcher(http)
            url = f"http://{host}:{port}/cover.jpg"
            start = time.perf_counter()
            await fetcher.fetch(url)
            first = (time.perf_counter() - start) * 1000
            start = time.perf_counter()
            for _ in range(repeats):
                await fetcher.fetch(url)
            cached = (time.perf_counter() - start) * 1_000_000 / repeats
    finally:
        await runner.cleanup()
    print(f"{'cover fetch, first (local server)':<34} {first:7.1f} ms  (download + validation)")
    print(f"{'cover fetch, cached':<34} {cached:7.1f} us")


def main(repeats: int = 20) -> None:
    a, b = photo_like(1), photo_like(2)
    ok, homogenic = AlbumLabel("OK Computer", "Radiohead", 1997), AlbumLabel("Homogenic", "Björk", 1997)
    photos = [photo_like(seed) for seed in range(5)]  # each item is decoded anyway: reuse is as costly
    chart = [ChartItem(i + 1, f"Album number {i + 1}", f"Artist {i + 1}", photos[i % 5]) for i in range(25)]
    measure("duel image, two 640px covers", lambda: compose_duel_image(a, b, ok, homogenic), repeats)
    # Covers never seen before: each one is decoded, quantised and dithered (the first-sight cost).
    fresh = iter([photo_like(100 + seed) for seed in range(2 * repeats + 2)])
    measure("duel image, two new covers", lambda: compose_duel_image(next(fresh), next(fresh), ok, homogenic),
            repeats)
    # Prepared tiles (what a click does once the artwork resolver made them): each read from disk the
    # first time, as after a restart, so the worker's memory of tiles never helps here.
    with tempfile.TemporaryDirectory() as folder:
        tiles = []
        for seed in range(2 * repeats + 2):
            path = f"{folder}/{seed}.tile"
            prepare_tile(photo_like(200 + seed), path)
            tiles.append(path)
        unread = iter(tiles)
        measure("duel image, two prepared tiles", lambda: compose_duel(CoverInput(None, next(unread)),
                                                                        CoverInput(None, next(unread)), ok, homogenic),
                repeats)
        covers, numbers = [photo_like(300 + seed) for seed in range(repeats + 1)], itertools.count()

        def prepare_one() -> bytes:  # what the artwork resolver has the worker do per cover found
            n = next(numbers)
            prepare_tile(covers[n], f"{folder}/p{n}.tile")
            with open(f"{folder}/p{n}.tile", "rb") as file:
                return file.read()  # its size is the tile's size on disk

        measure("cover tile, preparing one", prepare_one, repeats)
    measure("duel image, two placeholders", lambda: compose_duel_image(None, None, ok, homogenic), repeats)
    measure("chart 3x3 (9 covers)", lambda: compose_chart(chart[:9], 9), max(3, repeats // 4))
    measure("chart 5x5 (25 covers)", lambda: compose_chart(chart, 25), max(3, repeats // 4))
    asyncio.run(measure_fetcher(repeats * 10))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
