"""An emulated Discord (REST API v10 and JSON gateway) that unmodified discord.py connects to.

It never imports discord: it speaks the wire protocol. See docs/sandbox-discord.md.
"""

from bot.sandbox.discord.emulator import DiscordEmulator
from bot.sandbox.discord.models import (
    ApiErrorRecord, Attachment, Channel, Guild, InteractionRun, Member, Message, Role, User,
)
from bot.sandbox.discord.state import RateLimitInjection

__all__ = [
    "ApiErrorRecord", "Attachment", "Channel", "DiscordEmulator", "Guild", "InteractionRun", "Member", "Message",
    "RateLimitInjection", "Role", "User",
]
