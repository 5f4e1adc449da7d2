"""Linking a Discord user to a Spotify or Last.fm account: the link to hand out, and the callback's work.

``start`` makes a pending link (see ``bot.linking.states``) and returns the provider URL. The
``complete_*`` methods run when the provider sends the browser back: spend the state, exchange the code
(Spotify, PKCE) or token (Last.fm, signed ``auth.getSession``), read the external identity, and store
the credentials encrypted. Any failure raises a ``UserError`` and leaves links and albums untouched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

import httpx
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog.store import ensure_user
from bot.config import Settings
from bot.crypto import SecretBox
from bot.db.models import LinkedAccount
from bot.db.types import utcnow
from bot.errors import AccountAlreadyLinked, LinkFailed, ProviderNotConfigured
from bot.linking.credentials import seal_lastfm, seal_spotify
from bot.linking.states import PROVIDER_NAMES, consume_state, create_state
from bot.sources import lastfm, spotify

log = logging.getLogger(__name__)

LINK_PROVIDERS = ("spotify", "lastfm")
REQUIRED_SETTINGS = {"spotify": ("SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET"),
                     "lastfm": ("LASTFM_API_KEY", "LASTFM_API_SECRET")}


@dataclass(frozen=True)
class LinkStart:
    provider: str
    url: str  # where the person approves AlbumDuel
    expires_at: datetime


@dataclass(frozen=True)
class LinkResult:
    user_id: int
    provider: str
    external_id: str
    display_name: str
    relinked: bool  # the same account was linked before (an import may resume)


def _configured(settings: Settings, provider: str) -> bool:
    if provider == "spotify":
        return bool(settings.spotify_client_id and settings.spotify_client_secret)
    return bool(settings.lastfm_api_key and settings.lastfm_api_secret)


def check_configured(settings: Settings, provider: str) -> None:
    if provider not in LINK_PROVIDERS:
        raise LinkFailed(f"AlbumDuel cannot link {provider}.", service=provider)
    if not _configured(settings, provider):
        names = REQUIRED_SETTINGS[provider]
        raise ProviderNotConfigured(
            f"The bot's operator hasn't set up {PROVIDER_NAMES[provider]} yet (the settings "
            f"{' and '.join(names)} are empty), so it can't be linked here. Ask them to follow "
            f"docs/integrations/{provider}.md.", settings=names)


class LinkingService:
    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession], http: httpx.AsyncClient,
                 box: SecretBox, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.settings = settings
        self.sessions = sessions
        self.http = http
        self.box = box
        self.clock = clock

    def callback_url(self, provider: str) -> str:
        # Read at call time: the public address is part of the settings, not of this object.
        return f"{self.settings.public_base_url}/oauth/{provider}/callback"

    async def start(self, user_id: int, user_name: str, provider: str) -> LinkStart:
        """A fresh single-use link for ``provider``; raises ``ProviderNotConfigured`` without keys."""
        check_configured(self.settings, provider)
        verifier = challenge = None
        if provider == "spotify":
            verifier, challenge = spotify.make_pkce_pair()
        async with self.sessions.begin() as session:
            await ensure_user(session, user_id, user_name)
            pending = await create_state(session, self.box, user_id=user_id, provider=provider, now=self.clock(),
                                         verifier=verifier)
        if provider == "spotify":
            url = spotify.authorize_url(self.settings.spotify_client_id, self.callback_url("spotify"), pending.state,
                                        challenge, accounts_base_url=self.settings.spotify_accounts_base_url)
        else:
            cb = f"{self.callback_url('lastfm')}?{urlencode({'state': pending.state})}"
            url = lastfm.auth_url(self.settings.lastfm_api_key, cb, auth_base_url=self.settings.lastfm_auth_url)
        return LinkStart(provider, url, pending.expires_at)

    async def complete_spotify(self, query: Mapping[str, str]) -> LinkResult:
        check_configured(self.settings, "spotify")
        if "error" in query:
            # The state is left unspent: the person may open the same link again and approve.
            reason = "you chose not to allow access" if query["error"] == "access_denied" else query["error"][:100]
            raise LinkFailed(f"Spotify was not linked: {reason}. Nothing was changed; you can use the link "
                             "again or run /link spotify.", service="spotify", step="consent")
        consumed = await consume_state(self.sessions, self.box, query.get("state"), "spotify", self.clock())
        code = query.get("code")
        if not code or not consumed.verifier:
            raise LinkFailed("Spotify sent no authorisation code. Nothing was linked; run /link spotify again.",
                             service="spotify", step="code")
        settings = self.settings
        tokens = await spotify.exchange_code(
            self.http, client_id=settings.spotify_client_id, client_secret=settings.spotify_client_secret,
            code=code, redirect_uri=self.callback_url("spotify"), code_verifier=consumed.verifier,
            accounts_base_url=settings.spotify_accounts_base_url)
        store = spotify.InMemoryTokenStore(tokens)
        provider = spotify.SpotifyTokenProvider(
            self.http, store, client_id=settings.spotify_client_id,
            client_secret=settings.spotify_client_secret, accounts_base_url=settings.spotify_accounts_base_url)
        account = await spotify.SpotifyLibraryClient(self.http, settings.spotify_api_base_url, provider).me()
        # The profile read may have refreshed (rotated) the tokens: keep what the store holds now.
        return await self._save(consumed.user_id, "spotify", account.account_id,
                                account.display_name or account.user_id, seal_spotify(self.box, await store.load()))

    async def complete_lastfm(self, query: Mapping[str, str]) -> LinkResult:
        check_configured(self.settings, "lastfm")
        consumed = await consume_state(self.sessions, self.box, query.get("state"), "lastfm", self.clock())
        token = query.get("token")
        if not token:
            raise LinkFailed("Last.fm sent no sign-in token. Nothing was linked; run /link lastfm again.",
                             service="lastfm", step="token")
        client = lastfm.LastfmClient(self.http, self.settings.lastfm_api_base_url, self.settings.lastfm_api_key,
                                     self.settings.lastfm_api_secret)
        session = await client.get_session(token)
        return await self._save(consumed.user_id, "lastfm", session.name.lower(), session.name,
                                seal_lastfm(self.box, session.session_key))

    async def _save(self, user_id: int, provider: str, external_id: str, display_name: str,
                    sealed: bytes) -> LinkResult:
        name = PROVIDER_NAMES[provider]
        taken = AccountAlreadyLinked(
            f"That {name} account ({display_name}) is already linked to another Discord user, so it was not "
            f"linked to you. They can run /unlink {provider} first.", service=provider, step="account")
        try:
            async with self.sessions.begin() as session:
                owner = await session.scalar(select(LinkedAccount.user_id).where(
                    LinkedAccount.provider == provider, LinkedAccount.external_id == external_id))
                if owner is not None and owner != user_id:
                    raise taken
                mine = await session.scalar(select(LinkedAccount).where(
                    LinkedAccount.user_id == user_id, LinkedAccount.provider == provider))
                relinked = mine is not None and mine.external_id == external_id
                if mine is None:
                    mine = LinkedAccount(user_id=user_id, provider=provider, external_id=external_id)
                    session.add(mine)
                if not relinked:
                    mine.import_state = None  # another account: nothing to resume
                    mine.last_import_at = None
                mine.external_id, mine.display_name = external_id, display_name[:200]
                mine.credentials, mine.status, mine.linked_at = sealed, "active", self.clock()
        except IntegrityError:
            raise taken from None  # another callback linked the same account a moment ago
        log.info("User %s linked %s account %s", user_id, provider, external_id)
        return LinkResult(user_id, provider, external_id, display_name, relinked)
