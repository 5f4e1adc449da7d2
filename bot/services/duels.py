"""The duel loop: open a duel, answer it, show the next one.

Every click is one transaction. A duel accepts one answer: the answering statement only succeeds while
the duel is still open, so double clicks, clicks on an old message and two processes racing all leave
exactly one vote; the loser of the race is shown the duel that is current now.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, replace
from enum import StrEnum

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog.store import ensure_user
from bot.db.models import Album, Duel, User, UserAlbum, Vote
from bot.db.types import utcnow
from bot.errors import NotAllowed, NotFound
from bot.ranking import NoVoteToUndo, Outcome, TooFewAlbumsToDuel
from bot.services.cards import AlbumCard, DuelCard, DuelEnded
from bot.services.rankers import LoadedRanker, RankerStore, StaleRanking

log = logging.getLogger(__name__)


class DuelAction(StrEnum):
    A = "A"
    B = "B"
    DRAW = "DRAW"
    SKIP = "SKIP"
    UNDO = "UNDO"
    EXCLUDE_A = "XA"
    EXCLUDE_B = "XB"


VOTES = {DuelAction.A: Outcome.A, DuelAction.B: Outcome.B, DuelAction.DRAW: Outcome.DRAW}
_RETRIES = 3
# Cards are built inside the click's transaction without the "settled" share, which is worked out after
# the commit: it is CPU work (O(n log n), in a thread for big collections) that need not hold the
# database (on SQLite, the process's one connection) meanwhile.
_UNSETTLED = float("nan")


def new_duel_id() -> str:
    return secrets.token_urlsafe(9)  # 12 characters: fits a custom_id with room for the action


DUEL_TABLE = Duel.__table__
VOTE_TABLE = Vote.__table__
ALBUM_TABLE = Album.__table__

# The click path's statements, built once: building and cache-keying a statement costs more CPU than
# running it (docs/performance.md); each click binds only its values.
CLAIM_DUEL = (update(DUEL_TABLE)
              .where(DUEL_TABLE.c.id == bindparam("duel_id"), DUEL_TABLE.c.state == "open")
              .values(state=bindparam("new_state"), answered_at=bindparam("answered_now"))
              .returning(*DUEL_TABLE.c))
INSERT_VOTE = insert(VOTE_TABLE)
INSERT_DUEL = insert(DUEL_TABLE)
_CARD_COLUMNS = (ALBUM_TABLE.c.id, ALBUM_TABLE.c.title, ALBUM_TABLE.c.artists, ALBUM_TABLE.c.year, ALBUM_TABLE.c.cover_url)
ALBUM_CARDS = select(*_CARD_COLUMNS).where(ALBUM_TABLE.c.id.in_(bindparam("ids", expanding=True)))
OWNER_CARDS = (select(*_CARD_COLUMNS).join(UserAlbum.__table__, UserAlbum.__table__.c.album_id == ALBUM_TABLE.c.id)
               .where(UserAlbum.__table__.c.user_id == bindparam("owner")))
WHOLE_COLLECTION = 500  # albums; a collection up to this size has all its cards loaded at once


@dataclass(frozen=True)
class NewDuel:
    id: str
    user_id: int
    guild_id: int | None
    channel_id: int | None
    message_id: int | None
    album_a: int
    album_b: int
    private: bool


class AlbumCards:
    """What a duel shows of an album, kept for a minute: a click then costs no album queries. The short
    life lets a cover the artwork resolver replaced show up soon. Each duel shows two new albums, so
    for a collection of ordinary size a miss loads all of its owner's cards in one query: one query a
    minute for someone clicking through duels, instead of one per click."""

    def __init__(self, ttl: float = 60.0, capacity: int = 20_000) -> None:
        self._ttl = ttl
        self._capacity = capacity
        self._cards: OrderedDict[int, tuple[float, AlbumCard]] = OrderedDict()

    async def get_many(self, session: AsyncSession, album_ids: list[int], owner_id: int | None = None,
                       collection_size: int = 0) -> dict[int, AlbumCard]:
        now = time.monotonic()
        found = {a: entry[1] for a in album_ids if (entry := self._cards.get(a)) and now - entry[0] < self._ttl}
        missing = [a for a in album_ids if a not in found]
        if missing:
            if owner_id is not None and 0 < collection_size <= min(WHOLE_COLLECTION, self._capacity):
                self._remember(now, await session.execute(OWNER_CARDS, {"owner": owner_id}), album_ids, found)
                missing = [a for a in album_ids if a not in found]
            if missing:
                self._remember(now, await session.execute(ALBUM_CARDS, {"ids": missing}), album_ids, found)
        if len(found) < len(set(album_ids)):
            raise NotFound("That album no longer exists.")
        return found

    def _remember(self, now: float, rows, wanted: list[int], found: dict[int, AlbumCard]) -> None:  # noqa: ANN001
        for row in rows:
            card = AlbumCard(row.id, row.title, ", ".join(row.artists) if row.artists else "Unknown artist",
                             row.year, row.cover_url)
            if row.id in wanted:
                found[row.id] = card
            self._cards[row.id] = (now, card)
            self._cards.move_to_end(row.id)
        while len(self._cards) > self._capacity:
            self._cards.popitem(last=False)


def _describe(title_a: str, title_b: str, outcome: str) -> str:
    if outcome == "DRAW":
        return f"{title_a} and {title_b} as a draw"
    winner, loser = (title_a, title_b) if outcome == "A" else (title_b, title_a)
    return f"{winner} over {loser}"


class DuelService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], rankers: RankerStore) -> None:
        self.sessions = sessions
        self.rankers = rankers
        self.cards = AlbumCards()
        self._owners: OrderedDict[str, tuple[int, str]] = OrderedDict()  # duel id -> owner; never changes

    async def open_duel(self, user_id: int, user_name: str, *, guild_id: int | None, channel_id: int | None,
                        private: bool = False) -> DuelCard:
        async with self.rankers.lock(user_id):
            async with self.sessions.begin() as session:
                user = await ensure_user(session, user_id, user_name)
                loaded = await self.rankers.load(session, user_id)
                duel = await self._next_duel(session, loaded, user_id, guild_id, channel_id, None, private)
                card = await self._card(session, duel, loaded, owner_name=user.name or "")
            return await _settle(card, loaded)

    async def attach_message(self, duel_id: str, message_id: int) -> None:
        async with self.sessions.begin() as session:
            await session.execute(update(Duel).where(Duel.id == duel_id).values(message_id=message_id))

    async def answer(self, duel_id: str, clicker_id: int, action: DuelAction) -> DuelCard | DuelEnded:
        for attempt in range(_RETRIES):
            owner_id = await self._owner_of(duel_id, clicker_id)
            async with self.rankers.lock(owner_id):
                try:
                    async with self.sessions.begin() as session:
                        result, loaded = await self._answer(session, duel_id, owner_id, action)
                    return await _settle(result, loaded)
                except StaleRanking:
                    if attempt == _RETRIES - 1:
                        raise
                    log.info("Ranking of user %s changed under us; retrying the click", owner_id)
                except BaseException:
                    self.rankers.forget(owner_id)  # our cached copy may hold the half-done change
                    raise
        raise AssertionError("unreachable")

    async def _owner_of(self, duel_id: str, clicker_id: int) -> int:
        owner = self._owners.get(duel_id)
        if owner is None:
            async with self.sessions() as session:
                row = (await session.execute(select(Duel.user_id, User.name).join(User, User.id == Duel.user_id)
                                             .where(Duel.id == duel_id))).first()
            if row is None:
                raise NotFound("This duel no longer exists. Start a new one with /duel.")
            owner = self._remember_owner(duel_id, row.user_id, row.name)
        if owner[0] != clicker_id:
            raise NotAllowed(f"This duel belongs to {owner[1] or 'someone else'}; start your own with /duel.")
        return owner[0]

    def _remember_owner(self, duel_id: str, user_id: int, name: str) -> tuple[int, str]:
        self._owners[duel_id] = (user_id, name)
        while len(self._owners) > 50_000:
            self._owners.popitem(last=False)
        return self._owners[duel_id]

    async def _answer(self, session: AsyncSession, duel_id: str, owner_id: int,
                      action: DuelAction) -> tuple[DuelCard | DuelEnded, LoadedRanker]:
        state = {DuelAction.SKIP: "skipped"}.get(action, "voted" if action in VOTES else "closed")
        # Claim and read the duel in one statement: only one click can move it out of "open".
        duel = (await session.execute(CLAIM_DUEL, {"duel_id": duel_id, "new_state": state,
                                                   "answered_now": utcnow()})).first()
        if duel is None:
            answered = await session.get(Duel, duel_id)
            if answered is None:  # deleted since (e.g. /forget-me, a merge), though its owner was cached
                raise NotFound("This duel no longer exists. Start a new one with /duel.")
            return await self._current_for(session, answered, owner_id)

        loaded = await self.rankers.load(session, owner_id, verify=False)
        ranker = loaded.ranker
        notice: str | None = None
        remembered = self._owners.get(duel_id)  # by _owner_of, just now; the next duel has the same owner
        owner_name = remembered[1] if remembered else None
        if action in VOTES:
            outcome = VOTES[action]
            await session.execute(INSERT_VOTE, {"user_id": owner_id, "album_a": duel.album_a, "album_b": duel.album_b,
                                                "outcome": outcome.value, "duel_id": duel.id, "created_at": utcnow(),
                                                "void": False})
            await loaded.run(ranker.record, duel.album_a, duel.album_b, outcome)  # may refit: big ones off-loop
        elif action is DuelAction.SKIP:
            ranker.skip(duel.album_a, duel.album_b)
        elif action is DuelAction.UNDO:
            undone = await self._undo_last_vote(session, owner_id, loaded)
            notice = f"Took back your vote: {undone[0]}."
            await self.rankers.save(session, owner_id, loaded)
            # Ask the taken-back question again so it can be answered differently.
            again = await self._insert_duel(session, NewDuel(new_duel_id(), owner_id, duel.guild_id, duel.channel_id,
                                                             duel.message_id, undone[1], undone[2], duel.private))
            return await self._card(session, again, loaded, notice, owner_name), loaded
        else:
            album_id = duel.album_a if action is DuelAction.EXCLUDE_A else duel.album_b
            await session.execute(update(UserAlbum).where(UserAlbum.user_id == owner_id, UserAlbum.album_id == album_id)
                                  .values(excluded=True))
            ranker.exclude(album_id)
            title = (await session.get(Album, album_id)).title
            notice = f"Excluded {title}. /restore brings it back."
        await self.rankers.save(session, owner_id, loaded)
        try:
            following = await self._next_duel(session, loaded, owner_id, duel.guild_id, duel.channel_id,
                                              duel.message_id, duel.private)
        except TooFewAlbumsToDuel as exhausted:
            return DuelEnded(owner_id, str(exhausted), ranker.votes_recorded, _UNSETTLED,
                             [notice] if notice else []), loaded
        return await self._card(session, following, loaded, notice, owner_name), loaded

    async def _undo_last_vote(self, session: AsyncSession, owner_id: int, loaded: LoadedRanker) -> tuple[str, int, int]:
        vote = await session.scalar(select(Vote).where(Vote.user_id == owner_id, Vote.undone_at.is_(None),
                                                       Vote.void.is_(False)).order_by(Vote.id.desc()).limit(1))
        if vote is None:
            raise NoVoteToUndo()
        vote.undone_at = utcnow()
        await loaded.run(loaded.ranker.undo)
        a = await session.get(Album, vote.album_a)
        b = await session.get(Album, vote.album_b)
        return _describe(a.title, b.title, vote.outcome), vote.album_a, vote.album_b

    async def _current_for(self, session: AsyncSession, answered: Duel,
                           owner_id: int) -> tuple[DuelCard | DuelEnded, LoadedRanker]:
        """The duel now showing on the message this stale click came from (or a fresh one)."""
        query = select(Duel).where(Duel.user_id == owner_id, Duel.state == "open")
        if answered.message_id is not None:
            query = query.where(Duel.message_id == answered.message_id)
        else:
            query = query.where(Duel.channel_id == answered.channel_id)
        current = await session.scalar(query.order_by(Duel.created_at.desc()).limit(1))
        loaded = await self.rankers.load(session, owner_id)
        if current is None:
            try:
                current = await self._next_duel(session, loaded, owner_id, answered.guild_id, answered.channel_id,
                                                answered.message_id, answered.private)
            except TooFewAlbumsToDuel as exhausted:
                return DuelEnded(owner_id, str(exhausted), loaded.ranker.votes_recorded, _UNSETTLED), loaded
        return await self._card(session, current, loaded, "That click came after the duel was answered; "
                                                         "here is the current one."), loaded

    async def _next_duel(self, session: AsyncSession, loaded: LoadedRanker, owner_id: int, guild_id: int | None,
                         channel_id: int | None, message_id: int | None, private: bool) -> NewDuel:
        album_a, album_b = await loaded.run(loaded.ranker.next_pair)
        return await self._insert_duel(session, NewDuel(new_duel_id(), owner_id, guild_id, channel_id, message_id,
                                                        album_a, album_b, private))

    @staticmethod
    async def _insert_duel(session: AsyncSession, duel: NewDuel) -> NewDuel:
        # Core statements on the click path: the ORM unit of work costs more CPU than the database does.
        await session.execute(INSERT_DUEL, {**asdict(duel), "state": "open", "created_at": utcnow()})
        return duel

    async def _card(self, session: AsyncSession, duel, loaded: LoadedRanker, notice: str | None = None,
                    owner_name: str | None = None) -> DuelCard:
        owner = self._owners.get(duel.id)
        if owner is None:
            if owner_name is None:
                owner_name = await session.scalar(select(User.name).where(User.id == duel.user_id)) or ""
            owner = self._remember_owner(duel.id, duel.user_id, owner_name)
        cards = await self.cards.get_many(session, [duel.album_a, duel.album_b], duel.user_id, loaded.size)
        return DuelCard(duel.id, duel.user_id, owner[1], cards[duel.album_a], cards[duel.album_b],
                        loaded.ranker.votes_recorded, _UNSETTLED, duel.private, notice)


async def _settle(result: DuelCard | DuelEnded, loaded: LoadedRanker) -> DuelCard | DuelEnded:
    """Fill in how settled the ranking is, after the commit (callers still hold the person's lock)."""
    return replace(result, settled=await loaded.run(loaded.ranker.settled))
