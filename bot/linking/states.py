"""Pending links: the OAuth ``state`` that ties a provider's redirect back to one Discord user.

The state is 256 random bits from the OS's crypto RNG. Only its SHA-256 is stored, so a database dump
does not let anyone finish someone else's link. A state is bound to one user and one provider, expires
after ten minutes and is spent by a single conditional UPDATE (``used_at IS NULL AND expires_at > now``),
so two callbacks racing with the same state cannot both win, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.crypto import SecretBox
from bot.db.models import OAuthState
from bot.errors import LinkFailed

STATE_LIFETIME = timedelta(minutes=10)
# Spent and expired rows are kept a day so a late or replayed callback is told "already used"/"expired".
KEEP_FINISHED = timedelta(days=1)
PROVIDER_NAMES = {"spotify": "Spotify", "lastfm": "Last.fm"}


@dataclass(frozen=True)
class PendingLink:
    state: str  # the raw state: goes into the provider URL, never into the database
    expires_at: datetime


@dataclass(frozen=True)
class ConsumedState:
    user_id: int
    provider: str
    verifier: str | None  # the PKCE verifier (Spotify), decrypted


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


async def create_state(session: AsyncSession, box: SecretBox, *, user_id: int, provider: str, now: datetime,
                       verifier: str | None = None) -> PendingLink:
    """Add a pending link in the caller's transaction (the user row must exist)."""
    await session.execute(delete(OAuthState).where(OAuthState.expires_at < now - KEEP_FINISHED))
    state = secrets.token_urlsafe(32)
    expires_at = now + STATE_LIFETIME
    session.add(OAuthState(state_hash=state_hash(state), user_id=user_id, provider=provider, created_at=now,
                           expires_at=expires_at, verifier=box.encrypt(verifier) if verifier else None))
    return PendingLink(state, expires_at)


def _failed(provider: str, sentence: str) -> LinkFailed:
    return LinkFailed(f"{sentence} Nothing was linked. Run /link {provider} in Discord to get a fresh link.",
                      service=provider, step="state")


async def consume_state(sessions: async_sessionmaker[AsyncSession], box: SecretBox, state: str | None,
                        provider: str, now: datetime) -> ConsumedState:
    """Spend ``state`` for ``provider``, or raise ``LinkFailed`` saying why not (and change nothing)."""
    name = PROVIDER_NAMES.get(provider, provider)
    if not state or len(state) > 200:
        raise _failed(provider, f"This {name} sign-in came back without its security check.")
    digest = state_hash(state)
    async with sessions.begin() as session:
        spent = await session.execute(
            update(OAuthState)
            .where(OAuthState.state_hash == digest, OAuthState.provider == provider,
                   OAuthState.used_at.is_(None), OAuthState.expires_at > now)
            .values(used_at=now))
        row = await session.scalar(select(OAuthState).where(OAuthState.state_hash == digest))
        if spent.rowcount == 1 and row is not None:
            verifier = box.decrypt(row.verifier) if row.verifier else None
            return ConsumedState(row.user_id, provider, verifier)
    if row is None:
        raise _failed(provider, "This link is not one AlbumDuel handed out (or it is too old).")
    if row.provider != provider:
        raise _failed(provider, f"This link was made for {PROVIDER_NAMES.get(row.provider, row.provider)}, not {name}.")
    if row.used_at is not None:
        raise _failed(provider, "This link was already used.")
    raise _failed(provider, "This link expired (links last 10 minutes).")
