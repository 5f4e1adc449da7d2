"""Server charts: what a server's members love, kept up to date in the background.

The chart of a server is a cache (``server_album_scores``) that commands only read. It goes stale when
a member's ranking changes (noticed through ``users.ranking_version``), when someone joins, leaves or
changes privacy, or when a server duel closes; ``mark_dirty`` records that in ``server_boards`` and a
background refresher rebuilds stale charts. See docs/server.md for the aggregate and why.
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import String, cast, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import (Album, GuildMember, MemberAlbumRating, ServerAlbumScore, ServerBoard, ServerDuelBelief,
                           User)
from bot.db.types import utcnow
from bot.errors import NotFound, UserError
from bot.services.cards import AlbumCard
from bot.services.member_ratings import counted_members, ratings_of, read_beliefs, refresh_members, stale_members
from bot.services.background import WakeableLoop
from bot.services.rankers import RankerStore
from bot.services.server_duel_ranking import refit_server_duels

log = logging.getLogger(__name__)

PAGE_SIZE = 10
SHRINK_RATERS = 2.0
"""Pseudo-raters at the neutral 50 added to every album's mean: few raters pull an album toward the middle."""
TOP_MEMBERS = 5
# Members whose ratings are recomputed per transaction. Small, so that on SQLite (one writer) the
# background refresh never holds the database for long while people click.
MEMBERS_PER_PASS = 100


@dataclass(frozen=True)
class ChartRow:
    position: int
    album: AlbumCard
    score: float        # shrunk mean of the members' 0-100 ratings
    raters: int         # members who have it ranked


@dataclass(frozen=True)
class ServerChartPage:
    guild_id: int
    page: int
    pages: int
    total: int
    rows: list[ChartRow]
    members: int                    # members counted at the last rebuild
    min_raters: int
    refreshed_at: datetime | None
    updating: bool                  # a rebuild is pending


@dataclass(frozen=True)
class MemberRating:
    name: str | None    # None: the member is anonymous
    rating: float


@dataclass(frozen=True)
class ServerAlbumView:
    album: AlbumCard
    position: int | None            # None: not on the chart
    score: float | None
    raters: int                     # counted members who have it ranked, now
    min_raters: int
    top: list[MemberRating]
    duel_rating: float | None       # from server duels, if it has been in one
    duel_count: int


@dataclass(frozen=True)
class RefreshReport:
    members: int                    # members whose ratings were recomputed
    guilds: list[int]               # charts rebuilt


def _dialect(session: AsyncSession):
    return sqlite if session.bind.dialect.name == "sqlite" else postgresql


async def mark_dirty(session: AsyncSession, guild_ids: Iterable[int]) -> None:
    """Ask for these servers' charts to be rebuilt (in the caller's transaction)."""
    ids = sorted(set(guild_ids))
    if not ids:
        return
    dialect = _dialect(session)
    statement = dialect.insert(ServerBoard).values([{"guild_id": g, "wanted": 1, "built": 0, "members": 0}
                                                    for g in ids])
    await session.execute(statement.on_conflict_do_update(index_elements=[ServerBoard.guild_id],
                                                          set_={"wanted": ServerBoard.wanted + 1}))


async def mark_user_guilds_dirty(session: AsyncSession, user_id: int) -> None:
    guilds = (await session.scalars(select(GuildMember.guild_id).where(GuildMember.user_id == user_id))).all()
    await mark_dirty(session, guilds)


def shrunk_score(rating_sum: float, raters: int) -> float:
    return (rating_sum + SHRINK_RATERS * 50.0) / (raters + SHRINK_RATERS)


