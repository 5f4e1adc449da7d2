"""/exclude, /restore, /excluded: keep albums out of duels and rankings without losing their votes."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from cogs.ui.render import BRAND, album_line


class Collection(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    async def _choices(self, interaction: discord.Interaction, current: str, excluded: bool) -> list[app_commands.Choice[str]]:
        matches = await self.bot.services.collection.search(interaction.user.id, current, excluded=excluded)
        return [app_commands.Choice(name=m.label, value=str(m.album_id)) for m in matches]

    @app_commands.command(name="exclude", description="Keep an album out of your duels and rankings (votes are kept).")
    @app_commands.describe(album="Start typing a title or artist")
    async def exclude(self, interaction: discord.Interaction, album: str) -> None:
        card = await self.bot.services.collection.set_excluded(interaction.user.id, album, True)
        await interaction.response.send_message(f"Excluded {album_line(card)}. /restore brings it back.", ephemeral=True)

    @exclude.autocomplete("album")
    async def _exclude_album(self, interaction: discord.Interaction, current: str):
        return await self._choices(interaction, current, excluded=False)

    @app_commands.command(name="restore", description="Bring an excluded album back into your duels and rankings.")
    @app_commands.describe(album="Start typing a title or artist")
    async def restore(self, interaction: discord.Interaction, album: str) -> None:
        card = await self.bot.services.collection.set_excluded(interaction.user.id, album, False)
        await interaction.response.send_message(f"Restored {album_line(card)}.", ephemeral=True)

    @restore.autocomplete("album")
    async def _restore_album(self, interaction: discord.Interaction, current: str):
        return await self._choices(interaction, current, excluded=True)

    @app_commands.command(name="excluded", description="List the albums you have excluded.")
    async def excluded(self, interaction: discord.Interaction) -> None:
        cards = await self.bot.services.collection.excluded(interaction.user.id)
        if not cards:
            await interaction.response.send_message("You haven't excluded any albums.", ephemeral=True)
            return
        shown = cards[:40]
        text = "\n".join(album_line(c) for c in shown)
        if len(cards) > len(shown):
            text += f"\n…and {len(cards) - len(shown)} more."
        embed = discord.Embed(title=f"Excluded albums ({len(cards)})", description=text[:4000], colour=BRAND)
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Collection(bot))
