"""Telling a person something outside an interaction: a direct message, and later edits of it.

Plain async so services can report progress without knowing Discord; the Discord implementation lives
in ``cogs/link.py``. A notifier never raises for a person who closed their DMs: ``send_dm`` returns None.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DirectMessage:
    channel_id: int
    message_id: int


class Notifier(Protocol):
    async def send_dm(self, user_id: int, text: str) -> DirectMessage | None:
        """Send ``text`` to the person; None when it could not be delivered (DMs closed, user gone)."""

    async def edit_dm(self, message: DirectMessage, text: str) -> bool:
        """Replace the text of a DM sent earlier; False when that failed."""


class SilentNotifier:
    """Used until the Discord client provides one (and by services run without Discord)."""

    async def send_dm(self, user_id: int, text: str) -> DirectMessage | None:
        log.debug("No notifier: DM to %s dropped", user_id)
        return None

    async def edit_dm(self, message: DirectMessage, text: str) -> bool:
        return False