async def rebuild_chart(session: AsyncSession, guild_id: int, min_raters: int, rankers: RankerStore) -> int:
    """Rebuild one server's chart from the cached member ratings; return how many albums it lists."""
    board = await session.scalar(select(ServerBoard).where(ServerBoard.guild_id == guild_id).with_for_update())
    if board is None:
        return 0
    wanted = board.wanted
    # Someone who joined after this pass refreshed ratings is already counted by ``wanted``: bring their
    # ratings up to date too, or the chart would count them without their albums.
    after = None
    while stale := await stale_members(session, limit=MEMBERS_PER_PASS, guild_id=guild_id, after=after):
        await refresh_members(session, stale, rankers)
        after = stale[-1].user_id  # one sweep: people voting meanwhile cannot keep this transaction open
    rows = (await session.execute(
        select(MemberAlbumRating.album_id, func.count().label("raters"), func.sum(MemberAlbumRating.rating).label("total"))
        .select_from(GuildMember)
        .join(User, User.id == GuildMember.user_id)
        .join(MemberAlbumRating, MemberAlbumRating.user_id == GuildMember.user_id)
        .where(GuildMember.guild_id == guild_id, User.privacy != "private")
        .group_by(MemberAlbumRating.album_id)
        .having(func.count() >= min_raters))).all()
    scored = sorted(((shrunk_score(float(r.total), int(r.raters)), int(r.raters), int(r.album_id)) for r in rows),
                    key=lambda s: (-s[0], -s[1], s[2]))
    await session.execute(delete(ServerAlbumScore).where(ServerAlbumScore.guild_id == guild_id))
    if scored:
        await session.execute(ServerAlbumScore.__table__.insert(), [
            {"guild_id": guild_id, "album_id": album_id, "position": i + 1, "score": score, "raters": raters}
            for i, (score, raters, album_id) in enumerate(scored)])
    await refit_server_duels(session, guild_id)
    await session.execute(update(ServerBoard).where(ServerBoard.guild_id == guild_id).values(
        built=wanted, members=await counted_members(session, guild_id), refreshed_at=utcnow()))
    return len(scored)


def _card(album: Album) -> AlbumCard:
    return AlbumCard(album.id, album.title, album.artist, album.year, album.cover_url)


