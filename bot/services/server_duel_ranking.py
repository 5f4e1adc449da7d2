"""The server-level ranking from server duels, separate from anyone's personal ranking.

Every counted member's final choice in a closed server duel is one comparison (the chosen album beat
the other). One regularised Bradley-Terry (probit) MAP fit over all of a server's such votes
(``bot.ranking.refit``, the same solver as personal refits, learned prior scale included) gives each
album a mean and variance; the rating shown is its expected percentile among the duelled albums.
Server duels are few (hundreds of votes), so the whole fit takes milliseconds and is simply redone
whenever the server's chart is rebuilt; it runs in a worker thread all the same, so a server with
years of duels never stalls the event loop (and every click waiting on it).
"""

from __future__ import annotations

import asyncio

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import GuildMember, ServerDuel, ServerDuelBelief, ServerDuelVote, User
from bot.ranking.display import expected_percentiles
from bot.ranking.model import TAU_START
from bot.ranking.refit import VoteArrays, refit


async def refit_server_duels(session: AsyncSession, guild_id: int) -> int:
    """Refit and store the server-duel ranking of one server; return how many albums it ranks."""
    duels = (await session.execute(select(ServerDuel.id, ServerDuel.album_a, ServerDuel.album_b).where(
        ServerDuel.guild_id == guild_id, ServerDuel.state == "closed"))).all()
    await session.execute(delete(ServerDuelBelief).where(ServerDuelBelief.guild_id == guild_id))
    if not duels:
        return 0
    votes = (await session.execute(
        select(ServerDuelVote.duel_id, ServerDuelVote.choice)
        .join(ServerDuel, ServerDuel.id == ServerDuelVote.duel_id)
        .join(User, User.id == ServerDuelVote.user_id)
        .join(GuildMember, (GuildMember.user_id == ServerDuelVote.user_id) & (GuildMember.guild_id == guild_id))
        .where(ServerDuel.guild_id == guild_id, ServerDuel.state == "closed", User.privacy != "private"))).all()
    pairs = {d.id: (d.album_a, d.album_b) for d in duels}
    albums = sorted({a for pair in pairs.values() for a in pair})
    index = {a: i for i, a in enumerate(albums)}
    first, second = [], []
    for vote in votes:
        a, b = pairs[vote.duel_id]
        winner, loser = (a, b) if vote.choice == "A" else (b, a)
        first.append(index[winner])
        second.append(index[loser])
    n = len(albums)
    fit, ratings = await asyncio.to_thread(_fit, first, second, n)
    appearances = np.bincount([index[a] for pair in pairs.values() for a in pair], minlength=n)
    await session.execute(ServerDuelBelief.__table__.insert(), [
        {"guild_id": guild_id, "album_id": album_id, "mu": float(fit.mu[i]), "sigma2": float(fit.sigma2[i]),
         "rating": float(ratings[i]), "duels": int(appearances[i])} for i, album_id in enumerate(albums)])
    return n


def _fit(first: list[int], second: list[int], n: int):  # noqa: ANN202 - (Fit, ratings)
    fit = refit(VoteArrays(np.array(first, dtype=np.int64), np.array(second, dtype=np.int64),
                           np.zeros(len(first), dtype=bool)), np.zeros(n), np.zeros(n, dtype=bool), TAU_START)
    return fit, expected_percentiles(fit.mu, fit.sigma2)
