"""Server charts through the services: order against the truth, the min-raters rule, leaving, privacy."""

import pytest

from bot.errors import NotAllowed, UserError
from tests.integration.server.scenario import OBSCURE, TRUTH, vote_by_truth


async def titles(services, guild_id) -> list[str]:
    page = await services.leaderboards.chart(guild_id, 1, page_size=25)
    return [row.album.title for row in page.rows]


async def test_chart_follows_the_truth_and_lists_only_albums_enough_members_ranked(services, server, members):
    page = await services.leaderboards.chart(server, 1)
    assert [row.album.title for row in page.rows] == TRUTH
    assert all(row.raters == 5 for row in page.rows) and page.members == 5 and not page.updating
    assert [row.position for row in page.rows] == list(range(1, len(TRUTH) + 1))
    assert page.rows[0].score > page.rows[-1].score
    # two members put the obscure album first, but two is fewer than SERVER_MIN_RATERS (3)
    assert OBSCURE[0] not in await titles(services, server)
    obscure_id = (await services.leaderboards.search(server, "basement"))[0][0]
    view = await services.leaderboards.album(server, str(obscure_id))
    assert view.position is None and view.raters == 2 and view.min_raters == 3
    assert [m.name for m in view.top] == ["ana", "ben"]


async def test_a_third_fan_puts_the_obscure_album_on_the_chart(services, server, members):
    from tests.integration.server.scenario import give_albums

    await give_albums(services, members[2], [OBSCURE])
    await vote_by_truth(services, members[2], [OBSCURE[0], *TRUTH], 12, server)
    report = await services.leaderboards.refresh_once()
    assert report.members == 1 and report.guilds == [server]
    assert OBSCURE[0] in await titles(services, server)


async def test_refreshes_only_what_changed_and_never_inside_a_read(services, server, members):
    quiet = await services.leaderboards.refresh_once()
    assert quiet.members == 0 and quiet.guilds == []
    await vote_by_truth(services, members[3], list(reversed(TRUTH)), 25, server)  # a contrarian now
    before = await services.leaderboards.chart(server, 1)
    assert [r.album.title for r in before.rows] == TRUTH  # the read serves the cached chart
    report = await services.leaderboards.refresh_once()
    assert report.members == 1 and report.guilds == [server]


async def test_a_pass_ends_while_members_keep_voting(services, server, members, monkeypatch):
    """People voting while their ratings are computed wait for the next pass; they cannot keep this one
    (and the database, on SQLite) busy batch after batch."""
    from sqlalchemy import update

    import bot.services.leaderboards as leaderboards
    from bot.db.models import User

    refresh, votes_meanwhile = leaderboards.refresh_members, [50]  # bounded, so a regression fails, not hangs

    async def voting_meanwhile(session, stale, *args):
        guilds = await refresh(session, stale, *args)
        if votes_meanwhile[0] > 0:  # what a vote does to the refresher: a newer ranking version
            votes_meanwhile[0] -= 1
            await session.execute(update(User).where(User.id.in_([m.user_id for m in stale]))
                                  .values(ranking_version=User.ranking_version + 1))
        return guilds

    monkeypatch.setattr(leaderboards, "refresh_members", voting_meanwhile)
    await vote_by_truth(services, members[2], TRUTH, 3, server)
    await vote_by_truth(services, members[3], TRUTH, 3, server)
    assert (await services.leaderboards.refresh_once()).members == 2
    monkeypatch.undo()
    assert (await services.leaderboards.refresh_once()).members == 2  # their later votes: the next pass


async def test_members_who_leave_or_go_private_drop_out_and_anonymous_ones_are_not_named(services, server, members):
    ana, ben, cleo = members[:3]
    await services.memberships.member_left(server, ana.id)
    assert (await services.leaderboards.chart(server, 1)).updating
    await services.leaderboards.refresh_once()
    page = await services.leaderboards.chart(server, 1)
    assert {row.raters for row in page.rows} == {4} and page.members == 4

    await services.privacy.set(ben.id, ben.name, "private")
    await services.privacy.set(cleo.id, cleo.name, "anonymous")
    await services.leaderboards.refresh_once()
    page = await services.leaderboards.chart(server, 1)
    assert {row.raters for row in page.rows} == {3} and page.members == 3  # cleo still counts
    view = await services.leaderboards.album(server, str(page.rows[0].album.album_id))
    names = [m.name for m in view.top]
    assert len(names) == 3 and None in names and "cleo" not in names
    assert "ana" not in names and "ben" not in names
    assert await services.leaderboards.search(server, "basement") == []  # only ana and ben had it

    # anonymous and private people cannot be opened by others; they still see their own
    for target in (ben, cleo):
        with pytest.raises(NotAllowed):
            await services.collection.rankings(members[4].id, target.id, server)
        assert (await services.collection.rankings(target.id, target.id, server)).total > 0


async def test_a_new_server_without_members_has_no_chart_yet(services):
    with pytest.raises(UserError, match="no chart yet"):
        await services.leaderboards.chart(4242, 1)


async def test_removing_the_bot_drops_the_server(services, server, members):
    await services.memberships.guild_removed(server)
    with pytest.raises(UserError):
        await services.leaderboards.chart(server, 1)
    assert await services.leaderboards.search(server, "") == []