class LeaderboardService(WakeableLoop):
    task_name = "server-chart-refresher"

    def __init__(self, sessions: async_sessionmaker[AsyncSession], min_raters: int, refresh_seconds: float) -> None:
        super().__init__()
        self.sessions = sessions
        self.min_raters = min_raters
        self.refresh_seconds = refresh_seconds
        self._rankers = RankerStore(capacity=8)  # our own: bulk refreshes must not evict the duel loop's
        self._lock = asyncio.Lock()
        self._cycle = asyncio.Condition()
        self._started = 0   # passes begun by the background refresher
        self._finished = 0  # the last pass that ended

    # --- keeping charts fresh --------------------------------------------------------------------

    async def refresh_once(self) -> RefreshReport:
        """Recompute stale members' ratings, then rebuild every stale chart. Safe to call any time."""
        async with self._lock:
            members = 0
            after = None
            # One sweep in user id order, each stale member once. Re-asking from the start let people
            # who kept voting keep the pass going batch after batch (in the duel bench it never slept),
            # costing CPU and SQLite's one connection on every click; they wait for the next pass.
            while True:
                async with self.sessions.begin() as session:
                    stale = await stale_members(session, limit=MEMBERS_PER_PASS, after=after)
                    beliefs = await read_beliefs(session, [m.user_id for m in stale]) if stale else {}
                if not stale:
                    break
                # Percentiles with no transaction open: on SQLite the one connection serves clicks
                # meanwhile. Someone who votes in between is stored with the version read above, so the
                # next pass takes them again.
                computed = await asyncio.to_thread(ratings_of, beliefs)
                async with self.sessions.begin() as session:
                    await mark_dirty(session, await refresh_members(session, stale, self._rankers, computed))
                members += len(stale)
                after = stale[-1].user_id
            async with self.sessions() as session:
                dirty = (await session.scalars(select(ServerBoard.guild_id)
                                               .where(ServerBoard.wanted > ServerBoard.built))).all()
            for guild_id in dirty:
                async with self.sessions.begin() as session:
                    await rebuild_chart(session, guild_id, self.min_raters, self._rankers)
            return RefreshReport(members, list(dirty))

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            self._started += 1
            current = self._started
            try:
                await self.refresh_once()
            except Exception:  # an outage must not kill the refresher; the next tick retries
                log.warning("Refreshing server charts failed; retrying in %.0f s", self.refresh_seconds,
                            exc_info=True)
            async with self._cycle:
                self._finished = current
                self._cycle.notify_all()
            await self._nap(self.refresh_seconds)

    async def next_cycle(self) -> None:
        """Wait until the background refresher finishes a pass that began after this call, so it saw
        every change committed before it (for callers that need fresh data, e.g. tests)."""
        async with self._cycle:
            target = self._started + 1
            self.wake()
            await self._cycle.wait_for(lambda: self._finished >= target)

    # --- reading ----------------------------------------------------------------------------------

    async def chart(self, guild_id: int, page: int = 1, page_size: int = PAGE_SIZE) -> ServerChartPage:
        async with self.sessions() as session:
            board = await session.get(ServerBoard, guild_id)
        if board is None:  # nobody has used the bot here yet (membership creates the board)
            raise NotFound("This server has no chart yet: it lists albums that at least "
                           f"{self.min_raters} members have ranked with /duel.")
        async with self.sessions() as session:
            total = await session.scalar(select(func.count()).select_from(ServerAlbumScore)
                                         .where(ServerAlbumScore.guild_id == guild_id)) or 0
            pages = max(1, math.ceil(total / page_size))
            if page < 1 or page > pages:
                raise UserError(f"There are {pages} pages; pick a page from 1 to {pages}.")
            rows = (await session.execute(
                select(ServerAlbumScore, Album).join(Album, Album.id == ServerAlbumScore.album_id)
                .where(ServerAlbumScore.guild_id == guild_id,
                       ServerAlbumScore.position.between((page - 1) * page_size + 1, page * page_size))
                .order_by(ServerAlbumScore.position))).all()
            return ServerChartPage(guild_id, page, pages, total,
                                   [ChartRow(s.position, _card(a), s.score, s.raters) for s, a in rows],
                                   board.members, self.min_raters, board.refreshed_at, board.wanted > board.built)

    async def album(self, guild_id: int, album_ref: str) -> ServerAlbumView:
        album_id = await self._resolve(guild_id, album_ref)
        async with self.sessions() as session:
            album = await session.get(Album, album_id)
            if album is None:
                raise NotFound("That album no longer exists.")
            placed = await session.get(ServerAlbumScore, (guild_id, album_id))
            raters = (await session.execute(
                select(User.name, User.privacy, MemberAlbumRating.rating)
                .join(GuildMember, GuildMember.user_id == MemberAlbumRating.user_id)
                .join(User, User.id == MemberAlbumRating.user_id)
                .where(MemberAlbumRating.album_id == album_id, GuildMember.guild_id == guild_id,
                       User.privacy != "private")
                .order_by(MemberAlbumRating.rating.desc(), User.id))).all()
            duel = await session.get(ServerDuelBelief, (guild_id, album_id))
        top = [MemberRating(r.name if r.privacy == "server" else None, r.rating) for r in raters[:TOP_MEMBERS]]
        return ServerAlbumView(_card(album), placed.position if placed else None, placed.score if placed else None,
                               len(raters), self.min_raters, top, duel.rating if duel else None,
                               duel.duels if duel else 0)

    async def search(self, guild_id: int, text: str, limit: int = 25) -> list[tuple[int, str]]:
        """Autocomplete: albums some counted member of this server has ranked, by title or artist."""
        rated_here = (select(MemberAlbumRating.album_id)
                      .join(GuildMember, GuildMember.user_id == MemberAlbumRating.user_id)
                      .join(User, User.id == MemberAlbumRating.user_id)
                      .where(MemberAlbumRating.album_id == Album.id, GuildMember.guild_id == guild_id,
                             User.privacy != "private"))
        query = select(Album).where(rated_here.exists())
        words = text.strip().lower().replace("%", "").replace("_", "")
        if words:
            pattern = f"%{words}%"
            query = query.where(or_(func.lower(Album.title).like(pattern),
                                    func.lower(cast(Album.artists, String)).like(pattern)))
        async with self.sessions() as session:
            albums = (await session.scalars(query.order_by(Album.title).limit(limit))).all()
        return [(a.id, _label(a)) for a in albums]

    async def _resolve(self, guild_id: int, album_ref: str) -> int:
        if album_ref.strip().isdigit():
            return int(album_ref)
        matches = await self.search(guild_id, album_ref, limit=2)
        if not matches:
            raise NotFound(f"No album matching “{album_ref[:80]}” is ranked by anyone here. Pick one from the suggestions.")
        if len(matches) > 1:
            raise UserError(f"More than one album matches “{album_ref[:80]}”; pick one from the suggestions.")
        return matches[0][0]


def _label(album: Album) -> str:
    year = f" ({album.year})" if album.year else ""
    label = f"{album.title} — {album.artist}{year}"
    return label if len(label) <= 100 else label[:99] + "…"
