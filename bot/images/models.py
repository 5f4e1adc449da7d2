"""Plain data the image layer draws from: what a duel tile is labelled with and one chart cell."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AlbumLabel:
    """How an album is named under its cover (and on its placeholder when it has none)."""

    title: str
    artist: str
    year: int | None = None


@dataclass(frozen=True, slots=True)
class ChartItem:
    """One cell of a /rankings chart: the album's position and its cover bytes (None when missing)."""

    rank: int
    title: str
    artist: str
    cover: bytes | None = None
