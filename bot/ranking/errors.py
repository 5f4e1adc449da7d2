"""Errors the ranking engine raises; each carries the sentence a person sees."""

from __future__ import annotations

from bot.errors import NotEnoughAlbums, NotFound, UserError


class TooFewAlbumsToDuel(NotEnoughAlbums):
    """Fewer than two albums are available, so there is no pair to offer."""

    def __init__(self, available: int) -> None:
        super().__init__(
            "You need at least two albums to start a duel. Import some albums first "
            f"(you have {available} available)."
        )
        self.available = available


class NoVoteToUndo(UserError):
    """``undo`` was asked for but there is no recorded vote it can take back."""

    def __init__(self) -> None:
        super().__init__("There is no vote to take back.")


class AlbumNotRanked(NotFound):
    """An album id the ranker does not know (removed, merged, or never imported)."""

    def __init__(self, album_id: int) -> None:
        super().__init__("That album is no longer in your collection.")
        self.album_id = album_id
