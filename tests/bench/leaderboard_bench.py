"""Server chart benchmark on PostgreSQL: one server of 10,000 members, 1,000,000 votes among 20,000 albums.

Measures what a person waits for (``/server rankings`` reads the cached chart: page 1 and a deep page)
and what the background refresher spends: the first build, bringing the chart up to date after 1,000
new votes, and an idle pass. Data goes in with COPY into a throw-away schema that is dropped at the end.

    python -m tests.bench.leaderboard_bench [--scale 0.1] [--no-write]

Writes its table into docs/performance.md between the leaderboard markers (full scale only, unless
--write-any-scale).
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import asyncpg
import numpy as np
from sqlalchemy import text

from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade_to_head
from bot.services.leaderboards import LeaderboardService, mark_dirty
from tests.support.databases import POSTGRES_URL

GUILD = 1
ALBUMS_PER_MEMBER = 60
BEGIN, END = "<!-- leaderboard:begin -->", "<!-- leaderboard:end -->"
DOC = Path(__file__).resolve().parents[2] / "docs" / "performance.md"


def generate(members: int, albums: int, votes: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    truth = rng.normal(size=albums + 1)
    popularity = 1.0 / np.arange(1, albums + 1) ** 0.7  # a long tail, like real collections
    popularity /= popularity.sum()
    owned = [np.unique(rng.choice(np.arange(1, albums + 1), ALBUMS_PER_MEMBER * 2, p=popularity))[:ALBUMS_PER_MEMBER]
             for _ in range(members)]
    per_member = votes // members
    vote_rows = []
    comparisons: dict[tuple[int, int], int] = {}
    for user in range(1, members + 1):
        mine = owned[user - 1]
        pairs = rng.integers(0, mine.size, size=(per_member, 2))
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        for i, j in pairs:
            a, b = int(mine[i]), int(mine[j])
            win = truth[a] - truth[b] + rng.logistic() * 0.5 > 0
            vote_rows.append((user, a, b, "A" if win else "B"))
            comparisons[(user, a)] = comparisons.get((user, a), 0) + 1
            comparisons[(user, b)] = comparisons.get((user, b), 0) + 1
    return truth, owned, vote_rows, comparisons


_FILLERS = {"json": "[]", "jsonb": "[]", "boolean": False, "integer": 0, "bigint": 0, "double precision": 0.0,
            "character varying": "", "text": ""}


async def _copy(apg: asyncpg.Connection, table: str, *, schema_name: str, columns: list[str], records: list[tuple]):
    """COPY, filling any other NOT NULL column without a default (the schema grows under other features)."""
    required = await apg.fetch("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 "
                               "AND table_name = $2 AND is_nullable = 'NO' AND column_default IS NULL", schema_name, table)
    extra = [(r["column_name"], _FILLERS[r["data_type"]]) for r in required if r["column_name"] not in columns]
    if extra:
        columns = columns + [name for name, _ in extra]
        tail = tuple(value for _, value in extra)
        records = [record + tail for record in records]
    await apg.copy_records_to_table(table, schema_name=schema_name, columns=columns, records=records)


async def load(apg: asyncpg.Connection, schema: str, members: int, albums: int, owned, vote_rows, comparisons, truth):
    now = datetime.now(timezone.utc)
    rng = np.random.default_rng(11)

    async def copy(table, **kwargs):
        await _copy(apg, table, **kwargs)
    await copy("users", schema_name=schema, columns=["id", "name", "privacy", "ranking_version", "created_at"],
               records=[(u, f"member{u}", "server", 1, now) for u in range(1, members + 1)])
    await copy("guilds", schema_name=schema, columns=["id", "name", "joined_at"], records=[(GUILD, "Bench", now)])
    await copy("guild_members", schema_name=schema, columns=["guild_id", "user_id", "first_seen_at"],
               records=[(GUILD, u, now) for u in range(1, members + 1)])
    await copy("albums", schema_name=schema, columns=["id", "title", "artists", "identity_key", "created_at"],
               records=[(a, f"Album {a}", f'["Artist {a}"]', f"album {a}", now) for a in range(1, albums + 1)])
    ua, beliefs = [], []
    for user in range(1, members + 1):
        for album in owned[user - 1]:
            album = int(album)
            ua.append((user, album, '["aoty"]', False, 0, False, now))
            n = comparisons.get((user, album), 0)
            beliefs.append((user, album, float(truth[album] + rng.normal() * 0.3), 1.0 / (1.0 + n), n))
    await copy("user_albums", schema_name=schema, records=ua, columns=[
        "user_id", "album_id", "sources", "spotify_saved_album", "spotify_saved_tracks", "excluded", "added_at"])
    await copy("beliefs", schema_name=schema, records=beliefs,
               columns=["user_id", "album_id", "mu", "sigma2", "comparisons"])
    await copy("votes", schema_name=schema, columns=["user_id", "album_a", "album_b", "outcome", "created_at", "void"],
               records=[(u, a, b, o, now, False) for u, a, b, o in vote_rows])
    await apg.execute(f'ANALYZE "{schema}".votes; ANALYZE "{schema}".beliefs; ANALYZE "{schema}".user_albums; '
                      f'ANALYZE "{schema}".guild_members; ANALYZE "{schema}".users')


async def new_votes(apg: asyncpg.Connection, schema: str, members: int, owned, count: int) -> int:
    """What 1,000 clicks leave behind: vote rows, moved beliefs, bumped ranking versions."""
    rng = np.random.default_rng(99)
    now = datetime.now(timezone.utc)
    users = rng.integers(1, members + 1, size=count)
    rows, moved = [], []
    for user in users:
        mine = owned[user - 1]
        a, b = rng.choice(mine, 2, replace=False)
        rows.append((int(user), int(a), int(b), "A", now, False))
        moved += [(int(user), int(a), 0.2), (int(user), int(b), -0.2)]
    async with apg.transaction():
        await _copy(apg, "votes", schema_name=schema, records=rows,
                                        columns=["user_id", "album_a", "album_b", "outcome", "created_at", "void"])
        await apg.executemany(f'UPDATE "{schema}".beliefs SET mu = mu + $3, comparisons = comparisons + 1 '
                              'WHERE user_id = $1 AND album_id = $2', moved)
        await apg.execute(f'UPDATE "{schema}".users SET ranking_version = ranking_version + 1 WHERE id = ANY($1::bigint[])',
                          sorted({int(u) for u in users}))
    return len({int(u) for u in users})


async def timed(coro_factory, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        await coro_factory()
        times.append((time.perf_counter() - start) * 1000)
    return times


async def run(scale: float) -> dict:
    members, albums, votes = int(10_000 * scale), int(20_000 * scale), int(1_000_000 * scale)
    schema = f"bench_lb_{uuid.uuid4().hex[:10]}"
    dsn = POSTGRES_URL.replace("+asyncpg", "")
    admin = await asyncpg.connect(dsn)
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    engine = create_engine(POSTGRES_URL, schema=schema)
    results: dict = {"members": members, "albums": albums}
    try:
        await upgrade_to_head(engine)
        sessions = create_session_factory(engine)
        t0 = time.perf_counter()
        truth, owned, vote_rows, comparisons = generate(members, albums, votes)
        results["votes"] = len(vote_rows)
        apg = await asyncpg.connect(dsn)
        try:
            await load(apg, schema, members, albums, owned, vote_rows, comparisons, truth)
            results["load_s"] = time.perf_counter() - t0
            service = LeaderboardService(sessions, min_raters=3, refresh_seconds=60)
            async with sessions.begin() as session:
                await mark_dirty(session, [GUILD])
            start = time.perf_counter()
            first = await service.refresh_once()
            results["first_build_s"] = time.perf_counter() - start
            results["first_members"] = first.members
            page = await service.chart(GUILD, 1)
            results["listed"] = page.total
            results["page1_ms"] = await timed(lambda: service.chart(GUILD, 1), 30)
            deep = max(1, page.pages // 2)
            results["deep_page"] = deep
            results["deep_ms"] = await timed(lambda: service.chart(GUILD, deep), 30)
            results["changed_members"] = await new_votes(apg, schema, members, owned, 1000)
            start = time.perf_counter()
            report = await service.refresh_once()
            results["after_1000_s"] = time.perf_counter() - start
            assert report.members == results["changed_members"] and report.guilds == [GUILD]
            start = time.perf_counter()
            await service.refresh_once()
            results["idle_ms"] = (time.perf_counter() - start) * 1000
        finally:
            await apg.close()
    finally:
        await engine.dispose()
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()
    return results


def report(r: dict, scale: float) -> str:
    p1, deep = r["page1_ms"], r["deep_ms"]
    q = lambda xs, f: sorted(xs)[min(len(xs) - 1, int(f * len(xs)))]  # noqa: E731
    return "\n".join([
        f"Server chart, PostgreSQL, scale {scale:g}: {r['members']:,} members, {r['votes']:,} votes among "
        f"{r['albums']:,} albums ({ALBUMS_PER_MEMBER} albums each, long-tailed popularity); "
        f"{r['listed']:,} albums have at least 3 raters. {platform.processor() or platform.machine()}, "
        f"{__import__('os').cpu_count()} cores.",
        "",
        "| what | time |",
        "|---|---|",
        f"| `/server rankings` page 1 (service call, median / p95 of 30) | {statistics.median(p1):.1f} ms / {q(p1, .95):.1f} ms |",
        f"| `/server rankings` page {r['deep_page']} | {statistics.median(deep):.1f} ms / {q(deep, .95):.1f} ms |",
        f"| bring the chart up to date after 1,000 new votes ({r['changed_members']} members changed) | {r['after_1000_s']:.2f} s |",
        f"| first build (every member's ratings, then the chart) | {r['first_build_s']:.2f} s |",
        f"| refresher pass with nothing to do | {r['idle_ms']:.1f} ms |",
        f"| generating and COPYing the data (not part of the bot) | {r['load_s']:.1f} s |",
    ])


def write_doc(table: str) -> None:
    block = f"{BEGIN}\n## Server charts (`tests/bench/leaderboard_bench.py`)\n\n{table}\n{END}"
    current = DOC.read_text() if DOC.exists() else "# Performance\n"
    if BEGIN in current and END in current:
        head, rest = current.split(BEGIN, 1)
        current = head + block + rest.split(END, 1)[1]
    else:
        current = current.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(current)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size (default 1)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md alone")
    parser.add_argument("--write-any-scale", action="store_true", help="write the doc even below full scale")
    args = parser.parse_args()
    table = report(asyncio.run(run(args.scale)), args.scale)
    print(table)
    if not args.no_write and (args.scale >= 1 or args.write_any_scale):
        write_doc(table)
        print(f"\nwritten to {DOC}")


if __name__ == "__main__":
    main()
