"""Last.fm: web auth (``auth_url``, ``LastfmClient.get_session``) and album charts (``top_albums``)."""

from bot.sources.lastfm.auth import DEFAULT_AUTH_URL, api_signature, auth_url
from bot.sources.lastfm.client import DEFAULT_API_BASE_URL, LastfmClient
from bot.sources.lastfm.models import LastfmAlbum, LastfmSession, TopAlbumsProgress
from bot.sources.lastfm.retry import RetryPolicy

__all__ = [
    "DEFAULT_API_BASE_URL", "DEFAULT_AUTH_URL", "LastfmAlbum", "LastfmClient", "LastfmSession",
    "RetryPolicy", "TopAlbumsProgress", "api_signature", "auth_url",
]
