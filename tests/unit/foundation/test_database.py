import asyncio
import sqlite3
import threading

from sqlalchemy import event, inspect, select, text
from sqlalchemy.exc import IntegrityError
import pytest

from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade_to_head
from bot.db.models import Album, Base, User, Vote

EXPECTED = {"users", "linked_accounts", "oauth_states", "albums", "user_albums", "beliefs", "duels", "votes",
            "guilds", "guild_members", "album_merges", "member_album_ratings", "member_rating_versions",
            "server_boards", "server_album_scores", "server_duels", "server_duel_votes", "server_duel_beliefs"}


async def test_migrations_build_the_whole_schema_and_are_idempotent(database):
    engine = create_engine(database.url, schema=database.schema)
    try:
        await upgrade_to_head(engine)
        await upgrade_to_head(engine)
        async with engine.connect() as connection:
            tables = set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
            assert EXPECTED <= tables
            # the migrations and the models describe the same columns
            for table in EXPECTED:
                columns = {c["name"] for c in await connection.run_sync(lambda c, t=table: inspect(c).get_columns(t))}
                assert columns == set(Base.metadata.tables[table].columns.keys()), table
            if database.backend == "sqlite":
                assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
                assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await engine.dispose()


async def test_a_vote_cannot_pit_an_album_against_itself_and_a_duel_gets_one_vote(database):
    engine = create_engine(database.url, schema=database.schema)
    await upgrade_to_head(engine)
    sessions = create_session_factory(engine)
    try:
        async with sessions.begin() as session:
            session.add(User(id=1, name="alice"))
            session.add_all([Album(title="A", artists=["x"], identity_key="a"), Album(title="B", artists=["y"], identity_key="b")])
        async with sessions() as session:
            a, b = (await session.scalars(select(Album.id).order_by(Album.id))).all()
        with pytest.raises(IntegrityError):
            async with sessions.begin() as session:
                session.add(Vote(user_id=1, album_a=a, album_b=a, outcome="A"))
        with pytest.raises(IntegrityError):
            async with sessions.begin() as session:
                session.add(Vote(user_id=1, album_a=a, album_b=b, outcome="X"))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("how", ["session.begin()", "session()"])
async def test_a_unit_of_work_cancelled_mid_statement_leaves_the_sqlite_file_writable(tmp_path, how):
    """Services and handlers get cancelled at shutdown, and SQLAlchemy then invalidates the connection.
    The cancelled statement's cursor lives on in the task's traceback, which turned the closed sqlite3
    connection into a zombie that kept BEGIN IMMEDIATE's write lock: every other writer waited 30 s."""
    path = tmp_path / "cancel.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    sessions = create_session_factory(engine)
    entered, release = threading.Event(), threading.Event()

    @event.listens_for(engine.sync_engine, "connect")
    def _blocking_function(dbapi_connection, _record) -> None:  # noqa: ANN001
        # A statement that is still running on the driver's thread when its task is cancelled.
        def block() -> int:
            entered.set()
            release.wait(10)
            return 1
        dbapi_connection.run_async(lambda conn: conn.create_function("block", 0, block))

    try:
        async with sessions.begin() as session:
            await session.execute(text("CREATE TABLE t (x INTEGER)"))

        async def unit_of_work() -> None:
            async with (sessions.begin() if how == "session.begin()" else sessions()) as session:
                await session.execute(text("INSERT INTO t VALUES (1)"))
                await session.execute(text("SELECT block()"))

        task = asyncio.create_task(unit_of_work())
        assert await asyncio.to_thread(entered.wait, 10)
        task.cancel()
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task  # the task (and its traceback) stays referenced, as in a gathered shutdown

        def another_writer_can_write() -> bool:
            connection = sqlite3.connect(path, timeout=0.5, isolation_level=None)
            try:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("INSERT INTO t VALUES (2)")
                connection.execute("COMMIT")
                return True
            except sqlite3.OperationalError:
                return False
            finally:
                connection.close()

        assert await asyncio.to_thread(another_writer_can_write)
        async with sessions() as session:  # the pool hands out a working connection again
            assert (await session.execute(text("SELECT x FROM t"))).scalars().all() == [2]
    finally:
        release.set()
        await engine.dispose()


async def test_postgresql_connections_say_whose_they_are(database):
    """pg_stat_activity shows AlbumDuel's connections by name, per schema when one is used, so an operator
    (or a test sharing the database) can tell them apart."""
    if database.backend != "postgresql":
        pytest.skip("application_name is a PostgreSQL setting")
    for url, schema, expected in ((database.url, database.schema, f"albumduel:{database.schema}"),
                                  (database.url, None, "albumduel")):
        engine = create_engine(url, schema=schema)
        try:
            async with engine.connect() as connection:
                assert await connection.scalar(text("SELECT current_setting('application_name')")) == expected
        finally:
            await engine.dispose()
