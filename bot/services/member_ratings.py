"""Each member's 0-100 album ratings, cached in ``member_album_ratings`` for the server charts.

A rating is the person's own expected percentile (``bot.ranking.display``), the same number /rankings
shows, computed from their stored beliefs. Only albums compared at least once count as "ranked": an
import alone says nothing the person chose in a duel. The cache of a person is stale when their
``users.ranking_version`` (bumped with every change to their votes or albums, in that transaction)
differs from the version it was computed from, so no other code has to tell us about votes.
"""

from __future__ import annotations

import asyncio

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from sqlalchemy import and_, delete, exists, func, or_, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Belief, GuildMember, MemberAlbumRating, MemberRatingVersion, User, UserAlbum, Vote
from bot.db.types import utcnow
from bot.ranking.display import expected_percentiles
from bot.services.rankers import RankerStore

BATCH = 400  # users per statement: well under SQLite's bound-parameter limit


@dataclass(frozen=True)
class StaleMember:
    user_id: int
    version: int


def ratings_from_beliefs(album_ids: list[int], mu: list[float], sigma2: list[float],
                         comparisons: list[int]) -> dict[int, float]:
    """Ratings of the compared albums; the percentile is taken among all the person's albums."""
    if not album_ids:
        return {}
    ratings = expected_percentiles(np.asarray(mu, dtype=float), np.asarray(sigma2, dtype=float))
    return {a: float(r) for a, r, c in zip(album_ids, ratings, comparisons) if c > 0}


async def stale_members(session: AsyncSession, limit: int = 5000, guild_id: int | None = None,
                        after: int | None = None) -> list[StaleMember]:
    """Server members (of one server, or of any) whose cached ratings are older than their ranking, in
    user id order; ``after`` continues a sweep past that user id."""
    membership = exists().where(GuildMember.user_id == User.id)
    if guild_id is not None:
        membership = exists().where(GuildMember.user_id == User.id, GuildMember.guild_id == guild_id)
    rows = await session.execute(
        select(User.id, User.ranking_version)
        .outerjoin(MemberRatingVersion, MemberRatingVersion.user_id == User.id)
        .where(or_(MemberRatingVersion.version.is_(None), MemberRatingVersion.version != User.ranking_version),
               membership, User.id > after if after is not None else true())
        .order_by(User.id).limit(limit))
    return [StaleMember(r.id, r.ranking_version) for r in rows]


Columns = dict[int, tuple[list, list, list, list]]  # user id -> album ids, mu, sigma2, comparisons


async def read_beliefs(session: AsyncSession, user_ids: list[int]) -> Columns:
    """The stored beliefs of these people's (not excluded) albums, as columns per person."""
    rows = await session.execute(
        select(Belief.user_id, Belief.album_id, Belief.mu, Belief.sigma2, Belief.comparisons)
        .join(UserAlbum, and_(UserAlbum.user_id == Belief.user_id, UserAlbum.album_id == Belief.album_id))
        .where(Belief.user_id.in_(user_ids), UserAlbum.excluded.is_(False))
        .order_by(Belief.user_id, Belief.album_id))
    columns: Columns = defaultdict(lambda: ([], [], [], []))
    for row in rows:
        ids, mus, variances, counts = columns[row.user_id]
        ids.append(row.album_id)
        mus.append(row.mu)
        variances.append(row.sigma2)
        counts.append(row.comparisons)
    return dict(columns)


def ratings_of(columns: Columns) -> dict[int, dict[int, float]]:
    """CPU work (percentiles): callers run it in a worker thread."""
    return {uid: ratings_from_beliefs(*person) for uid, person in columns.items()}


async def _ratings_for_batch(session: AsyncSession, user_ids: list[int], rankers: RankerStore,
                             computed: dict[int, dict[int, float]] | None = None) -> dict[int, dict[int, float]]:
    if computed is None:
        columns = await read_beliefs(session, user_ids)
        # Percentiles for hundreds of people are CPU work: in a worker thread, the event loop keeps serving clicks.
        computed = await asyncio.to_thread(ratings_of, columns)
    result = {uid: computed[uid] for uid in user_ids if uid in computed}
    # No stored beliefs but votes on record: the belief cache was dropped (e.g. by a catalogue merge).
    # Rebuild from the vote log the way the person's own /rankings would.
    missing = [uid for uid in user_ids if uid not in computed]
    if missing:
        voters = set((await session.scalars(select(Vote.user_id).where(
            Vote.user_id.in_(missing), Vote.undone_at.is_(None), Vote.void.is_(False)).distinct())).all())
        for uid in missing:
            if uid in voters:
                loaded = await rankers.load(session, uid)
                ranked = await loaded.run(loaded.ranker.ranking)
                result[uid] = {r.album_id: r.rating for r in ranked if r.comparisons > 0}
                rankers.forget(uid)
    return result


async def refresh_members(session: AsyncSession, stale: list[StaleMember], rankers: RankerStore,
                          computed: dict[int, dict[int, float]] | None = None) -> set[int]:
    """Recompute the ratings of ``stale`` members (``computed``: ratings already worked out from their
    stored beliefs, outside this transaction); return the servers whose charts they change."""
    guilds: set[int] = set()
    dialect = sqlite if session.bind.dialect.name == "sqlite" else postgresql
    for start in range(0, len(stale), BATCH):
        batch = stale[start:start + BATCH]
        user_ids = [m.user_id for m in batch]
        ratings = await _ratings_for_batch(session, user_ids, rankers, computed)
        await session.execute(delete(MemberAlbumRating).where(MemberAlbumRating.user_id.in_(user_ids)))
        rows = [{"user_id": uid, "album_id": album_id, "rating": rating}
                for uid, albums in ratings.items() for album_id, rating in albums.items()]
        if rows:
            await session.execute(MemberAlbumRating.__table__.insert(), rows)
        statement = dialect.insert(MemberRatingVersion).values(
            [{"user_id": m.user_id, "version": m.version, "refreshed_at": utcnow()} for m in batch])
        await session.execute(statement.on_conflict_do_update(
            index_elements=[MemberRatingVersion.user_id],
            set_={"version": statement.excluded.version, "refreshed_at": statement.excluded.refreshed_at}))
        counted = select(User.id).where(User.id.in_(user_ids), User.privacy != "private")
        guilds.update((await session.scalars(select(GuildMember.guild_id).where(
            GuildMember.user_id.in_(counted)).distinct())).all())
    return guilds


async def counted_members(session: AsyncSession, guild_id: int) -> int:
    """Members whose ratings count in this server (everyone but ``private``)."""
    return await session.scalar(select(func.count()).select_from(GuildMember).join(User, User.id == GuildMember.user_id)
                                .where(GuildMember.guild_id == guild_id, User.privacy != "private")) or 0
