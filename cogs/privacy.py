"""/privacy: who may see your rankings and whether server charts count and name you."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.services.privacy import PRIVACY_DESCRIPTIONS
from cogs.ui.render import BRAND

LEVELS = [app_commands.Choice(name="server — visible to people you share a server with, named on server charts",
                              value="server"),
          app_commands.Choice(name="anonymous — counted on server charts but never named; rankings hidden",
                              value="anonymous"),
          app_commands.Choice(name="private — not counted anywhere; rankings hidden", value="private")]


def levels_text(current: str) -> str:
    return "\n".join(f"{'▶' if level == current else '•'} **{level}**: {text}."
                     for level, text in PRIVACY_DESCRIPTIONS.items())


class Privacy(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="privacy", description="See or change who can view your rankings and if server charts count you.")
    @app_commands.describe(level="Leave empty to see your current level")
    @app_commands.choices(level=LEVELS)
    async def privacy(self, interaction: discord.Interaction, level: str | None = None) -> None:
        service = self.bot.services.privacy
        if level is None:
            current = await service.get(interaction.user.id)
            title = f"Your privacy: {current}"
        else:
            current = await service.set(interaction.user.id, interaction.user.display_name, level)
            title = f"Privacy set to {current}: it applies now"
        embed = discord.Embed(title=title, description=levels_text(current), colour=BRAND)
        embed.set_footer(text="Change it with /privacy level:…  Server charts catch up within seconds.")
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Privacy(bot))
