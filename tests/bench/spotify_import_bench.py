"""Benchmark: read 10,000 saved tracks (and 200 saved albums) from the emulator at 50 ms per request.

Run: ``python -m tests.bench.spotify_import_bench [n_tracks] [latency_ms] [concurrency]``.
Prints wall time and API calls for the saved-tracks walk; the target is <= 5 s for 10,000 tracks.
The emulator runs in its own process, as Spotify runs on its own machines: its JSON encoding must not
steal the client's event loop. Only the network half of the import is measured here (the database
writes are the importer's).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

import httpx

from bot.sandbox.spotify import ALBUMS_PATH, TRACKS_PATH, SpotifyEmulator
from bot.sources.spotify import (
    InMemoryTokenStore,
    SpotifyLibraryClient,
    SpotifyTokenProvider,
    SpotifyTokens,
    authorize_url,
    exchange_code,
    make_pkce_pair,
)

CLIENT_ID = "bench-client"
REDIRECT_URI = "http://127.0.0.1:1/oauth/spotify/callback"  # never fetched: the redirect is read


@dataclass(frozen=True)
class BenchResult:
    n_tracks: int
    latency_ms: float
    concurrency: int
    tracks_seconds: float
    tracks_calls: int
    albums_kept: int
    saved_albums_seconds: float
    saved_albums_calls: int


async def _serve(conn: Connection, n_tracks: int, n_albums: int) -> None:
    async with SpotifyEmulator() as emu:
        emu.register_app(CLIENT_ID, "bench-secret", [REDIRECT_URI])
        emu.generate_library("bench-user", n_tracks=n_tracks, n_albums=n_albums, seed=42)
        emu.login_as("bench-user")
        conn.send(emu.base_url)
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command == "stop":
                break
            kind, value = command
            if kind == "latency":
                emu.latency = value
                emu.reset_counts()
                conn.send("ok")
            elif kind == "counts":
                conn.send({TRACKS_PATH: emu.request_count(TRACKS_PATH), ALBUMS_PATH: emu.request_count(ALBUMS_PATH)})


def _emulator_process(conn: Connection, n_tracks: int, n_albums: int) -> None:
    asyncio.run(_serve(conn, n_tracks, n_albums))


async def _link(http: httpx.AsyncClient, accounts_base_url: str) -> SpotifyTokens:
    verifier, challenge = make_pkce_pair()
    response = await http.get(authorize_url(CLIENT_ID, REDIRECT_URI, "s", challenge,
                                            accounts_base_url=accounts_base_url))
    code = httpx.URL(response.headers["Location"]).params["code"]
    return await exchange_code(http, client_id=CLIENT_ID, code=code, redirect_uri=REDIRECT_URI,
                               code_verifier=verifier, accounts_base_url=accounts_base_url)


async def _measure(conn: Connection, base_url: str, n_tracks: int, n_albums: int, latency_ms: float,
                   concurrency: int) -> BenchResult:
    async with httpx.AsyncClient() as http:
        tokens = await _link(http, base_url + "/accounts")
        provider = SpotifyTokenProvider(http, InMemoryTokenStore(tokens), client_id=CLIENT_ID,
                                        accounts_base_url=base_url + "/accounts")
        client = SpotifyLibraryClient(http, base_url + "/v1", provider, concurrency=concurrency)
        conn.send(("latency", latency_ms / 1000))
        assert conn.recv() == "ok"  # before the clock starts, so no request slips in at zero latency

        started = time.perf_counter()
        kept: set[str] = set()
        seen = 0
        async for page in client.saved_tracks_albums():
            seen += page.items_seen
            kept.update(a.spotify_id for a in page.albums)
        tracks_seconds = time.perf_counter() - started
        assert seen == n_tracks, (seen, n_tracks)

        started = time.perf_counter()
        saved = [a async for page in client.saved_albums() for a in page.albums]
        albums_seconds = time.perf_counter() - started
        assert len(saved) == n_albums
        conn.send(("counts", None))
        counts = conn.recv()
        return BenchResult(n_tracks, latency_ms, concurrency, tracks_seconds, counts[TRACKS_PATH],
                           len(kept), albums_seconds, counts[ALBUMS_PATH])


def run(n_tracks: int = 10_000, latency_ms: float = 50.0, concurrency: int = 8,
        n_albums: int = 200) -> BenchResult:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_emulator_process, args=(child, n_tracks, n_albums), daemon=True)
    process.start()
    try:
        base_url = parent.recv()
        return asyncio.run(_measure(parent, base_url, n_tracks, n_albums, latency_ms, concurrency))
    finally:
        parent.send("stop")
        process.join(timeout=10)


def main() -> None:
    args = [float(a) for a in sys.argv[1:]]
    n_tracks = int(args[0]) if args else 10_000
    latency = args[1] if len(args) > 1 else 50.0
    concurrencies = [int(args[2])] if len(args) > 2 else [1, 4, 8]
    print(f"Spotify import bench: {n_tracks} saved tracks, {latency:g} ms latency per request")
    for concurrency in concurrencies:
        r = run(n_tracks, latency, concurrency)
        print(f"  concurrency {r.concurrency}: saved tracks {r.tracks_seconds:.2f} s, {r.tracks_calls} API calls, "
              f"{r.albums_kept} albums kept; saved albums {r.saved_albums_seconds:.2f} s, "
              f"{r.saved_albums_calls} calls")


if __name__ == "__main__":
    main()
