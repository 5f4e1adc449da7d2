"""The duel loop under load, end to end: simulated people clicking through duels in the emulator.

    python -m tests.bench.duel_loop_bench [--users 10,50] [--clicks 10] [--think 2] [--albums 200]
        [--backend sqlite|postgresql|both] [--covers photo|flat] [--image-workers N] [--profile DIR] [--no-write]

The bot runs as deployed: ``python -m bot`` in a process of its own, configured by environment variables
that point it at the Discord emulator (as ``tests/e2e/test_foundation.py`` does). The emulator, the cover
CDN and the simulated people share this process; in production Discord is not on our machine at all, so
their CPU is reported apart from the bot's.

Each person gets their own albums (with covers on the emulated CDN, already resolved, as in steady
state; seeded before the bot starts; 640 px photo-like JPEGs, each path's bytes its own, so every
cover costs what a real one does to download, decode and dither; ``--covers flat`` serves cheap
one-colour 300 px covers as earlier tables did), opens /duel and clicks A or B, pausing a think time between seeing
a duel and clicking (people look at two covers before choosing; ``--think 0`` clicks as fast as replies
come back, a saturation test); all people click at once. Reports p50/p99 from a click to the updated
message (image included), votes per second and the bot's CPU per click (its process and its children,
the image worker included, from /proc: unlike latency this holds up on a loaded machine), then counts
the votes in the database: exactly one per click (nothing lost, nothing doubled). ``--profile DIR``
records the bot with py-spy (if installed) during the clicking, one collapsed-stack file per run.
Then /rankings and /stats server time for one person with 5,000 albums and 50,000 votes. Results go to
docs/performance.md between duel-loop markers.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import make_url

from bot.catalog.incoming import IncomingAlbum
from bot.catalog.store import store_albums
from bot.db.models import Album, UserAlbum, Vote
from bot.db.types import utcnow
from bot.images.duel_image import prepare_tile
from bot.images.tiles import TileStore
from bot.sandbox.cdn import CoverCdn
from bot.sandbox.discord import DiscordEmulator
from tests.support.databases import (
    POSTGRES_URL, create_postgres_schema, drop_postgres_schema, postgres_available, sqlite_database,
)
from tests.support.perfdoc import replace_section

ROOT = Path(__file__).resolve().parents[2]
BENCH_SECRET_KEY = "bench-secret-key"  # PostgreSQL requires one; the bench database is thrown away


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
    bot_cpu_ms_per_click: float = 0.0      # the bot process and its children (image worker)
    harness_cpu_ms_per_click: float = 0.0  # this process: emulator, CDN, simulated people
    load_average: float = 0.0              # 1-minute load when the clicking ended
    database_cpu_ms_per_click: float = 0.0  # PostgreSQL's server processes (SQLite runs inside the bot)
    covers: str = "tiles ready"             # or "first sight": no cover tile prepared ahead
    samples: list[tuple[float, float]] = field(default_factory=list, repr=False)  # (s into the run, ms)


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


_TICK = os.sysconf("SC_CLK_TCK")


def _proc_stats() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds so far) for every process we can read."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "stat").read_text()
        except OSError:  # exited meanwhile
            continue
        fields = raw[raw.rindex(")") + 2:].split()  # after "(comm)", which may hold spaces
        found[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK)
    return found


def postgres_cpu() -> float:
    """CPU seconds of every PostgreSQL server process on this machine (the bench is its only client)."""
    total = 0.0
    for pid, (_ppid, cpu) in _proc_stats().items():
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "postgres":
                total += cpu
        except OSError:
            continue
    return total


def process_tree_cpu(root: int) -> float:
    """CPU seconds used by ``root`` and its live descendants (the image worker is a child of the bot)."""
    stats = _proc_stats()
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _cpu) in stats.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(stats[pid][1] for pid in tree if pid in stats)


class BotProcess:
    """``python -m bot`` as deployed, pointed at the emulator by environment variables alone."""

    def __init__(self, emu: DiscordEmulator, database_url: str, workdir: Path, **settings: str) -> None:
        self.emu = emu
        self.workdir = workdir
        self.log_path = workdir / "bot.log"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(_SETTING_PREFIXES)}
        self.env.update(DISCORD_TOKEN=emu.token, DISCORD_API_BASE_URL=emu.api_base, DATABASE_URL=database_url,
                        WEB_PORT="0", LOG_LEVEL="INFO", PYTHONPATH=str(ROOT))
        self.env.update({k.upper(): v for k, v in settings.items()})
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log_path.open("wb") as log:  # a file, not a pipe: nobody has to drain it
            # cwd is a fresh directory, so no .env of the developer's leaks in.
            self.process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=self.workdir,
                                                                env=self.env, stdout=log, stderr=log,
                                                                preexec_fn=_default_sigint)
        waiting = asyncio.ensure_future(asyncio.gather(self.emu.wait_for_ready(timeout=60),
                                                       self.emu.wait_for_commands(timeout=60)))
        exited = asyncio.ensure_future(self.process.wait())
        await asyncio.wait({waiting, exited}, return_when=asyncio.FIRST_COMPLETED)
        if exited.done():
            waiting.cancel()
            raise RuntimeError(f"python -m bot exited with {self.process.returncode}:\n{self.log_tail()}")
        exited.cancel()
        await waiting

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def cpu_seconds(self) -> float:
        return process_tree_cpu(self.pid)

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGINT)  # what Ctrl-C does: the bot closes cleanly
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except asyncio.TimeoutError:
            self.process.kill()
            await self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def errors_logged(self) -> list[str]:
        return [line for line in self.log_path.read_text(errors="replace").splitlines()
                if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback")]


def _default_sigint() -> None:
    # A shell starts background jobs with SIGINT ignored, and children inherit that; stop() relies on it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


_SETTING_PREFIXES = ("DISCORD_", "DATABASE_", "SECRET_", "DEV_GUILD", "PUBLIC_BASE", "WEB_", "LOG_LEVEL",
                     "SPOTIFY_", "LASTFM_", "IMAGE_WORKERS", "AOTY_", "SERVER_", "COVER_")


async def seed(database_url: str, people, albums: int, cdn: CoverCdn, tile_dir: Path | None = None) -> None:
    """Everyone's albums, stored (and the schema migrated) before the bot starts; with ``tile_dir``,
    each cover's duel tile too, as the artwork resolver leaves them after an import."""
    from bot.config import load_settings
    from bot.runtime import Runtime

    settings = load_settings(_env_file=None, discord_token="unused", database_url=database_url,
                             secret_key=BENCH_SECRET_KEY)
    runtime = Runtime(settings)
    await runtime.open()
    try:
        for n, person in enumerate(people):
            await store_albums(runtime.sessions, person.id, [
                IncomingAlbum(f"Album {n}-{i}", [f"Artist {n}-{i % 40}"], "aoty", year=2000 + i % 20,
                              cover_url=cdn.url(f"/u{n}/{i}.jpg"), aoty_score=float(i % 100)) for i in range(albums)],
                user_name=person.name)
        async with runtime.sessions.begin() as session:  # covers resolved before, as in steady state
            await session.execute(update(Album).values(cover_checked_at=utcnow()))
    finally:
        await runtime.close()
    if tile_dir is not None:
        await asyncio.to_thread(seed_tiles, cdn, [f"/u{n}/{i}.jpg" for n in range(len(people)) for i in range(albums)],
                                tile_dir)


