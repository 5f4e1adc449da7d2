"""A small HTTP control API (``/_sandbox/...``) so a person can drive the emulator with curl.

Not part of Discord's API and not authenticated: the emulator only listens on 127.0.0.1.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.discord.models import InteractionRun, Message, User

if TYPE_CHECKING:
    from bot.sandbox.discord.emulator import DiscordEmulator


def message_summary(msg: Message | None) -> dict[str, Any] | None:
    if msg is None:
        return None
    return {
        "id": str(msg.id),
        "channel_id": str(msg.channel_id),
        "content": msg.content,
        "embeds": msg.embeds,
        "buttons": [{k: b.get(k) for k in ("custom_id", "label", "style", "disabled", "url")} for b in msg.buttons],
        "components": msg.components,
        "flags": msg.flags,
        "ephemeral": msg.ephemeral,
        "attachments": [{"filename": a.filename, "url": a.url, "size": a.size} for a in msg.attachments],
    }


def run_summary(run: InteractionRun) -> dict[str, Any]:
    return {
        "interaction_id": str(run.id),
        "callback_type": run.callback_type,
        "reply": message_summary(run.reply),
        "followups": [message_summary(m) for m in run.followups],
        "choices": run.choices,
        "modal": run.modal,
        "errors": [vars(e) for e in run.errors],
    }


def _reply(data: Any, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(data, indent=2) + "\n", status=status, content_type="application/json")


class ControlApi:
    def __init__(self, emulator: DiscordEmulator) -> None:
        self.emu = emulator

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/_sandbox", self.overview),
            web.post("/_sandbox/slash", self.slash),
            web.post("/_sandbox/click", self.click),
            web.get("/_sandbox/messages", self.messages),
        ]

    def _user(self, name: str | None) -> User:
        state = self.emu.state
        people = [u for u in state.users.values() if not u.bot and u is not state.owner]
        if name is None:
            if not people:
                raise web.HTTPBadRequest(text="no user to act as")
            return people[0]
        for user in state.users.values():
            if user.name == name or str(user.id) == str(name):
                return user
        raise web.HTTPBadRequest(text=f"no user {name!r}")

    def _option(self, value: Any) -> Any:
        # "@name" means a user and "#name" a channel, so a curl line can fill user/channel options.
        if isinstance(value, str) and value.startswith("@"):
            return self._user(value[1:])
        if isinstance(value, str) and value.startswith("#"):
            for channel in self.emu.state.channels.values():
                if channel.name == value[1:]:
                    return channel
            raise web.HTTPBadRequest(text=f"no channel {value!r}")
        return value

    async def overview(self, request: web.Request) -> web.Response:
        state = self.emu.state
        return _reply({
            "api_base": self.emu.api_base,
            "bot_connected": self.emu.connected,
            "guilds": [{"id": str(g.id), "name": g.name,
                        "channels": {state.channels[c].name: str(c) for c in g.channel_ids}}
                       for g in state.guilds.values()],
            "users": {u.name: str(u.id) for u in state.users.values() if not u.bot},
            "global_commands": [c["name"] for c in state.global_commands],
            "guild_commands": {str(g): [c["name"] for c in cmds] for g, cmds in state.guild_commands.items()},
        })

    async def slash(self, request: web.Request) -> web.Response:
        body = await request.json()
        state = self.emu.state
        user = self._user(body.get("user"))
        guild = None
        if not body.get("dm"):
            guild_id = body.get("guild_id")
            guild = state.guilds[int(guild_id)] if guild_id else next(iter(state.guilds.values()), None)
        channel = state.channels[int(body["channel_id"])] if body.get("channel_id") else None
        options = {k: self._option(v) for k, v in (body.get("options") or {}).items()}
        try:
            run = await self.emu.slash(user, body["command"], *body.get("path", []), guild=guild, channel=channel,
                                       **options)
            await run.done(float(body.get("timeout", 10)))
        except AssertionError as error:
            return _reply({"error": str(error)}, 400)
        return _reply(run_summary(run))

    async def click(self, request: web.Request) -> web.Response:
        body = await request.json()
        user = self._user(body.get("user"))
        try:
            message = self.emu.message(int(body["message_id"]))
            run = await self.emu.click(user, message, body["custom_id"], body.get("values"))
            await run.done(float(body.get("timeout", 10)))
        except (AssertionError, KeyError) as error:
            return _reply({"error": str(error)}, 400)
        return _reply(run_summary(run))

    async def messages(self, request: web.Request) -> web.Response:
        state = self.emu.state
        if "dm" in request.query:
            msgs = self.emu.dms(self._user(request.query["dm"]))
        else:
            channel = state.channels[int(request.query["channel_id"])]
            msgs = self.emu.channel_messages(channel)
        return _reply([message_summary(m) for m in msgs])
