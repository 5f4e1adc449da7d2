"""An emulated Spotify (accounts service and Web API) for tests and the local try-it mode."""

from bot.sandbox.spotify.data import album_object, full_album_object, track_object
from bot.sandbox.spotify.server import (
    ALBUMS_PATH,
    AUTHORIZE_PATH,
    ME_PATH,
    TOKEN_PATH,
    TRACKS_PATH,
    SpotifyEmulator,
)
from bot.sandbox.spotify.state import Fault

__all__ = [
    "ALBUMS_PATH", "AUTHORIZE_PATH", "ME_PATH", "TOKEN_PATH", "TRACKS_PATH",
    "Fault", "SpotifyEmulator", "album_object", "full_album_object", "track_object",
]
