"""Spotify: OAuth (PKCE) helpers, token refresh, and the Web API client that reads a person's library."""

from bot.sources.spotify.library import DEFAULT_API_BASE_URL, PAGE_LIMIT, SpotifyLibraryClient
from bot.sources.spotify.models import (
    DEFAULT_MIN_TRACKS,
    SavedPage,
    SpotifyAccount,
    SpotifyAlbum,
    SpotifyProgress,
    SpotifyTokens,
    keep_album,
    year_from_release_date,
)
from bot.sources.spotify.oauth import (
    DEFAULT_ACCOUNTS_BASE_URL,
    LIBRARY_SCOPE,
    authorize_url,
    exchange_code,
    make_pkce_pair,
    refresh,
)
from bot.sources.spotify.retry import RetryPolicy
from bot.sources.spotify.tokens import (
    AccessTokenSource,
    InMemoryTokenStore,
    SpotifyTokenProvider,
    TokenStore,
)

__all__ = [
    "DEFAULT_ACCOUNTS_BASE_URL", "DEFAULT_API_BASE_URL", "DEFAULT_MIN_TRACKS", "LIBRARY_SCOPE", "PAGE_LIMIT",
    "AccessTokenSource", "InMemoryTokenStore", "RetryPolicy", "SavedPage", "SpotifyAccount", "SpotifyAlbum",
    "SpotifyLibraryClient", "SpotifyProgress", "SpotifyTokenProvider", "SpotifyTokens", "TokenStore",
    "authorize_url", "exchange_code", "keep_album", "make_pkce_pair", "refresh", "year_from_release_date",
]
