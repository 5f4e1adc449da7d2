"""What an importer hands the catalogue: one album as a source describes it, plus what the source says
about how much this person likes it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class IncomingAlbum:
    title: str
    artists: list[str]
    source: str  # "spotify" | "lastfm" | "aoty"
    year: int | None = None
    cover_url: str | None = None
    spotify_id: str | None = None
    mbid: str | None = None
    aoty_url: str | None = None
    # priors
    aoty_score: float | None = None
    lastfm_playcount: int | None = None
    spotify_saved_album: bool = False
    spotify_saved_tracks: int = 0


@dataclass
class ImportSummary:
    """Counts for the person: how the import changed their collection and the catalogue."""

    received: int = 0
    new_to_catalogue: int = 0
    added_to_collection: int = 0
    already_in_collection: int = 0
    skipped: int = 0
    merged: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped += 1
        self.skipped_reasons[reason] = self.skipped_reasons.get(reason, 0) + 1

    def add(self, other: "ImportSummary") -> None:
        self.received += other.received
        self.new_to_catalogue += other.new_to_catalogue
        self.added_to_collection += other.added_to_collection
        self.already_in_collection += other.already_in_collection
        self.merged += other.merged
        for reason, count in other.skipped_reasons.items():
            self.skipped += count
            self.skipped_reasons[reason] = self.skipped_reasons.get(reason, 0) + count
