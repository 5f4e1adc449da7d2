"""One place that turns an exception during an interaction into what the person sees.

A ``UserError`` becomes its own message, ephemeral. Anything else is logged with its traceback and a
short reference id, and the person gets an ephemeral apology carrying that id so a report can be matched
to the log line.
"""

from __future__ import annotations

import logging
import secrets

import discord
from discord import app_commands

from bot.errors import UserError

log = logging.getLogger("albumduel.errors")


def _unwrap(error: BaseException) -> BaseException:
    while isinstance(error, (app_commands.CommandInvokeError, app_commands.TransformerError)) and error.__cause__:
        error = error.__cause__
    original = getattr(error, "original", None)
    return original if isinstance(original, BaseException) else error


def user_message_for(error: BaseException) -> str | None:
    """The sentence for errors the person caused or can fix; None for bugs and outages."""
    if isinstance(error, UserError):
        return error.message
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    return None


async def send_ephemeral(interaction: discord.Interaction, content: str) -> None:
    try:
        if interaction.response.type is discord.InteractionResponseType.deferred_channel_message:
            # A public "thinking…" placeholder would otherwise stay forever above the private error.
            try:
                await interaction.delete_original_response()
            except discord.HTTPException:
                pass
        if interaction.response.is_done():
            await interaction.followup.send(content, ephemeral=True)
        else:
            await interaction.response.send_message(content, ephemeral=True)
    except discord.HTTPException:
        log.warning("Could not deliver an error message for interaction %s", interaction.id)


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    error = _unwrap(error)
    message = user_message_for(error)
    if message is None:
        reference = secrets.token_hex(3)
        command = interaction.command.qualified_name if interaction.command else None
        custom_id = (interaction.data or {}).get("custom_id") if interaction.type is discord.InteractionType.component else None
        log.error("Unexpected error [ref %s] user=%s command=%s component=%s", reference, interaction.user.id,
                  command, custom_id, exc_info=error)
        message = (f"Sorry, something went wrong on our side. If it keeps happening, mention "
                   f"reference `{reference}` to the bot's operator.")
    await send_ephemeral(interaction, message)


RESTARTING = "AlbumDuel is restarting. Try again in a few seconds; nothing you did before was lost."


async def turn_away_while_restarting(interaction: discord.Interaction) -> None:
    """What a command or click gets while the bot shuts down: a plain ephemeral word, nothing done.
    Autocomplete gets no choices (it cannot show a message)."""
    if interaction.type is discord.InteractionType.autocomplete:
        return
    await send_ephemeral(interaction, RESTARTING)


class RefusedWhileRestarting:
    """Mixin for buttons (before ``discord.ui.DynamicItem`` in the bases): while the bot shuts down a
    click is answered ``RESTARTING`` and not run, like commands (bot/app.py)."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        if getattr(interaction.client, "draining", False):
            await turn_away_while_restarting(interaction)
            return False
        return await super().interaction_check(interaction)  # type: ignore[misc]
