"""JSON shapes of Discord's objects (API v10), built from the emulator's dataclasses.

Field sets follow Discord's documented objects, including the fields discord.py reads unconditionally.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from bot.sandbox.discord.models import Channel, Guild, Member, Role, User

if TYPE_CHECKING:
    from bot.sandbox.discord.state import DiscordState

# The bot's permissions: Add Reactions, View, Send, Embed Links, Attach Files, Read History, External Emojis,
# Use Application Commands, Send in Threads (what a bot invited with a typical scope gets).
BOT_PERMISSIONS = sum(1 << bit for bit in (6, 10, 11, 14, 15, 16, 18, 31, 38))
EVERYONE_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 31)
DM_APP_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 18) | (1 << 31)


def now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "username": user.name,
        "discriminator": "0",
        "global_name": user.global_name,
        "avatar": None,
        "bot": user.bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "primary_guild": None,
    }


def role_json(role: Role) -> dict[str, Any]:
    return {
        "id": str(role.id),
        "name": role.name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": role.position,
        "permissions": str(role.permissions),
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def member_json(state: DiscordState, member: Member, *, with_user: bool = True,
                permissions: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "nick": member.nick,
        "avatar": None,
        "banner": None,
        "roles": [str(r) for r in member.role_ids],
        "joined_at": member.joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
        "avatar_decoration_data": None,
    }
    if with_user:
        data["user"] = user_json(state.users[member.user_id])
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def channel_json(state: DiscordState, channel: Channel) -> dict[str, Any]:
    last = state.last_message_id(channel.id)
    if channel.type == 1:
        recipient = state.users[channel.recipient_id]  # type: ignore[index]
        return {
            "id": str(channel.id),
            "type": 1,
            "last_message_id": str(last) if last else None,
            "recipients": [user_json(recipient)],
            "flags": 0,
        }
    guild = state.guilds[channel.guild_id]  # type: ignore[index]
    return {
        "id": str(channel.id),
        "type": channel.type,
        "guild_id": str(channel.guild_id),
        "name": channel.name,
        "position": guild.channel_ids.index(channel.id),
        "permission_overwrites": [],
        "topic": None,
        "nsfw": False,
        "last_message_id": str(last) if last else None,
        "rate_limit_per_user": 0,
        "parent_id": None,
        "flags": 0,
    }


def guild_json(state: DiscordState, guild: Guild, *, all_members: bool) -> dict[str, Any]:
    """A GUILD_CREATE payload. Without the presences intent Discord only includes the bot's member."""
    members = [state.members[(guild.id, uid)] for uid in guild.member_ids]
    if not all_members:
        members = [m for m in members if m.user_id == state.bot_user.id]
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(guild.owner_id),
        "region": None,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [role_json(r) for r in guild.roles],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "max_members": 500000,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "joined_at": guild.joined_at,
        "large": False,
        "unavailable": False,
        "member_count": len(guild.member_ids),
        "voice_states": [],
        "members": [member_json(state, m) for m in members],
        "channels": [channel_json(state, state.channels[c]) for c in guild.channel_ids],
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def application_json(state: DiscordState) -> dict[str, Any]:
    return {
        "id": str(state.application_id),
        "name": state.bot_user.name,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "bot": user_json(state.bot_user),
        "owner": user_json(state.owner),
        "team": None,
        "verify_key": "0" * 64,
        "flags": state.application_flags,
        "tags": [],
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "integration_types_config": {"0": {}, "1": {}},
        "approximate_guild_count": len(state.guilds),
    }