def seed_tiles(cdn: CoverCdn, paths: list[str], tile_dir: Path) -> None:
    """The tiles the bot's artwork resolver would have prepared, one file per album. The CDN serves only
    a few dozen different pictures (in different bytes), so each picture is prepared once and its tile
    written under every album that shows it: seconds instead of a minute for 10,000 albums."""
    store = TileStore(tile_dir, 1)
    made: dict[str, bytes] = {}
    scratch = tile_dir / "scratch.tile"
    for path in paths:
        picture = cdn.picture(path)
        if picture not in made:
            prepare_tile(cdn.body(path), str(scratch))
            made[picture] = scratch.read_bytes()
            scratch.unlink()
        target = Path(store.path_for(cdn.url(path)))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(made[picture])


async def count_votes(database_url: str) -> int:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(select(func.count()).select_from(Vote))
    finally:
        await engine.dispose()


async def run_loop(backend: str, users: int, clicks: int, albums: int, think: float = 2.0,
                   image_workers: int | None = None, profile: Path | None = None,
                   bot_settings: dict[str, str] | None = None, covers: str = "photo",
                   tiles: bool = True) -> LoopResult:
    """``image_workers`` None keeps the deployed default (IMAGE_WORKERS unset); ``bot_settings`` adds
    environment settings for the bot (e.g. {"server_refresh_seconds": "60"}) for experiments; ``tiles``
    False leaves no cover tile prepared, so every cover is a first sight for the click that shows it."""
    workdir = Path(tempfile.mkdtemp(prefix="duel-bench-"))
    database_url, cleanup = await _bot_database(backend, workdir)
    emu = DiscordEmulator(token="bench-token")
    await emu.start()
    cdn = CoverCdn(size=300, style=covers)
    await cdn.start()
    tile_dir = workdir / "cover-tiles"
    # Room for every album's tile: trimming mid-run would turn prepared covers back into first sights.
    settings = {"secret_key": BENCH_SECRET_KEY, "cover_tile_dir": str(tile_dir), "cover_tile_mb": "100000"}
    if image_workers is not None:
        settings["image_workers"] = str(image_workers)
    settings.update(bot_settings or {})
    bot = BotProcess(emu, database_url, workdir, **settings)
    try:
        guild = emu.add_guild("Bench")
        emu.add_text_channel(guild, "general")
        people = [emu.add_user(f"user{i}") for i in range(users)]
        for person in people:
            emu.add_member(guild, person)
        await seed(database_url, people, albums, cdn, tile_dir if tiles else None)
        await bot.start()
        messages = {}
        for person in people:
            messages[person.id] = await (await emu.slash(person, "duel", guild=guild)).done(timeout=60)
        latencies: list[float] = []
        samples: list[tuple[float, float]] = []

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
                samples.append((started - began, latencies[-1]))

        spy = await _start_profiler(bot.pid, profile, f"{backend}-{users}") if profile else None
        # The emulator is our measuring instrument: a full collection of this process's objects stopped
        # it, and so every click in flight, for 100+ ms. Discord has no such pause to measure.
        gc.collect()
        gc.freeze()
        bot_cpu, harness_cpu, database_cpu = bot.cpu_seconds(), time.process_time(), postgres_cpu()
        began = time.perf_counter()
        try:
            await asyncio.gather(*(clicker(p) for p in people))
        finally:
            gc.unfreeze()
        elapsed = time.perf_counter() - began
        bot_cpu, harness_cpu = bot.cpu_seconds() - bot_cpu, time.process_time() - harness_cpu
        database_cpu = postgres_cpu() - database_cpu if backend == "postgresql" else 0.0
        load = os.getloadavg()[0]
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
            await spy.wait()
        await bot.stop()
        errors = bot.errors_logged()
        if errors:
            raise RuntimeError("the bot logged errors during the run:\n" + "\n".join(errors[:20]))
        stored = await count_votes(database_url)
        total = users * clicks
        return LoopResult(backend, users, clicks, think, statistics.median(latencies), percentile(latencies, 0.99),
                          total / elapsed, total, stored, bot_cpu * 1000 / total, harness_cpu * 1000 / total, load,
                          database_cpu * 1000 / total, "tiles ready" if tiles else "first sight", sorted(samples))
    finally:
        await bot.stop()
        await cdn.stop()
        await emu.stop()
        await cleanup()
        shutil.rmtree(workdir, ignore_errors=True)


