"""The duel loop without Discord: one answer per duel, undo, skip, exclude, and the catalogue behind it."""

import asyncio

import pytest
from sqlalchemy import func, select

from bot.catalog.incoming import IncomingAlbum
from bot.catalog.store import store_albums
from bot.db.models import Belief, Vote
from bot.errors import NotAllowed, NotEnoughAlbums
from bot.ranking import Ranker
from bot.services.cards import DuelCard, DuelEnded
from bot.services.duels import DuelAction

ALICE, BOB = 1001, 1002


def albums(n: int, source: str = "aoty") -> list[IncomingAlbum]:
    return [IncomingAlbum(title=f"Record {i}", artists=[f"Band {i}"], source=source, year=1990 + i % 30,
                          aoty_score=float(i % 100)) for i in range(n)]


async def votes_of(services, user_id: int) -> list[Vote]:
    async with services.runtime.sessions() as session:
        return list((await session.scalars(select(Vote).where(Vote.user_id == user_id).order_by(Vote.id))).all())


async def test_too_few_albums_says_how_to_import(services):
    await store_albums(services.runtime.sessions, ALICE, albums(1), user_name="alice")
    with pytest.raises(NotEnoughAlbums) as caught:
        await services.duels.open_duel(ALICE, "alice", guild_id=None, channel_id=None)
    assert "Import" in str(caught.value)


async def test_a_duel_takes_one_answer_even_when_clicked_twice_at_once(services):
    await store_albums(services.runtime.sessions, ALICE, albums(12), user_name="alice")
    card = await services.duels.open_duel(ALICE, "alice", guild_id=None, channel_id=5)
    await services.duels.attach_message(card.duel_id, 777)
    first, second = await asyncio.gather(services.duels.answer(card.duel_id, ALICE, DuelAction.A),
                                         services.duels.answer(card.duel_id, ALICE, DuelAction.B))
    votes = await votes_of(services, ALICE)
    assert len(votes) == 1 and votes[0].duel_id == card.duel_id
    # both clickers see the same, current duel
    assert isinstance(first, DuelCard) and isinstance(second, DuelCard)
    assert first.duel_id == second.duel_id != card.duel_id
    assert first.votes == second.votes == 1


async def test_only_the_owner_votes(services):
    await store_albums(services.runtime.sessions, ALICE, albums(4), user_name="alice")
    card = await services.duels.open_duel(ALICE, "alice", guild_id=None, channel_id=None)
    with pytest.raises(NotAllowed) as caught:
        await services.duels.answer(card.duel_id, BOB, DuelAction.A)
    assert "belongs to alice" in str(caught.value)
    assert await votes_of(services, ALICE) == []


async def test_undo_skip_draw_exclude_and_beliefs_equal_a_replay_of_the_log(services):
    await store_albums(services.runtime.sessions, ALICE, albums(10), user_name="alice")
    card = await services.duels.open_duel(ALICE, "alice", guild_id=None, channel_id=None)
    actions = [DuelAction.A, DuelAction.B, DuelAction.DRAW, DuelAction.SKIP, DuelAction.A, DuelAction.UNDO,
               DuelAction.B, DuelAction.EXCLUDE_A, DuelAction.A, DuelAction.B]
    seen_undo_notice = False
    for action in actions:
        result = await services.duels.answer(card.duel_id, ALICE, action)
        assert isinstance(result, DuelCard)
        if action is DuelAction.UNDO:
            seen_undo_notice = "Took back" in (result.notice or "")
        card = result
    assert seen_undo_notice
    votes = await votes_of(services, ALICE)
    live = [v for v in votes if v.undone_at is None]
    assert len(votes) == 7 and len(live) == 6 and card.votes == 6
    # the stored beliefs are exactly what replaying the live log gives
    services.rankers.forget(ALICE)
    async with services.runtime.sessions() as session:
        stored = {b.album_id: (b.mu, b.sigma2, b.comparisons) for b in (await session.scalars(
            select(Belief).where(Belief.user_id == ALICE))).all()}
    replay = Ranker.from_votes(list(stored), [(v.album_a, v.album_b, v.outcome) for v in live],
                               priors=None, seed=ALICE)
    for album_id, belief in replay.beliefs().items():
        assert stored[album_id][2] == belief.comparisons


async def test_excluding_down_to_one_album_ends_the_duel_politely(services):
    await store_albums(services.runtime.sessions, ALICE, albums(3), user_name="alice")
    card = await services.duels.open_duel(ALICE, "alice", guild_id=None, channel_id=None)
    result = await services.duels.answer(card.duel_id, ALICE, DuelAction.EXCLUDE_A)
    assert isinstance(result, DuelCard)
    ended = await services.duels.answer(result.duel_id, ALICE, DuelAction.EXCLUDE_B)
    assert isinstance(ended, DuelEnded) and "Import" in ended.message


async def test_reimport_adds_nothing_twice_and_keeps_votes(services):
    sessions = services.runtime.sessions
    first = await store_albums(sessions, ALICE, albums(6), user_name="alice")
    card = await services.duels.open_duel(ALICE, "alice", guild_id=None, channel_id=None)
    await services.duels.answer(card.duel_id, ALICE, DuelAction.A)
    again = await store_albums(sessions, ALICE, albums(6), user_name="alice")
    assert first.added_to_collection == 6 and again.added_to_collection == 0 and again.already_in_collection == 6
    assert len(await votes_of(services, ALICE)) == 1
