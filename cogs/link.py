"""/link, /unlink, /links, /forget-me, and the import half of /import spotify|lastfm.

The OAuth callback routes live in ``bot.linking.routes``; this cog mounts them on the embedded web
server and gives the import runner a Discord notifier so imports can report progress in a DM.
"""

from __future__ import annotations

import logging
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import NotAllowed
from bot.linking import check_configured
from bot.linking.routes import callback_routes
from bot.linking.states import PROVIDER_NAMES
from bot.notify import DirectMessage
from bot.services.accounts import ALL_NAMES
from bot.services.provider_imports import load_link
from cogs.ui.errors import RefusedWhileRestarting, report_error

log = logging.getLogger(__name__)
DMS_CLOSED = 50007


class DiscordNotifier:
    """``bot.notify.Notifier`` over discord.py: a DM, later edited through a partial message."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    async def send_dm(self, user_id: int, text: str) -> DirectMessage | None:
        try:
            user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
            message = await user.send(text[:2000])
        except discord.HTTPException as error:
            log.info("Could not DM user %s (HTTP %s, code %s)", user_id, error.status, error.code)
            return None
        return DirectMessage(message.channel.id, message.id)

    async def edit_dm(self, message: DirectMessage, text: str) -> bool:
        channel = self.bot.get_partial_messageable(message.channel_id, type=discord.ChannelType.private)
        try:
            await channel.get_partial_message(message.message_id).edit(content=text[:2000])
        except discord.HTTPException as error:
            log.info("Could not edit DM %s (HTTP %s)", message.message_id, error.status)
            return False
        return True


def link_view(provider: str, url: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label=f"Link {PROVIDER_NAMES[provider]}", url=url))
    return view


async def send_link(interaction: discord.Interaction, provider: str) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    start = await interaction.client.services.linking.start(interaction.user.id, interaction.user.display_name,
                                                            provider)
    name = PROVIDER_NAMES[provider]
    expires = discord.utils.format_dt(start.expires_at, "R")
    text = (f"Press the button to connect your {name} account to AlbumDuel. The link is yours alone, works "
            f"once and expires {expires}. When you approve, your albums are imported.")
    try:
        await interaction.user.send(text, view=link_view(provider, start.url))
    except discord.HTTPException as error:
        why = ("your DMs are closed to me" if error.code == DMS_CLOSED or isinstance(error, discord.Forbidden)
               else "Discord refused the DM")
        await interaction.followup.send(f"I couldn't DM you ({why}), so here is your link instead. {text}",
                                        view=link_view(provider, start.url), ephemeral=True)
        return
    await interaction.followup.send(f"I've sent you a DM with your {name} link.", ephemeral=True)


async def start_import(interaction: discord.Interaction, provider: str) -> None:
    """``/import spotify`` and ``/import lastfm`` (registered in ``cogs/imports.py``'s group)."""
    services = interaction.client.services
    await interaction.response.defer(ephemeral=True, thinking=True)
    check_configured(services.runtime.settings, provider)
    account = await load_link(services.runtime.sessions, interaction.user.id, provider)
    name = PROVIDER_NAMES[provider]
    if not services.import_runner.start(interaction.user.id, provider):
        await interaction.followup.send(f"Your {name} import is already running; progress is in your DMs.",
                                        ephemeral=True)
        return
    resuming = not (account.import_state or {}).get("finished", True)
    await interaction.followup.send(
        f"{'Continuing' if resuming else 'Started'} your {name} import (**{account.display_name}**) in the "
        "background; I'll post progress in a DM.", ephemeral=True)


class ForgetButton(RefusedWhileRestarting, discord.ui.DynamicItem[discord.ui.Button], template=r"forget-me:(?P<user>[0-9]{1,20})"):
    """The confirmation of /forget-me; the person's id is in the custom_id, so it works after a restart."""

    def __init__(self, user_id: int) -> None:
        super().__init__(discord.ui.Button(label="Yes, delete everything", style=discord.ButtonStyle.danger,
                                           custom_id=f"forget-me:{user_id}"))
        self.user_id = user_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /):
        return cls(int(match["user"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            if interaction.user.id != self.user_id:
                raise NotAllowed("This button belongs to someone else's /forget-me.")
            await interaction.response.defer()
            result = await interaction.client.services.accounts.forget_me(self.user_id)
            await interaction.edit_original_response(
                content=(f"Done. I deleted your {result.links} linked account(s), {result.albums:,} albums from your "
                         f"collection, {result.votes:,} votes and {result.duels:,} duels, your rankings and your "
                         "server memberships. Albums stay in the shared catalogue for others."), view=None)
        except Exception as error:
            await report_error(interaction, error)


def links_text(links) -> str:  # noqa: ANN001 - list[LinkInfo]
    if not links:
        return "Nothing linked yet. Use /link spotify, /link lastfm or /import aoty."
    lines = []
    for link in links:
        name = ALL_NAMES.get(link.provider, link.provider)
        line = f"**{name}**: {link.display_name}"
        if link.status != "active":
            line += f" — link broken, please /link {link.provider} again"
        if link.last_import_at is not None:
            line += f" — last import {discord.utils.format_dt(link.last_import_at, 'R')}"
        else:
            line += " — not imported yet"
        if link.importing:
            line += " — importing now"
        elif link.import_unfinished:
            line += f" — an import stopped midway: /import {link.provider} finishes it"
        lines.append(line)
    return "\n".join(lines)


class Linking(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self._resumed_interrupted = False

    link = app_commands.Group(name="link", description="Link a Spotify or Last.fm account and import its albums.")
    unlink = app_commands.Group(name="unlink", description="Remove a linked Spotify or Last.fm account.")

    @link.command(name="spotify", description="Link your Spotify account (saved albums and tracks).")
    async def link_spotify(self, interaction: discord.Interaction) -> None:
        await send_link(interaction, "spotify")

    @link.command(name="lastfm", description="Link your Last.fm account (your most played albums).")
    async def link_lastfm(self, interaction: discord.Interaction) -> None:
        await send_link(interaction, "lastfm")

    async def _unlink(self, interaction: discord.Interaction, provider: str, remove_albums: bool) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.bot.services.accounts.unlink(interaction.user.id, provider, remove_albums=remove_albums)
        name = ALL_NAMES.get(provider, provider)
        text = f"Unlinked {name} ({result.display_name}); its stored credentials are deleted."
        if remove_albums:
            text += (f" Removed {result.albums_removed:,} albums that only {name} had brought in, and "
                     f"{result.votes_removed:,} votes on them; {result.albums_kept:,} stay (another source has them).")
        else:
            text += " Your imported albums and votes stay (use remove_albums to remove them)."
        await interaction.followup.send(text, ephemeral=True)

    @unlink.command(name="spotify", description="Forget your Spotify link (albums stay unless you say so).")
    @app_commands.describe(remove_albums="Also remove the albums Spotify brought in, and your votes on them")
    async def unlink_spotify(self, interaction: discord.Interaction, remove_albums: bool = False) -> None:
        await self._unlink(interaction, "spotify", remove_albums)

    @unlink.command(name="lastfm", description="Forget your Last.fm link (albums stay unless you say so).")
    @app_commands.describe(remove_albums="Also remove the albums Last.fm brought in, and your votes on them")
    async def unlink_lastfm(self, interaction: discord.Interaction, remove_albums: bool = False) -> None:
        await self._unlink(interaction, "lastfm", remove_albums)

    @app_commands.command(name="links", description="What you have linked, and when each last imported.")
    async def links(self, interaction: discord.Interaction) -> None:
        links = await self.bot.services.accounts.links(interaction.user.id)
        await interaction.response.send_message(links_text(links), ephemeral=True)

    @app_commands.command(name="forget-me", description="Delete everything AlbumDuel knows about you.")
    async def forget_me(self, interaction: discord.Interaction) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(ForgetButton(interaction.user.id))
        await interaction.response.send_message(
            "This deletes your linked accounts, your collection, every vote and duel, your rankings and your server "
            "memberships, for good. Albums in the shared catalogue stay. Are you sure?", view=view, ephemeral=True)

    async def cog_unload(self) -> None:
        # Shutting down: stop imports now, while the database is still open (each batch is whole).
        await self.bot.services.import_runner.stop()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # Imports the last shutdown or crash cut off carry on by themselves (once per process start).
        if self._resumed_interrupted:
            return
        self._resumed_interrupted = True
        services = self.bot.services
        for user_id, provider in await services.provider_imports.interrupted():
            services.import_runner.start(user_id, provider, intro=(
                f"The bot restarted while importing your albums from {PROVIDER_NAMES[provider]}; "
                "picking up where it stopped…"))


async def setup(bot: commands.Bot) -> None:
    bot.services.import_runner.notifier = DiscordNotifier(bot)
    bot.web.add_routes(callback_routes(bot.services.linking, bot.services.import_runner))
    bot.add_dynamic_items(ForgetButton)
    await bot.add_cog(Linking(bot))


async def teardown(bot: commands.Bot) -> None:
    bot.remove_dynamic_items(ForgetButton)
