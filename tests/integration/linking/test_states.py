"""Pending-link states: hashed at rest, single-use under races, bound to a provider, expiring."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from bot.catalog.store import ensure_user
from bot.db.models import OAuthState
from bot.db.types import utcnow
from bot.errors import LinkFailed
from bot.linking import consume_state, create_state, state_hash


async def pending(env, provider="spotify", verifier="v" * 50, now=None):
    async with env.sessions.begin() as session:
        await ensure_user(session, 7, "seven")
        return await create_state(session, env.runtime.secrets, user_id=7, provider=provider,
                                  now=now or utcnow(), verifier=verifier)


async def test_only_the_hash_and_an_encrypted_verifier_are_stored(linkenv):
    link = await pending(linkenv, verifier="my-pkce-verifier-" + "x" * 40)
    async with linkenv.runtime.engine.connect() as connection:
        dump = repr((await connection.execute(text("SELECT * FROM oauth_states"))).all())
    assert link.state not in dump and "my-pkce-verifier" not in dump and state_hash(link.state) in dump
    assert link.expires_at - utcnow() <= timedelta(minutes=10)


async def test_racing_callbacks_spend_a_state_once(linkenv):
    link = await pending(linkenv)
    results = await asyncio.gather(*[consume_state(linkenv.sessions, linkenv.runtime.secrets, link.state, "spotify",
                                                   utcnow()) for _ in range(6)], return_exceptions=True)
    won = [r for r in results if not isinstance(r, Exception)]
    assert len(won) == 1 and won[0].user_id == 7 and won[0].verifier == "v" * 50
    assert all(isinstance(r, LinkFailed) and "already used" in str(r) for r in results if r not in won)


async def test_another_providers_callback_does_not_spend_the_state(linkenv):
    link = await pending(linkenv, provider="lastfm", verifier=None)
    with pytest.raises(LinkFailed, match="made for Last.fm"):
        await consume_state(linkenv.sessions, linkenv.runtime.secrets, link.state, "spotify", utcnow())
    consumed = await consume_state(linkenv.sessions, linkenv.runtime.secrets, link.state, "lastfm", utcnow())
    assert consumed.user_id == 7 and consumed.verifier is None


async def test_expired_and_unknown_states_are_refused_without_change(linkenv):
    link = await pending(linkenv, now=utcnow() - timedelta(minutes=11))
    with pytest.raises(LinkFailed, match="expired"):
        await consume_state(linkenv.sessions, linkenv.runtime.secrets, link.state, "spotify", utcnow())
    with pytest.raises(LinkFailed, match="not one AlbumDuel handed out"):
        await consume_state(linkenv.sessions, linkenv.runtime.secrets, "x" + link.state, "spotify", utcnow())
    async with linkenv.sessions() as session:
        assert await session.scalar(select(OAuthState.used_at)) is None
