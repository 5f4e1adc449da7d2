"""Runs provider imports in the background, a few at a time, reporting progress by editing one DM.

One import per person and provider runs at once; at most ``max_concurrent`` run in the process (the
others wait their turn, and say so). ``stop`` cancels everything: the bot calls it on shutdown, and the
imports' own transactions make sure what was written is whole (see ``bot.services.provider_imports``).
An import cut off that way is picked up again when the bot starts (``cogs/link.py``); one that ended
on an error waits for the person's /import.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable

from bot.errors import LinkBroken, UserError
from bot.linking.states import PROVIDER_NAMES
from bot.notify import DirectMessage, Notifier, SilentNotifier
from bot.services.provider_imports import ProviderImportResult

log = logging.getLogger(__name__)

ImportFunction = Callable[..., Awaitable[ProviderImportResult]]  # (user_id, provider, progress)
StoppedHook = Callable[[int, str], Awaitable[None]]  # (user_id, provider): the import ended on an error
EDIT_INTERVAL = 1.5  # seconds between progress edits: Discord rate-limits message edits


class ProgressDm:
    """One DM per import: sent with the first line, then edited (throttled; waits and the end always show)."""

    def __init__(self, notifier: Notifier, user_id: int, interval: float = EDIT_INTERVAL) -> None:
        self._notifier = notifier
        self._user_id = user_id
        self._interval = interval
        self._message: DirectMessage | None = None
        self._sent = False
        self._last_edit = 0.0

    async def post(self, text: str, urgent: bool = False) -> None:
        if not self._sent:
            self._sent = True
            self._message = await self._notifier.send_dm(self._user_id, text)
            self._last_edit = time.monotonic()
            return
        now = time.monotonic()
        if self._message is not None and (urgent or now - self._last_edit >= self._interval):
            self._last_edit = now
            await self._notifier.edit_dm(self._message, text)

    async def finish(self, text: str) -> None:
        if not self._sent:
            await self.post(text)
        elif self._message is not None:
            await self._notifier.edit_dm(self._message, text)


class ImportRunner:
    def __init__(self, run_import: ImportFunction, notifier: Notifier | None = None, *, max_concurrent: int = 2,
                 edit_interval: float = EDIT_INTERVAL, on_stopped: StoppedHook | None = None) -> None:
        self._run_import = run_import
        self._on_stopped = on_stopped
        self.notifier: Notifier = notifier or SilentNotifier()
        self._slots = asyncio.Semaphore(max_concurrent)
        self._edit_interval = edit_interval
        self._tasks: dict[tuple[int, str], asyncio.Task[None]] = {}

    def is_running(self, user_id: int, provider: str) -> bool:
        return (user_id, provider) in self._tasks

    def start(self, user_id: int, provider: str, *, intro: str | None = None) -> bool:
        """Start importing in the background; False if this person's import from there already runs."""
        key = (user_id, provider)
        if key in self._tasks:
            return False
        task = asyncio.create_task(self._run(user_id, provider, intro), name=f"import-{provider}-{user_id}")
        self._tasks[key] = task
        task.add_done_callback(lambda _t: self._tasks.pop(key, None))
        return True

    async def wait(self, user_id: int, provider: str) -> None:
        task = self._tasks.get((user_id, provider))
        if task is not None:
            await asyncio.shield(task)

    async def cancel(self, user_id: int, provider: str | None = None) -> None:
        """Stop this person's imports (all of them when ``provider`` is None) and wait until they stopped."""
        tasks = [t for (uid, p), t in self._tasks.items() if uid == user_id and provider in (None, p)]
        await self._cancel(tasks)

    async def stop(self) -> None:
        await self._cancel(list(self._tasks.values()))

    @staticmethod
    async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, user_id: int, provider: str, intro: str | None) -> None:
        name = PROVIDER_NAMES[provider]
        dm = ProgressDm(self.notifier, user_id, self._edit_interval)
        await dm.post(intro or f"Importing your albums from {name}…")
        if self._slots.locked():
            await dm.post(f"Waiting for other imports to finish before reading {name}…", urgent=True)
        async with self._slots:
            try:
                result = await self._run_import(user_id, provider, dm.post)
            except asyncio.CancelledError:
                # Shutting down: the saved cursor stays "running", so the next start picks it up.
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(2):
                        await dm.finish(f"The bot is restarting: your {name} import will continue where it "
                                        "stopped as soon as it is back.")
                raise
            except LinkBroken as error:
                await self._stopped(user_id, provider)
                await dm.finish(f"{name} import stopped: {error.message}".rstrip()
                                + ("" if f"/link {provider} again" in error.message
                                   else f" Please /link {provider} again."))
            except UserError as error:
                await self._stopped(user_id, provider)
                await dm.finish(f"{name} import stopped: {error.message} "
                                f"Run /import {provider} to continue where it stopped.")
            except Exception:
                await self._stopped(user_id, provider)
                reference = secrets.token_hex(3)
                log.exception("Import from %s for user %s failed [ref %s]", provider, user_id, reference)
                await dm.finish(f"Sorry, the {name} import failed on our side. If it keeps happening, mention "
                                f"reference `{reference}` to the bot's operator.")
            else:
                await dm.finish(result.text)

    async def _stopped(self, user_id: int, provider: str) -> None:
        if self._on_stopped is None:
            return
        try:
            await self._on_stopped(user_id, provider)
        except Exception:  # the DM still tells the person; at worst the import resumes on the next start
            log.warning("Could not mark the %s import of user %s as stopped", provider, user_id, exc_info=True)
