"""The discord.py client: start-up wiring in ``setup_hook``, teardown in ``close``.

Start-up order: runtime (database migrated and open, HTTP client) -> cogs (commands, dynamic items) ->
web server -> command sync. ``close`` undoes each step in reverse.
"""

from __future__ import annotations

import asyncio
import logging
import pkgutil

import discord
import yarl
from discord.ext import commands

import cogs
from bot.config import Settings
from bot.runtime import Runtime
from bot.services.registry import Services
from bot.web import WebServer
from cogs.ui.errors import report_error, turn_away_while_restarting

log = logging.getLogger(__name__)


def cog_extensions() -> list[str]:
    """Every module in ``cogs/`` that defines ``setup`` is a feature; ``cogs/ui`` holds shared widgets."""
    return sorted(f"cogs.{module.name}" for module in pkgutil.iter_modules(cogs.__path__) if not module.ispkg)


def bot_intents() -> discord.Intents:
    # Only what features need: guilds (server joins and leaves). Slash commands and buttons arrive as
    # interactions and need no intent. Members (privileged) lets server leaderboards drop people who left.
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    return intents


# The names discord.py gives the tasks that run slash commands, component clicks and event listeners.
_HANDLER_TASKS = ("CommandTree-invoker", "discord-ui-view-dispatch-", "discord-ui-dynamic-item-", "discord.py: ")


class AlbumDuelTree(discord.app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        if getattr(interaction.client, "draining", False):
            await turn_away_while_restarting(interaction)
            return False
        # A person counts in a server's charts once they have used the bot there (bot/services/memberships.py).
        services = getattr(interaction.client, "services", None)
        if interaction.guild_id is not None and services is not None:
            try:
                guild_name = interaction.guild.name if interaction.guild else ""
                await services.memberships.note(interaction.guild_id, guild_name, interaction.user.id,
                                                interaction.user.display_name)
            except Exception:  # never block a command over bookkeeping; the next command tries again
                log.warning("Could not record membership of %s in %s", interaction.user.id, interaction.guild_id,
                            exc_info=True)
        return True


class AlbumDuelBot(commands.Bot):
    def __init__(self, settings: Settings, *, db_schema: str | None = None, guild_ready_timeout: float = 2.0) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=bot_intents(), help_command=None,
                         tree_cls=AlbumDuelTree, guild_ready_timeout=guild_ready_timeout, max_messages=None,
                         allowed_mentions=discord.AllowedMentions.none())
        self.settings = settings
        self.runtime = Runtime(settings, db_schema=db_schema)
        self.web = WebServer(settings.web_host, settings.web_port, self.runtime.database_health)
        self.tree.on_error = self._on_app_command_error
        self._web_started = False
        self.services: Services | None = None
        self.draining = False  # set by close(): new interactions are turned away while running ones finish
        self._closing: asyncio.Future | None = None

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        if not self.settings.discord_is_real:
            discord.http.Route.BASE = self.settings.discord_api_base_url
        await self.login(token)
        if not self.settings.discord_is_real:
            # A plain (unsharded) client dials Discord's default gateway without asking; ask the
            # configured API where its gateway is instead.
            _shards, url, _limits = await self.http.get_bot_gateway()
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        await self.connect(reconnect=reconnect)

    async def setup_hook(self) -> None:
        await self.runtime.open()
        self.services = Services.build(self.runtime)
        self.services.start()
        for extension in cog_extensions():
            await self.load_extension(extension)
        await self.web.start()
        self._web_started = True
        await self.sync_commands()

    async def sync_commands(self) -> None:
        if self.settings.dev_guild_id:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("Synced %d commands to guild %s", len(synced), self.settings.dev_guild_id)
        else:
            synced = await self.tree.sync()
            log.info("Synced %d global commands (Discord may take up to an hour to show changes)", len(synced))

    async def close(self) -> None:
        # Reverse of setup_hook. First new commands and clicks are turned away ("restarting") while the
        # ones already running finish with the gateway and REST still open, so their replies get
        # through; then commands.Bot.close unloads the cogs and closes the gateway, and only then the
        # database and HTTP client go away. A second call (discord.py's connect loop after a fatal
        # close, ``async with``'s exit) waits for the first instead of closing everything twice.
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close_once())
        await asyncio.shield(self._closing)

    async def _close_once(self) -> None:
        self.draining = True
        if self._web_started:
            await self.web.stop()
            self._web_started = False
        try:
            await self._finish_handlers()
            await super().close()
        finally:
            if self.services is not None:
                await self.services.close()
            await self.runtime.close()

    async def _finish_handlers(self, timeout: float = 7.0, late_grace: float = 1.0) -> None:
        """Let commands, clicks and listeners already running finish before the database goes away.

        discord.py runs each in a task of its own and does not wait for them on close; one still writing
        when the engine is disposed (e.g. /duel attaching its message) would lose its write, and one
        still replying when the HTTP session closes would leave the person with "interaction failed".
        Those running when draining began get ``timeout`` seconds; interactions arriving meanwhile are
        answered "restarting" at once (``draining``), and whatever runs after that gets ``late_grace``
        seconds more. What is still running then is cancelled, which rolls it back. The whole stop stays
        under `docker stop`'s default 10 s.
        """
        loop = asyncio.get_running_loop()

        def running() -> list[asyncio.Task]:
            current = asyncio.current_task()
            return [task for task in asyncio.all_tasks() if task is not current and not task.done()
                    and task.get_name().startswith(_HANDLER_TASKS)]

        began = running()
        if began:
            await asyncio.wait(began, timeout=timeout)
        deadline = loop.time() + late_grace
        late = running()
        while late and loop.time() < deadline:  # turn-away replies, each a single quick request
            await asyncio.wait(late, timeout=deadline - loop.time())
            late = running()
        for task in late:
            task.cancel()
        if late:
            log.warning("Cancelled %d command or event handlers still running at shutdown: %s", len(late),
                        ", ".join(sorted(task.get_name() for task in late)))
            await asyncio.gather(*late, return_exceptions=True)

    async def on_ready(self) -> None:
        log.info("Connected as %s (id %s) to %d servers", self.user, self.user and self.user.id, len(self.guilds))

    async def _on_app_command_error(self, interaction: discord.Interaction, error: discord.app_commands.AppCommandError) -> None:
        await report_error(interaction, error)
