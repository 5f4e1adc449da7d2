"""Reading ``user.getTopAlbums`` JSON into ``LastfmAlbum`` rows, tolerating Last.fm's odd data."""

from __future__ import annotations

from typing import Any

from bot.errors import MalformedResponse
from bot.sources.lastfm.errors import SERVICE
from bot.sources.lastfm.models import LastfmAlbum

_SIZE_ORDER = {"small": 0, "medium": 1, "large": 2, "extralarge": 3, "mega": 4}
# The grey star Last.fm lists in place of a missing cover.
PLACEHOLDER_IMAGE_HASH = "2a96cbd8b46e442fc41c2b86b821562f"


def _malformed(what: str) -> MalformedResponse:
    return MalformedResponse(f"Last.fm sent an album chart we could not read ({what}).", service=SERVICE)


def largest_image(images: object) -> str | None:
    """The URL of the largest listed size with a real picture, or ``None``."""
    if not isinstance(images, list):
        return None
    best: tuple[int, str] | None = None
    for image in images:
        if not isinstance(image, dict):
            continue
        url = str(image.get("#text") or "").strip()
        if not url or PLACEHOLDER_IMAGE_HASH in url:
            continue
        order = _SIZE_ORDER.get(str(image.get("size", "")), -1)
        if best is None or order >= best[0]:
            best = (order, url)
    return best[1] if best else None


def _int(value: object, default: int) -> int:
    try:
        return int(str(value))
    except ValueError:
        return default


def parse_album(entry: Any, fallback_rank: int) -> LastfmAlbum:
    if not isinstance(entry, dict) or not isinstance(entry.get("artist"), dict):
        raise _malformed("an album entry without an artist")
    title = str(entry.get("name") or "").strip()
    artist = str(entry["artist"].get("name") or "").strip()
    if not title or not artist:
        raise _malformed("an album without a title or artist")
    attrs = entry.get("@attr") if isinstance(entry.get("@attr"), dict) else {}
    return LastfmAlbum(
        title=title,
        artist=artist,
        mbid=str(entry.get("mbid") or "").strip() or None,
        playcount=_int(entry.get("playcount", "0"), 0),
        cover_url=largest_image(entry.get("image")),
        rank=_int(attrs.get("rank", fallback_rank), fallback_rank),
        artist_mbid=str(entry["artist"].get("mbid") or "").strip() or None,
    )


def parse_top_albums_page(payload: dict[str, Any]) -> tuple[list[LastfmAlbum], int]:
    """The albums on one page and the chart's ``totalPages``."""
    chart = payload.get("topalbums")
    if not isinstance(chart, dict) or not isinstance(chart.get("@attr"), dict):
        raise _malformed("no topalbums")
    attrs = chart["@attr"]
    total_pages = _int(attrs.get("totalPages", ""), -1)
    page = _int(attrs.get("page", "1"), 1)
    per_page = _int(attrs.get("perPage", "50"), 50)
    if total_pages < 0:
        raise _malformed("no totalPages")
    entries = chart.get("album", [])
    if isinstance(entries, dict):  # a one-album page can come back as a bare object
        entries = [entries]
    if not isinstance(entries, list):
        raise _malformed("album is not a list")
    first_rank = (page - 1) * per_page + 1
    return [parse_album(entry, first_rank + i) for i, entry in enumerate(entries)], total_pages
