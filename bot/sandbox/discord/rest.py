"""REST routes for users, guilds, channels, messages and application commands."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from bot.sandbox.discord.gateway import Gateway
from bot.sandbox.discord.http_support import API_PREFIX, json_response, no_content, read_body
from bot.sandbox.discord.models import snowflake
from bot.sandbox.discord.payloads import (
    application_json, channel_json, guild_json, member_json, role_json, user_json,
)
from bot.sandbox.discord.state import DiscordState
from bot.sandbox.discord.validation import ApiError, invalid_form, unknown

COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


def _snowflake_arg(request: web.Request, key: str, kind: str) -> int:
    try:
        return int(request.match_info[key])
    except ValueError:
        raise unknown(kind) from None


class RestApi:
    def __init__(self, state: DiscordState, gateway: Gateway) -> None:
        self.state = state
        self.gateway = gateway

    def routes(self) -> list[web.RouteDef]:
        p = API_PREFIX
        return [
            web.get(p + "/gateway", self.get_gateway),
            web.get(p + "/gateway/bot", self.get_gateway_bot),
            web.get(p + "/users/@me", self.get_me),
            web.post(p + "/users/@me/channels", self.create_dm),
            web.delete(p + "/users/@me/guilds/{guild_id}", self.leave_guild),
            web.get(p + "/users/{user_id}", self.get_user),
            web.get(p + "/oauth2/applications/@me", self.get_application),
            web.get(p + "/applications/@me", self.get_application),
            web.get(p + "/applications/{app_id}/commands", self.get_commands),
            web.put(p + "/applications/{app_id}/commands", self.put_commands),
            web.post(p + "/applications/{app_id}/commands", self.post_command),
            web.delete(p + "/applications/{app_id}/commands/{command_id}", self.delete_command),
            web.get(p + "/applications/{app_id}/guilds/{guild_id}/commands", self.get_commands),
            web.put(p + "/applications/{app_id}/guilds/{guild_id}/commands", self.put_commands),
            web.post(p + "/applications/{app_id}/guilds/{guild_id}/commands", self.post_command),
            web.delete(p + "/applications/{app_id}/guilds/{guild_id}/commands/{command_id}", self.delete_command),
            web.get(p + "/channels/{channel_id}", self.get_channel),
            web.get(p + "/channels/{channel_id}/messages", self.list_messages),
            web.post(p + "/channels/{channel_id}/messages", self.create_message),
            web.post(p + "/channels/{channel_id}/typing", self.typing),
            web.get(p + "/channels/{channel_id}/messages/{message_id}", self.get_message),
            web.patch(p + "/channels/{channel_id}/messages/{message_id}", self.edit_message),
            web.delete(p + "/channels/{channel_id}/messages/{message_id}", self.delete_message),
            web.get(p + "/guilds/{guild_id}", self.get_guild),
            web.get(p + "/guilds/{guild_id}/channels", self.get_guild_channels),
            web.get(p + "/guilds/{guild_id}/roles", self.get_roles),
            web.get(p + "/guilds/{guild_id}/members", self.list_members),
            web.get(p + "/guilds/{guild_id}/members/{user_id}", self.get_member),
        ]

    # --- gateway, users, application ----------------------------------------------------------------

    async def get_gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.gateway.url})

    async def get_gateway_bot(self, request: web.Request) -> web.Response:
        return json_response({"url": self.gateway.url, "shards": 1, "session_start_limit": {
            "total": 1000, "remaining": 999, "reset_after": 86400000, "max_concurrency": 1}})

    async def get_me(self, request: web.Request) -> web.Response:
        me = {**user_json(self.state.bot_user), "verified": True, "mfa_enabled": False, "email": None,
              "locale": "en-US"}
        return json_response(me)

    async def get_user(self, request: web.Request) -> web.Response:
        user = self.state.users.get(_snowflake_arg(request, "user_id", "user"))
        if user is None:
            raise unknown("user")
        return json_response(user_json(user))

    async def get_application(self, request: web.Request) -> web.Response:
        return json_response(application_json(self.state))

    async def create_dm(self, request: web.Request) -> web.Response:
        body, _ = await read_body(request)
        try:
            user = self.state.users[int(body["recipient_id"])]
        except (KeyError, ValueError, TypeError):
            raise invalid_form("recipient_id", "BASE_TYPE_REQUIRED", "This field is required") from None
        return json_response(channel_json(self.state, self.state.dm_channel(user)))

    async def leave_guild(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        guild.bot_present = False
        self.gateway.dispatch("GUILD_DELETE", {"id": str(guild.id)})
        await self.state.notify()
        return no_content()

    # --- application commands -----------------------------------------------------------------------

    def _command_list(self, request: web.Request) -> tuple[int | None, list[dict[str, Any]]]:
        if _snowflake_arg(request, "app_id", "application") != self.state.application_id:
            raise ApiError(403, 50001, "Missing Access")
        if "guild_id" not in request.match_info:
            return None, self.state.global_commands
        guild = self._guild(request)
        return guild.id, self.state.guild_commands.setdefault(guild.id, [])

    async def get_commands(self, request: web.Request) -> web.Response:
        _, commands = self._command_list(request)
        return json_response(commands)

    def _stored_command(self, body: dict[str, Any], guild_id: int | None,
                        existing: list[dict[str, Any]], index: int) -> dict[str, Any]:
        name = body.get("name") or ""
        ctype = int(body.get("type") or 1)
        if not COMMAND_NAME.match(name) or (ctype == 1 and name != name.lower()):
            raise invalid_form(f"{index}.name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        description = body.get("description") or ""
        if ctype == 1 and not 1 <= len(description) <= 100:
            raise invalid_form(f"{index}.description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        if len(body.get("options") or []) > 25:
            raise invalid_form(f"{index}.options", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        # Discord keeps a command's id when a bulk overwrite contains the same name and type.
        previous = next((c for c in existing if c["name"] == name and c["type"] == ctype), None)
        stored = {
            "id": previous["id"] if previous else str(snowflake()),
            "application_id": str(self.state.application_id),
            "version": str(snowflake()),
            "type": ctype,
            "name": name,
            "description": description,
            "options": body.get("options") or [],
            "default_member_permissions": body.get("default_member_permissions"),
            "dm_permission": body.get("dm_permission", True),
            "nsfw": body.get("nsfw", False),
            "contexts": body.get("contexts"),
            "integration_types": body.get("integration_types") or [0],
            "name_localizations": body.get("name_localizations"),
            "description_localizations": body.get("description_localizations"),
        }
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        return stored

    async def put_commands(self, request: web.Request) -> web.Response:
        guild_id, commands = self._command_list(request)
        body, _ = await read_body(request)
        if not isinstance(body, list):
            raise invalid_form("_", "BASE_TYPE_ARRAY", "Must be an array.")
        if len(body) > 100:
            raise invalid_form("_", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
        stored = [self._stored_command(c, guild_id, commands, i) for i, c in enumerate(body)]
        keys = [(c["name"], c["type"]) for c in stored]
        if len(set(keys)) != len(keys):
            raise invalid_form("_", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
        commands[:] = stored
        self.state.command_syncs += 1
        await self.state.notify()
        return json_response(stored)

    async def post_command(self, request: web.Request) -> web.Response:
        guild_id, commands = self._command_list(request)
        body, _ = await read_body(request)
        stored = self._stored_command(body, guild_id, commands, 0)
        commands[:] = [c for c in commands if c["id"] != stored["id"]] + [stored]
        self.state.command_syncs += 1
        await self.state.notify()
        return json_response(stored, 201)

    async def delete_command(self, request: web.Request) -> web.Response:
        _, commands = self._command_list(request)
        command_id = request.match_info["command_id"]
        if not any(c["id"] == command_id for c in commands):
            raise unknown("command")
        commands[:] = [c for c in commands if c["id"] != command_id]
        return no_content()

    # --- channels and messages ----------------------------------------------------------------------

    def _channel(self, request: web.Request):
        return self.state.get_channel(_snowflake_arg(request, "channel_id", "channel"))

    async def get_channel(self, request: web.Request) -> web.Response:
        return json_response(channel_json(self.state, self._channel(request)))

    async def typing(self, request: web.Request) -> web.Response:
        self._channel(request)
        return no_content()

    async def list_messages(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        limit = min(max(int(request.query.get("limit", 50)), 1), 100)
        messages = list(reversed(self.state.visible_messages(channel.id)))  # newest first, like Discord
        if "before" in request.query:
            messages = [m for m in messages if m.id < int(request.query["before"])]
        if "after" in request.query:
            messages = [m for m in messages if m.id > int(request.query["after"])][-limit:]
        return json_response([m.data for m in messages[:limit]])

    async def create_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        body, uploads = await read_body(request)
        msg = self.state.create_message(channel, body, uploads,
                                        msg_type=19 if body.get("message_reference") else 0)
        await self.state.notify()
        return json_response(msg.data)

    async def get_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        return json_response(self.state.channel_message(channel.id, _snowflake_arg(request, "message_id", "message")).data)

    async def edit_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        msg = self.state.channel_message(channel.id, _snowflake_arg(request, "message_id", "message"))
        if msg.data["author"]["id"] != str(self.state.bot_user.id):
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        body, uploads = await read_body(request)
        self.state.edit_message(msg, body, uploads)
        await self.state.notify()
        return json_response(msg.data)

    async def delete_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        msg = self.state.channel_message(channel.id, _snowflake_arg(request, "message_id", "message"))
        self.state.delete_message(msg)
        await self.state.notify()
        return no_content()

    # --- guilds -------------------------------------------------------------------------------------

    def _guild(self, request: web.Request):
        guild = self.state.guilds.get(_snowflake_arg(request, "guild_id", "guild"))
        if guild is None:
            raise unknown("guild")
        if not guild.bot_present:
            raise ApiError(403, 50001, "Missing Access")
        return guild

    async def get_guild(self, request: web.Request) -> web.Response:
        data = guild_json(self.state, self._guild(request), all_members=False)
        for key in ("members", "channels", "threads", "presences", "voice_states", "joined_at", "large",
                    "member_count", "unavailable"):
            data.pop(key, None)
        return json_response(data)

    async def get_guild_channels(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        return json_response([channel_json(self.state, self.state.channels[c]) for c in guild.channel_ids])

    async def get_roles(self, request: web.Request) -> web.Response:
        return json_response([role_json(r) for r in self._guild(request).roles])

    async def list_members(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        limit = min(max(int(request.query.get("limit", 1)), 1), 1000)
        after = int(request.query.get("after", 0))
        ids = sorted(uid for uid in guild.member_ids if uid > after)[:limit]
        return json_response([member_json(self.state, self.state.members[(guild.id, uid)]) for uid in ids])

    async def get_member(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        member = self.state.members.get((guild.id, _snowflake_arg(request, "user_id", "member")))
        if member is None:
            raise unknown("member")
        return json_response(member_json(self.state, member))
