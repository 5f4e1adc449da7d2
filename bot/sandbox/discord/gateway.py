"""The gateway: a websocket that speaks Discord's JSON (text frame) protocol.

One ``GatewaySession`` per IDENTIFY. Events are numbered and buffered per session so a client that
drops its socket without closing cleanly can RESUME and receive what it missed, like on Discord.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from typing import Any

from aiohttp import WSMsgType, web

from bot.sandbox.discord.payloads import guild_json, member_json, user_json
from bot.sandbox.discord.state import DiscordState

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = (
    0, 1, 2, 6, 7, 8, 9, 10, 11)
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)
BUFFERED_EVENTS = 1000
MEMBERS_PER_CHUNK = 1000  # Discord's page size for GUILD_MEMBERS_CHUNK


class GatewaySession:
    def __init__(self, session_id: str, intents: int, shard: list[int] | None) -> None:
        self.id = session_id
        self.intents = intents
        self.shard = shard
        self.seq = 0
        self.buffer: list[dict[str, Any]] = []
        self.connection: GatewayConnection | None = None

    def event(self, name: str, data: dict[str, Any]) -> dict[str, Any]:
        self.seq += 1
        payload = {"op": DISPATCH, "t": name, "s": self.seq, "d": data}
        self.buffer.append(payload)
        del self.buffer[:-BUFFERED_EVENTS]
        return payload


class GatewayConnection:
    """One websocket. Frames go out through a queue so events keep their order."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.outbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.session: GatewaySession | None = None

    def send(self, payload: dict[str, Any]) -> None:
        self.outbox.put_nowait(payload)

    async def write_loop(self) -> None:
        while (payload := await self.outbox.get()) is not None:
            if self.ws.closed:
                return
            await self.ws.send_str(json.dumps(payload))


