from sqlalchemy import inspect, select, text
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
