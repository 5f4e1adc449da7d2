"""Two bot processes on one database (two runtimes: separate engines, caches and rankers)."""

import asyncio

from sqlalchemy import select

from bot.catalog.incoming import IncomingAlbum
from bot.catalog.store import store_albums
from bot.db.models import Belief, Vote
from bot.ranking import Ranker
from bot.services.cards import DuelCard
from bot.services.duels import DuelAction
from tests.support.services import open_services

USER = 3003


async def test_racing_clicks_on_two_processes_leave_one_vote_and_consistent_beliefs(database):
    async with open_services(database) as first, open_services(database) as second:
        await store_albums(first.runtime.sessions, USER, [IncomingAlbum(f"Record {i}", [f"Band {i}"], "aoty")
                                                         for i in range(8)], user_name="racer")
        card = await first.duels.open_duel(USER, "racer", guild_id=None, channel_id=1)
        await first.duels.attach_message(card.duel_id, 99)
        one, two = await asyncio.gather(first.duels.answer(card.duel_id, USER, DuelAction.A),
                                        second.duels.answer(card.duel_id, USER, DuelAction.B))
        assert isinstance(one, DuelCard) and isinstance(two, DuelCard) and one.duel_id == two.duel_id
        # the person keeps clicking, alternately served by either process: each notices the other's votes
        current = one
        for turn in range(6):
            services = (first, second)[turn % 2]
            current = await services.duels.answer(current.duel_id, USER, DuelAction.A)
        async with first.runtime.sessions() as session:
            votes = (await session.scalars(select(Vote).where(Vote.user_id == USER).order_by(Vote.id))).all()
            stored = {b.album_id: b.comparisons for b in (await session.scalars(
                select(Belief).where(Belief.user_id == USER))).all()}
        assert len(votes) == 7 and current.votes == 7
        replay = Ranker.from_votes(list(stored), [(v.album_a, v.album_b, v.outcome) for v in votes], seed=USER)
        assert {a: b.comparisons for a, b in replay.beliefs().items()} == stored


async def test_a_late_click_on_the_process_that_showed_the_duel_counts_nothing(database):
    """The process that showed a duel holds its owner's ranker in memory; when the other process has
    answered that duel already, a click here shows the current duel and leaves no vote or belief behind."""
    async with open_services(database) as first, open_services(database) as second:
        await store_albums(first.runtime.sessions, USER, [IncomingAlbum(f"Disc {i}", [f"Group {i}"], "aoty")
                                                         for i in range(8)], user_name="racer")
        card = await first.duels.open_duel(USER, "racer", guild_id=None, channel_id=1)
        await first.duels.attach_message(card.duel_id, 77)
        answered = await second.duels.answer(card.duel_id, USER, DuelAction.A)
        late = await first.duels.answer(card.duel_id, USER, DuelAction.B)
        assert isinstance(late, DuelCard) and late.duel_id == answered.duel_id and late.votes == 1
        assert "after the duel was answered" in (late.notice or "")
        following = await first.duels.answer(late.duel_id, USER, DuelAction.A)
        assert following.votes == 2
        async with first.runtime.sessions() as session:
            votes = (await session.scalars(select(Vote).where(Vote.user_id == USER).order_by(Vote.id))).all()
            stored = {b.album_id: (b.mu, b.comparisons) for b in (await session.scalars(
                select(Belief).where(Belief.user_id == USER))).all()}
        assert [v.outcome for v in votes] == ["A", "A"]
        assert sum(c for _, c in stored.values()) == 4  # two votes, two albums each: the B never counted
