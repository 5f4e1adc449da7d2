"""Server duels through the services: votes, changed votes, closing on a moved clock, the duel ranking."""

from datetime import timedelta

import pytest

from bot.db.types import utcnow
from bot.errors import NotAllowed, NotEnoughAlbums, UserError
from tests.integration.server.conftest import GUILD
from tests.integration.server.scenario import Member, SHARED, give_albums

CHANNEL = 55


async def test_everyone_votes_once_may_change_it_and_the_close_counts_the_final_choices(services, server, members):
    duels = services.server_duels
    card = await duels.open(server, CHANNEL, members[0].id, minutes=30)
    assert card.state == "open" and card.album_a.album_id != card.album_b.album_id
    assert card.closes_at - utcnow() <= timedelta(minutes=30)
    assert {card.album_a.title, card.album_b.title} <= {t for t, _, _ in SHARED}
    for member, choice in zip(members, "AABBB"):
        receipt = await duels.vote(card.duel_id, member.id, choice)
        assert not receipt.changed
    assert receipt.voters == 5
    changed = await duels.vote(card.duel_id, members[2].id, "A")  # cleo changes her mind
    assert changed.changed and changed.voters == 5
    again = await duels.vote(card.duel_id, members[2].id, "A")
    assert not again.changed

    assert await duels.close_due(utcnow()) == []  # not due yet
    closed = await duels.close_due(card.closes_at)
    assert len(closed) == 1 and closed[0].result == "A" and (closed[0].votes_a, closed[0].votes_b) == (3, 2)
    assert await duels.close_due(card.closes_at + timedelta(hours=1)) == []  # closed once
    with pytest.raises(UserError, match="closed"):
        await duels.vote(card.duel_id, members[3].id, "B")

    await services.leaderboards.refresh_once()  # the server-duel ranking is rebuilt with the chart
    board = await duels.board(server)
    assert [row.album.album_id for row in board] == [card.album_a.album_id, card.album_b.album_id]
    assert board[0].rating > board[1].rating and board[0].duels == 1
    view = await services.leaderboards.album(server, str(card.album_a.album_id))
    assert view.duel_rating == board[0].rating and view.duel_count == 1


async def test_a_tie_nobody_and_private_voters(services, server, members):
    duels = services.server_duels
    await services.privacy.set(members[4].id, members[4].name, "private")
    card = await duels.open(server, CHANNEL, members[0].id, minutes=5)
    with pytest.raises(NotAllowed, match="private"):
        await duels.vote(card.duel_id, members[4].id, "A")
    await duels.vote(card.duel_id, members[0].id, "A")
    await duels.vote(card.duel_id, members[1].id, "B")
    await duels.vote(card.duel_id, members[2].id, "B")
    await services.privacy.set(members[2].id, members[2].name, "private")  # takes effect at once
    await services.memberships.member_left(server, members[1].id)          # so does leaving
    with pytest.raises(UserError, match="already"):
        await duels.open(server, CHANNEL, members[0].id)
    [closed] = await duels.close_due(card.closes_at)
    assert closed.result == "A" and (closed.votes_a, closed.votes_b) == (1, 0)

    empty = await duels.open(server, CHANNEL, members[0].id, minutes=5)
    [closed] = await duels.close_due(empty.closes_at)
    assert closed.result == "NONE"


async def test_the_clock_is_the_services_own(services, server, members):
    now = utcnow()
    services.server_duels.clock = lambda: now + timedelta(days=1)
    card = await services.server_duels.open(server, CHANNEL, members[0].id, minutes=1)
    assert card.closes_at == now + timedelta(days=1, minutes=1)
    assert [c.duel_id for c in await services.server_duels.close_due(now + timedelta(days=2))] == [card.duel_id]


async def test_a_duel_needs_albums_two_members_share(services):
    ana, ben = Member(1, "ana"), Member(2, "ben")
    await give_albums(services, ana, SHARED[:2])
    await give_albums(services, ben, SHARED[2:4])
    for member in (ana, ben):
        await services.memberships.note(GUILD, "Vinyl Club", member.id, member.name)
    with pytest.raises(NotEnoughAlbums, match="two members"):
        await services.server_duels.open(GUILD, CHANNEL, ana.id)
    await give_albums(services, ben, SHARED[:2])
    card = await services.server_duels.open(GUILD, CHANNEL, ana.id)  # a young server: no chart needed
    assert {card.album_a.title, card.album_b.title} == {SHARED[0][0], SHARED[1][0]}


async def test_removing_the_bot_drops_its_server_duels(services, server, members):
    card = await services.server_duels.open(server, CHANNEL, members[0].id)
    await services.memberships.guild_removed(server)
    assert await services.server_duels.next_close_at() is None
    with pytest.raises(UserError, match="no longer exists"):
        await services.server_duels.vote(card.duel_id, members[0].id, "A")
