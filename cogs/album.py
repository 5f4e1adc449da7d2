"""/album: one album's card — cover, facts, where it ranks for you, and what it beat and lost to."""

from __future__ import annotations

import asyncio
import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.images import placeholder_png
from cogs.stats import SOURCE_NAMES
from cogs.ui.render import BRAND


def _tally(rows: list[tuple[str, int]], limit: int = 8) -> str:
    if not rows:
        return "—"
    text = ", ".join(f"{discord.utils.escape_markdown(t)}{f' ×{n}' if n > 1 else ''}" for t, n in rows[:limit])
    return text + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


class AlbumCardCog(commands.Cog, name="Album"):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="album", description="One album's card: your rating and rank, and what it beat and lost to.")
    @app_commands.describe(album="Start typing a title or artist")
    async def album(self, interaction: discord.Interaction, album: str) -> None:
        detail = await self.bot.services.collection.album_detail(interaction.user.id, album)
        card = detail.album
        embed = discord.Embed(title=card.title, colour=BRAND,
                              description=f"{', '.join(detail.artists) or card.artist}" + (f" · {card.year}" if card.year else ""))
        if detail.excluded:
            embed.add_field(name="Rank", value="Excluded (use /restore to bring it back)")
        else:
            mark = " · provisional" if detail.provisional else ""
            embed.add_field(name="Rank", value=f"**#{detail.rank}** of {detail.of}")
            embed.add_field(name="Rating", value=f"**{detail.rating:.0f}**/100{mark}")
        embed.add_field(name="Duels", value=str(detail.comparisons))
        embed.add_field(name="From", value=", ".join(SOURCE_NAMES.get(s, s) for s in detail.sources) or "—")
        embed.add_field(name="Beat", value=_tally(detail.beat)[:1024], inline=False)
        embed.add_field(name="Lost to", value=_tally(detail.lost_to)[:1024], inline=False)
        if detail.drew:
            embed.add_field(name="Drew with", value=_tally(detail.drew)[:1024], inline=False)
        if card.cover_url:
            embed.set_thumbnail(url=card.cover_url)
            await interaction.response.send_message(embed=embed, ephemeral=True)
            return
        png = await asyncio.to_thread(placeholder_png, card.title, card.artist)
        embed.set_thumbnail(url="attachment://cover.png")
        await interaction.response.send_message(embed=embed, file=discord.File(io.BytesIO(png), filename="cover.png"),
                                                ephemeral=True)

    @album.autocomplete("album")
    async def _album_choices(self, interaction: discord.Interaction, current: str):
        matches = await self.bot.services.collection.search(interaction.user.id, current)
        return [app_commands.Choice(name=m.label, value=str(m.album_id)) for m in matches]


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(AlbumCardCog(bot))
