"""Each person's ``Ranker``, loaded from the database, cached per process, saved after every change.

The vote log is the truth; ``beliefs`` rows are its cache. A process keeps the ranker it last used for a
person together with ``users.ranking_version``; every change bumps that number in the same transaction,
so a copy made stale by another process (or by an import or merge) is noticed and reloaded.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Belief as BeliefRow
from bot.db.models import User, UserAlbum, Vote
from bot.ranking import Belief, Ranker
from bot.services.priors import PriorSignals, prior_scores


LARGE = 400  # albums; above this, ranker maths runs in a worker thread


class StaleRanking(Exception):
    """Another process changed this person's ranking while we worked: retry the unit of work."""


@dataclass
class LoadedRanker:
    ranker: Ranker
    version: int
    snapshot: dict[int, Belief]  # beliefs as stored, to write back only what changed
    size: int = 0                # albums in the collection: big ones do their maths in a worker thread

    async def run(self, method, *args):  # noqa: ANN001, ANN201 - any Ranker method
        """Call a Ranker method; for a big collection in a worker thread, so refits and O(n^2) display
        numbers never stall the event loop. Callers hold the person's lock, so calls never overlap."""
        if self.size > LARGE:
            return await asyncio.to_thread(method, *args)
        return method(*args)


class RankerStore:
    def __init__(self, capacity: int = 256, sessions: async_sessionmaker[AsyncSession] | None = None) -> None:
        self._cache: OrderedDict[int, LoadedRanker] = OrderedDict()
        self._capacity = capacity
        self._locks: dict[int, asyncio.Lock] = {}
        self._sessions = sessions  # lets a rebuild from the vote log be written back as beliefs
        self._background: set[asyncio.Task] = set()

    def lock(self, user_id: int) -> asyncio.Lock:
        """Serialises one person's changes inside this process (across processes the version does)."""
        return self._locks.setdefault(user_id, asyncio.Lock())

    def forget(self, user_id: int) -> None:
        self._cache.pop(user_id, None)

    async def load(self, session: AsyncSession, user_id: int, *, verify: bool = True) -> LoadedRanker:
        """The person's ranker. ``verify=False`` trusts a cached copy without asking the database: for a
        unit of work that ends in ``save``, whose compare-and-set catches a stale copy anyway."""
        if not verify and (cached := self._cache.get(user_id)) is not None:
            self._cache.move_to_end(user_id)
            return cached
        version = await session.scalar(select(User.ranking_version).where(User.id == user_id))
        if version is None:
            version = 0
        cached = self._cache.get(user_id)
        if cached is not None and cached.version == version:
            self._cache.move_to_end(user_id)
            return cached
        loaded = await self._load_from_database(session, user_id, version)
        self._remember(user_id, loaded)
        if not loaded.snapshot and loaded.ranker.votes_recorded and self._sessions is not None:
            # Rebuilt from the log (the belief cache was empty): store it so the next start need not.
            task = asyncio.create_task(self._store_rebuilt(user_id, loaded))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        return loaded

    async def _store_rebuilt(self, user_id: int, loaded: LoadedRanker) -> None:
        async with self.lock(user_id):
            beliefs = loaded.ranker.beliefs()
            async with self._sessions.begin() as session:
                current = await session.scalar(select(User.ranking_version).where(User.id == user_id))
                if current != loaded.version:
                    return  # the person changed something meanwhile; their next save writes beliefs
                await upsert_beliefs(session, user_id, beliefs)
            if not loaded.snapshot:
                loaded.snapshot = beliefs

    async def idle(self) -> None:
        """Wait for background writes (tests and benchmarks)."""
        await asyncio.gather(*list(self._background), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)

    def _remember(self, user_id: int, loaded: LoadedRanker) -> None:
        self._cache[user_id] = loaded
        self._cache.move_to_end(user_id)
        while len(self._cache) > self._capacity:
            self._cache.popitem(last=False)

    async def _load_from_database(self, session: AsyncSession, user_id: int, version: int) -> LoadedRanker:
        entries = (await session.execute(
            select(UserAlbum.album_id, UserAlbum.excluded, UserAlbum.aoty_score, UserAlbum.lastfm_playcount,
                   UserAlbum.spotify_saved_album, UserAlbum.spotify_saved_tracks)
            .where(UserAlbum.user_id == user_id).order_by(UserAlbum.album_id))).all()
        album_ids = [e.album_id for e in entries]
        excluded = [e.album_id for e in entries if e.excluded]
        priors = prior_scores(PriorSignals(e.album_id, e.aoty_score, e.lastfm_playcount, e.spotify_saved_album,
                                           e.spotify_saved_tracks) for e in entries)
        votes = (await session.execute(
            select(Vote.album_a, Vote.album_b, Vote.outcome)
            .where(Vote.user_id == user_id, Vote.undone_at.is_(None), Vote.void.is_(False))
            .order_by(Vote.id))).all()
        stored = {row.album_id: Belief(row.mu, row.sigma2, row.comparisons) for row in (await session.execute(
            select(BeliefRow.album_id, BeliefRow.mu, BeliefRow.sigma2, BeliefRow.comparisons)
            .where(BeliefRow.user_id == user_id))).all()}
        seed = user_id % (2 ** 31)
        vote_log = [tuple(v) for v in votes]

        def build() -> tuple[Ranker, dict[int, Belief]]:
            known = [a for a in album_ids if a in stored]
            if vote_log and not known:
                # The cache was dropped (e.g. after a merge): rebuild the beliefs from the log.
                built = Ranker.from_votes(album_ids, vote_log, priors=priors, seed=seed)
                kept: dict[int, Belief] = {}
            else:
                built = Ranker.from_beliefs({a: stored[a] for a in known}, seed=seed, votes=vote_log, priors=priors)
                new = [a for a in album_ids if a not in stored]
                if new:
                    built.add_albums(new, priors={a: priors[a] for a in new if a in priors} or None)
                kept = {a: stored[a] for a in known}
            for album_id in excluded:
                built.exclude(album_id)
            return built, kept

        # Rebuilding a big collection is CPU work (up to a second for 50,000 votes): keep it off the loop.
        ranker, snapshot = await asyncio.to_thread(build) if len(album_ids) > LARGE else build()
        return LoadedRanker(ranker, version, snapshot, len(album_ids))

    async def save(self, session: AsyncSession, user_id: int, loaded: LoadedRanker) -> None:
        """Write the changed beliefs and bump the version, or raise ``StaleRanking`` if someone else did."""
        current = loaded.ranker.beliefs()
        changed = {a: b for a, b in current.items() if loaded.snapshot.get(a) != b}
        await upsert_beliefs(session, user_id, changed)
        result = await session.execute(_BUMP_VERSION, {"uid": user_id, "seen": loaded.version,
                                                       "next": loaded.version + 1})
        if result.rowcount != 1:
            self.forget(user_id)
            raise StaleRanking(user_id)
        loaded.version += 1
        loaded.snapshot = current
        self._remember(user_id, loaded)


