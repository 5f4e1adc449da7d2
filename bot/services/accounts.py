"""What a person has linked, unlinking, and forgetting a person entirely.

Unlinking deletes the stored credentials; with ``remove_albums`` it also takes that source's albums out
of the collection (an album another source also vouches for stays, without that source's signals) and
the votes and duels that involve the removed albums. ``forget_me`` deletes every row about the person;
albums in the shared catalogue stay, since other people's collections point at them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog.store import bump_ranking_version
from bot.db.models import Belief, Duel, GuildMember, LinkedAccount, OAuthState, User, UserAlbum, Vote
from bot.errors import NotFound
from bot.linking.states import PROVIDER_NAMES
from bot.services.import_runner import ImportRunner
from bot.services.rankers import RankerStore

_CHUNK = 400
ALL_NAMES = {**PROVIDER_NAMES, "aoty": "Album of the Year"}


@dataclass(frozen=True)
class LinkInfo:
    provider: str
    display_name: str
    status: str  # active | broken
    linked_at: datetime
    last_import_at: datetime | None
    import_unfinished: bool  # a previous import stopped midway; /import resumes it
    has_credentials: bool  # False for sources read by public user name (AOTY)
    importing: bool


@dataclass(frozen=True)
class UnlinkResult:
    provider: str
    display_name: str
    albums_removed: int
    albums_kept: int  # still in the collection thanks to another source
    votes_removed: int


@dataclass(frozen=True)
class ForgetResult:
    links: int
    albums: int
    votes: int
    duels: int


def _chunks(values: list[int]):
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


def _clear_signals(entry: UserAlbum, provider: str) -> None:
    if provider == "spotify":
        entry.spotify_saved_album, entry.spotify_saved_tracks = False, 0
    elif provider == "lastfm":
        entry.lastfm_playcount = None
    elif provider == "aoty":
        entry.aoty_score = None


async def _delete_votes_and_duels(session: AsyncSession, user_id: int, album_ids: list[int]) -> int:
    removed = 0
    for chunk in _chunks(album_ids):
        votes = await session.execute(delete(Vote).where(
            Vote.user_id == user_id, or_(Vote.album_a.in_(chunk), Vote.album_b.in_(chunk))))
        removed += votes.rowcount or 0
        await session.execute(delete(Duel).where(
            Duel.user_id == user_id, or_(Duel.album_a.in_(chunk), Duel.album_b.in_(chunk))))
        await session.execute(delete(Belief).where(Belief.user_id == user_id, Belief.album_id.in_(chunk)))
    return removed


class AccountService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], rankers: RankerStore, runner: ImportRunner) -> None:
        self.sessions = sessions
        self.rankers = rankers
        self.runner = runner

    async def links(self, user_id: int) -> list[LinkInfo]:
        async with self.sessions() as session:
            rows = (await session.scalars(select(LinkedAccount).where(LinkedAccount.user_id == user_id)
                                          .order_by(LinkedAccount.provider))).all()
        return [LinkInfo(r.provider, r.display_name or r.external_id, r.status, r.linked_at, r.last_import_at,
                         not (r.import_state or {}).get("finished", True), r.credentials is not None,
                         self.runner.is_running(user_id, r.provider)) for r in rows]

    async def unlink(self, user_id: int, provider: str, *, remove_albums: bool = False) -> UnlinkResult:
        name = ALL_NAMES.get(provider, provider)
        await self.runner.cancel(user_id, provider)  # an import must not write after the link is gone
        removed: list[int] = []
        kept = votes = 0
        async with self.sessions.begin() as session:
            account = await session.scalar(select(LinkedAccount).where(
                LinkedAccount.user_id == user_id, LinkedAccount.provider == provider))
            if account is None:
                raise NotFound(f"You have no {name} account linked.")
            display = account.display_name or account.external_id
            await session.delete(account)
            if remove_albums:
                entries = (await session.scalars(select(UserAlbum).where(UserAlbum.user_id == user_id))).all()
                for entry in entries:
                    if provider not in (entry.sources or []):
                        continue
                    rest = [s for s in entry.sources if s != provider]
                    if rest:
                        entry.sources = rest
                        _clear_signals(entry, provider)
                        kept += 1
                    else:
                        removed.append(entry.album_id)
                        await session.delete(entry)
                await session.flush()
                votes = await _delete_votes_and_duels(session, user_id, removed)
                await bump_ranking_version(session, [user_id])
        if remove_albums:
            self.rankers.forget(user_id)
        return UnlinkResult(provider, display, len(removed), kept, votes)

    async def forget_me(self, user_id: int) -> ForgetResult:
        """Delete the person's links, collection, votes, beliefs, duels, memberships and user row."""
        await self.runner.cancel(user_id)
        async with self.sessions.begin() as session:
            counts = {}
            for model in (Vote, Belief, Duel, UserAlbum, LinkedAccount, OAuthState, GuildMember):
                result = await session.execute(delete(model).where(model.user_id == user_id))
                counts[model] = result.rowcount or 0
            await session.execute(delete(User).where(User.id == user_id))
        self.rankers.forget(user_id)
        return ForgetResult(links=counts[LinkedAccount], albums=counts[UserAlbum], votes=counts[Vote],
                            duels=counts[Duel])
