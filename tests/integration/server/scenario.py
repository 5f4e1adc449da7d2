"""Known-truth server scenarios driven through the real services (the duel loop casts every vote).

Every member answers each duel by a hidden order of the albums, so the server chart has a right
answer to be checked against.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.catalog.incoming import IncomingAlbum
from bot.catalog.store import store_albums
from bot.db.models import Album, Vote

# Listed best first: the truth every member votes by.
SHARED = [("Blue", "Joni Mitchell", 1971), ("Kid A", "Radiohead", 2000), ("Vespertine", "Björk", 2001),
          ("Blonde", "Frank Ocean", 2016), ("Illinois", "Sufjan Stevens", 2005),
          ("Remain in Light", "Talking Heads", 1980), ("Loveless", "My Bloody Valentine", 1991),
          ("Aquemini", "OutKast", 1998)]
OBSCURE = ("Basement Tapes Vol. 9", "Nobody Famous", 2019)  # loved by two members only: must stay off the chart
TRUTH = [title for title, _, _ in SHARED]


@dataclass(frozen=True)
class Member:
    id: int
    name: str


def incoming(albums) -> list[IncomingAlbum]:
    return [IncomingAlbum(title, [artist], "aoty", year=year) for title, artist, year in albums]


async def give_albums(services, member: Member, albums) -> None:
    await store_albums(services.runtime.sessions, member.id, incoming(albums), user_name=member.name)


async def vote_by_truth(services, member: Member, order: list[str], votes: int, guild_id: int | None = None) -> None:
    """Answer ``votes`` duels, always preferring the album earlier in ``order``.

    The pairs come from the person's own ranker, as in the duel loop, but the votes are stored in one
    transaction (the vote log, the beliefs and the version bump, exactly what a click stores) so that
    large scenarios stay fast; the click path itself is covered by the end-to-end tests.
    """
    rankers = services.rankers
    async with rankers.lock(member.id):
        async with services.runtime.sessions.begin() as session:
            titles = dict((await session.execute(select(Album.id, Album.title))).all())
            loaded = await rankers.load(session, member.id)
            for _ in range(votes):
                a, b = loaded.ranker.next_pair()
                outcome = "A" if order.index(titles[a]) < order.index(titles[b]) else "B"
                loaded.ranker.record(a, b, outcome)
                session.add(Vote(user_id=member.id, album_a=a, album_b=b, outcome=outcome))
            await rankers.save(session, member.id, loaded)


async def build_server(services, guild_id: int, members: list[Member], *, fans_of_obscure: int = 2,
                       votes: int = 30) -> None:
    """Every member owns the shared albums; the first ``fans_of_obscure`` also own (and top) the obscure one."""
    for i, member in enumerate(members):
        if i < fans_of_obscure:
            await give_albums(services, member, [*SHARED, OBSCURE])
            await vote_by_truth(services, member, [OBSCURE[0], *TRUTH], votes, guild_id)
        else:
            await give_albums(services, member, SHARED)
            await vote_by_truth(services, member, TRUTH, votes, guild_id)
