"""Plain data the services hand to the cogs for rendering."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AlbumCard:
    album_id: int
    title: str
    artist: str
    year: int | None
    cover_url: str | None


@dataclass(frozen=True)
class DuelCard:
    duel_id: str
    owner_id: int
    owner_name: str
    album_a: AlbumCard
    album_b: AlbumCard
    votes: int              # the owner's votes in total
    settled: float          # 0..1
    private: bool
    notice: str | None = None   # what the last click did, e.g. "Took back: X over Y"


@dataclass(frozen=True)
class DuelEnded:
    """No pair is left to show (everything excluded); the message says so instead of a duel."""

    owner_id: int
    message: str
    votes: int = 0
    settled: float = 0.0
    notices: list[str] = field(default_factory=list)