_USERS = User.__table__
# Compare-and-set of the version, on every click: a Core statement built once (building one costs more
# CPU than running it).
_BUMP_VERSION = (update(_USERS).where(_USERS.c.id == bindparam("uid"), _USERS.c.ranking_version == bindparam("seen"))
                 .values(ranking_version=bindparam("next")))


def _upsert_statement(dialect_name: str):
    dialect = sqlite if dialect_name == "sqlite" else postgresql
    statement = dialect.insert(BeliefRow.__table__)  # Core, not the ORM's bulk path
    return statement.on_conflict_do_update(
        index_elements=[BeliefRow.user_id, BeliefRow.album_id],
        set_={"mu": statement.excluded.mu, "sigma2": statement.excluded.sigma2,
              "comparisons": statement.excluded.comparisons})


_UPSERTS = {name: _upsert_statement(name) for name in ("sqlite", "postgresql")}


async def upsert_beliefs(session: AsyncSession, user_id: int, beliefs: dict[int, Belief]) -> None:
    """One statement, compiled once and cached, run with many parameter sets."""
    if not beliefs:
        return
    rows = [{"user_id": user_id, "album_id": a, "mu": b.mu, "sigma2": b.sigma2, "comparisons": b.comparisons}
            for a, b in beliefs.items()]
    await session.execute(_UPSERTS[session.bind.dialect.name], rows)
