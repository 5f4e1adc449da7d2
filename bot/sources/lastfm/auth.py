"""Last.fm web auth: the consent URL we send people to, request signing, and the token exchange.

The exchange (``auth.getSession``) goes through pylast, unmodified: it signs the call and parses the
XML answer. pylast always speaks ``https://{ws_server host}``; for an ``http://`` API base URL (the
local emulator) we mount, through its public ``proxy`` hook, an httpx2 transport that puts the scheme
back. pylast is synchronous, so the exchange runs in a worker thread.
"""

from __future__ import annotations

import hashlib
import logging
from urllib.parse import urlencode, urlsplit

import httpx2
import pylast

from bot.errors import MalformedResponse
from bot.sources.lastfm.errors import SERVICE, error_for_code, unavailable
from bot.sources.lastfm.models import LastfmSession
from bot.sources.lastfm.retry import RetryableFailure

DEFAULT_AUTH_URL = "https://www.last.fm/api/auth/"
TOKEN_EXCHANGE = "token exchange"
_UNSIGNED_PARAMS = ("api_sig", "format", "callback")


class _DropResponseDumps(logging.Filter):
    """pylast logs every response body at DEBUG, and auth.getSession's body holds the session key."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


logging.getLogger("pylast").addFilter(_DropResponseDumps())


def auth_url(api_key: str, cb: str, auth_base_url: str = DEFAULT_AUTH_URL) -> str:
    """The page where a person approves AlbumDuel; Last.fm then redirects to ``cb`` + ``&token=...``,
    so ``cb`` may carry our own state in its query."""
    separator = "&" if urlsplit(auth_base_url).query else "?"
    return f"{auth_base_url}{separator}{urlencode({'api_key': api_key, 'cb': cb})}"


def api_signature(params: dict[str, str], secret: str) -> str:
    """``api_sig``: md5 of the parameters sorted by name as ``name+value`` (UTF-8, not URL-encoded),
    leaving out ``format`` and ``callback``, followed by the shared secret."""
    text = "".join(f"{key}{params[key]}" for key in sorted(params) if key not in _UNSIGNED_PARAMS)
    return hashlib.md5((text + secret).encode("utf-8")).hexdigest()


class _PlainHttpTransport(httpx2.HTTPTransport):
    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.url = request.url.copy_with(scheme="http")
        return super().handle_request(request)


def pylast_network(api_base_url: str, api_key: str, api_secret: str) -> pylast.LastFMNetwork:
    """A pylast network aimed at ``api_base_url`` (the real API, or an emulator on http://)."""
    parts = urlsplit(api_base_url)
    proxy = {"https://": _PlainHttpTransport()} if parts.scheme == "http" else None
    network = pylast.LastFMNetwork(api_key=api_key, api_secret=api_secret, proxy=proxy)
    network.ws_server = (parts.netloc, parts.path or "/")
    return network


def exchange_token_blocking(api_base_url: str, api_key: str, api_secret: str, token: str) -> LastfmSession:
    """One signed ``auth.getSession`` call (blocking). Raises ``RetryableFailure`` for what may pass
    (5xx, network, codes 8/11/16/29), ``LinkFailed``/``ConfigError``/``SourceError`` otherwise."""
    network = pylast_network(api_base_url, api_key, api_secret)
    try:
        key, name = pylast.SessionKeyGenerator(network).get_web_auth_session_key_username(url=None, token=token)
    except pylast.WSError as error:
        if isinstance(error.status, int):  # pylast gives the HTTP status for 5xx, without the body
            raise RetryableFailure(unavailable()) from None
        code = int(error.status) if str(error.status).isdigit() else 0
        problem = error_for_code(code, error.details, step=TOKEN_EXCHANGE)
        if getattr(problem, "retryable", False):
            raise RetryableFailure(problem) from None  # type: ignore[arg-type]
        raise problem from None
    except pylast.NetworkError:
        raise RetryableFailure(unavailable("Could not reach Last.fm")) from None
    except (pylast.MalformedResponseError, IndexError, AttributeError):
        raise MalformedResponse("Last.fm sent an answer we could not read.", service=SERVICE) from None
    return LastfmSession(name=str(name), session_key=str(key))
