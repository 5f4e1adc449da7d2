"""What an Album of the Year import yields."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AotyRating:
    """One album a user rated. ``score`` is the user's score out of 100, None when the site shows "NR"."""

    title: str
    artist: str
    year: int | None
    cover_url: str | None
    score: float | None
    aoty_url: str | None


@dataclass(frozen=True)
class PageProgress:
    """Reported after each ratings page is read: ``albums_so_far`` counts distinct albums."""

    page: int
    total_pages: int
    albums_so_far: int
