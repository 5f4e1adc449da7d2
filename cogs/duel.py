"""/duel: two albums, one question, buttons that keep working after a restart."""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import Awaitable
from typing import TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.services.cards import DuelCard, DuelEnded
from bot.services.duels import DuelAction
from cogs.ui.errors import RefusedWhileRestarting, report_error
from cogs.ui.render import BRAND, album_line, settled_text

log = logging.getLogger(__name__)
T = TypeVar("T")
ACK_BY = 2.0  # seconds after the click by which it is answered or acknowledged; Discord allows 3

BUTTONS: list[tuple[DuelAction, str, discord.ButtonStyle, int]] = [
    (DuelAction.A, "A", discord.ButtonStyle.primary, 0),
    (DuelAction.B, "B", discord.ButtonStyle.primary, 0),
    (DuelAction.DRAW, "Draw", discord.ButtonStyle.secondary, 0),
    (DuelAction.SKIP, "Skip", discord.ButtonStyle.secondary, 0),
    (DuelAction.UNDO, "Undo", discord.ButtonStyle.secondary, 1),
    (DuelAction.EXCLUDE_A, "Exclude A", discord.ButtonStyle.danger, 1),
    (DuelAction.EXCLUDE_B, "Exclude B", discord.ButtonStyle.danger, 1),
]


class DuelButton(RefusedWhileRestarting, discord.ui.DynamicItem[discord.ui.Button], template=r"duel:(?P<duel>[A-Za-z0-9_-]{1,24}):(?P<action>A|B|DRAW|SKIP|UNDO|XA|XB)"):
    """State lives in the custom_id (``duel:<duel id>:<action>``), so any process can answer the click."""

    def __init__(self, duel_id: str, action: DuelAction, label: str = "", style: discord.ButtonStyle = discord.ButtonStyle.secondary,
                 row: int = 0) -> None:
        super().__init__(discord.ui.Button(label=label or action.value, style=style, row=row,
                                           custom_id=f"duel:{duel_id}:{action.value}"))
        self.duel_id = duel_id
        self.action = action

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /):
        return cls(match["duel"], DuelAction(match["action"]), item.label or "", item.style, item.row or 0)

    async def callback(self, interaction: discord.Interaction) -> None:
        services = interaction.client.services

        async def next_duel() -> tuple[DuelCard | DuelEnded, bytes | None]:
            result = await services.duels.answer(self.duel_id, interaction.user.id, self.action)
            return result, (await services.images.duel_png(result) if isinstance(result, DuelCard) else None)

        try:
            result, png = await within_deadline(interaction, next_duel())
            await show(interaction, result, png)
        except Exception as error:  # every failure becomes an ephemeral message, not a silent dead button
            await report_error(interaction, error)


def duel_view(card: DuelCard) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action, label, style, row in BUTTONS:
        view.add_item(DuelButton(card.duel_id, action, label, style, row))
    return view


def duel_embed(card: DuelCard) -> discord.Embed:
    embed = discord.Embed(title="Which do you love more?", colour=BRAND,
                          description=f"🅰️ {album_line(card.album_a)}\n🅱️ {album_line(card.album_b)}")
    if card.notice:
        embed.add_field(name="\u200b", value=card.notice[:1024], inline=False)
    embed.set_image(url="attachment://duel.png")
    embed.set_footer(text=f"{settled_text(card.votes, card.settled)} · Draw = love both equally · Skip = can't say")
    return embed


async def within_deadline(interaction: discord.Interaction, work: Awaitable[T]) -> T:
    """Answer a click in one request when the work is quick (the usual case); when it is not, acknowledge
    the click before Discord's 3 s run out and finish afterwards."""
    task = asyncio.ensure_future(work)
    # Counted from the click itself, not from when this callback got to run: under load the two differ.
    age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
    done, _ = await asyncio.wait({task}, timeout=max(0.1, ACK_BY - age))
    if not done:
        await interaction.response.defer()
    return await task


async def show(interaction: discord.Interaction, result: DuelCard | DuelEnded, png: bytes | None) -> discord.Message | None:
    """Replace the duel message with ``result``: in the click's own answer, or by editing after a defer."""
    if isinstance(result, DuelEnded):
        text = "\n".join([*result.notices, result.message, settled_text(result.votes, result.settled)])
        fields = dict(content=text, embed=None, attachments=[], view=None)
    else:
        fields = dict(content=None, embed=duel_embed(result), view=duel_view(result),
                      attachments=[discord.File(io.BytesIO(png or b""), filename="duel.png")])
    if interaction.response.is_done():
        return await interaction.edit_original_response(**fields)
    await interaction.response.edit_message(**fields)  # a click answered in one request
    return None


class Duel(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="duel", description="Pick the album you love more; every vote sharpens your ranking.")
    @app_commands.describe(private="Only you see the duel (servers only; DMs are always private).")
    async def duel(self, interaction: discord.Interaction, private: bool = False) -> None:
        in_guild = interaction.guild_id is not None
        await interaction.response.defer(ephemeral=private and in_guild, thinking=True)
        card = await self.bot.services.duels.open_duel(interaction.user.id, interaction.user.display_name,
                                                       guild_id=interaction.guild_id, channel_id=interaction.channel_id,
                                                       private=private and in_guild)
        message = await show(interaction, card, await self.bot.services.images.duel_png(card))
        await self.bot.services.duels.attach_message(card.duel_id, message.id)


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(DuelButton)
    await bot.add_cog(Duel(bot))


async def teardown(bot: commands.Bot) -> None:
    bot.remove_dynamic_items(DuelButton)
