"""/server rankings, /server album, /server duel, and the gateway events that keep memberships honest."""

from __future__ import annotations

import io
import logging
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import NotFound
from bot.services.leaderboards import ServerAlbumView, ServerChartPage
from bot.services.server_duels import MAX_MINUTES, MIN_MINUTES, DuelBoardRow, ServerDuelCard
from cogs.ui.errors import RefusedWhileRestarting, report_error
from cogs.ui.render import BRAND, album_line

log = logging.getLogger(__name__)

BOARDS = [app_commands.Choice(name="Members' rankings", value="members"),
          app_commands.Choice(name="Server duels", value="duels")]


def chart_embed(guild_name: str, page: ServerChartPage) -> discord.Embed:
    lines = [f"`{row.position:>3}.` {album_line(row.album)}  ·  **{row.score:.0f}**/100  ·  "
             f"{row.raters} member{'s' if row.raters != 1 else ''}" for row in page.rows]
    if not lines:
        lines = [f"No album has been ranked by {page.min_raters} members yet. Everyone who runs /duel here adds to it."]
    embed = discord.Embed(title=f"{guild_name}'s favourite albums", description="\n".join(lines), colour=BRAND)
    updated = " · updating…" if page.updating else ""
    embed.set_footer(text=f"Page {page.page}/{page.pages} · {page.total} albums · {page.members} members counted · "
                          f"an album needs {page.min_raters} members who ranked it{updated}")
    return embed


def duel_board_embed(guild_name: str, rows: list[DuelBoardRow]) -> discord.Embed:
    lines = [f"`{r.position:>3}.` {album_line(r.album)}  ·  **{r.rating:.0f}**/100  ·  {r.duels} server duel"
             f"{'s' if r.duels != 1 else ''}" for r in rows] or ["No server duel has closed yet: start one with /server duel."]
    embed = discord.Embed(title=f"{guild_name}: the server-duel ranking", description="\n".join(lines), colour=BRAND)
    embed.set_footer(text="From members' votes in closed server duels; separate from personal rankings.")
    return embed


def album_embed(view: ServerAlbumView) -> discord.Embed:
    embed = discord.Embed(title="On this server", description=album_line(view.album), colour=BRAND)
    if view.position is not None:
        embed.add_field(name="Server rank", value=f"**#{view.position}** · {view.score:.0f}/100 · {view.raters} members")
    else:
        embed.add_field(name="Server rank", value=f"Not on the chart: ranked by {view.raters} member"
                        f"{'s' if view.raters != 1 else ''}, needs {view.min_raters}")
    if view.duel_rating is not None:
        embed.add_field(name="Server duels", value=f"{view.duel_rating:.0f}/100 after {view.duel_count} duel"
                        f"{'s' if view.duel_count != 1 else ''}")
    if view.top:
        lines = [f"{i}. {discord.utils.escape_markdown(m.name) if m.name else '*a member who stays anonymous*'}"
                 f" · {m.rating:.0f}/100" for i, m in enumerate(view.top, 1)]
        embed.add_field(name="Who loves it most", value="\n".join(lines), inline=False)
    return embed


def server_duel_embed(card: ServerDuelCard, guild_name: str = "") -> discord.Embed:
    closes = int(card.closes_at.timestamp())
    description = f"🅰️ {album_line(card.album_a)}\n🅱️ {album_line(card.album_b)}"
    if card.state == "open":
        embed = discord.Embed(title="Server duel: which does this server love more?", colour=BRAND,
                              description=description + f"\n\nEveryone votes once (you can change it). Closes <t:{closes}:R>.")
        embed.set_image(url="attachment://duel.png")
        return embed
    a, b = card.votes_a, card.votes_b
    if card.result == "NONE":
        verdict = "Nobody voted."
    elif card.result == "TIE":
        verdict = f"It's a tie, {a}–{b}."
    else:
        winner = card.album_a if card.result == "A" else card.album_b
        verdict = f"**{discord.utils.escape_markdown(winner.title)}** wins {max(a, b)}–{min(a, b)}."
    embed = discord.Embed(title="Server duel: closed", colour=BRAND,
                          description=f"{description}\n\nResult: {verdict}\n🅰️ {a} vote{'s' if a != 1 else ''} · "
                                      f"🅱️ {b} vote{'s' if b != 1 else ''}")
    embed.set_footer(text="These votes feed the server-duel ranking: /server rankings board:Server duels")
    return embed


