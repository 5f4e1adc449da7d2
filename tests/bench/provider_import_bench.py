"""Benchmark: a whole Spotify import through the service, from the emulator into the database.

Run: ``python -m tests.bench.provider_import_bench [n_tracks] [latency_ms] [database_url]``.
10,000 saved tracks and 200 saved albums at 50 ms per request, written in batches (each with its saved
track sums and resume cursor in one transaction). Prints wall time, API calls and transactions for a
few batch sizes; the target is <= 5 s for 10,000 tracks. The emulator runs in its own process (see
``spotify_import_bench``); the database is a fresh SQLite file unless a URL is given.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import event, func, select, text

from bot.catalog.store import ensure_user
from bot.config import load_settings
from bot.db.models import LinkedAccount, UserAlbum
from bot.linking.credentials import seal_spotify
from bot.runtime import Runtime
from bot.sandbox.spotify import ALBUMS_PATH, TRACKS_PATH
from bot.services.provider_imports import ProviderImports
from tests.bench.spotify_import_bench import CLIENT_ID, _emulator_process, _link

USER_ID = 4242


async def _one_run(base_url: str, database_url: str, schema: str | None, pages_per_batch: int,
                   conn, latency_ms: float) -> tuple[float, float, int, int, int, int]:
    settings = load_settings(_env_file=None, discord_token="bench", database_url=database_url,
                             secret_key="bench-key", spotify_client_id=CLIENT_ID, spotify_client_secret="bench-secret",
                             spotify_api_base_url=base_url + "/v1", spotify_accounts_base_url=base_url + "/accounts")
    runtime = Runtime(settings, db_schema=schema)
    await runtime.open()
    try:
        async with httpx.AsyncClient() as http:
            tokens = await _link(http, base_url + "/accounts")
        async with runtime.sessions.begin() as session:
            await ensure_user(session, USER_ID, "bench")
            session.add(LinkedAccount(user_id=USER_ID, provider="spotify", external_id=f"bench-{uuid.uuid4().hex}",
                                      display_name="bench", credentials=seal_spotify(runtime.secrets, tokens)))
        imports = ProviderImports(settings, runtime.sessions, runtime.http, runtime.secrets,
                                  pages_per_batch=pages_per_batch)
        transactions = 0

        @event.listens_for(runtime.engine.sync_engine, "commit")
        def _count(_connection) -> None:  # noqa: ANN001
            nonlocal transactions
            transactions += 1

        conn.send(("latency", latency_ms / 1000))
        assert conn.recv() == "ok"
        started, cpu = time.perf_counter(), time.process_time()
        await imports.run(USER_ID, "spotify", _quiet)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        conn.send(("counts", None))
        counts = conn.recv()
        async with runtime.sessions() as session:
            stored = await session.scalar(select(func.count()).select_from(UserAlbum).where(UserAlbum.user_id == USER_ID))
        return wall, cpu, counts[TRACKS_PATH], counts[ALBUMS_PATH], transactions, stored
    finally:
        async with runtime.engine.begin() as connection:
            for table in ("user_albums", "linked_accounts", "oauth_states", "users", "albums"):
                await connection.execute(text(f"DELETE FROM {table}"))
        await runtime.close()


async def _quiet(_text: str, urgent: bool = False) -> None:
    return None


def main() -> None:
    n_tracks = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    latency = float(sys.argv[2]) if len(sys.argv) > 2 else 50.0
    database_url = sys.argv[3] if len(sys.argv) > 3 else None
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(target=_emulator_process, args=(child, n_tracks, 200),
                                                           daemon=True)
    process.start()
    try:
        base_url = parent.recv()
        with tempfile.TemporaryDirectory() as directory:
            url = database_url or f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
            print(f"Provider import bench: {n_tracks} saved tracks + 200 saved albums, {latency:g} ms latency, "
                  f"{url.split(':', 1)[0]}")
            for pages in (1, 10, 40):
                wall, cpu, tracks, albums, commits, stored = asyncio.run(
                    _one_run(base_url, url, None, pages, parent, latency))
                print(f"  {pages:>2} pages per batch: {wall:.2f} s wall ({cpu:.2f} s CPU), {tracks} + {albums} API calls, "
                      f"{commits} transactions, {stored} albums in the collection")
    finally:
        parent.send("stop")
        process.join(timeout=10)


if __name__ == "__main__":
    main()
