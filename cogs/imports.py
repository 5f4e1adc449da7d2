"""/import: bring albums in from a source, with progress shown as it goes."""

from __future__ import annotations

import time

import discord
from discord import app_commands
from discord.ext import commands

from bot.services.imports import summary_text
from cogs.link import start_import

PROGRESS_EVERY = 1.0  # seconds between progress edits: Discord rate-limits message edits


class Imports(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    group = app_commands.Group(name="import", description="Import albums from Spotify, Last.fm or Album of the Year.")

    @group.command(name="aoty", description="Import every album an Album of the Year user has rated.")
    @app_commands.describe(username="Your Album of the Year username (or profile URL)")
    async def aoty(self, interaction: discord.Interaction, username: app_commands.Range[str, 1, 100]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        last_edit = 0.0

        async def progress(text: str) -> None:
            nonlocal last_edit
            now = time.monotonic()
            if now - last_edit >= PROGRESS_EVERY:
                last_edit = now
                await interaction.edit_original_response(content=text)

        result = await self.bot.services.imports.import_aoty(interaction.user.id, interaction.user.display_name,
                                                              username, progress)
        await interaction.edit_original_response(content=summary_text(result))

    @group.command(name="spotify", description="Import (or finish importing) your linked Spotify library.")
    async def spotify(self, interaction: discord.Interaction) -> None:
        await start_import(interaction, "spotify")

    @group.command(name="lastfm", description="Import (or finish importing) your linked Last.fm chart.")
    async def lastfm(self, interaction: discord.Interaction) -> None:
        await start_import(interaction, "lastfm")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Imports(bot))
