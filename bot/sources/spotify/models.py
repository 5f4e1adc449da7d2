"""Typed results of the Spotify client, the parsing of Web API objects into them, and the import rule."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from bot.errors import MalformedResponse

SERVICE = "spotify"
DEFAULT_MIN_TRACKS = 6

AlbumSource = Literal["saved_tracks", "saved_albums"]


@dataclass(frozen=True)
class SpotifyTokens:
    access_token: str
    refresh_token: str
    expires_at: float  # epoch seconds
    scope: str

    def __repr__(self) -> str:  # keeps tokens out of logs and tracebacks
        return f"SpotifyTokens(expires_at={self.expires_at:.0f}, scope={self.scope!r})"


@dataclass(frozen=True)
class SpotifyAccount:
    account_id: str  # what identifies the linked account (not the legacy ``id``)
    display_name: str | None
    user_id: str


@dataclass(frozen=True)
class SpotifyAlbum:
    spotify_id: str
    title: str
    artists: tuple[str, ...]
    artist_ids: tuple[str, ...]
    year: int | None
    cover_url: str | None
    album_type: str  # "album", "single" (singles and EPs) or "compilation"
    total_tracks: int
    source: AlbumSource
    # Saved tracks from this album within the page that carried it (0 for saved albums).
    saved_track_count: int = 0


@dataclass(frozen=True)
class SavedPage:
    """One page of a saved-items walk, yielded in offset order so a caller can persist ``next_offset``."""

    offset: int
    limit: int
    total: int
    items_seen: int  # saved items in this page, before filtering
    albums: list[SpotifyAlbum]

    @property
    def next_offset(self) -> int:
        # By the requested window, not len(items): Spotify may return a short page mid-list (items it
        # cannot show), and resuming must not fetch that window again.
        return min(self.offset + self.limit, max(self.total, self.offset))

    @property
    def is_last(self) -> bool:
        return self.next_offset >= self.total


@dataclass(frozen=True)
class SpotifyProgress:
    phase: AlbumSource
    done: int  # saved items read so far (including a resumed offset)
    total: int | None
    wait_seconds: float | None = None

    @property
    def message(self) -> str:
        if self.wait_seconds is not None:
            return f"Spotify asked us to wait {self.wait_seconds:g} s"
        what = "saved tracks" if self.phase == "saved_tracks" else "saved albums"
        return f"Read {self.done} of {self.total if self.total is not None else '?'} {what}"


ProgressCallback = Callable[[SpotifyProgress], Awaitable[None] | None]


def year_from_release_date(release_date: str | None) -> int | None:
    """``"1999"``, ``"1999-05"`` and ``"1999-05-03"`` all give 1999; ``"0000"`` or junk give None."""
    if not release_date or len(release_date) < 4 or not release_date[:4].isdigit():
        return None
    year = int(release_date[:4])
    return year if year > 0 else None


def largest_image(images: list[dict] | None) -> str | None:
    candidates = [im for im in images or [] if im.get("url")]
    if not candidates:
        return None
    return max(candidates, key=lambda im: (im.get("width") or 0) * (im.get("height") or 0))["url"]


def parse_album(obj: dict, source: AlbumSource, saved_track_count: int = 0) -> SpotifyAlbum:
    try:
        artists = obj.get("artists") or []
        return SpotifyAlbum(
            spotify_id=obj["id"],
            title=obj["name"],
            artists=tuple(a["name"] for a in artists),
            artist_ids=tuple(a["id"] for a in artists if a.get("id")),
            year=year_from_release_date(obj.get("release_date")),
            cover_url=largest_image(obj.get("images")),
            album_type=obj.get("album_type") or "album",
            total_tracks=int(obj.get("total_tracks") or (obj.get("tracks") or {}).get("total") or 0),
            source=source,
            saved_track_count=saved_track_count,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedResponse("Spotify sent an album we could not read.", service=SERVICE) from exc


def albums_of_saved_tracks(items: list[dict]) -> list[SpotifyAlbum]:
    """Group a page of saved tracks by album, counting the saved tracks of each, first-seen order."""
    counts: dict[str, int] = {}
    objects: dict[str, dict] = {}
    for item in items:
        album = ((item or {}).get("track") or {}).get("album") or {}
        album_id = album.get("id")
        if not album_id:  # local files and unavailable tracks carry no album id
            continue
        objects.setdefault(album_id, album)
        counts[album_id] = counts.get(album_id, 0) + 1
    return [parse_album(objects[a], "saved_tracks", counts[a]) for a in objects]


def albums_of_saved_albums(items: list[dict]) -> list[SpotifyAlbum]:
    return [parse_album(item["album"], "saved_albums") for item in items if (item or {}).get("album")]


def keep_album(album: SpotifyAlbum, min_tracks: int = DEFAULT_MIN_TRACKS) -> bool:
    """The import rule: a saved album is always kept; an album reached through saved tracks only when
    it is a full album (not a single, EP or compilation) of at least ``min_tracks`` tracks."""
    if album.source == "saved_albums":
        return True
    return album.album_type == "album" and album.total_tracks >= min_tracks
