"""Who counts in which server: a person joins a server's charts by using the bot there, and drops out
when they leave it or the server removes the bot. Leaves and removals that happen while the bot is
offline are caught up when it reconnects (``reconcile_guilds``, ``reconcile_members``).

Recording is on every command, so it is cheap: the (server, person) pairs already written are kept in
memory and only a new pair costs a database round trip.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Callable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Guild, GuildMember
from bot.services.leaderboards import mark_dirty
from bot.services.privacy import record_membership


_DELETE_BATCH = 500  # user ids per DELETE: far below SQLite's limit on bound parameters


class MembershipService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], on_change: Callable[[], None] = lambda: None,
                 cache_limit: int = 200_000) -> None:
        self.sessions = sessions
        self.on_change = on_change
        self._seen: set[tuple[int, int]] = set()
        self._cache_limit = cache_limit

    async def note(self, guild_id: int, guild_name: str, user_id: int, user_name: str) -> bool:
        """Record that this person used the bot in this server; True if they were not counted before."""
        if (guild_id, user_id) in self._seen:
            return False
        async with self.sessions.begin() as session:
            await record_membership(session, guild_id, guild_name, user_id, user_name)
            await mark_dirty(session, [guild_id])
        if len(self._seen) >= self._cache_limit:
            self._seen.clear()  # a bounded cache: forgetting only costs one idempotent write
        self._seen.add((guild_id, user_id))
        self.on_change()
        return True

    async def member_left(self, guild_id: int, user_id: int) -> None:
        await self._drop_members(guild_id, [user_id])

    async def _drop_members(self, guild_id: int, user_ids: list[int]) -> int:
        """Forget these people's membership of the server and mark its chart stale; how many were stored."""
        self._seen.difference_update((guild_id, user_id) for user_id in user_ids)
        dropped = 0
        async with self.sessions.begin() as session:
            for start in range(0, len(user_ids), _DELETE_BATCH):  # bound the statement's parameters
                result = await session.execute(delete(GuildMember).where(
                    GuildMember.guild_id == guild_id, GuildMember.user_id.in_(user_ids[start:start + _DELETE_BATCH])))
                dropped += result.rowcount or 0
            if dropped and await session.get(Guild, guild_id) is not None:
                await mark_dirty(session, [guild_id])
        if user_ids:
            self.on_change()
        return dropped

    async def guild_removed(self, guild_id: int) -> None:
        """The bot left or was removed: the server's members, charts and server duels go with it."""
        self._seen = {pair for pair in self._seen if pair[0] != guild_id}
        async with self.sessions.begin() as session:
            # Every server table cascades from guilds (memberships, chart, board, server duels and votes).
            await session.execute(delete(Guild).where(Guild.id == guild_id))

    async def reconcile_guilds(self, present: Collection[int]) -> list[int]:
        """Drop the servers that removed the bot while it was offline: every server it is still in is in
        ``present`` (the gateway lists them all on connecting, unavailable ones included)."""
        async with self.sessions() as session:
            stored = (await session.scalars(select(Guild.id))).all()
        gone = [guild_id for guild_id in stored if guild_id not in present]
        for guild_id in gone:
            await self.guild_removed(guild_id)
        return gone

    async def reconcile_members(self, guild_id: int, present: Collection[int]) -> list[int]:
        """Drop the people who left this server while the bot was offline; ``present`` is the server's
        whole member list."""
        async with self.sessions() as session:
            stored = (await session.scalars(select(GuildMember.user_id).where(GuildMember.guild_id == guild_id))).all()
        gone = [user_id for user_id in stored if user_id not in present]
        if gone:
            await self._drop_members(guild_id, gone)
        return gone