class Gateway:
    def __init__(self, state: DiscordState, heartbeat_interval_ms: int = 41250) -> None:
        self.state = state
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.url = "ws://127.0.0.1:0/gateway"
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: list[GatewayConnection] = []
        self.allowed_intents = PRIVILEGED_INTENTS  # privileged intents enabled in the "developer portal"
        self.identify_count = 0
        self.ready_count = 0
        self.resume_count = 0
        state.dispatch = self.dispatch

    # --- what the emulator pushes -------------------------------------------------------------------

    def dispatch(self, event: str, data: dict[str, Any], intent: int = 0) -> None:
        """Send an event to every session whose intents ask for it (buffered while disconnected)."""
        for session in list(self.sessions.values()):
            if intent and not session.intents & intent:
                continue
            payload = session.event(event, data)
            if session.connection is not None:
                session.connection.send(payload)

    def live_session(self) -> GatewaySession | None:
        """The most recently identified session with an open socket: it receives interactions."""
        live = [s for s in self.sessions.values() if s.connection is not None and not s.connection.ws.closed]
        return live[-1] if live else None

    def dispatch_to(self, session: GatewaySession, event: str, data: dict[str, Any]) -> None:
        payload = session.event(event, data)
        if session.connection is not None:
            session.connection.send(payload)

    def request_reconnect(self) -> int:
        """Send op 7 RECONNECT to every connection: the client should reconnect and RESUME."""
        for conn in self.connections:
            conn.send({"op": RECONNECT, "d": None})
        return len(self.connections)

    async def close_all(self, code: int = 1001) -> None:
        for conn in list(self.connections):
            conn.outbox.put_nowait(None)
            await conn.ws.close(code=code)

    # --- the websocket ------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        conn = GatewayConnection(ws)
        self.connections.append(conn)
        writer = asyncio.create_task(conn.write_loop())
        conn.send({"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None})
        try:
            async for frame in ws:
                if frame.type is not WSMsgType.TEXT:
                    if frame.type is WSMsgType.BINARY:
                        await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                try:
                    message = json.loads(frame.data)
                    await self._on_message(conn, message)
                except (ValueError, KeyError, TypeError):
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
        finally:
            self.connections.remove(conn)
            conn.outbox.put_nowait(None)
            await writer
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
                # A client that closes with 1000/1001 ends its session; any other close may resume.
                if ws.close_code in (1000, 1001):
                    self.sessions.pop(session.id, None)
            await self.state.notify()
        return ws

    async def _on_message(self, conn: GatewayConnection, message: dict[str, Any]) -> None:
        op, data = message.get("op"), message.get("d")
        if op == HEARTBEAT:
            conn.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            await self._identify(conn, data)
        elif op == RESUME:
            await self._resume(conn, data)
        elif op == REQUEST_MEMBERS:
            self._member_chunk(conn, data)
        elif op in (3, 4):  # presence and voice state updates: accepted, nothing to emulate
            return
        else:
            log.error("Discord emulator: unknown gateway opcode %r", op)
            await conn.ws.close(code=4001, message=b"Unknown opcode.")

    async def _identify(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        if conn.session is not None:
            await conn.ws.close(code=4005, message=b"Already authenticated.")
            return
        if data.get("token") != self.state.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        if "intents" not in data:
            await conn.ws.close(code=4013, message=b"Invalid intent(s).")
            return
        intents = int(data["intents"])
        if intents & PRIVILEGED_INTENTS & ~self.allowed_intents:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        session = GatewaySession(secrets.token_hex(16), intents, data.get("shard"))
        self.sessions[session.id] = session
        session.connection = conn
        conn.session = session
        self.identify_count += 1
        state = self.state
        guilds = [g for g in state.guilds.values() if g.bot_present]
        ready: dict[str, Any] = {
            "v": 10,
            "user": {**user_json(state.bot_user), "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.url,
            "application": {"id": str(state.application_id), "flags": state.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"],
            "auth": {},
            "user_settings": {},
        }
        if session.shard is not None:
            ready["shard"] = session.shard
        conn.send(session.event("READY", ready))
        for guild in guilds:
            conn.send(session.event("GUILD_CREATE", self.guild_payload(session, guild)))
        self.ready_count += 1
        await state.notify()

    def guild_payload(self, session: GatewaySession, guild: Any, *, joined: bool = False) -> dict[str, Any]:
        data = guild_json(self.state, guild, all_members=bool(session.intents & INTENT_GUILD_PRESENCES))
        if joined:
            # A guild the bot just joined comes without "unavailable" (false would mean "back from an outage").
            del data["unavailable"]
        return data

    async def _resume(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        session = self.sessions.get(data.get("session_id", ""))
        if session is None or data.get("token") != self.state.token or session.connection is not None:
            conn.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        session.connection = conn
        conn.session = session
        seq = int(data.get("seq") or 0)
        for payload in session.buffer:
            if payload["s"] > seq:
                conn.send(payload)
        conn.send(session.event("RESUMED", {}))
        self.resume_count += 1
        await self.state.notify()

    def _member_chunk(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        """Request Guild Members (op 8), answered as Discord does: members in chunks of at most
        ``MEMBERS_PER_CHUNK``, each chunk saying its index and the count; a query or ``user_ids`` answer
        at most ``limit`` (a query at most 100); user ids not in the guild come back in ``not_found``."""
        session = conn.session
        if session is None:
            return
        guild = self.state.guilds.get(int(data["guild_id"]))
        members = []
        wanted = [int(u) for u in data.get("user_ids") or []]
        query = (data.get("query") or "").lower()
        limit = int(data.get("limit") or 0)
        if query:
            limit = min(limit or 100, 100)
        in_guild = set(guild.member_ids) if guild is not None else set()
        if guild is not None and session.intents & INTENT_GUILD_MEMBERS:
            for uid in (wanted or guild.member_ids):
                if uid not in in_guild:
                    continue
                user = self.state.users[uid]
                if query and not user.name.lower().startswith(query):
                    continue
                members.append(member_json(self.state, self.state.members[(guild.id, uid)]))
                if limit and len(members) >= limit:
                    break
        not_found = [str(uid) for uid in wanted if uid not in in_guild]
        pages = [members[i:i + MEMBERS_PER_CHUNK] for i in range(0, len(members), MEMBERS_PER_CHUNK)] or [[]]
        for index, page in enumerate(pages):
            chunk = {"guild_id": data["guild_id"], "members": page, "chunk_index": index, "chunk_count": len(pages),
                     "nonce": data.get("nonce")}
            if index == 0:
                chunk["not_found"] = not_found
            self.dispatch_to(session, "GUILD_MEMBERS_CHUNK", chunk)
