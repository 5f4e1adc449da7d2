"""/rankings: your ranking, ten a page, with restart-proof paging and a cover chart."""

from __future__ import annotations

import io
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import NotAllowed, NotFound
from bot.services.collection import RankingsPage
from cogs.ui.errors import RefusedWhileRestarting, report_error
from cogs.ui.render import BRAND, progress_bar, settled_text


def rankings_embed(page: RankingsPage) -> discord.Embed:
    lines = []
    for row in page.rows:
        mark = " ·*provisional*" if row.provisional else ""
        lines.append(f"`{row.position:>3}.` **{discord.utils.escape_markdown(row.album.title)}** — "
                     f"{discord.utils.escape_markdown(row.album.artist)}  ·  **{row.rating:.0f}**/100  ·  "
                     f"{row.comparisons} duel{'s' if row.comparisons != 1 else ''}{mark}")
    embed = discord.Embed(title=f"{page.owner_name or 'Your'}'s ranking" if page.owner_name else "Ranking",
                          description="\n".join(lines), colour=BRAND)
    embed.set_footer(text=f"Page {page.page}/{page.pages} · {page.total} albums · "
                          f"{settled_text(page.votes, page.settled)} {progress_bar(page.settled, 8)}")
    return embed


class PageButton(RefusedWhileRestarting, discord.ui.DynamicItem[discord.ui.Button], template=r"rank:(?P<viewer>\d+):(?P<target>\d+):(?P<page>\d+)"):
    def __init__(self, viewer: int, target: int, page: int, label: str, disabled: bool = False) -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, disabled=disabled,
                                           custom_id=f"rank:{viewer}:{target}:{page}"))
        self.viewer, self.target, self.page = viewer, target, page

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /):
        return cls(int(match["viewer"]), int(match["target"]), int(match["page"]), item.label or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            if interaction.user.id != self.viewer:
                raise NotAllowed("These buttons belong to whoever ran /rankings; run it yourself to browse.")
            page = await interaction.client.services.collection.rankings(self.viewer, self.target, interaction.guild_id,
                                                                           self.page)
            await interaction.response.edit_message(embed=rankings_embed(page), view=pager(self.viewer, page))
        except Exception as error:
            await report_error(interaction, error)


def pager(viewer: int, page: RankingsPage) -> discord.ui.View | None:
    if page.pages <= 1:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(PageButton(viewer, page.owner_id, max(1, page.page - 1), "◀ Previous", disabled=page.page <= 1))
    view.add_item(PageButton(viewer, page.owner_id, min(page.pages, page.page + 1), "Next ▶",
                             disabled=page.page >= page.pages))
    return view


class Rankings(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="rankings", description="Show a ranking, 10 albums a page, or a chart of the top covers.")
    @app_commands.describe(user="Whose ranking (default: yours)", page="Which page (default: 1)",
                           chart="Show the top covers as one image instead")
    @app_commands.choices(chart=[app_commands.Choice(name="Top 9 (3×3)", value=9),
                                 app_commands.Choice(name="Top 16 (4×4)", value=16),
                                 app_commands.Choice(name="Top 25 (5×5)", value=25)])
    async def rankings(self, interaction: discord.Interaction, user: discord.User | None = None,
                       page: app_commands.Range[int, 1, 10000] = 1, chart: int | None = None) -> None:
        target = user or interaction.user
        services = self.bot.services
        if chart:
            rows = await services.collection.top(interaction.user.id, target.id, interaction.guild_id, chart)
            if not rows:
                raise NotFound("There are no ranked albums to chart yet. Import some and run /duel.")
            await interaction.response.defer(thinking=True)
            png = await services.images.chart_png(rows, chart)
            await interaction.followup.send(
                content=f"**{target.display_name}'s top {len(rows)}**",
                file=discord.File(io.BytesIO(png), filename="chart.png"))
            return
        result = await services.collection.rankings(interaction.user.id, target.id, interaction.guild_id, page)
        view = pager(interaction.user.id, result)
        if view is None:
            await interaction.response.send_message(embed=rankings_embed(result))
        else:
            await interaction.response.send_message(embed=rankings_embed(result), view=view)


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(PageButton)
    await bot.add_cog(Rankings(bot))


async def teardown(bot: commands.Bot) -> None:
    bot.remove_dynamic_items(PageButton)