class ServerDuelButton(RefusedWhileRestarting, discord.ui.DynamicItem[discord.ui.Button], template=r"sduel:(?P<duel>[A-Za-z0-9_-]{1,24}):(?P<choice>A|B)"):
    """The duel id and the choice live in the custom_id, so a click after a restart still counts."""

    def __init__(self, duel_id: str, choice: str) -> None:
        super().__init__(discord.ui.Button(label=f"Vote {choice}", style=discord.ButtonStyle.primary,
                                           custom_id=f"sduel:{duel_id}:{choice}"))
        self.duel_id = duel_id
        self.choice = choice

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /):
        return cls(match["duel"], match["choice"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            services = interaction.client.services
            if interaction.guild_id is not None:
                await services.memberships.note(interaction.guild_id, interaction.guild.name if interaction.guild else "",
                                                interaction.user.id, interaction.user.display_name)
            receipt = await services.server_duels.vote(self.duel_id, interaction.user.id, self.choice)
            album = receipt.card.album_a if receipt.choice == "A" else receipt.card.album_b
            verb = "Changed your vote to" if receipt.changed else "Your vote:"
            await interaction.response.send_message(
                f"{verb} **{discord.utils.escape_markdown(album.title)}**. {receipt.voters} member"
                f"{'s have' if receipt.voters != 1 else ' has'} voted so far; you can change your vote until it "
                f"closes <t:{int(receipt.card.closes_at.timestamp())}:R>.", ephemeral=True)
        except Exception as error:
            await report_error(interaction, error)


def server_duel_view(card: ServerDuelCard) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ServerDuelButton(card.duel_id, "A"))
    view.add_item(ServerDuelButton(card.duel_id, "B"))
    return view


class Server(commands.Cog):
    group = app_commands.Group(name="server", description="This server's charts and server duels", guild_only=True)

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        services = self.bot.services
        services.server_duels.on_closed = self.show_result
        services.leaderboards.start()
        services.server_duels.start()  # closes overdue duels at once, then waits for the next close

    async def cog_unload(self) -> None:
        await self.bot.services.server_duels.stop()
        await self.bot.services.leaderboards.stop()

    async def show_result(self, card: ServerDuelCard) -> None:
        if card.message_id is None:
            return
        channel = self.bot.get_partial_messageable(card.channel_id, guild_id=card.guild_id)
        await channel.get_partial_message(card.message_id).edit(embed=server_duel_embed(card), attachments=[], view=None)

    @group.command(name="rankings", description="The albums this server's members love, from their votes.")
    @app_commands.describe(page="Which page (default: 1)", chart="Show the top covers as one image instead",
                           board="Members' personal rankings combined (default), or the server-duel ranking")
    @app_commands.choices(chart=[app_commands.Choice(name="Top 9 (3×3)", value=9),
                                 app_commands.Choice(name="Top 16 (4×4)", value=16),
                                 app_commands.Choice(name="Top 25 (5×5)", value=25)], board=BOARDS)
    async def rankings(self, interaction: discord.Interaction, page: app_commands.Range[int, 1, 10000] = 1,
                       chart: int | None = None, board: str = "members") -> None:
        services = self.bot.services
        name = interaction.guild.name if interaction.guild else "This server"
        if board == "duels":
            rows = await services.server_duels.board(interaction.guild_id, limit=10, offset=(page - 1) * 10)
            if not rows and page > 1:
                raise NotFound(f"The server-duel ranking has no page {page}.")
            await interaction.response.send_message(embed=duel_board_embed(name, rows))
            return
        if chart:
            result = await services.leaderboards.chart(interaction.guild_id, 1, page_size=chart)
            if not result.rows:
                raise NotFound(f"No album has been ranked by {result.min_raters} members here yet, so there is "
                               "nothing to chart.")
            await interaction.response.defer(thinking=True)
            png = await services.images.chart_png(result.rows, chart)  # ChartRow has position and album
            await interaction.followup.send(content=f"**{name}'s top {len(result.rows)}**",
                                            file=discord.File(io.BytesIO(png), filename="chart.png"))
            return
        result = await services.leaderboards.chart(interaction.guild_id, page)
        await interaction.response.send_message(embed=chart_embed(name, result))

    @group.command(name="album", description="An album's rank on this server and the members who love it most.")
    @app_commands.describe(album="Start typing a title or artist")
    async def album(self, interaction: discord.Interaction, album: str) -> None:
        view = await self.bot.services.leaderboards.album(interaction.guild_id, album)
        await interaction.response.send_message(embed=album_embed(view))

    @album.autocomplete("album")
    async def album_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        found = await self.bot.services.leaderboards.search(interaction.guild_id, current)
        return [app_commands.Choice(name=label, value=str(album_id)) for album_id, label in found]

    @group.command(name="duel", description="A duel for the whole channel: everyone votes once until it closes.")
    @app_commands.describe(minutes="How long voting stays open (default: the bot's setting, usually 60)")
    async def duel(self, interaction: discord.Interaction,
                   minutes: app_commands.Range[int, MIN_MINUTES, MAX_MINUTES] | None = None) -> None:
        services = self.bot.services
        card = await services.server_duels.open(interaction.guild_id, interaction.channel_id, interaction.user.id,
                                                minutes)
        await interaction.response.defer(thinking=True)
        png = await services.images.duel_png(card)  # uses only the two album cards
        message = await interaction.followup.send(embed=server_duel_embed(card), view=server_duel_view(card),
                                                  file=discord.File(io.BytesIO(png), filename="duel.png"), wait=True)
        closed = await services.server_duels.attach_message(card.duel_id, message.id)
        if closed is not None:
            await self.show_result(closed)

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        # The raw event: the plain one fires only for members in the cache, and ours rarely are.
        await self.bot.services.memberships.member_left(payload.guild_id, payload.user.id)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.bot.services.memberships.guild_removed(guild.id)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # Servers that removed the bot while it was offline are simply missing from the gateway's list.
        gone = await self.bot.services.memberships.reconcile_guilds({guild.id for guild in self.bot.guilds})
        if gone:
            log.info("Dropped %d servers that removed the bot while it was offline", len(gone))

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        # On every connect: people who left while the bot was offline stop counting in the chart. The
        # member list is complete only once chunked (discord.py does that at start-up with the members
        # intent; ask for it otherwise).
        if not guild.chunked:
            await guild.chunk()
        gone = await self.bot.services.memberships.reconcile_members(guild.id, {m.id for m in guild.members})
        if gone:
            log.info("Dropped %d members who left server %s while the bot was offline", len(gone), guild.id)


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(ServerDuelButton)
    await bot.add_cog(Server(bot))


async def teardown(bot: commands.Bot) -> None:
    bot.remove_dynamic_items(ServerDuelButton)
