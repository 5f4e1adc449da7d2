"""Who may see whose rankings and stats, and who counts in which server."""

from __future__ import annotations

from typing import Callable

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog.store import ensure_user
from bot.db.models import PRIVACY_LEVELS, Guild, GuildMember, User
from bot.errors import NotAllowed, UserError
from bot.services.leaderboards import mark_user_guilds_dirty

PRIVACY_DESCRIPTIONS = {
    "server": "members of servers you share with the bot can view your rankings and stats, and you are named "
              "in server views",
    "anonymous": "you count in server leaderboards but are never named, and nobody else can open your rankings "
                 "or stats",
    "private": "you are not counted anywhere, and nobody else can open your rankings or stats",
}


async def record_membership(session: AsyncSession, guild_id: int, guild_name: str, user_id: int, user_name: str) -> None:
    """A person counts in a server once they have used the bot there."""
    await ensure_user(session, user_id, user_name)
    dialect = sqlite if session.bind.dialect.name == "sqlite" else postgresql
    await session.execute(dialect.insert(Guild).values(id=guild_id, name=guild_name[:100])
                          .on_conflict_do_nothing(index_elements=[Guild.id]))
    await session.execute(dialect.insert(GuildMember).values(guild_id=guild_id, user_id=user_id)
                          .on_conflict_do_nothing(index_elements=[GuildMember.guild_id, GuildMember.user_id]))


async def check_can_view(session: AsyncSession, viewer_id: int, target_id: int, guild_id: int | None) -> User:
    """Return the target if the viewer may see their rankings and stats; raise ``NotAllowed`` otherwise."""
    target = await session.get(User, target_id)
    if target is None:
        raise NotAllowed("That person hasn't used AlbumDuel yet, so there is nothing to show.")
    if viewer_id == target_id:
        return target
    if target.privacy != "server":
        raise NotAllowed(f"{target.name or 'That person'} keeps their rankings private.")
    member_of = set((await session.scalars(select(GuildMember.guild_id).where(GuildMember.user_id == target_id))).all())
    if guild_id is not None:
        if guild_id not in member_of:
            raise NotAllowed(f"{target.name or 'That person'} hasn't used AlbumDuel in this server yet.")
        return target
    viewer_guilds = set((await session.scalars(select(GuildMember.guild_id).where(GuildMember.user_id == viewer_id))).all())
    if not member_of & viewer_guilds:
        raise NotAllowed(f"You can only view people you share a server with, and {target.name or 'they'} "
                         "don't share one with you here.")
    return target


class PrivacyService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], on_change: Callable[[], None] = lambda: None) -> None:
        self.sessions = sessions
        self.on_change = on_change  # wakes the server-chart refresher: a change takes effect at once

    async def get(self, user_id: int) -> str:
        async with self.sessions() as session:
            level = await session.scalar(select(User.privacy).where(User.id == user_id))
        return level or "server"

    async def set(self, user_id: int, user_name: str, level: str) -> str:
        if level not in PRIVACY_LEVELS:
            raise UserError(f"Privacy must be one of: {', '.join(PRIVACY_LEVELS)}.")
        async with self.sessions.begin() as session:
            user = await ensure_user(session, user_id, user_name)
            changed = user.privacy != level
            user.privacy = level
            if changed:
                # Counting and naming change in every server this person is in: rebuild their charts.
                await mark_user_guilds_dirty(session, user_id)
        if changed:
            self.on_change()
        return level
