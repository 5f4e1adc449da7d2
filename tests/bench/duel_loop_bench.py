"""The duel loop under load, end to end: simulated people clicking through duels in the emulator.

    python -m tests.bench.duel_loop_bench [--users 10,50] [--clicks 10] [--think 2] [--albums 200] [--backend sqlite|postgresql|both]

Each person gets their own albums (with covers on the emulated CDN, already resolved, as in steady
state), opens /duel and clicks A or B, pausing a think time between seeing a duel and clicking (people
look at two covers before choosing; ``--think 0`` clicks as fast as replies come back, a saturation
test); all people click at once. Reports p50/p99 from a click to the
updated message (image included) and votes per second, then checks that the vote log holds exactly one
vote per click (nothing lost, nothing doubled). Then /rankings and /stats server time for one person
with 5,000 albums and 50,000 votes. Results go to docs/performance.md between duel-loop markers.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, insert, select, update

from bot.catalog.incoming import IncomingAlbum
from bot.catalog.store import store_albums
from bot.db.models import Album, UserAlbum, Vote
from bot.db.types import utcnow
from bot.sandbox.cdn import CoverCdn
from bot.sandbox.discord import DiscordEmulator
from tests.support.databases import (
    create_postgres_schema, drop_postgres_schema, postgres_available, sqlite_database,
)
from tests.support.harness import BotHarness
from tests.support.perfdoc import replace_section


@dataclass
class LoopResult:
    backend: str
    users: int
    clicks: int
    think: float
    p50_ms: float
    p99_ms: float
    votes_per_s: float
    votes_expected: int
    votes_stored: int


@dataclass
class ReadResult:
    backend: str
    albums: int
    votes: int
    rebuild_ms: float
    rankings_cold_ms: float
    rankings_ms: float
    stats_ms: float


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def run_loop(backend: str, users: int, clicks: int, albums: int, think: float = 2.0,
                   image_workers: int = 1) -> LoopResult:
    database, cleanup = await _database(backend)
    emu = DiscordEmulator(token="bench-token")
    await emu.start()
    cdn = CoverCdn(size=300)
    await cdn.start()
    try:
        guild = emu.add_guild("Bench")
        emu.add_text_channel(guild, "general")
        people = [emu.add_user(f"user{i}") for i in range(users)]
        for person in people:
            emu.add_member(guild, person)
        harness = BotHarness(emu, database, Path(tempfile.mkdtemp()), image_workers=image_workers)
        await harness.start()
        for n, person in enumerate(people):
            await store_albums(harness.runtime.sessions, person.id, [
                IncomingAlbum(f"Album {n}-{i}", [f"Artist {n}-{i % 40}"], "aoty", year=2000 + i % 20,
                              cover_url=cdn.url(f"/u{n}/{i}.jpg"), aoty_score=float(i % 100)) for i in range(albums)],
                user_name=person.name)
        async with harness.runtime.sessions.begin() as session:  # covers resolved before, as in steady state
            await session.execute(update(Album).values(cover_checked_at=utcnow()))
        messages = {}
        for person in people:
            messages[person.id] = await (await emu.slash(person, "duel", guild=guild)).done()
        latencies: list[float] = []

        async def clicker(person) -> None:
            rng = random.Random(person.id)
            message = messages[person.id]
            for _ in range(clicks):
                if think:
                    await asyncio.sleep(think * rng.uniform(0.5, 1.5))  # the person looking, not a sync point
                label = rng.choice(("A", "B"))
                button = next(b for b in emu.message(message.id).buttons if b["label"] == label)
                started = time.perf_counter()
                run = await emu.click(person, message, button["custom_id"])
                await run.done(timeout=60)
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(clicker(p) for p in people))
        elapsed = time.perf_counter() - started
        async with harness.runtime.sessions() as session:
            stored = await session.scalar(select(func.count()).select_from(Vote))
        await harness.stop()
        return LoopResult(backend, users, clicks, think, statistics.median(latencies), percentile(latencies, 0.99),
                          users * clicks / elapsed, users * clicks, stored)
    finally:
        await cdn.stop()
        await emu.stop()
        await cleanup()


async def run_reads(backend: str, n_albums: int = 5000, n_votes: int = 50_000) -> ReadResult:
    """Server time of /rankings and /stats for one person with a big collection (services directly)."""
    database, cleanup = await _database(backend)
    from bot.config import load_settings
    from bot.runtime import Runtime
    from bot.services.registry import Services

    settings = load_settings(_env_file=None, discord_token="unused", database_url=database.url, secret_key="bench")
    runtime = Runtime(settings, db_schema=database.schema)
    await runtime.open()
    services = Services.build(runtime)
    try:
        user = 4242
        for start in range(0, n_albums, 1000):
            await store_albums(runtime.sessions, user, [
                IncomingAlbum(f"Big {i}", [f"Band {i}"], "lastfm", lastfm_playcount=10_000 - i)
                for i in range(start, min(n_albums, start + 1000))], user_name="big")
        async with runtime.sessions() as session:
            ids = list(await session.scalars(select(UserAlbum.album_id).where(UserAlbum.user_id == user)))
        rng = random.Random(1)
        truth = {a: rng.gauss(0, 1) for a in ids}
        rows = []
        for _ in range(n_votes):
            a, b = rng.sample(ids, 2)
            rows.append({"user_id": user, "album_a": a, "album_b": b, "outcome": "A" if truth[a] > truth[b] else "B"})
        async with runtime.sessions.begin() as session:
            for start in range(0, len(rows), 5000):
                await session.execute(insert(Vote), rows[start:start + 5000])
        timings = {}
        started = time.perf_counter()
        await services.collection.rankings(user, user, None, 1)
        timings["rebuild"] = (time.perf_counter() - started) * 1000
        await services.rankers.idle()  # the rebuilt beliefs are written back in the background
        services.rankers.forget(user)  # as after a restart: beliefs in the database, nothing cached
        for name, call in (("cold", lambda: services.collection.rankings(user, user, None, 1)),
                           ("rankings", lambda: services.collection.rankings(user, user, None, 3)),
                           ("stats", lambda: services.collection.stats(user, user, None))):
            runs = []
            for _ in range(1 if name == "cold" else 5):
                started = time.perf_counter()
                await call()
                runs.append((time.perf_counter() - started) * 1000)
            timings[name] = statistics.median(runs)
        return ReadResult(backend, n_albums, n_votes, timings["rebuild"], timings["cold"], timings["rankings"],
                          timings["stats"])
    finally:
        await services.close()
        await runtime.close()
        await cleanup()


async def _database(backend: str):
    if backend == "sqlite":
        return sqlite_database(Path(tempfile.mkdtemp())), _nothing
    if not await postgres_available():
        raise SystemExit("PostgreSQL does not answer on 127.0.0.1:5432")
    database = await create_postgres_schema()
    return database, lambda: drop_postgres_schema(database)


async def _nothing() -> None:
    return None


def render(loops: list[LoopResult], reads: list[ReadResult], command: str) -> str:
    lines = [f"Written by `{command}` on a 2-core machine; the emulator, the bot and the database share it.", "",
             "| backend | people clicking at once | clicks each | think time | p50 click → updated message | p99 | votes/s | votes stored / expected |",
             "|---|---|---|---|---|---|---|---|"]
    for r in loops:
        lines.append(f"| {r.backend} | {r.users} | {r.clicks} | {r.think:g} s | {r.p50_ms:.0f} ms | {r.p99_ms:.0f} ms | "
                     f"{r.votes_per_s:.0f} | {r.votes_stored} / {r.votes_expected} |")
    if reads:
        lines += ["", "| backend | albums | votes | rebuild from the vote log alone | first /rankings after a restart | /rankings | /stats |",
                  "|---|---|---|---|---|---|---|"]
        for r in reads:
            lines.append(f"| {r.backend} | {r.albums:,} | {r.votes:,} | {r.rebuild_ms:.0f} ms | {r.rankings_cold_ms:.0f} ms | "
                         f"{r.rankings_ms:.1f} ms | {r.stats_ms:.1f} ms |")
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", default="10,50", help="comma-separated numbers of people clicking at once")
    parser.add_argument("--clicks", type=int, default=10)
    parser.add_argument("--albums", type=int, default=200)
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds a person looks before clicking")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    loops = [await run_loop(b, int(n), args.clicks, args.albums, args.think)
             for b in backends for n in args.users.split(",")]
    reads = [await run_reads(b) for b in backends]
    table = render(loops, reads, "python -m tests.bench.duel_loop_bench")
    print(table)
    if not args.no_write:
        replace_section("duel-loop", "## Duel loop", table)


if __name__ == "__main__":
    asyncio.run(main())
