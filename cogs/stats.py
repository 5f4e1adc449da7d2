"""/stats: how big and how settled a collection is, and the next milestone."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from cogs.ui.render import BRAND, album_line, progress_bar

SOURCE_NAMES = {"spotify": "Spotify", "lastfm": "Last.fm", "aoty": "Album of the Year"}


class Stats(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="stats", description="Albums by source, duels, how settled the ranking is, and the top 3.")
    @app_commands.describe(user="Whose stats (default: yours)")
    async def stats(self, interaction: discord.Interaction, user: discord.User | None = None) -> None:
        target = user or interaction.user
        stats = await self.bot.services.collection.stats(interaction.user.id, target.id, interaction.guild_id)
        embed = discord.Embed(title=f"{stats.owner_name or target.display_name}'s AlbumDuel stats", colour=BRAND)
        sources = "\n".join(f"{SOURCE_NAMES.get(s, s)}: **{n:,}**" for s, n in sorted(stats.by_source.items())) or "none yet"
        embed.add_field(name="Albums", value=f"**{stats.albums:,}** in play"
                        + (f", {stats.excluded:,} excluded" if stats.excluded else "") + f"\n{sources}")
        embed.add_field(name="Duels", value=f"**{stats.votes:,}** votes\n{stats.per_album:.1f} per album")
        embed.add_field(name="Settled", value=f"{progress_bar(stats.settled)} **{stats.settled * 100:.0f}%**", inline=False)
        covered = stats.with_cover / stats.albums if stats.albums else 0.0
        embed.add_field(name="Covers", value=f"{stats.with_cover:,} of {stats.albums:,} ({covered * 100:.0f}%)")
        span = max(1, stats.milestone - stats.previous_milestone)
        embed.add_field(name=f"Next milestone: {stats.milestone:,} duels",
                        value=f"{progress_bar((stats.votes - stats.previous_milestone) / span)} "
                              f"{stats.votes:,}/{stats.milestone:,}", inline=False)
        if stats.top:
            embed.add_field(name="Top 3", value="\n".join(f"{r.position}. {album_line(r.album)} · {r.rating:.0f}/100"
                                                         for r in stats.top), inline=False)
        await interaction.response.send_message(embed=embed)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Stats(bot))
