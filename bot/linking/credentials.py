"""Credentials at rest: encrypted with ``SECRET_KEY`` in ``linked_accounts.credentials``.

``DatabaseTokenStore`` is the ``TokenStore`` the Spotify token provider reads and writes: each refresh
rotates the refresh token, and the new pair is written (encrypted) at once, because the old one no
longer works.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.crypto import SecretBox
from bot.db.models import LinkedAccount
from bot.errors import LinkBroken
from bot.sources.spotify import SpotifyTokens

SPOTIFY_RELINK = "Your Spotify link is gone. Please /link spotify again."


def seal_spotify(box: SecretBox, tokens: SpotifyTokens) -> bytes:
    return box.encrypt_json({"access_token": tokens.access_token, "refresh_token": tokens.refresh_token,
                             "expires_at": tokens.expires_at, "scope": tokens.scope})


def open_spotify(box: SecretBox, sealed: bytes) -> SpotifyTokens:
    data = box.decrypt_json(sealed)
    return SpotifyTokens(access_token=data["access_token"], refresh_token=data["refresh_token"],
                         expires_at=float(data["expires_at"]), scope=data.get("scope", ""))


def seal_lastfm(box: SecretBox, session_key: str) -> bytes:
    return box.encrypt_json({"session_key": session_key})


def open_lastfm(box: SecretBox, sealed: bytes) -> str:
    return box.decrypt_json(sealed)["session_key"]


class DatabaseTokenStore:
    """One linked Spotify account's tokens, by ``linked_accounts.id``."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], box: SecretBox, account_id: int) -> None:
        self._sessions = sessions
        self._box = box
        self._account_id = account_id

    def __repr__(self) -> str:
        return f"DatabaseTokenStore(account={self._account_id})"

    async def load(self) -> SpotifyTokens:
        async with self._sessions() as session:
            sealed = await session.scalar(select(LinkedAccount.credentials).where(
                LinkedAccount.id == self._account_id, LinkedAccount.status == "active"))
        if sealed is None:
            raise LinkBroken(SPOTIFY_RELINK, service="spotify")
        return open_spotify(self._box, sealed)

    async def save(self, tokens: SpotifyTokens) -> None:
        async with self._sessions.begin() as session:
            saved = await session.execute(update(LinkedAccount).where(LinkedAccount.id == self._account_id)
                                          .values(credentials=seal_spotify(self._box, tokens)))
        if saved.rowcount != 1:  # unlinked while the import ran: the fresh tokens must not outlive the link
            raise LinkBroken(SPOTIFY_RELINK, service="spotify")
