"""One long-lived task per service that can be woken early and stopped cleanly."""

from __future__ import annotations

import asyncio


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
