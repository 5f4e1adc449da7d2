"""Imports that a person starts: fetch from a source, store in the catalogue, report what changed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog.incoming import ImportSummary, IncomingAlbum
from bot.catalog.store import ensure_user, store_albums
from bot.db.models import LinkedAccount
from bot.db.types import utcnow
from bot.sources.aoty import AotyClient, AotyRating, PageProgress

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str], Awaitable[None]]
BATCH = 500


@dataclass(frozen=True)
class ImportResult:
    source: str
    account: str
    summary: ImportSummary


def aoty_album(rating: AotyRating) -> IncomingAlbum:
    return IncomingAlbum(title=rating.title, artists=[rating.artist] if rating.artist else [], source="aoty",
                         year=rating.year, cover_url=rating.cover_url, aoty_url=rating.aoty_url,
                         aoty_score=rating.score)


async def remember_account(session: AsyncSession, user_id: int, provider: str, external_id: str, display_name: str) -> None:
    """Record (or refresh) a person's account on a source, for /links; an account already claimed by
    someone else is left with them."""
    mine = await session.scalar(select(LinkedAccount).where(LinkedAccount.user_id == user_id,
                                                            LinkedAccount.provider == provider))
    owner = await session.scalar(select(LinkedAccount.user_id).where(LinkedAccount.provider == provider,
                                                                     LinkedAccount.external_id == external_id))
    if owner is not None and owner != user_id:
        return
    if mine is None:
        mine = LinkedAccount(user_id=user_id, provider=provider, external_id=external_id, display_name=display_name)
        session.add(mine)
    mine.external_id, mine.display_name = external_id, display_name
    mine.last_import_at = utcnow()
    mine.status = "active"


class ImportService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], aoty: AotyClient, *,
                 on_stored: Callable[[], None] | None = None) -> None:
        self.sessions = sessions
        self.aoty = aoty
        self.on_stored = on_stored  # new albums stored: their covers are looked up

    async def import_aoty(self, user_id: int, user_name: str, username: str,
                          progress: ProgressCallback | None = None) -> ImportResult:
        async def on_page(step: PageProgress) -> None:
            if progress is not None:
                await progress(f"Reading {username}'s ratings: page {step.page}/{step.total_pages}, "
                               f"{step.albums_so_far:,} albums so far…")

        # All pages are read before anything is stored: a failure midway changes nothing.
        ratings = await self.aoty.fetch_ratings(username, on_page)
        summary = ImportSummary()
        for start in range(0, len(ratings), BATCH):
            summary.add(await store_albums(self.sessions, user_id, [aoty_album(r) for r in ratings[start:start + BATCH]],
                                           user_name=user_name))
            if progress is not None and len(ratings) > BATCH:
                await progress(f"Saving albums: {min(start + BATCH, len(ratings)):,}/{len(ratings):,}…")
        async with self.sessions.begin() as session:
            await ensure_user(session, user_id, user_name)
            await remember_account(session, user_id, "aoty", username.strip().lower(), username.strip())
        if summary.new_to_catalogue and self.on_stored is not None:
            self.on_stored()
        return ImportResult("aoty", username, summary)


def summary_text(result: ImportResult) -> str:
    s = result.summary
    names = {"aoty": "Album of the Year", "spotify": "Spotify", "lastfm": "Last.fm"}
    parts = [f"**{s.added_to_collection:,}** new to your collection", f"{s.already_in_collection:,} already there"]
    if s.skipped:
        reasons = ", ".join(f"{n} {r}" for r, n in s.skipped_reasons.items())
        parts.append(f"{s.skipped:,} skipped ({reasons})")
    if s.merged:
        parts.append(f"{s.merged:,} duplicate catalogue entries merged")
    return (f"Imported {s.received:,} albums from {names.get(result.source, result.source)} ({result.account}): "
            + ", ".join(parts) + ". Run /duel to start ranking them.")
