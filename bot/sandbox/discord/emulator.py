"""``DiscordEmulator``: the server plus the driver tests use to act as people on Discord."""

from __future__ import annotations

import asyncio
from typing import Any, Callable

from aiohttp import web

from bot.sandbox.discord.control import ControlApi
from bot.sandbox.discord.gateway import INTENT_GUILD_MEMBERS, Gateway
from bot.sandbox.discord.http_support import API_PREFIX, make_middleware
from bot.sandbox.discord.interaction_api import InteractionApi
from bot.sandbox.discord.interactions import (
    base_payload, command_data, component_data, find_command, modal_submit_data,
)
from bot.sandbox.discord.models import Channel, Guild, InteractionRun, Member, Message, User, snowflake
from bot.sandbox.discord.payloads import channel_json, member_json, user_json
from bot.sandbox.discord.rest import RestApi
from bot.sandbox.discord.state import DiscordState, RateLimitInjection

INTENT_GUILDS = 1 << 0


class DiscordEmulator:
    """A local Discord (REST v10 + JSON gateway) for unmodified discord.py, and a driver for tests."""

    def __init__(self, token: str = "test-token", *, bot_name: str = "AlbumDuel",
                 callback_window: float = 3.0, heartbeat_interval_ms: int = 41250) -> None:
        self.state = DiscordState(token, bot_name)
        self.state.callback_window = callback_window
        self.gateway = Gateway(self.state, heartbeat_interval_ms)
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0

    # --- lifecycle ----------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(middlewares=[make_middleware(self.state)], client_max_size=100 * 1024 * 1024)
        app.add_routes(RestApi(self.state, self.gateway).routes())
        app.add_routes(InteractionApi(self.state).routes())
        app.add_routes([web.get("/gateway", self.gateway.handle),
                        web.get("/attachments/{channel_id}/{attachment_id}/{filename}", self._attachment)])
        app.add_routes(ControlApi(self).routes())
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)  # URLs carry tokens
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.host = host
        self.state.cdn_base = f"http://{host}:{self.port}"
        self.gateway.url = f"ws://{host}:{self.port}/gateway"

    async def stop(self) -> None:
        if self._runner is not None:
            await self.gateway.close_all()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_base(self) -> str:
        return f"{self.state.cdn_base}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return self.gateway.url

    @property
    def token(self) -> str:
        return self.state.token

    @property
    def bot_user(self) -> User:
        return self.state.bot_user

    @property
    def application_id(self) -> int:
        return self.state.application_id

    @property
    def api_errors(self):
        """Every error status answered to the bot (method, path, status, code, message)."""
        return self.state.api_errors

    @property
    def unhandled_routes(self) -> list[str]:
        return self.state.unhandled_routes

    async def _attachment(self, request: web.Request) -> web.Response:
        # Served like Discord's CDN so a client (or a person) can open what the bot uploaded.
        att_id = int(request.match_info["attachment_id"])
        for mid in self.state.channel_log.get(int(request.match_info["channel_id"]), []):
            for att in self.state.messages[mid].attachment_files:
                if att.id == att_id:
                    return web.Response(body=att.data, content_type=att.content_type)
        return web.Response(status=404, text="Not Found")

    # --- the world ----------------------------------------------------------------------------------

    def add_user(self, name: str, *, global_name: str | None = None) -> User:
        return self.state.add_user(name, global_name=global_name)

    def add_guild(self, name: str, owner: User | None = None) -> Guild:
        """A guild the bot is in. Added while a bot is connected, it arrives as a GUILD_CREATE (a join)."""
        guild = self.state.new_guild(name, owner)
        self._send_guild_create(guild)
        return guild

    def add_text_channel(self, guild: Guild, name: str) -> Channel:
        channel = self.state.new_text_channel(guild, name)
        if guild.bot_present:
            self.gateway.dispatch("CHANNEL_CREATE", channel_json(self.state, channel), INTENT_GUILDS)
        return channel

    def add_member(self, guild: Guild, user: User, nick: str | None = None) -> Member:
        member = self.state.new_member(guild, user, nick)
        if guild.bot_present:
            self.gateway.dispatch("GUILD_MEMBER_ADD", {**member_json(self.state, member), "guild_id": str(guild.id)},
                                  INTENT_GUILD_MEMBERS)
        return member

    def remove_member(self, guild: Guild, user: User) -> None:
        self.state.members.pop((guild.id, user.id), None)
        if user.id in guild.member_ids:
            guild.member_ids.remove(user.id)
        if guild.bot_present:
            self.gateway.dispatch("GUILD_MEMBER_REMOVE", {"guild_id": str(guild.id), "user": user_json(user)},
                                  INTENT_GUILD_MEMBERS)

    def remove_bot_from_guild(self, guild: Guild) -> None:
        """The bot is kicked: GUILD_DELETE without ``unavailable``, and the guild's routes answer 403."""
        guild.bot_present = False
        self.gateway.dispatch("GUILD_DELETE", {"id": str(guild.id)})

    def add_bot_to_guild(self, guild: Guild) -> None:
        guild.bot_present = True
        self._send_guild_create(guild)

    def _send_guild_create(self, guild: Guild) -> None:
        for session in list(self.gateway.sessions.values()):
            self.gateway.dispatch_to(session, "GUILD_CREATE", self.gateway.guild_payload(session, guild, joined=True))

    def close_dms(self, user: User) -> None:
        """The user no longer accepts DMs from the bot: sending one answers 403 code 50007."""
        user.dms_open = False

    def open_dms(self, user: User) -> None:
        user.dms_open = True

    def inject_rate_limit(self, route_prefix: str, times: int = 1, retry_after: float = 0.01,
                          is_global: bool = False) -> RateLimitInjection:
        """Answer the next ``times`` requests matching ``"METHOD /path"`` or ``"/path"`` prefix with a 429."""
        injection = RateLimitInjection(route_prefix, times, retry_after, is_global)
        self.state.rate_limits.append(injection)
        return injection

    def request_reconnect(self) -> int:
        """Send op 7 RECONNECT; discord.py reconnects and RESUMEs. Returns how many sockets were told."""
        return self.gateway.request_reconnect()

    # --- waiting ------------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self.gateway.live_session() is not None

    async def wait_for_ready(self, timeout: float = 10.0, count: int | None = None) -> None:
        """Wait until a bot has identified and been sent all its guilds (the ``count``-th time if given)."""
        wanted = count or 1
        await self.state.wait_until(lambda: self.gateway.ready_count >= wanted and self.connected, timeout,
                                    f"a bot to IDENTIFY (#{wanted}) and stay connected")

    async def wait_for_disconnect(self, timeout: float = 10.0) -> None:
        await self.state.wait_until(lambda: not self.gateway.connections, timeout, "every gateway socket to close")

    async def wait_for_commands(self, timeout: float = 10.0, count: int | None = None) -> None:
        """Wait until the bot has synced a command set (``count`` syncs in all, if given)."""
        wanted = count or 1
        await self.state.wait_until(lambda: self.state.command_syncs >= wanted, timeout,
                                    f"the bot to sync application commands ({wanted} sync(s))")

    def commands(self, guild: Guild | None = None) -> list[dict[str, Any]]:
        if guild is None:
            return list(self.state.global_commands)
        return list(self.state.guild_commands.get(guild.id, []))

    # --- acting as people ---------------------------------------------------------------------------

    def _send(self, type: int, user: User, channel: Channel, data: dict[str, Any], *,
              source: Message | None = None, locale: str = "en-US") -> InteractionRun:
        session = self.gateway.live_session()
        if session is None:
            raise AssertionError("no bot is connected to the emulator's gateway")
        state = self.state
        interaction_id = snowflake()
        token = state.new_token()
        payload = base_payload(state, interaction_id=interaction_id, token=token, type=type, user=user,
                               channel=channel, data=data, locale=locale)
        if source is not None:
            payload["message"] = source.data
        now = asyncio.get_running_loop().time()
        guild = state.guilds.get(channel.guild_id) if channel.guild_id else None
        run = InteractionRun(id=interaction_id, token=token, type=type, user=user, channel=channel, guild=guild,
                             payload=payload, changed=state.changed, created=now,
                             deadline=now + state.callback_window, source_message=source)
        state.interactions[interaction_id] = run
        state.by_token[token] = run
        self.gateway.dispatch_to(session, "INTERACTION_CREATE", payload)
        return run

    def _place(self, user: User, guild: Guild | None, channel: Channel | None) -> Channel:
        if channel is not None:
            return channel
        if guild is None:
            return self.state.dm_channel(user)
        texts = [self.state.channels[c] for c in guild.channel_ids if self.state.channels[c].type == 0]
        if not texts:
            raise AssertionError(f"guild {guild.name!r} has no text channel to run a command in")
        return texts[0]

    async def slash(self, user: User, name: str, *path: str, guild: Guild | None = None,
                    channel: Channel | None = None, locale: str = "en-US", options: dict[str, Any] | None = None,
                    **more_options: Any) -> InteractionRun:
        """``user`` runs ``/name [group] [subcommand] option:value...``; without a guild, in their DM with the bot.

        Options go as keyword arguments, or in ``options`` for names that clash with this method's own
        parameters (``user``, ``guild``, ``channel``...)."""
        options = {**(options or {}), **more_options}
        if channel is not None and guild is None and channel.guild_id is not None:
            guild = self.state.guilds[channel.guild_id]
        place = self._place(user, guild, channel)
        command = find_command(self.state, name, guild)
        data = command_data(self.state, command, path, guild, options)
        return self._send(2, user, place, data, locale=locale)

    async def autocomplete(self, user: User, name: str, *path: str, option: str, value: str,
                           guild: Guild | None = None, channel: Channel | None = None,
                           timeout: float = 10.0, **options: Any) -> list[dict[str, Any]]:
        """Type ``value`` into ``option`` of a command and return the bot's suggestions (``{name, value}``)."""
        if channel is not None and guild is None and channel.guild_id is not None:
            guild = self.state.guilds[channel.guild_id]
        place = self._place(user, guild, channel)
        command = find_command(self.state, name, guild)
        data = command_data(self.state, command, path, guild, {**options, option: value}, focused=option)
        run = self._send(4, user, place, data)
        await run.done(timeout)
        return list(run.choices or [])

    async def click(self, user: User, message: Message, custom_id: str,
                    values: list[str] | None = None) -> InteractionRun:
        """``user`` clicks the component ``custom_id`` on the latest state of ``message``."""
        latest = self.state.messages.get(message.id)
        if latest is None or latest.deleted:
            raise AssertionError(f"message {message.id} does not exist (deleted?)")
        if latest.visible_to is not None and latest.visible_to != user.id:
            raise AssertionError(f"{user.name} cannot see ephemeral message {message.id}")
        data = component_data(latest, custom_id, values)
        return self._send(3, user, self.state.channels[latest.channel_id], data, source=latest)

    async def select(self, user: User, message: Message, custom_id: str, values: list[str]) -> InteractionRun:
        return await self.click(user, message, custom_id, values)

    async def submit_modal(self, user: User, opened_by: InteractionRun, values: dict[str, str]) -> InteractionRun:
        """Fill and submit the modal the bot opened in answer to ``opened_by``."""
        if opened_by.modal is None:
            raise AssertionError(f"the bot opened no modal for {opened_by.describe()}")
        data = modal_submit_data(opened_by.modal, values)
        return self._send(5, user, opened_by.channel, data, source=opened_by.source_message)

    # --- what people see ----------------------------------------------------------------------------

    def message(self, message_id: int) -> Message:
        return self.state.messages[message_id]

    def channel_messages(self, channel: Channel, *, include_ephemeral: bool = False) -> list[Message]:
        """Messages in a channel as members see them, oldest first (ephemeral ones only if asked)."""
        return self.state.visible_messages(channel.id, include_ephemeral=include_ephemeral)

    def dms(self, user: User) -> list[Message]:
        """Messages the bot sent to ``user``'s DM channel, oldest first (ephemeral replies excluded)."""
        channel_id = self.state.dm_channels.get(user.id)
        return [] if channel_id is None else self.state.visible_messages(channel_id)

    async def wait_for_dm(self, user: User, timeout: float = 10.0,
                          predicate: Callable[[Message], bool] | None = None) -> Message:
        """Wait until a DM to ``user`` matching ``predicate`` exists; returns the newest such DM."""
        def found() -> Message | None:
            matches = [m for m in self.dms(user) if predicate is None or predicate(m)]
            return matches[-1] if matches else None

        await self.state.wait_until(lambda: found() is not None, timeout, f"a DM to {user.name}")
        return found()  # type: ignore[return-value]

    @property
    def interactions(self) -> list[InteractionRun]:
        return list(self.state.interactions.values())
