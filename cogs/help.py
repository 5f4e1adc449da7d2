"""/help: every command with one line each."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands


class Help(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="List every AlbumDuel command with what it does.")
    async def help(self, interaction: discord.Interaction) -> None:
        lines = []
        for command in sorted(self.bot.tree.walk_commands(), key=lambda c: c.qualified_name):
            if isinstance(command, app_commands.Group):
                continue
            lines.append(f"`/{command.qualified_name}` — {command.description}")
        embed = discord.Embed(
            title="AlbumDuel commands",
            description="\n".join(lines),
            colour=discord.Colour.blurple(),
        )
        embed.set_footer(text="Import albums, then /duel: each vote sharpens your ranking.")
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Help(bot))
