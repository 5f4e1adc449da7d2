"""The shared album catalogue: album identity, storing imports, merges and artwork."""

from bot.catalog.identity import (
    AlbumIdentity,
    AlbumRef,
    album_identity,
    identity_key,
    normalise_artist,
    normalise_title,
    primary_artist,
    same_album,
)

__all__ = [
    "AlbumIdentity",
    "AlbumRef",
    "album_identity",
    "identity_key",
    "normalise_artist",
    "normalise_title",
    "primary_artist",
    "same_album",
]
