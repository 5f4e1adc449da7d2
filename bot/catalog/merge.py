"""Folding two catalogue rows that turned out to be one album into one, inside the caller's transaction.

Nothing is lost: each person's entries and sources are united, every vote is re-pointed (a vote between
the two halves becomes void: it compared the album with itself), open duels on the dropped row close,
and the people affected get their beliefs rebuilt from the vote log. The dropped row stays as a
tombstone (``merged_into_id``) so void votes still point at something, and every merge is written to
``album_merges`` for audit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Album, AlbumMerge, Belief, Duel, UserAlbum, Vote
from bot.db.types import utcnow


@dataclass
class MergeReport:
    kept_album_id: int
    merged_album_id: int
    entries_moved: int
    entries_united: int
    votes_repointed: int
    votes_voided: int
    duels_closed: int
    users_affected: int


def can_merge(a: Album, b: Album) -> bool:
    """Two rows may be one album only if no identifier contradicts it."""
    if a.id == b.id:
        return False
    if a.spotify_id and b.spotify_id and a.spotify_id != b.spotify_id:
        return False
    if a.mbid and b.mbid and a.mbid != b.mbid:
        return False
    return True


async def merge_albums(session: AsyncSession, *, keep: Album, drop: Album, reason: str) -> MergeReport:
    from bot.catalog.store import bump_ranking_version  # the store calls us; import late to avoid a cycle

    if not can_merge(keep, drop):
        raise ValueError(f"albums {keep.id} and {drop.id} have conflicting identifiers")

    # Identifiers are unique: take them off the dropped row before the kept row adopts them.
    spotify_id, mbid = drop.spotify_id, drop.mbid
    drop.spotify_id = None
    drop.mbid = None
    drop.merged_into_id = keep.id
    drop.identity_key = f"merged:{drop.id}"
    await session.flush()
    keep.spotify_id = keep.spotify_id or spotify_id
    keep.mbid = keep.mbid or mbid
    keep.year = keep.year or drop.year
    keep.aoty_url = keep.aoty_url or drop.aoty_url
    if not keep.cover_url and drop.cover_url:
        keep.cover_url, keep.cover_source = drop.cover_url, drop.cover_source

    # People's collections: move the entry, or unite it with the one they already have.
    dropped_entries = (await session.scalars(select(UserAlbum).where(UserAlbum.album_id == drop.id))).all()
    kept_entries = {e.user_id: e for e in (await session.scalars(
        select(UserAlbum).where(UserAlbum.album_id == keep.id,
                                UserAlbum.user_id.in_([e.user_id for e in dropped_entries] or [-1])))).all()}
    moved = united = 0
    for entry in dropped_entries:
        target = kept_entries.get(entry.user_id)
        if target is None:
            await session.execute(update(UserAlbum).where(UserAlbum.user_id == entry.user_id, UserAlbum.album_id == drop.id)
                                  .values(album_id=keep.id))
            moved += 1
            continue
        target.sources = sorted(set(target.sources) | set(entry.sources))
        target.aoty_score = target.aoty_score if target.aoty_score is not None else entry.aoty_score
        target.lastfm_playcount = max(target.lastfm_playcount or 0, entry.lastfm_playcount or 0) or None
        target.spotify_saved_album = target.spotify_saved_album or entry.spotify_saved_album
        target.spotify_saved_tracks = max(target.spotify_saved_tracks, entry.spotify_saved_tracks)
        target.excluded = target.excluded or entry.excluded
        target.added_at = min(target.added_at, entry.added_at)
        await session.delete(entry)
        united += 1

    # Votes: the ones between the halves are void (and stay on the tombstone); the rest follow the album.
    between = and_(or_(and_(Vote.album_a == keep.id, Vote.album_b == drop.id),
                       and_(Vote.album_a == drop.id, Vote.album_b == keep.id)))
    voided = (await session.execute(update(Vote).where(between, Vote.void.is_(False)).values(void=True))).rowcount
    touching = or_(Vote.album_a == drop.id, Vote.album_b == drop.id)
    users = set((await session.scalars(select(Vote.user_id).where(touching).distinct())).all())
    users |= {e.user_id for e in dropped_entries}
    repointed = 0
    for column in (Vote.album_a, Vote.album_b):
        repointed += (await session.execute(update(Vote).where(column == drop.id, ~between).values({column.key: keep.id}))).rowcount

    closed = (await session.execute(update(Duel).where(or_(Duel.album_a == drop.id, Duel.album_b == drop.id),
                                                       Duel.state == "open")
                                    .values(state="closed", answered_at=utcnow()))).rowcount
    # Beliefs are a cache of the vote log: drop the affected people's so they are rebuilt from it.
    if users:
        await session.execute(delete(Belief).where(Belief.user_id.in_(sorted(users))))
        await bump_ranking_version(session, sorted(users))

    report = MergeReport(keep.id, drop.id, moved, united, repointed, voided, closed, len(users))
    session.add(AlbumMerge(kept_album_id=keep.id, merged_album_id=drop.id, reason=reason[:200], details=asdict(report)))
    await session.flush()
    return report
