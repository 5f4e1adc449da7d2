"""Server duels: one question for a whole channel, open for a set time, then closed with a result.

Everything lives in the database (the duel, each member's current choice, when it closes), so buttons
and the close timer survive restarts: on start the scheduler closes overdue duels at once and sleeps
until the next ``closes_at``. Closing is claimed with ``state = 'open'`` in the UPDATE, so two processes
never both close a duel. The clock is injectable (``clock``) and ``close_due(now)`` is public, so tests
move time instead of waiting for it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Awaitable, Callable

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import (Album, GuildMember, ServerAlbumScore, ServerDuel, ServerDuelBelief, ServerDuelVote, User,
                           UserAlbum)
from bot.db.types import utcnow
from bot.errors import NotAllowed, NotEnoughAlbums, NotFound, UserError
from bot.services.cards import AlbumCard
from bot.services.background import WakeableLoop
from bot.services.leaderboards import mark_dirty

log = logging.getLogger(__name__)

MIN_MINUTES, MAX_MINUTES = 1, 10080
NEIGHBOURS = 8  # a partner is drawn from this many places either side of the focal album
_MAX_SLEEP = 300.0  # re-check at least this often: another process may have opened a duel


@dataclass(frozen=True)
class ServerDuelCard:
    duel_id: str
    guild_id: int
    channel_id: int
    message_id: int | None
    album_a: AlbumCard
    album_b: AlbumCard
    closes_at: datetime
    state: str              # open | closed
    result: str | None      # A | B | TIE | NONE once closed
    votes_a: int
    votes_b: int


@dataclass(frozen=True)
class VoteReceipt:
    card: ServerDuelCard
    choice: str
    changed: bool           # they had voted the other way before
    voters: int             # members who have voted so far


@dataclass(frozen=True)
class DuelBoardRow:
    position: int
    album: AlbumCard
    rating: float
    duels: int


def new_server_duel_id() -> str:
    return secrets.token_urlsafe(9)


async def _card(session: AsyncSession, duel: ServerDuel) -> ServerDuelCard:
    a, b = await session.get(Album, duel.album_a), await session.get(Album, duel.album_b)
    return ServerDuelCard(duel.id, duel.guild_id, duel.channel_id, duel.message_id,
                          AlbumCard(a.id, a.title, a.artist, a.year, a.cover_url),
                          AlbumCard(b.id, b.title, b.artist, b.year, b.cover_url),
                          duel.closes_at, duel.state, duel.result, duel.votes_a, duel.votes_b)


def _counted_votes(duel_id: str, guild_id: int):
    """Votes that count: members still in the server who are not ``private``."""
    return (select(ServerDuelVote.choice, func.count().label("n"))
            .join(User, User.id == ServerDuelVote.user_id)
            .join(GuildMember, and_(GuildMember.user_id == ServerDuelVote.user_id, GuildMember.guild_id == guild_id))
            .where(ServerDuelVote.duel_id == duel_id, User.privacy != "private")
            .group_by(ServerDuelVote.choice))


class ServerDuelService(WakeableLoop):
    task_name = "server-duel-closer"

    def __init__(self, sessions: async_sessionmaker[AsyncSession], default_minutes: float,
                 clock: Callable[[], datetime] = utcnow, on_change: Callable[[], None] = lambda: None) -> None:
        super().__init__()
        self.sessions = sessions
        self.default_minutes = default_minutes
        self.clock = clock
        self.on_change = on_change  # wakes the chart refresher after a close
        self.on_closed: Callable[[ServerDuelCard], Awaitable[None]] | None = None
        self._random = random.Random()

    # --- opening and voting -------------------------------------------------------------------------

    async def open(self, guild_id: int, channel_id: int, user_id: int, minutes: float | None = None) -> ServerDuelCard:
        minutes = self.default_minutes if minutes is None else minutes
        now = self.clock()
        async with self.sessions.begin() as session:
            running = await session.scalar(select(ServerDuel).where(
                ServerDuel.channel_id == channel_id, ServerDuel.state == "open").limit(1))
            if running is not None:
                raise UserError(f"A server duel is already running in this channel; it closes "
                                f"<t:{int(running.closes_at.timestamp())}:R>.")
            album_a, album_b = await self._pick_pair(session, guild_id)
            duel = ServerDuel(id=new_server_duel_id(), guild_id=guild_id, channel_id=channel_id, created_by=user_id,
                              album_a=album_a, album_b=album_b, created_at=now,
                              closes_at=now + timedelta(minutes=minutes), state="open", votes_a=0, votes_b=0)
            session.add(duel)
            await session.flush()
            card = await _card(session, duel)
        self._wake.set()
        return card

    async def attach_message(self, duel_id: str, message_id: int) -> ServerDuelCard | None:
        """Remember the duel's message. If the duel already closed (a very short one), return it so the
        caller shows the result: the closer had no message to edit."""
        async with self.sessions.begin() as session:
            await session.execute(update(ServerDuel).where(ServerDuel.id == duel_id).values(message_id=message_id))
            duel = await session.get(ServerDuel, duel_id)
            return await _card(session, duel) if duel is not None and duel.state == "closed" else None

    async def vote(self, duel_id: str, user_id: int, choice: str) -> VoteReceipt:
        if choice not in ("A", "B"):
            raise ValueError(choice)
        async with self.sessions.begin() as session:
            duel = await session.get(ServerDuel, duel_id)
            if duel is None:
                raise NotFound("This server duel no longer exists.")
            if duel.state != "open" or duel.closes_at <= self.clock():
                raise UserError("This server duel has closed; start another with /server duel.")
            privacy = await session.scalar(select(User.privacy).where(User.id == user_id))
            if privacy == "private":
                raise NotAllowed("Your privacy is set to private, so your vote would not count anywhere. "
                                 "/privacy anonymous lets you vote without being named.")
            before = await session.scalar(select(ServerDuelVote.choice).where(
                ServerDuelVote.duel_id == duel_id, ServerDuelVote.user_id == user_id))
            dialect = sqlite if session.bind.dialect.name == "sqlite" else postgresql
            now = self.clock()
            statement = dialect.insert(ServerDuelVote).values(duel_id=duel_id, user_id=user_id, choice=choice,
                                                              created_at=now, changed_at=now)
            await session.execute(statement.on_conflict_do_update(
                index_elements=[ServerDuelVote.duel_id, ServerDuelVote.user_id],
                set_={"choice": statement.excluded.choice, "changed_at": statement.excluded.changed_at}))
            voters = await session.scalar(select(func.count()).select_from(ServerDuelVote)
                                          .where(ServerDuelVote.duel_id == duel_id)) or 0
            return VoteReceipt(await _card(session, duel), choice, before is not None and before != choice, voters)

    async def _pick_pair(self, session: AsyncSession, guild_id: int) -> tuple[int, int]:
        """Two albums the members share: the least-duelled one and a partner near it on the chart."""
        order = (await session.scalars(select(ServerAlbumScore.album_id).where(ServerAlbumScore.guild_id == guild_id)
                                       .order_by(ServerAlbumScore.position))).all()
        if len(order) < 2:  # a young server: any album at least two counted members have
            shared = (await session.execute(
                select(UserAlbum.album_id, func.count().label("n"))
                .join(GuildMember, and_(GuildMember.user_id == UserAlbum.user_id, GuildMember.guild_id == guild_id))
                .join(User, User.id == UserAlbum.user_id)
                .where(UserAlbum.excluded.is_(False), User.privacy != "private")
                .group_by(UserAlbum.album_id).having(func.count() >= 2)
                .order_by(func.count().desc(), UserAlbum.album_id))).all()
            order = [row.album_id for row in shared]
        if len(order) < 2:
            raise NotEnoughAlbums("A server duel needs two albums that at least two members here both have. "
                                  "Import some with /import aoty and try again.")
        duelled = dict((await session.execute(select(ServerDuelBelief.album_id, ServerDuelBelief.duels)
                                              .where(ServerDuelBelief.guild_id == guild_id))).all())
        busy = {frozenset(p) for p in (await session.execute(select(ServerDuel.album_a, ServerDuel.album_b).where(
            ServerDuel.guild_id == guild_id, ServerDuel.state == "open"))).all()}
        ranked = sorted(range(len(order)), key=lambda i: (duelled.get(order[i], 0), self._random.random()))
        for focal in ranked:
            near = [j for j in range(max(0, focal - NEIGHBOURS), min(len(order), focal + NEIGHBOURS + 1))
                    if j != focal and frozenset((order[focal], order[j])) not in busy]
            if near:
                pair = [order[focal], order[self._random.choice(near)]]
                self._random.shuffle(pair)
                return pair[0], pair[1]
        raise UserError("Every pair of shared albums is already being duelled here; wait for one to close.")

    # --- closing ---------------------------------------------------------------------------------------

    async def close_due(self, now: datetime | None = None) -> list[ServerDuelCard]:
        """Close every open duel whose time is up; return them with their results."""
        now = now or self.clock()
        async with self.sessions() as session:
            due = (await session.scalars(select(ServerDuel.id).where(
                ServerDuel.state == "open", ServerDuel.closes_at <= now).order_by(ServerDuel.closes_at))).all()
        closed = []
        for duel_id in due:
            card = await self._close(duel_id, now)
            if card is not None:
                closed.append(card)
        if closed:
            self.on_change()
        return closed

    async def _close(self, duel_id: str, now: datetime) -> ServerDuelCard | None:
        async with self.sessions.begin() as session:
            duel = await session.get(ServerDuel, duel_id)
            if duel is None:
                return None  # its server removed the bot meanwhile
            tally = dict((await session.execute(_counted_votes(duel_id, duel.guild_id))).all())
            a, b = tally.get("A", 0), tally.get("B", 0)
            result = "NONE" if a + b == 0 else "TIE" if a == b else "A" if a > b else "B"
            claimed = await session.execute(update(ServerDuel).where(ServerDuel.id == duel_id, ServerDuel.state == "open")
                                            .values(state="closed", result=result, votes_a=a, votes_b=b, closed_at=now))
            if claimed.rowcount != 1:
                return None  # another process closed it
            await mark_dirty(session, [duel.guild_id])  # the server-duel ranking takes the new votes
            await session.refresh(duel)
            return await _card(session, duel)

    async def next_close_at(self) -> datetime | None:
        async with self.sessions() as session:
            return await session.scalar(select(func.min(ServerDuel.closes_at)).where(ServerDuel.state == "open"))

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            delay = _MAX_SLEEP
            try:
                for card in await self.close_due():
                    await self._announce(card)
                next_at = await self.next_close_at()
                if next_at is not None:
                    delay = min(_MAX_SLEEP, max(0.0, (next_at - self.clock()).total_seconds()))
            except Exception:
                log.warning("Closing server duels failed; retrying soon", exc_info=True)
                delay = 5.0
            await self._nap(delay)

    async def _announce(self, card: ServerDuelCard) -> None:
        if self.on_closed is None:
            return
        try:
            await self.on_closed(card)
        except Exception:  # the message may be gone or the bot locked out; the result is stored anyway
            log.warning("Could not show the result of server duel %s", card.duel_id, exc_info=True)

    # --- the server-duel ranking -------------------------------------------------------------------

    async def board(self, guild_id: int, limit: int = 10, offset: int = 0) -> list[DuelBoardRow]:
        async with self.sessions() as session:
            rows = (await session.execute(
                select(ServerDuelBelief, Album).join(Album, Album.id == ServerDuelBelief.album_id)
                .where(ServerDuelBelief.guild_id == guild_id)
                .order_by(ServerDuelBelief.rating.desc(), ServerDuelBelief.album_id).offset(offset).limit(limit))).all()
        return [DuelBoardRow(offset + i + 1, AlbumCard(a.id, a.title, a.artist, a.year, a.cover_url), b.rating, b.duels)
                for i, (b, a) in enumerate(rows)]
