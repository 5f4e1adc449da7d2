"""Everything the emulated Discord knows, and the rules for creating and editing messages."""

from __future__ import annotations

import asyncio
import mimetypes
import secrets
import struct
from dataclasses import dataclass
from typing import Any, Callable

from bot.sandbox.discord.models import (
    EPHEMERAL, LOADING, ApiErrorRecord, Attachment, Channel, Guild, InteractionRun, Member, Message, Role, User,
    iter_components, snowflake,
)
from bot.sandbox.discord.payloads import EVERYONE_PERMISSIONS, now_iso, user_json
from bot.sandbox.discord.validation import ApiError, invalid_form, unknown, validate_message

# Flags a bot may set or change on a message it sends or edits.
SETTABLE_FLAGS = (1 << 2) | (1 << 12) | (1 << 15)  # suppress embeds, suppress notifications, components v2
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12


@dataclass
class RateLimitInjection:
    """Answer the next ``times`` requests whose "METHOD /path" or "/path" starts with ``prefix`` with a 429."""

    prefix: str
    times: int
    retry_after: float
    is_global: bool = False
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        return self.hits < self.times and (path.startswith(self.prefix) or f"{method} {path}".startswith(self.prefix))


@dataclass
class Upload:
    """One file part of a multipart request (``files[n]``)."""

    field: str
    filename: str
    data: bytes


def _image_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    return None


