"""Album identity: deciding whether two descriptions of an album, from any source, are the same album.

Order of evidence: the Spotify id, then the MusicBrainz id, then the normalised (title, primary artist)
key. An identifier that both sides have and that differs ends the question: not the same album.

The key stored in ``albums.identity_key`` is ``"<title>|<primary artist>"`` (see ``bot.catalog.normalise``
and ``docs/catalog-identity.md``). Equal keys make two rows candidates; ``same_album`` is the decision and
adds one check the key cannot hold: self-titled albums by one artist ("Peter Gabriel" 1977 and 1978) are
told apart by their years.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.catalog.normalise import (
    VARIOUS_TOKEN,
    full_artists,
    normalise_artist,
    normalise_title,
    primary_artist,
    title_form,
)

__all__ = [
    "AlbumIdentity",
    "AlbumRef",
    "VARIOUS_TOKEN",
    "album_identity",
    "identity_key",
    "normalise_artist",
    "normalise_title",
    "primary_artist",
    "same_album",
]

KEY_SEPARATOR = "|"
_MAX_TITLE_KEY = 440  # albums.identity_key is String(600)
_MAX_ARTIST_KEY = 150
_SELF_TITLED_YEAR_GAP = 2  # a reissue dated a year later is common; two years apart is another album


@dataclass(frozen=True, slots=True)
class AlbumRef:
    """An album as one source describes it. ``artists`` is Spotify's list or a Last.fm/AOTY string."""

    title: str
    artists: Sequence[str] | str
    year: int | None = None
    spotify_id: str | None = None
    mbid: str | None = None


@dataclass(frozen=True, slots=True)
class AlbumIdentity:
    """The normalised identity of one album description."""

    key: str  # "<title_key>|<artist_key>", what albums.identity_key stores
    title_key: str
    artist_key: str  # the primary artist, or VARIOUS_TOKEN for compilations
    artists_key: str  # every credited name, normalised whole, joined with "+" (audit only)
    live: bool
    soundtrack: bool
    compilation: bool
    edition: bool  # an edition suffix was removed from the title
    self_titled: bool


def album_identity(title: str, artists: Sequence[str] | str) -> AlbumIdentity:
    form = title_form(title or "")
    title_key = form.key[:_MAX_TITLE_KEY]
    artist_key = primary_artist(artists or "")[:_MAX_ARTIST_KEY]
    return AlbumIdentity(
        key=f"{title_key}{KEY_SEPARATOR}{artist_key}",
        title_key=title_key,
        artist_key=artist_key,
        artists_key=full_artists(artists or ""),
        live=form.live,
        soundtrack=form.soundtrack,
        compilation=artist_key == VARIOUS_TOKEN,
        edition=form.edition,
        self_titled=bool(title_key) and title_key == artist_key,
    )


def identity_key(title: str, artists: Sequence[str] | str) -> str:
    """The normalised (title, primary artist) key: ("Abbey Road (Remastered 2009)", ["The Beatles"]) ->
    "abbeyroad|beatles". Pure and deterministic; never raises on odd text."""
    return f"{normalise_title(title or '')[:_MAX_TITLE_KEY]}{KEY_SEPARATOR}{primary_artist(artists or '')[:_MAX_ARTIST_KEY]}"


def _same_id(a: str | None, b: str | None) -> bool | None:
    """True/False when both sides carry the identifier, None when it cannot decide."""
    a, b = (a or "").strip().lower(), (b or "").strip().lower()
    if a and b:
        return a == b
    return None


def same_album(a: AlbumRef, b: AlbumRef) -> bool:
    """Whether two descriptions are one album: Spotify id, then MBID, then the identity key."""
    for decided in (_same_id(a.spotify_id, b.spotify_id), _same_id(a.mbid, b.mbid)):
        if decided is not None:
            return decided
    left, right = album_identity(a.title, a.artists), album_identity(b.title, b.artists)
    if not left.title_key or not left.artist_key or left.key != right.key:
        return False
    if (left.self_titled and a.year and b.year and abs(a.year - b.year) >= _SELF_TITLED_YEAR_GAP
            and not (left.edition or right.edition)):
        return False
    return True
