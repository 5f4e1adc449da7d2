"""The emulator's state: users, guilds, channels, messages and interactions, as plain dataclasses.

Tests hold these objects and assert on them, so they expose what a person would see (content, embeds,
buttons, attachment bytes) rather than raw JSON, while the raw payload stays available as ``data``.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

DISCORD_EPOCH_MS = 1420070400000
_increment = itertools.count()

# Message flags the emulator interprets.
EPHEMERAL = 1 << 6
LOADING = 1 << 7


def snowflake() -> int:
    """A new id shaped like Discord's: milliseconds since the Discord epoch, then a counter."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (next(_increment) & 0xFFF)


@dataclass
class User:
    id: int
    name: str
    bot: bool = False
    global_name: str | None = None
    dms_open: bool = True

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass
class Role:
    id: int
    name: str
    permissions: int = 0
    position: int = 0


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    roles: list[Role] = field(default_factory=list)
    channel_ids: list[int] = field(default_factory=list)
    member_ids: list[int] = field(default_factory=list)
    bot_present: bool = True
    joined_at: str = ""


@dataclass
class Channel:
    id: int
    name: str
    type: int  # 0 guild text, 1 DM
    guild_id: int | None = None
    recipient_id: int | None = None  # the person in a DM channel

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"


@dataclass
class Member:
    user_id: int
    guild_id: int
    joined_at: str
    nick: str | None = None
    role_ids: list[int] = field(default_factory=list)


@dataclass
class Attachment:
    id: int
    filename: str
    data: bytes
    content_type: str
    url: str
    description: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Message:
    """A message as a person sees it now; ``edits`` holds each earlier version's payload."""

    id: int
    channel_id: int
    data: dict[str, Any]
    attachment_files: list[Attachment] = field(default_factory=list)
    interaction_id: int | None = None
    visible_to: int | None = None  # the only user who sees an ephemeral message
    edits: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False

    @property
    def content(self) -> str:
        return self.data.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.data.get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        return list(self.data.get("components") or [])

    @property
    def flags(self) -> int:
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """Still the "thinking..." placeholder of a deferred reply."""
        return bool(self.flags & LOADING)

    @property
    def attachments(self) -> list[Attachment]:
        return list(self.attachment_files)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Every button in the message, however deeply nested (rows, containers, sections)."""
        return [c for c in iter_components(self.components) if c.get("type") == 2]

    def find_component(self, custom_id: str) -> dict[str, Any] | None:
        for component in iter_components(self.components):
            if component.get("custom_id") == custom_id:
                return component
        return None

    def __repr__(self) -> str:
        return f"<Message id={self.id} content={self.content!r} flags={self.flags} embeds={len(self.embeds)}>"


def iter_components(components: list[dict[str, Any]]):
    """Walk a component tree (action rows, containers, sections with accessories)."""
    for component in components:
        yield component
        yield from iter_components(component.get("components") or [])
        accessory = component.get("accessory")
        if accessory:
            yield from iter_components([accessory])
        inner = component.get("component")  # a modal label wraps one component
        if inner:
            yield from iter_components([inner])


@dataclass
class ApiErrorRecord:
    """An error status the emulator answered the bot with, kept for assertions."""

    method: str
    path: str
    status: int
    code: int
    message: str


class InteractionRun:
    """One interaction sent to the bot and everything the bot did in answer to it.

    ``await run.done()`` waits for the reply a person would finally see.
    """

    def __init__(self, *, id: int, token: str, type: int, user: User, channel: Channel,
                 guild: Guild | None, payload: dict[str, Any], changed: asyncio.Condition,
                 created: float, deadline: float, source_message: Message | None = None) -> None:
        self.id = id
        self.created = created  # loop time the interaction was sent
        self.token = token
        self.type = type
        self.user = user
        self.channel = channel
        self.guild = guild
        self.payload = payload
        self.source_message = source_message  # the message a clicked component is on
        self.deadline = deadline  # loop time after which a first callback gets 10062
        self.callback_type: int | None = None
        self.callback_data: dict[str, Any] | None = None
        self.original_id: int | None = None  # the message "@original" refers to
        self.deferred_ephemeral = False
        self.reply: Message | None = None
        self.followups: list[Message] = []
        self.messages: list[Message] = []
        self.errors: list[ApiErrorRecord] = []
        self.choices: list[dict[str, Any]] | None = None  # autocomplete result
        self.modal: dict[str, Any] | None = None  # a modal the bot opened
        self._final = False
        self._changed = changed

    @property
    def acknowledged(self) -> bool:
        return self.callback_type is not None

    @property
    def ephemeral(self) -> bool:
        return self.reply is not None and self.reply.ephemeral

    @property
    def finished(self) -> bool:
        """True once the person sees a final answer (not a loading placeholder)."""
        return self._final

    def mark_final(self, message: Message | None) -> None:
        if message is not None and self.reply is None:
            self.reply = message
        self._final = True

    async def done(self, timeout: float = 10.0) -> Message | None:
        """Wait until the interaction has a final visible reply and return it.

        Raises ``AssertionError`` naming what was awaited when the bot does not answer in time.
        """
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        async with self._changed:
            ack_wait = max(0.0, min(end, self.deadline + 0.05) - loop.time())
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: self.acknowledged), ack_wait)
            except asyncio.TimeoutError:
                raise AssertionError(
                    f"interaction {self.id} ({self.describe()}) got no callback from the bot within "
                    f"the interaction window; errors: {self.errors}") from None
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: self._final),
                                       max(0.0, end - loop.time()))
            except asyncio.TimeoutError:
                raise AssertionError(
                    f"interaction {self.id} ({self.describe()}) was acknowledged with type "
                    f"{self.callback_type} but no final reply came within {timeout}s") from None
        return self.reply

    def describe(self) -> str:
        data = self.payload.get("data") or {}
        if self.type == 3:
            return f"click {data.get('custom_id')!r} by {self.user.name}"
        if self.type == 5:
            return f"modal {data.get('custom_id')!r} by {self.user.name}"
        return f"/{data.get('name')} by {self.user.name}"

    def __repr__(self) -> str:
        return f"<InteractionRun {self.describe()} callback={self.callback_type} reply={self.reply!r}>"
