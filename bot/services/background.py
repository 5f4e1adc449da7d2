"""Long-lived background tasks that can be woken early and stopped cleanly."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class WakeableLoop:
    """Subclasses implement ``_run`` and call ``_nap(seconds)`` between passes; ``wake`` cuts a nap short."""

    task_name = "background-loop"

    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.task_name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def _nap(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass

    async def _run(self) -> None:
        raise NotImplementedError


class Periodic(WakeableLoop):
    """A ``WakeableLoop`` around one function: ``work`` runs every ``every`` seconds, and at once after
    ``wake()``. A pass that raises is logged and the next tick tries again; a pass that returns False
    ends the task. ``passes`` counts finished passes, and ``wait_for_passes`` lets callers (tests) wait
    for one."""

    def __init__(self, work: Callable[[], Awaitable[bool | None]], every: float, name: str, failure: str) -> None:
        super().__init__()
        self.work = work
        self.every = every
        self.task_name = name
        self.failure = failure  # what the log says when a pass raises
        self.passes = 0
        self._passed = asyncio.Condition()

    async def wait_for_passes(self, count: int) -> None:
        async with self._passed:
            await self._passed.wait_for(lambda: self.passes >= count)

    async def _run(self) -> None:
        while True:
            self._wake.clear()  # a wake during the pass is kept for the next one
            go_on: bool | None = True
            try:
                go_on = await self.work()
            except Exception:
                log.exception(self.failure)
            async with self._passed:
                self.passes += 1
                self._passed.notify_all()
            if go_on is False:
                return
            await self._nap(self.every)
