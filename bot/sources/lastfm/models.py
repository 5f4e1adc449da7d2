"""What the Last.fm client returns."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LastfmSession:
    """A web-auth session: ``name`` is the Last.fm user name. The key never expires on its own (only when
    the user disconnects the app) and is a secret: it is kept out of ``repr``."""

    name: str
    session_key: str = field(repr=False)


@dataclass(frozen=True)
class LastfmAlbum:
    """One album of a user's chart. ``rank`` is 1 for the most played; ``cover_url`` is the largest real
    image (``None`` when Last.fm has only empty strings or its placeholder star)."""

    title: str
    artist: str
    mbid: str | None
    playcount: int
    cover_url: str | None
    rank: int
    artist_mbid: str | None = None


@dataclass(frozen=True)
class TopAlbumsProgress:
    """Reported after each page: ``page`` of ``total_pages`` fetched, ``albums`` kept so far, ``done``
    once no more pages will be fetched (the last page, or playcounts fell below the cutoff)."""

    page: int
    total_pages: int
    albums: int
    done: bool