async def _start_profiler(pid: int, directory: Path, name: str) -> asyncio.subprocess.Process | None:
    py_spy = shutil.which("py-spy")
    if py_spy is None:
        print("py-spy is not installed (pip install py-spy); running without a profile", file=sys.stderr)
        return None
    directory.mkdir(parents=True, exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        py_spy, "record", "--pid", str(pid), "--subprocesses", "--format", "raw", "--rate", "250",
        "--output", str(directory / f"{name}.txt"), "--nonblocking",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, preexec_fn=_default_sigint)
    return process


async def _bot_database(backend: str, workdir: Path):
    """A database URL the bot process can be given: a SQLite file, or a fresh PostgreSQL database (the
    bot has no setting for a schema, and needs none in production)."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{workdir / 'albumduel.db'}", _nothing
    if not await postgres_available():
        raise SystemExit("PostgreSQL does not answer on 127.0.0.1:5432")
    import asyncpg

    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = POSTGRES_URL.replace("+asyncpg", "")
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()

    async def drop() -> None:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False), drop


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
    lines = [f"Written by `{command}` on a 2-core machine. The bot runs as its own process (`python -m bot`, "
             "one image worker); the emulator, the cover CDN and the simulated people share a second process, "
             "and PostgreSQL a third, all on the same 2 cores. *Bot CPU* is the bot process and its image "
             "worker; *emulator CPU* is the second process, which in production would be Discord's. Covers are "
             "640 px photo-like JPEGs, a different one for every album. *Tiles ready*: each cover's duel tile was "
             "prepared when its album was imported, as the artwork resolver does; *first sight*: none was, so "
             "the click downloads, decodes and dithers both covers.", "",
             "| backend | covers | people clicking at once | clicks each | think time | p50 click → updated message | p99 | "
             "votes/s | votes stored / expected | bot CPU per click | PostgreSQL CPU per click | emulator CPU per click | "
             "load average |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in loops:
        lines.append(f"| {r.backend} | {r.covers} | {r.users} | {r.clicks} | {r.think:g} s | {r.p50_ms:.0f} ms | {r.p99_ms:.0f} ms | "
                     f"{r.votes_per_s:.0f} | {r.votes_stored} / {r.votes_expected} | {r.bot_cpu_ms_per_click:.1f} ms | "
                     f"{f'{r.database_cpu_ms_per_click:.1f} ms' if r.backend == 'postgresql' else '-'} | "
                     f"{r.harness_cpu_ms_per_click:.1f} ms | {r.load_average:.1f} |")
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
    parser.add_argument("--covers", choices=("photo", "flat"), default="photo",
                        help="640 px photo-like covers (default) or one-colour 300 px ones")
    parser.add_argument("--cold-covers", action="store_true",
                        help="no cover tiles prepared ahead: every cover is downloaded, decoded and dithered by "
                             "the click that first shows it (the worst case)")
    parser.add_argument("--image-workers", type=int, default=None, help="IMAGE_WORKERS for the bot (default: unset)")
    parser.add_argument("--profile", type=Path, default=None, help="record the bot with py-spy into this directory")
    parser.add_argument("--no-reads", action="store_true", help="skip the /rankings and /stats measurements")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    loops = []
    for backend in backends:
        for users in args.users.split(","):
            loops.append(await run_loop(backend, int(users), args.clicks, args.albums, args.think,
                                        args.image_workers, args.profile, covers=args.covers,
                                        tiles=not args.cold_covers))
            print(render(loops[-1:], [], "partial").splitlines()[-1], flush=True)
    reads = [] if args.no_reads else [await run_reads(b) for b in backends]
    table = render(loops, reads, "python -m tests.bench.duel_loop_bench")
    print(table)
    if not args.no_write and not args.no_reads:
        replace_section("duel-loop", "## Duel loop", table)


if __name__ == "__main__":
    asyncio.run(main())
