"""Importing a linked Spotify or Last.fm account's albums into the person's collection.

Spotify is read page by page (saved tracks, then saved albums) and written in batches. Every batch
commits, in its own transaction, the albums, the saved-track counts of those pages (summed, since one
album's tracks can span pages) and the resume cursor in ``linked_accounts.import_state``. An import
killed at any point therefore leaves whole batches and a cursor that matches them; the next run goes on
from the cursor, so no page is counted twice. Last.fm's chart is read whole (it is a ranking that shifts
between reads) and stored in batches; storing is an idempotent upsert, so re-running finishes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog.incoming import IncomingAlbum
from bot.catalog.store import store_albums
from bot.config import Settings
from bot.crypto import SecretBox
from bot.db.models import Album, LinkedAccount, UserAlbum
from bot.db.types import utcnow
from bot.errors import LinkBroken, NotFound
from bot.linking.credentials import DatabaseTokenStore, open_lastfm
from bot.linking.states import PROVIDER_NAMES
from bot.sources import lastfm, spotify

log = logging.getLogger(__name__)

Progress = Callable[..., Awaitable[None]]  # progress(text, urgent=False)
PHASES = ("saved_tracks", "saved_albums")
PAGES_PER_BATCH = 10  # 500 saved items per transaction; the walk keeps fetching meanwhile
LASTFM_BATCH = 500


@dataclass
class ProviderImportResult:
    provider: str
    account: str
    read: dict[str, int] = field(default_factory=dict)  # what was read this run, e.g. {"saved tracks": 10000}
    added: int = 0  # new to the person's collection, over the whole import (resumed runs included)
    from_source: int = 0  # albums in the collection that this source vouches for
    resumed: bool = False

    @property
    def text(self) -> str:
        name = PROVIDER_NAMES[self.provider]
        read = " and ".join(f"{n:,} {what}" for what, n in self.read.items()) or "nothing new"
        return (f"{name} import finished for **{self.account}**{' (resumed)' if self.resumed else ''}: read {read}. "
                f"{self.from_source:,} albums in your collection come from {name} ({self.added:,} new). "
                "Run /duel to start ranking them.")


def spotify_album(album: spotify.SpotifyAlbum) -> IncomingAlbum:
    # Saved-track counts are summed by the importer, not by the store (which keeps a maximum).
    return IncomingAlbum(title=album.title, artists=list(album.artists), source="spotify", year=album.year,
                         cover_url=album.cover_url, spotify_id=album.spotify_id,
                         spotify_saved_album=album.source == "saved_albums")


def lastfm_album(album: lastfm.LastfmAlbum) -> IncomingAlbum:
    return IncomingAlbum(title=album.title, artists=[album.artist] if album.artist else [], source="lastfm",
                         cover_url=album.cover_url, mbid=album.mbid, lastfm_playcount=album.playcount)


_user_albums = UserAlbum.__table__
_albums = Album.__table__
_ADD_SAVED_TRACKS = (
    _user_albums.update()
    .where(_user_albums.c.user_id == bindparam("b_user"),
           _user_albums.c.album_id == select(_albums.c.id).where(
               _albums.c.spotify_id == bindparam("b_spotify"), _albums.c.merged_into_id.is_(None)).scalar_subquery())
    .values(spotify_saved_tracks=_user_albums.c.spotify_saved_tracks + bindparam("b_count"))
)


class _BatchWriter:
    """Writes batches in order in a task of its own, so reading the next pages overlaps the database
    writes. At most ``depth`` batches wait; a write that fails stops the walk with its error. Leaving the
    block normally waits for every batch; leaving it with an error (or cancelled) drops the unwritten
    ones, which the cursor has not counted, so a later run reads them again."""

    def __init__(self, write: Callable[[list, bool], Awaitable[None]], depth: int = 3) -> None:
        self._write = write
        self._queue: asyncio.Queue[tuple[list, bool] | None] = asyncio.Queue(depth)
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> "_BatchWriter":
        self._task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        while (item := await self._queue.get()) is not None:
            await self._write(*item)

    async def put(self, pages: list, end: bool = False) -> None:
        assert self._task is not None
        putting = asyncio.ensure_future(self._queue.put((pages, end)))
        await asyncio.wait({putting, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if self._task.done():
            putting.cancel()
            self._task.result()  # the writer failed: raise its error here
            raise RuntimeError("the batch writer stopped early")

    async def __aexit__(self, exc_type, exc, tb) -> None:  # noqa: ANN001
        assert self._task is not None
        if exc_type is None:
            await self.put_end()
            await self._task
            return
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def put_end(self) -> None:
        putting = asyncio.ensure_future(self._queue.put(None))
        await asyncio.wait({putting, self._task}, return_when=asyncio.FIRST_COMPLETED)  # type: ignore[arg-type]
        if not putting.done():
            putting.cancel()


async def load_link(sessions: async_sessionmaker[AsyncSession], user_id: int, provider: str) -> LinkedAccount:
    name = PROVIDER_NAMES[provider]
    async with sessions() as session:
        account = await session.scalar(select(LinkedAccount).where(
            LinkedAccount.user_id == user_id, LinkedAccount.provider == provider))
    if account is None or account.credentials is None:
        raise NotFound(f"You haven't linked {name} yet: run /link {provider} first.")
    if account.status != "active":
        raise LinkBroken(f"Your {name} link stopped working. Please /link {provider} again.", service=provider)
    return account


async def mark_broken(sessions: async_sessionmaker[AsyncSession], account_id: int) -> None:
    async with sessions.begin() as session:
        await session.execute(update(LinkedAccount).where(LinkedAccount.id == account_id).values(status="broken"))


class ProviderImports:
    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession], http: httpx.AsyncClient,
                 box: SecretBox, *, spotify_policy: spotify.RetryPolicy | None = None,
                 lastfm_retry: lastfm.RetryPolicy | None = None, pages_per_batch: int = PAGES_PER_BATCH,
                 on_stored: Callable[[], None] | None = None) -> None:
        self.settings = settings
        self.sessions = sessions
        self.http = http
        self.box = box
        self.spotify_policy = spotify_policy or spotify.RetryPolicy()
        self.lastfm_retry = lastfm_retry
        self.pages_per_batch = pages_per_batch
        self.on_stored = on_stored  # albums stored: their covers are looked up

    async def interrupted(self) -> list[tuple[int, str]]:
        """(user, provider) of imports that were still running when the bot stopped: their saved cursor
        says unfinished and running (an import that stopped on an error is marked stopped instead)."""
        async with self.sessions() as session:
            rows = (await session.execute(
                select(LinkedAccount.user_id, LinkedAccount.provider, LinkedAccount.import_state)
                .where(LinkedAccount.status == "active", LinkedAccount.import_state.is_not(None)))).all()
        return [(row.user_id, row.provider) for row in rows
                if row.provider in PROVIDER_NAMES and isinstance(row.import_state, dict)
                and not row.import_state.get("finished", True) and row.import_state.get("running")]

    async def mark_stopped(self, user_id: int, provider: str) -> None:
        """The import stopped on an error: it waits for the person's /import, not the next start."""
        async with self.sessions.begin() as session:
            account = await session.scalar(select(LinkedAccount).where(
                LinkedAccount.user_id == user_id, LinkedAccount.provider == provider))
            if account is not None and account.import_state:
                account.import_state = {**account.import_state, "running": False}

    async def run(self, user_id: int, provider: str, progress: Progress) -> ProviderImportResult:
        account = await load_link(self.sessions, user_id, provider)
        try:
            if provider == "spotify":
                return await self._spotify(account, progress)
            return await self._lastfm(account, progress)
        except LinkBroken:
            await mark_broken(self.sessions, account.id)
            raise
        finally:
            if self.on_stored is not None:  # even a run cut short stored batches
                self.on_stored()

    # --- Spotify ----------------------------------------------------------------------------------

    async def _spotify(self, account: LinkedAccount, progress: Progress) -> ProviderImportResult:
        settings, user_id = self.settings, account.user_id
        state = dict(account.import_state or {})
        resumed = not state.get("finished", True) and state.get("phase") in PHASES
        if not resumed:
            state = {"phase": "saved_tracks", "offset": 0, "added": 0, "finished": False,
                     "started_at": utcnow().isoformat()}
            async with self.sessions.begin() as session:
                # A fresh run sums saved-track counts from zero; the reset commits with the cursor.
                await session.execute(update(UserAlbum).where(UserAlbum.user_id == user_id)
                                      .values(spotify_saved_tracks=0))
                await self._save_state(session, account.id, state)
        tokens = spotify.SpotifyTokenProvider(
            self.http, DatabaseTokenStore(self.sessions, self.box, account.id), client_id=settings.spotify_client_id,
            client_secret=settings.spotify_client_secret, accounts_base_url=settings.spotify_accounts_base_url,
            policy=self.spotify_policy)
        client = spotify.SpotifyLibraryClient(self.http, settings.spotify_api_base_url, tokens,
                                              policy=self.spotify_policy)
        result = ProviderImportResult("spotify", account.display_name, resumed=resumed)

        async def on_progress(step: spotify.SpotifyProgress) -> None:
            await progress(f"Spotify: {step.message}…", urgent=step.wait_seconds is not None)

        for phase in PHASES[PHASES.index(state["phase"]):]:
            start = state["offset"] if phase == state["phase"] else 0
            if phase == "saved_tracks":
                walk = client.saved_tracks_albums(on_progress, start_offset=start,
                                                  min_tracks=settings.spotify_min_album_tracks)
            else:
                walk = client.saved_albums(on_progress, start_offset=start)
            read = 0
            batch: list[spotify.SavedPage] = []
            async with contextlib.aclosing(walk), _BatchWriter(
                    lambda pages, end: self._store_spotify_pages(account, state, phase, pages, end)) as writer:
                async for page in walk:
                    batch.append(page)
                    read += page.items_seen
                    if page.offset == start:
                        # The first page is written before anything else is read: early progress, and a
                        # cursor that is on disk before the walk fans out.
                        await self._store_spotify_pages(account, state, phase, batch, False)
                        batch = []
                    elif page.is_last or len(batch) >= self.pages_per_batch:
                        await writer.put(batch)
                        batch = []
                if batch:  # a walk that ended without a last page (the total shrank meanwhile)
                    await writer.put(batch, end=True)
            result.read["saved tracks" if phase == "saved_tracks" else "saved albums"] = read
        result.added = state["added"]
        result.from_source = await self._count_from_spotify(user_id)
        return result

    async def _store_spotify_pages(self, account: LinkedAccount, state: dict, phase: str,
                                   pages: list[spotify.SavedPage], force_end: bool) -> None:
        last = pages[-1]
        counts: Counter[str] = Counter()
        items: list[IncomingAlbum] = []
        for page in pages:
            for album in page.albums:
                if phase == "saved_tracks":
                    counts[album.spotify_id] += album.saved_track_count
                    if counts[album.spotify_id] > album.saved_track_count:
                        continue  # the same album from an earlier page of this batch is already listed
                items.append(spotify_album(album))
        following = dict(state)
        if last.is_last or force_end:
            position = PHASES.index(phase) + 1
            finished = position == len(PHASES)
            following.update(phase="done" if finished else PHASES[position], offset=0, finished=finished)
        else:
            following.update(phase=phase, offset=last.next_offset)

        async def in_transaction(session: AsyncSession) -> None:
            await session.flush()
            if counts:
                await session.execute(_ADD_SAVED_TRACKS, [
                    {"b_user": account.user_id, "b_spotify": sid, "b_count": n} for sid, n in counts.items()])
            await self._save_state(session, account.id, following, finished=following["finished"])

        summary = await store_albums(self.sessions, account.user_id, items, in_transaction=in_transaction)
        following["added"] = state.get("added", 0) + summary.added_to_collection
        # ``added`` is a display count: it may lag one batch behind after a kill, which nobody can notice.
        state.clear()
        state.update(following)

    async def _save_state(self, session: AsyncSession, account_id: int, state: dict, *, finished: bool = False) -> None:
        # "running" until finished: a cursor still marked running when the bot starts was cut off by a
        # shutdown or crash, and is picked up again (``interrupted``).
        values: dict = {"import_state": {**state, "running": not finished}}
        if finished:
            values["last_import_at"] = utcnow()
        await session.execute(update(LinkedAccount).where(LinkedAccount.id == account_id).values(**values))

    async def _count_from_spotify(self, user_id: int) -> int:
        async with self.sessions() as session:
            return await session.scalar(select(func.count()).select_from(UserAlbum).where(
                UserAlbum.user_id == user_id,
                or_(UserAlbum.spotify_saved_album.is_(True), UserAlbum.spotify_saved_tracks > 0))) or 0

    # --- Last.fm ----------------------------------------------------------------------------------

    async def _lastfm(self, account: LinkedAccount, progress: Progress) -> ProviderImportResult:
        settings = self.settings
        client = lastfm.LastfmClient(self.http, settings.lastfm_api_base_url, settings.lastfm_api_key,
                                     settings.lastfm_api_secret, retry=self.lastfm_retry)
        resumed = not (account.import_state or {}).get("finished", True)

        async def on_page(step: lastfm.TopAlbumsProgress) -> None:
            await progress(f"Last.fm: read chart page {step.page} of {step.total_pages}, "
                           f"{step.albums:,} albums with at least {settings.lastfm_min_plays} plays so far…")

        albums = await client.top_albums(account.display_name, settings.lastfm_min_plays, on_page,
                                         session_key=open_lastfm(self.box, account.credentials))
        state = {"phase": "storing", "stored": 0, "total": len(albums), "added": 0, "finished": False,
                 "started_at": utcnow().isoformat()}
        for start in range(0, max(len(albums), 1), LASTFM_BATCH):
            chunk = albums[start:start + LASTFM_BATCH]
            following = {**state, "stored": start + len(chunk)}
            if start + LASTFM_BATCH >= len(albums):
                following.update(phase="done", finished=True)

            async def in_transaction(session: AsyncSession, following: dict = following) -> None:
                await self._save_state(session, account.id, following, finished=following["finished"])

            summary = await store_albums(self.sessions, account.user_id, [lastfm_album(a) for a in chunk],
                                         in_transaction=in_transaction)
            state = {**following, "added": state["added"] + summary.added_to_collection}
            if len(albums) > LASTFM_BATCH:
                await progress(f"Last.fm: saved {state['stored']:,} of {len(albums):,} albums…")
        async with self.sessions() as session:
            from_source = await session.scalar(select(func.count()).select_from(UserAlbum).where(
                UserAlbum.user_id == account.user_id, UserAlbum.lastfm_playcount.is_not(None))) or 0
        return ProviderImportResult("lastfm", account.display_name, {"chart albums": len(albums)},
                                    state["added"], from_source, resumed)
