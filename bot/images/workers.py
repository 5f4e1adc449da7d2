"""Where image work runs: worker processes, or threads of the bot's own process.

Composing a duel image is the largest CPU cost of a click. In threads it competes with the event loop
for the interpreter lock; in a worker process it runs on another core, which under load cut click
latency several-fold (docs/performance.md). ``processes=0`` uses threads (tests, one-core hosts).
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from functools import partial

from bot.images.collage import compose_chart
from bot.images.duel_image import CoverInput, compose_duel, prepare_tile
from bot.images.models import AlbumLabel, ChartItem


class ImageWorkers:
    def __init__(self, processes: int = 1) -> None:
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor | None:
        if self.processes <= 0:
            return None
        if self._pool is None:
            # "spawn": forking a process that runs an event loop and database threads can copy held locks.
            self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    async def _run(self, function, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        executor = self._executor()
        if executor is None:
            return await asyncio.to_thread(function, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(executor, partial(function, *args, **kwargs))

    async def duel_png(self, cover_a: CoverInput, cover_b: CoverInput, album_a: AlbumLabel,
                       album_b: AlbumLabel) -> bytes:
        """Raises ``TilesMissing`` when a cover given only by its tile has none (see ``compose_duel``)."""
        return await self._run(compose_duel, cover_a, cover_b, album_a, album_b)

    async def prepare_tile(self, cover: bytes, path: str) -> bool:
        return await self._run(prepare_tile, cover, path)

    async def chart(self, items: list[ChartItem], size: int) -> bytes:
        return await self._run(compose_chart, items, size)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
