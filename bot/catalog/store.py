"""Storing imported albums in the one shared catalogue.

An incoming album is matched to a stored row by Spotify id, then MusicBrainz id, then the normalised
(title, primary artist) key; missing facts are filled in, never overwritten. When one incoming album
points at two stored rows that can be the same album, the rows are merged (``bot.catalog.merge``).
Each batch is one transaction, so an import that dies midway leaves whole batches or nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog.identity import AlbumRef, identity_key, same_album
from bot.catalog.incoming import ImportSummary, IncomingAlbum
from bot.catalog.merge import can_merge, merge_albums
from bot.db.models import Album, User, UserAlbum

log = logging.getLogger(__name__)

_CHUNK = 400  # stays under SQLite's bound-parameter limit with room to spare


def _chunks(values: list, size: int = _CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


async def ensure_user(session: AsyncSession, user_id: int, name: str = "") -> User:
    user = await session.get(User, user_id)
    if user is None:
        user = User(id=user_id, name=name[:100])
        session.add(user)
        await session.flush()
    elif name and user.name != name[:100]:
        user.name = name[:100]
    return user


async def bump_ranking_version(session: AsyncSession, user_ids: Sequence[int]) -> None:
    for chunk in _chunks(sorted(set(user_ids))):
        await session.execute(update(User).where(User.id.in_(chunk)).values(ranking_version=User.ranking_version + 1))


class _Index:
    """The stored rows a batch can match, by each identifier."""

    def __init__(self, albums: list[Album]) -> None:
        self.by_spotify: dict[str, Album] = {}
        self.by_mbid: dict[str, Album] = {}
        self.by_key: dict[str, list[Album]] = {}
        for album in albums:
            self.add(album)

    def add(self, album: Album) -> None:
        if album.merged_into_id is not None:
            return
        if album.spotify_id:
            self.by_spotify[album.spotify_id] = album
        if album.mbid:
            self.by_mbid[album.mbid] = album
        bucket = self.by_key.setdefault(album.identity_key, [])
        if album not in bucket:
            bucket.append(album)

    def forget(self, album: Album) -> None:
        self.by_spotify = {k: v for k, v in self.by_spotify.items() if v is not album}
        self.by_mbid = {k: v for k, v in self.by_mbid.items() if v is not album}
        for bucket in self.by_key.values():
            if album in bucket:
                bucket.remove(album)

    def candidates(self, item: IncomingAlbum, key: str) -> list[Album]:
        found: list[Album] = []
        for album in (self.by_spotify.get(item.spotify_id or ""), self.by_mbid.get(item.mbid or "")):
            if album is not None and album not in found:
                found.append(album)
        incoming = AlbumRef(item.title, item.artists, item.year, item.spotify_id, item.mbid)
        for album in self.by_key.get(key, []):
            # A key match only counts when no identifier (or, for self-titled albums, the year) says otherwise.
            if album not in found and same_album(incoming, AlbumRef(album.title, album.artists, album.year,
                                                                    album.spotify_id, album.mbid)):
                found.append(album)
        return found


async def _load_index(session: AsyncSession, items: list[IncomingAlbum], keys: list[str]) -> _Index:
    spotify_ids = sorted({i.spotify_id for i in items if i.spotify_id})
    mbids = sorted({i.mbid for i in items if i.mbid})
    albums: dict[int, Album] = {}
    for column, values in ((Album.spotify_id, spotify_ids), (Album.mbid, mbids), (Album.identity_key, sorted(set(keys)))):
        for chunk in _chunks(values):
            rows = await session.scalars(select(Album).where(column.in_(chunk), Album.merged_into_id.is_(None)))
            albums.update({a.id: a for a in rows})
    return _Index(sorted(albums.values(), key=lambda a: a.id))


def _fill_missing(album: Album, item: IncomingAlbum) -> None:
    if item.cover_url and (album.cover_candidates or {}).get(item.source) != item.cover_url:
        album.cover_candidates = {**(album.cover_candidates or {}), item.source: item.cover_url}
    if not album.spotify_id and item.spotify_id:
        album.spotify_id = item.spotify_id
    if not album.mbid and item.mbid:
        album.mbid = item.mbid
    if album.year is None and item.year:
        album.year = item.year
    if not album.aoty_url and item.aoty_url:
        album.aoty_url = item.aoty_url
    if not album.cover_url and item.cover_url:
        album.cover_url = item.cover_url
        album.cover_source = item.source


def _normalise_item(item: IncomingAlbum) -> IncomingAlbum | None:
    item.title = (item.title or "").strip()
    item.artists = [a.strip() for a in item.artists if a and a.strip()]
    item.mbid = (item.mbid or "").strip().lower() or None
    item.spotify_id = (item.spotify_id or "").strip() or None
    if not item.title or not item.artists:
        return None
    return item


async def _store_batch(session: AsyncSession, user_id: int, items: list[IncomingAlbum]) -> ImportSummary:
    summary = ImportSummary(received=len(items))
    kept: list[tuple[IncomingAlbum, str]] = []
    for item in items:
        normal = _normalise_item(item)
        if normal is None:
            summary.skip("missing title or artist")
        else:
            kept.append((normal, identity_key(normal.title, normal.artists)))
    index = await _load_index(session, [i for i, _ in kept], [k for _, k in kept])

    resolved: list[tuple[IncomingAlbum, Album]] = []
    for item, key in kept:
        candidates = index.candidates(item, key)
        if not candidates:
            album = Album(title=item.title[:500], artists=item.artists, year=item.year, cover_url=item.cover_url,
                          cover_source=item.source if item.cover_url else None, spotify_id=item.spotify_id,
                          mbid=item.mbid, aoty_url=item.aoty_url, identity_key=key,
                          cover_candidates={item.source: item.cover_url} if item.cover_url else {})
            session.add(album)  # flushed with the batch: one INSERT round per batch, not per album
            index.add(album)
            summary.new_to_catalogue += 1
        else:
            album = candidates[0]
            for other in candidates[1:]:
                if can_merge(album, other):
                    await session.flush()  # a merge moves rows by id: new albums need theirs now
                    await merge_albums(session, keep=album, drop=other,
                                       reason=f"{item.source} import showed they are one album")
                    index.forget(other)
                    summary.merged += 1
            _fill_missing(album, item)
            index.add(album)
        resolved.append((item, album))

    await session.flush()
    album_ids = sorted({album.id for _, album in resolved})
    existing: dict[int, UserAlbum] = {}
    for chunk in _chunks(album_ids):
        rows = await session.scalars(select(UserAlbum).where(UserAlbum.user_id == user_id, UserAlbum.album_id.in_(chunk)))
        existing.update({row.album_id: row for row in rows})
    for item, album in resolved:
        entry = existing.get(album.id)
        if entry is None:
            entry = UserAlbum(user_id=user_id, album_id=album.id, sources=[])
            session.add(entry)
            existing[album.id] = entry
            summary.added_to_collection += 1
        else:
            summary.already_in_collection += 1
        if item.source not in entry.sources:
            entry.sources = [*entry.sources, item.source]
        if item.aoty_score is not None:
            entry.aoty_score = item.aoty_score
        if item.lastfm_playcount is not None:
            entry.lastfm_playcount = max(item.lastfm_playcount, entry.lastfm_playcount or 0)
        if item.spotify_saved_album:
            entry.spotify_saved_album = True
        if item.spotify_saved_tracks:
            entry.spotify_saved_tracks = max(item.spotify_saved_tracks, entry.spotify_saved_tracks or 0)
    if summary.added_to_collection or summary.merged:
        await bump_ranking_version(session, [user_id])
    return summary


async def store_albums(sessions: async_sessionmaker[AsyncSession], user_id: int, items: Sequence[IncomingAlbum],
                       *, user_name: str = "",
                       in_transaction: Callable[[AsyncSession], Awaitable[None]] | None = None) -> ImportSummary:
    """Store one batch for one person in one transaction; retried once if another import raced us.

    ``in_transaction`` runs after the batch inside the same transaction (an importer records its resume
    cursor there, so the cursor and the albums it covers commit together or not at all)."""
    for attempt in (1, 2):
        try:
            async with sessions.begin() as session:
                await ensure_user(session, user_id, user_name)
                summary = await _store_batch(session, user_id, [IncomingAlbum(**vars(i)) for i in items])
                if in_transaction is not None:
                    await in_transaction(session)
                return summary
        except IntegrityError:
            if attempt == 2:
                raise
            log.info("Catalogue batch for user %s raced another import; retrying once", user_id)
    raise AssertionError("unreachable")
