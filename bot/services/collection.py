"""A person's collection as they see it: rankings, stats, exclusions, and album search."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog.store import bump_ranking_version
from bot.db.models import Album, User, UserAlbum, Vote
from bot.errors import NotFound, UserError
from bot.services.cards import AlbumCard
from bot.services.privacy import check_can_view
from bot.services.rankers import RankerStore

PAGE_SIZE = 10
MILESTONES = (10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000)


@dataclass(frozen=True)
class RankedRow:
    position: int
    album: AlbumCard
    rating: float
    comparisons: int
    provisional: bool


@dataclass(frozen=True)
class RankingsPage:
    owner_id: int
    owner_name: str
    page: int
    pages: int
    total: int
    rows: list[RankedRow]
    settled: float
    votes: int


@dataclass(frozen=True)
class Stats:
    owner_id: int
    owner_name: str
    albums: int
    excluded: int
    by_source: dict[str, int]
    votes: int
    per_album: float
    settled: float
    with_cover: int
    milestone: int
    previous_milestone: int
    top: list[RankedRow]


@dataclass(frozen=True)
class AlbumDetail:
    album: AlbumCard
    artists: list[str]
    sources: list[str]
    excluded: bool
    rank: int | None        # None while excluded
    of: int
    rating: float | None
    comparisons: int
    provisional: bool
    beat: list[tuple[str, int]]      # (title, times) of albums it won against
    lost_to: list[tuple[str, int]]
    drew: list[tuple[str, int]]


@dataclass(frozen=True)
class AlbumChoice:
    album_id: int
    label: str


def next_milestone(votes: int) -> tuple[int, int]:
    previous = 0
    for milestone in MILESTONES:
        if votes < milestone:
            return previous, milestone
        previous = milestone
    return previous, previous * 2


async def _cards(session: AsyncSession, album_ids: list[int]) -> dict[int, AlbumCard]:
    if not album_ids:
        return {}
    rows = await session.scalars(select(Album).where(Album.id.in_(album_ids)))
    return {a.id: AlbumCard(a.id, a.title, a.artist, a.year, a.cover_url) for a in rows}


def _label(album: Album) -> str:
    year = f" ({album.year})" if album.year else ""
    label = f"{album.title} — {album.artist}{year}"
    return label if len(label) <= 100 else label[:99] + "…"


class CollectionService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], rankers: RankerStore) -> None:
        self.sessions = sessions
        self.rankers = rankers

    async def rankings(self, viewer_id: int, target_id: int, guild_id: int | None, page: int = 1) -> RankingsPage:
        async with self.sessions() as session:
            target = await check_can_view(session, viewer_id, target_id, guild_id)
            loaded = await self.rankers.load(session, target_id)
            ranked = await loaded.run(loaded.ranker.ranking)
            if not ranked:
                raise NotFound(("You have" if viewer_id == target_id else f"{target.name} has") +
                               " no albums yet. Import some with /import aoty (or /link spotify, /link lastfm).")
            pages = max(1, math.ceil(len(ranked) / PAGE_SIZE))
            if page < 1 or page > pages:
                raise UserError(f"There are {pages} pages; pick a page from 1 to {pages}.")
            chunk = ranked[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
            cards = await _cards(session, [r.album_id for r in chunk])
            rows = [RankedRow((page - 1) * PAGE_SIZE + i + 1, cards[r.album_id], r.rating, r.comparisons, r.provisional)
                    for i, r in enumerate(chunk)]
            return RankingsPage(target_id, target.name, page, pages, len(ranked), rows,
                                await loaded.run(loaded.ranker.settled),
                                loaded.ranker.votes_recorded)

    async def top(self, viewer_id: int, target_id: int, guild_id: int | None, count: int) -> list[RankedRow]:
        async with self.sessions() as session:
            await check_can_view(session, viewer_id, target_id, guild_id)
            loaded = await self.rankers.load(session, target_id)
            ranked = (await loaded.run(loaded.ranker.ranking))[:count]
            cards = await _cards(session, [r.album_id for r in ranked])
            return [RankedRow(i + 1, cards[r.album_id], r.rating, r.comparisons, r.provisional) for i, r in enumerate(ranked)]

    async def stats(self, viewer_id: int, target_id: int, guild_id: int | None) -> Stats:
        async with self.sessions() as session:
            target = await check_can_view(session, viewer_id, target_id, guild_id)
            # A handful of groups instead of a row per album: a collection has few distinct source lists.
            sources_text = cast(UserAlbum.sources, String)
            groups = (await session.execute(
                select(sources_text, UserAlbum.excluded, func.count(), func.count(Album.cover_url))
                .join(Album, Album.id == UserAlbum.album_id).where(UserAlbum.user_id == target_id)
                .group_by(sources_text, UserAlbum.excluded))).all()
            by_source: dict[str, int] = {}
            active_count = excluded_count = with_cover = 0
            for sources, excluded, count, covered in groups:
                for source in json.loads(sources or "[]") or ["unknown"]:
                    by_source[source] = by_source.get(source, 0) + count
                if excluded:
                    excluded_count += count
                else:
                    active_count += count
                    with_cover += covered
            loaded = await self.rankers.load(session, target_id)
            votes = loaded.ranker.votes_recorded
            ranked = (await loaded.run(loaded.ranker.ranking))[:3]
            settled = await loaded.run(loaded.ranker.settled) if active_count > 1 else 0.0
            cards = await _cards(session, [r.album_id for r in ranked])
            previous, milestone = next_milestone(votes)
            return Stats(target_id, target.name, active_count, excluded_count, by_source, votes,
                         votes / active_count if active_count else 0.0, settled, with_cover, milestone, previous,
                         [RankedRow(i + 1, cards[r.album_id], r.rating, r.comparisons, r.provisional)
                          for i, r in enumerate(ranked)])

    async def search(self, user_id: int, text: str, *, excluded: bool | None = None, limit: int = 25) -> list[AlbumChoice]:
        """Autocomplete over the person's own albums by title or artist."""
        query = (select(Album).join(UserAlbum, UserAlbum.album_id == Album.id).where(UserAlbum.user_id == user_id))
        if excluded is not None:
            query = query.where(UserAlbum.excluded.is_(excluded))
        words = text.strip().lower()
        if words:
            pattern = f"%{words.replace('%', '').replace('_', '')}%"
            artists_text = func.lower(cast(Album.artists, String))
            query = query.where(or_(func.lower(Album.title).like(pattern), artists_text.like(pattern)))
        async with self.sessions() as session:
            albums = (await session.scalars(query.order_by(Album.title).limit(limit))).all()
        return [AlbumChoice(a.id, _label(a)) for a in albums]

    async def set_excluded(self, user_id: int, album_ref: str, excluded: bool) -> AlbumCard:
        album_id = await self._resolve(user_id, album_ref)
        async with self.sessions.begin() as session:
            entry = await session.get(UserAlbum, (user_id, album_id))
            if entry is None:
                raise NotFound("That album isn't in your collection.")
            if entry.excluded == excluded:
                album = await session.get(Album, album_id)
                state = "already excluded" if excluded else "not excluded"
                raise UserError(f"{album.title} is {state}.")
            entry.excluded = excluded
            await bump_ranking_version(session, [user_id])
            album = await session.get(Album, album_id)
            return AlbumCard(album.id, album.title, album.artist, album.year, album.cover_url)

    async def excluded(self, user_id: int) -> list[AlbumCard]:
        async with self.sessions() as session:
            rows = await session.scalars(select(Album).join(UserAlbum, UserAlbum.album_id == Album.id)
                                         .where(UserAlbum.user_id == user_id, UserAlbum.excluded.is_(True))
                                         .order_by(Album.title))
            return [AlbumCard(a.id, a.title, a.artist, a.year, a.cover_url) for a in rows]

    async def _resolve(self, user_id: int, album_ref: str) -> int:
        """Autocomplete sends the album id; a typed name is searched for instead."""
        if album_ref.strip().isdigit():
            return int(album_ref)
        matches = await self.search(user_id, album_ref, limit=2)
        if not matches:
            raise NotFound(f"No album matching “{album_ref[:80]}” in your collection. Pick one from the suggestions.")
        if len(matches) > 1:
            raise UserError(f"More than one album matches “{album_ref[:80]}”; pick one from the suggestions.")
        return matches[0].album_id

    async def album_detail(self, user_id: int, album_ref: str) -> AlbumDetail:
        album_id = await self._resolve(user_id, album_ref)
        async with self.sessions() as session:
            entry = await session.get(UserAlbum, (user_id, album_id))
            album = await session.get(Album, album_id)
            if entry is None or album is None:
                raise NotFound("That album isn't in your collection.")
            loaded = await self.rankers.load(session, user_id)
            ranked = await loaded.run(loaded.ranker.ranking)
            position = next((i for i, r in enumerate(ranked) if r.album_id == album_id), None)
            votes = (await session.execute(select(Vote.album_a, Vote.album_b, Vote.outcome).where(
                Vote.user_id == user_id, Vote.undone_at.is_(None), Vote.void.is_(False),
                or_(Vote.album_a == album_id, Vote.album_b == album_id)))).all()
            tallies: dict[str, dict[int, int]] = {"beat": {}, "lost": {}, "drew": {}}
            for a, b, outcome in votes:
                other = b if a == album_id else a
                kind = "drew" if outcome == "DRAW" else ("beat" if (outcome == "A") == (a == album_id) else "lost")
                tallies[kind][other] = tallies[kind].get(other, 0) + 1
            others = {o for t in tallies.values() for o in t}
            titles = {a.id: a.title for a in (await session.scalars(select(Album).where(Album.id.in_(others or {-1})))).all()}

            def listed(kind: str) -> list[tuple[str, int]]:
                return sorted(((titles.get(o, "?"), n) for o, n in tallies[kind].items()), key=lambda t: (-t[1], t[0]))

            row = ranked[position] if position is not None else None
            return AlbumDetail(AlbumCard(album.id, album.title, album.artist, album.year, album.cover_url),
                               list(album.artists), list(entry.sources), entry.excluded,
                               position + 1 if position is not None else None, len(ranked),
                               row.rating if row else None, row.comparisons if row else len(votes),
                               row.provisional if row else True, listed("beat"), listed("lost"), listed("drew"))

    async def vote_count(self, user_id: int) -> int:
        async with self.sessions() as session:
            return await session.scalar(select(func.count()).select_from(Vote).where(
                Vote.user_id == user_id, Vote.undone_at.is_(None), Vote.void.is_(False))) or 0

    async def name_of(self, user_id: int) -> str:
        async with self.sessions() as session:
            return await session.scalar(select(User.name).where(User.id == user_id)) or ""