class DiscordState:
    def __init__(self, token: str, bot_name: str = "AlbumDuel") -> None:
        self.token = token
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.members: dict[tuple[int, int], Member] = {}
        self.messages: dict[int, Message] = {}
        self.channel_log: dict[int, list[int]] = {}
        self.dm_channels: dict[int, int] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.command_syncs = 0
        self.interactions: dict[int, InteractionRun] = {}
        self.by_token: dict[str, InteractionRun] = {}
        self.changed = asyncio.Condition()
        self.cdn_base = "http://127.0.0.1:0"
        self.callback_window = 3.0  # seconds to send the first interaction callback
        self.rate_limits: list[RateLimitInjection] = []
        self.api_errors: list[ApiErrorRecord] = []
        self.unhandled_routes: list[str] = []
        self.application_flags = 1 << 23  # APPLICATION_COMMAND_BADGE
        self.owner = self.add_user("owner")
        self.bot_user = self.add_user(bot_name, bot=True)
        self.application_id = self.bot_user.id  # Discord gives a bot the id of its application
        # The gateway installs this to push events: (event name, data, intent bit or 0, guild id or None).
        self.dispatch: Callable[[str, dict[str, Any], int], None] = lambda event, data, intent: None

    async def notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        async with self.changed:
            try:
                await asyncio.wait_for(self.changed.wait_for(predicate), timeout)
            except asyncio.TimeoutError:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}") from None

    # --- people and places --------------------------------------------------------------------------

    def add_user(self, name: str, *, bot: bool = False, global_name: str | None = None) -> User:
        user = User(id=snowflake(), name=name, bot=bot, global_name=global_name)
        self.users[user.id] = user
        return user

    def new_guild(self, name: str, owner: User | None = None) -> Guild:
        guild = Guild(id=snowflake(), name=name, owner_id=(owner or self.owner).id, joined_at=now_iso())
        guild.roles.append(Role(id=guild.id, name="@everyone", permissions=EVERYONE_PERMISSIONS))
        self.guilds[guild.id] = guild
        self.new_member(guild, self.bot_user)
        self.new_member(guild, owner or self.owner)
        return guild

    def new_member(self, guild: Guild, user: User, nick: str | None = None) -> Member:
        member = Member(user_id=user.id, guild_id=guild.id, joined_at=now_iso(), nick=nick)
        self.members[(guild.id, user.id)] = member
        if user.id not in guild.member_ids:
            guild.member_ids.append(user.id)
        return member

    def new_text_channel(self, guild: Guild, name: str) -> Channel:
        channel = Channel(id=snowflake(), name=name, type=0, guild_id=guild.id)
        self.channels[channel.id] = channel
        self.channel_log[channel.id] = []
        guild.channel_ids.append(channel.id)
        return channel

    def dm_channel(self, user: User) -> Channel:
        """The DM channel between the bot and ``user`` (Discord creates it on first use)."""
        channel_id = self.dm_channels.get(user.id)
        if channel_id is None:
            channel = Channel(id=snowflake(), name="", type=1, recipient_id=user.id)
            self.channels[channel.id] = channel
            self.channel_log[channel.id] = []
            self.dm_channels[user.id] = channel.id
            return channel
        return self.channels[channel_id]

    def get_channel(self, channel_id: int) -> Channel:
        channel = self.channels.get(channel_id)
        if channel is None:
            raise unknown("channel")
        if channel.guild_id is not None and not self.guilds[channel.guild_id].bot_present:
            raise ApiError(403, 50001, "Missing Access")
        return channel

    def last_message_id(self, channel_id: int) -> int | None:
        log = self.channel_log.get(channel_id) or []
        return log[-1] if log else None

    # --- messages -----------------------------------------------------------------------------------

    def visible_messages(self, channel_id: int, *, include_ephemeral: bool = False) -> list[Message]:
        result = []
        for mid in self.channel_log.get(channel_id, []):
            msg = self.messages[mid]
            if not msg.deleted and (include_ephemeral or not msg.ephemeral):
                result.append(msg)
        return result

    def channel_message(self, channel_id: int, message_id: int) -> Message:
        """A message as the channel routes see it: ephemeral and deleted ones do not exist there."""
        msg = self.messages.get(message_id)
        if msg is None or msg.channel_id != channel_id or msg.deleted or msg.ephemeral:
            raise unknown("message")
        return msg

    def _attachments(self, channel: Channel, body: dict[str, Any], uploads: list[Upload],
                     existing: list[Attachment]) -> list[Attachment]:
        by_field = {u.field: u for u in uploads}
        kept = {a.id: a for a in existing}
        result: list[Attachment] = []
        used: set[str] = set()
        listed = body.get("attachments")
        entries = listed if listed is not None else [{"id": i} for i in range(len(uploads))]
        if listed is None:
            result.extend(existing)
        for entry in entries:
            raw_id = entry.get("id")
            upload = by_field.get(f"files[{raw_id}]")
            if upload is not None and str(raw_id) not in {str(k) for k in kept}:
                used.add(upload.field)
                result.append(self._new_attachment(channel, upload, entry))
                continue
            try:
                result.append(kept[int(raw_id)])
            except (KeyError, TypeError, ValueError):
                raise invalid_form("attachments", "ATTACHMENT_NOT_FOUND",
                                   f"Attachment {raw_id} not found") from None
        for upload in uploads:  # files sent without an attachments entry are attached anyway
            if upload.field not in used and listed is not None:
                result.append(self._new_attachment(channel, upload, {}))
        return result

    def _new_attachment(self, channel: Channel, upload: Upload, entry: dict[str, Any]) -> Attachment:
        att_id = snowflake()
        filename = entry.get("filename") or upload.filename
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        return Attachment(id=att_id, filename=filename, data=upload.data, content_type=content_type,
                          url=f"{self.cdn_base}/attachments/{channel.id}/{att_id}/{filename}",
                          description=entry.get("description"))

    def _attachment_json(self, att: Attachment) -> dict[str, Any]:
        data: dict[str, Any] = {"id": str(att.id), "filename": att.filename, "size": att.size, "url": att.url,
                                "proxy_url": att.url, "content_type": att.content_type}
        if att.description is not None:
            data["description"] = att.description
        size = _image_size(att.data)
        if size:
            data["width"], data["height"] = size
        return data

    def _resolve_attachment_urls(self, node: Any, attachments: list[Attachment]) -> Any:
        """Discord rewrites ``attachment://name`` in embeds and media components to the file's URL."""
        if isinstance(node, dict):
            out = {k: self._resolve_attachment_urls(v, attachments) for k, v in node.items()}
            url = out.get("url")
            if isinstance(url, str) and url.startswith("attachment://"):
                match = next((a for a in attachments if a.filename == url[len("attachment://"):]), None)
                if match is not None:
                    out["url"] = out["proxy_url"] = match.url
                    size = _image_size(match.data)
                    if size:
                        out["width"], out["height"] = size
            return out
        if isinstance(node, list):
            return [self._resolve_attachment_urls(v, attachments) for v in node]
        return node

    def _render(self, msg: Message, body: dict[str, Any]) -> None:
        """Apply the visible fields of ``body`` to ``msg.data``, as Discord stores them."""
        data = msg.data
        for key in ("content", "embeds", "components", "tts", "poll"):
            if key in body and body[key] is not None:
                data[key] = body[key]
        data["embeds"] = [
            {**{k: v for k, v in e.items() if v is not None}, "type": e.get("type", "rich")}
            for e in self._resolve_attachment_urls(data.get("embeds") or [], msg.attachment_files)
        ]
        data["components"] = self._resolve_attachment_urls(data.get("components") or [], msg.attachment_files)
        # Discord numbers every component of a message that the sender did not number.
        used = {c["id"] for c in iter_components(data["components"]) if isinstance(c.get("id"), int)}
        next_id = 1
        for component in iter_components(data["components"]):
            if not isinstance(component.get("id"), int):
                while next_id in used:
                    next_id += 1
                component["id"] = next_id
                used.add(next_id)
        data["attachments"] = [self._attachment_json(a) for a in msg.attachment_files]

    def create_message(self, channel: Channel, body: dict[str, Any], uploads: list[Upload], *,
                       run: InteractionRun | None = None, ephemeral: bool = False, loading: bool = False,
                       msg_type: int = 0) -> Message:
        if channel.type == 1 and channel.recipient_id is not None:
            if not self.users[channel.recipient_id].dms_open and run is None:
                raise ApiError(403, 50007, "Cannot send messages to this user")
        attachments = self._attachments(channel, body, uploads, [])
        validate_message(body, new_files=len(attachments), creating=not loading)
        flags = (int(body.get("flags") or 0) & SETTABLE_FLAGS) | (EPHEMERAL if ephemeral else 0)
        flags |= LOADING if loading else 0
        mid = snowflake()
        data: dict[str, Any] = {
            "id": str(mid), "channel_id": str(channel.id), "author": user_json(self.bot_user),
            "content": "", "timestamp": now_iso(), "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
            "pinned": False, "type": msg_type, "flags": flags, "components": [],
        }
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        if body.get("message_reference"):
            data["message_reference"] = body["message_reference"]
        if run is not None:
            data["webhook_id"] = data["application_id"] = str(self.application_id)
            metadata: dict[str, Any] = {
                "id": str(run.id), "type": run.type, "user": user_json(run.user),
                "authorizing_integration_owners": run.payload.get("authorizing_integration_owners", {}),
            }
            if run.original_id is not None and not loading:
                metadata["original_response_message_id"] = str(run.original_id)
            data["interaction_metadata"] = metadata
            if run.type == 2:
                data["interaction"] = {"id": str(run.id), "type": 2, "name": run.payload["data"]["name"],
                                       "user": user_json(run.user)}
        msg = Message(id=mid, channel_id=channel.id, data=data, attachment_files=attachments,
                      interaction_id=run.id if run else None, visible_to=run.user.id if run and ephemeral else None)
        self._render(msg, body)
        self.messages[mid] = msg
        self.channel_log.setdefault(channel.id, []).append(mid)
        if run is not None:
            run.messages.append(msg)
        if not ephemeral:
            self._dispatch_message("MESSAGE_CREATE", channel, msg.data)
        return msg

    def edit_message(self, msg: Message, body: dict[str, Any], uploads: list[Upload]) -> Message:
        channel = self.channels[msg.channel_id]
        attachments = self._attachments(channel, body, uploads, msg.attachment_files)
        validate_message(body, new_files=len(attachments), creating=False)
        was_loading = msg.loading
        msg.edits.append(dict(msg.data))
        msg.data = dict(msg.data)
        msg.attachment_files = attachments
        flags = msg.flags & ~LOADING
        if "flags" in body and body["flags"] is not None:
            flags = (flags & ~SETTABLE_FLAGS) | (int(body["flags"]) & SETTABLE_FLAGS)
        msg.data["flags"] = flags
        if not was_loading:
            msg.data["edited_timestamp"] = now_iso()
        self._render(msg, body)
        if not msg.ephemeral:
            self._dispatch_message("MESSAGE_UPDATE", channel, msg.data)
        # After a deferral, editing the original by any route (webhook or channel) is the visible answer.
        for run in reversed(list(self.interactions.values())):
            if run.original_id == msg.id and run.callback_type in (5, 6) and not run.finished:
                run.reply = msg
                run.mark_final(msg)
        return msg

    def delete_message(self, msg: Message) -> None:
        msg.deleted = True
        if not msg.ephemeral:
            channel = self.channels[msg.channel_id]
            data = {"id": str(msg.id), "channel_id": str(channel.id)}
            if channel.guild_id is not None:
                data["guild_id"] = str(channel.guild_id)
            self._dispatch_message("MESSAGE_DELETE", channel, data)

    def _dispatch_message(self, event: str, channel: Channel, data: dict[str, Any]) -> None:
        intent = INTENT_DIRECT_MESSAGES if channel.type == 1 else INTENT_GUILD_MESSAGES
        self.dispatch(event, data, intent)

    # --- interactions -------------------------------------------------------------------------------

    def new_token(self) -> str:
        return "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
