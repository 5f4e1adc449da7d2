"""A local emulator of Last.fm's web auth and web-service API (see ``server`` for what it models)."""

from bot.sandbox.lastfm.data import (
    IMAGE_SIZES, PLACEHOLDER_IMAGE_HASH, EmulatedAlbum, EmulatedUser, generate_albums, image_set,
)
from bot.sandbox.lastfm.server import ERRORS, LastfmEmulator, RecordedRequest, signature

__all__ = [
    "ERRORS", "IMAGE_SIZES", "PLACEHOLDER_IMAGE_HASH", "EmulatedAlbum", "EmulatedUser", "LastfmEmulator",
    "RecordedRequest", "generate_albums", "image_set", "signature",
]
