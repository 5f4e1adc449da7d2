"""/duel: two albums, one question, buttons that keep working after a restart."""

from __future__ import annotations

import io
import logging
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.services.cards import DuelCard, DuelEnded
from bot.services.duels import DuelAction
from cogs.ui.errors import report_error
from cogs.ui.render import BRAND, album_line, settled_text

log = logging.getLogger(__name__)

BUTTONS: list[tuple[DuelAction, str, discord.ButtonStyle, int]] = [
    (DuelAction.A, "A", discord.ButtonStyle.primary, 0),
    (DuelAction.B, "B", discord.ButtonStyle.primary, 0),
    (DuelAction.DRAW, "Draw", discord.ButtonStyle.secondary, 0),
    (DuelAction.SKIP, "Skip", discord.ButtonStyle.secondary, 0),
    (DuelAction.UNDO, "Undo", discord.ButtonStyle.secondary, 1),
    (DuelAction.EXCLUDE_A, "Exclude A", discord.ButtonStyle.danger, 1),
    (DuelAction.EXCLUDE_B, "Exclude B", discord.ButtonStyle.danger, 1),
]


class DuelButton(discord.ui.DynamicItem[discord.ui.Button], template=r"duel:(?P<duel>[A-Za-z0-9_-]{1,24}):(?P<action>A|B|DRAW|SKIP|UNDO|XA|XB)"):
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
        try:
            await interaction.response.defer()  # covers may take a moment; the click is acknowledged now
            result = await interaction.client.services.duels.answer(self.duel_id, interaction.user.id, self.action)
            await show(interaction, result)
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


async def show(interaction: discord.Interaction, result: DuelCard | DuelEnded) -> discord.Message:
    if isinstance(result, DuelEnded):
        text = "\n".join([*result.notices, result.message, settled_text(result.votes, result.settled)])
        return await interaction.edit_original_response(content=text, embed=None, attachments=[], view=None)
    png = await interaction.client.services.images.duel_png(result)
    file = discord.File(io.BytesIO(png), filename="duel.png")
    return await interaction.edit_original_response(content=None, embed=duel_embed(result), attachments=[file],
                                                    view=duel_view(result))


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
        message = await show(interaction, card)
        await self.bot.services.duels.attach_message(card.duel_id, message.id)


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(DuelButton)
    await bot.add_cog(Duel(bot))


async def teardown(bot: commands.Bot) -> None:
    bot.remove_dynamic_items(DuelButton)
