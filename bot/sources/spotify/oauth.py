"""Authorization code flow with PKCE: the verifier/challenge pair, the authorize URL, code exchange and
refresh against the accounts service.

spotipy's ``SpotifyPKCE`` builds the authorize URL (the same parameters and scope normalisation its own
flow sends), pointed at our accounts base by setting its URL attribute on the instance; building a URL
does no I/O, so it needs no thread. The verifier is ours (``secrets``), because spotipy's generator is a
private method and the verifier must be stored with our state row. Code exchange and refresh use the
shared ``httpx.AsyncClient``: spotipy's versions are synchronous ``requests`` calls that also want to own
the token cache, and we need our retry policy and error mapping (``invalid_grant`` → ``LinkBroken``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable

import httpx
from spotipy.cache_handler import MemoryCacheHandler
from spotipy.oauth2 import SpotifyPKCE

from bot.errors import ConfigError, LinkBroken, MalformedResponse, SourceError
from bot.sources.spotify.models import SERVICE, SpotifyTokens
from bot.sources.spotify.retry import RetryPolicy, send_with_retry

DEFAULT_ACCOUNTS_BASE_URL = "https://accounts.spotify.com"
LIBRARY_SCOPE = "user-library-read"
TOKEN_TIMEOUT = 10.0

Clock = Callable[[], float]


def make_pkce_pair() -> tuple[str, str]:
    """``(code_verifier, code_challenge)``: 86 URL-safe random characters and their S256 challenge."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_url(
    client_id: str,
    redirect_uri: str,
    state: str,
    code_challenge: str,
    scope: str = LIBRARY_SCOPE,
    accounts_base_url: str = DEFAULT_ACCOUNTS_BASE_URL,
) -> str:
    """The URL to send the person to; Spotify redirects back to ``redirect_uri`` with code and state."""
    pkce = SpotifyPKCE(
        client_id=client_id, redirect_uri=redirect_uri, scope=scope,
        cache_handler=MemoryCacheHandler(), open_browser=False,
    )
    pkce.OAUTH_AUTHORIZE_URL = accounts_base_url.rstrip("/") + "/authorize"
    pkce.code_challenge = code_challenge  # set, so spotipy does not generate a pair of its own
    return pkce.get_authorize_url(state=state)


def _token_url(accounts_base_url: str) -> str:
    return accounts_base_url.rstrip("/") + "/api/token"


async def _post_token(
    http: httpx.AsyncClient,
    accounts_base_url: str,
    form: dict[str, str],
    client_id: str,
    client_secret: str | None,
    policy: RetryPolicy,
) -> tuple[dict | None, httpx.Response]:
    if client_secret:
        auth: httpx.Auth | None = httpx.BasicAuth(client_id, client_secret)
    else:
        auth, form = None, {**form, "client_id": client_id}

    async def send() -> httpx.Response:
        return await http.post(_token_url(accounts_base_url), data=form, auth=auth, timeout=TOKEN_TIMEOUT)

    response = await send_with_retry(send, policy)
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    return (body if isinstance(body, dict) else None), response


def _tokens_from(body: dict | None, clock: Clock, previous: SpotifyTokens | None = None) -> SpotifyTokens:
    try:
        if body is None:
            raise ValueError("the token response is not a JSON object")
        return SpotifyTokens(
            access_token=body["access_token"],
            # Spotify may omit a new refresh token; the old one then stays valid.
            refresh_token=body.get("refresh_token") or (previous.refresh_token if previous else None) or "",
            expires_at=clock() + float(body["expires_in"]),
            scope=body.get("scope") or (previous.scope if previous else ""),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedResponse("Spotify's sign-in service answered with something unreadable.",
                                service=SERVICE) from exc


def _raise_token_error(body: dict | None, response: httpx.Response, broken_message: str) -> None:
    error = (body or {}).get("error")
    if error == "invalid_grant":
        raise LinkBroken(broken_message, service=SERVICE)
    if error == "invalid_client":
        raise ConfigError("SPOTIFY_CLIENT_ID", "Spotify rejected the app's client id or secret")
    raise SourceError(
        f"Spotify refused the sign-in (HTTP {response.status_code}, {error or 'no error code'}).", service=SERVICE,
    )


async def exchange_code(
    http: httpx.AsyncClient,
    *,
    client_id: str,
    code: str,
    redirect_uri: str,
    code_verifier: str,
    client_secret: str | None = None,
    accounts_base_url: str = DEFAULT_ACCOUNTS_BASE_URL,
    policy: RetryPolicy = RetryPolicy(),
    clock: Clock = time.time,
) -> SpotifyTokens:
    """Trade the callback's ``code`` for tokens. A refused code raises ``LinkBroken``."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": code_verifier}
    body, response = await _post_token(http, accounts_base_url, form, client_id, client_secret, policy)
    if response.status_code != 200:
        _raise_token_error(body, response,
                           "Spotify did not accept that sign-in (it may have expired). Please run /link spotify again.")
    return _tokens_from(body, clock)


async def refresh(
    http: httpx.AsyncClient,
    *,
    client_id: str,
    tokens: SpotifyTokens,
    client_secret: str | None = None,
    accounts_base_url: str = DEFAULT_ACCOUNTS_BASE_URL,
    policy: RetryPolicy = RetryPolicy(),
    clock: Clock = time.time,
) -> SpotifyTokens:
    """New tokens from the refresh token. Spotify rotates it: store the result, the old one is dead.
    ``invalid_grant`` (revoked, rotated away, aged out) raises ``LinkBroken``."""
    form = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
    body, response = await _post_token(http, accounts_base_url, form, client_id, client_secret, policy)
    if response.status_code != 200:
        _raise_token_error(body, response,
                           "Spotify no longer lets AlbumDuel read your library. Please run /link spotify again.")
    return _tokens_from(body, clock, previous=tokens)
