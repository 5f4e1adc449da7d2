"""Spotify Web API objects in their wire shape, and a seeded generator of whole libraries.

The shapes follow the public Web API reference (simplified album inside a track, full album with a
``tracks`` page inside a saved album). The generator deliberately mixes in the odd data real libraries
hold: singles and EPs (Spotify calls both ``album_type: "single"``), compilations, albums without
artwork, release dates at year / month / day precision and the ``"0000"`` date of unknown releases.
"""

from __future__ import annotations

import random
import string
from datetime import datetime, timedelta, timezone

_BASE62 = string.digits + string.ascii_letters
_IMAGE_SIZES = (640, 300, 64)
_EPOCH = datetime(2026, 11, 1, tzinfo=timezone.utc)


def spotify_id(rng: random.Random) -> str:
    """A 22-character base62 id, as Spotify uses for every object."""
    number = rng.getrandbits(131)  # 62**22 > 2**130: every id has 22 digits' worth of entropy
    digits = []
    for _ in range(22):
        number, digit = divmod(number, 62)
        digits.append(_BASE62[digit])
    return "".join(digits)


def _precision(release_date: str) -> str:
    return {4: "year", 7: "month"}.get(len(release_date), "day")


def artist_object(artist_id: str, name: str) -> dict:
    return {
        "external_urls": {"spotify": f"https://open.spotify.com/artist/{artist_id}"},
        "href": f"https://api.spotify.com/v1/artists/{artist_id}",
        "id": artist_id,
        "name": name,
        "type": "artist",
        "uri": f"spotify:artist:{artist_id}",
    }


def album_object(
    album_id: str,
    name: str,
    artists: list[tuple[str, str]],
    *,
    album_type: str = "album",
    total_tracks: int = 10,
    release_date: str = "1999-05-03",
    with_images: bool = True,
) -> dict:
    """A simplified album object: what ``track.album`` holds in ``/me/tracks``."""
    images = [
        {"url": f"https://i.scdn.co/image/{album_id}-{size}", "height": size, "width": size}
        for size in _IMAGE_SIZES
    ] if with_images else []
    return {
        "album_type": album_type,
        "total_tracks": total_tracks,
        "available_markets": ["DE", "GB", "US"],
        "external_urls": {"spotify": f"https://open.spotify.com/album/{album_id}"},
        "href": f"https://api.spotify.com/v1/albums/{album_id}",
        "id": album_id,
        "images": images,
        "name": name,
        "release_date": release_date,
        "release_date_precision": _precision(release_date),
        "type": "album",
        "uri": f"spotify:album:{album_id}",
        "artists": [artist_object(a_id, a_name) for a_id, a_name in artists],
    }


def track_object(track_id: str, name: str, album: dict, *, track_number: int = 1) -> dict:
    """A full track object carrying its simplified album, as in ``/me/tracks`` items."""
    return {
        "album": album,
        "artists": album["artists"],
        "available_markets": ["DE", "GB", "US"],
        "disc_number": 1,
        "duration_ms": 180_000 + track_number * 7_000,
        "explicit": False,
        "external_ids": {"isrc": f"EMU{track_id[:9].upper()}"},
        "external_urls": {"spotify": f"https://open.spotify.com/track/{track_id}"},
        "href": f"https://api.spotify.com/v1/tracks/{track_id}",
        "id": track_id,
        "is_local": False,
        "name": name,
        "popularity": 50,
        "preview_url": None,
        "track_number": track_number,
        "type": "track",
        "uri": f"spotify:track:{track_id}",
    }


def full_album_object(album: dict, *, label: str = "Emulated Records") -> dict:
    """A full album object (``/me/albums`` items) built from a simplified one."""
    album_id = album["id"]
    shown = min(album["total_tracks"], 50)
    tracks = [
        {
            "artists": album["artists"],
            "disc_number": 1,
            "duration_ms": 200_000,
            "explicit": False,
            "href": f"https://api.spotify.com/v1/tracks/{album_id[:12]}{n:010d}",
            "id": f"{album_id[:12]}{n:010d}",
            "is_local": False,
            "name": f"{album['name']} – track {n}",
            "track_number": n,
            "type": "track",
            "uri": f"spotify:track:{album_id[:12]}{n:010d}",
        }
        for n in range(1, shown + 1)
    ]
    href = f"https://api.spotify.com/v1/albums/{album_id}/tracks?offset=0&limit=50"
    return {
        **album,
        "tracks": {
            "href": href,
            "limit": 50,
            "next": None if album["total_tracks"] <= 50
            else f"https://api.spotify.com/v1/albums/{album_id}/tracks?offset=50&limit=50",
            "offset": 0,
            "previous": None,
            "total": album["total_tracks"],
            "items": tracks,
        },
        "copyrights": [{"text": f"(P) {label}", "type": "P"}],
        "external_ids": {"upc": album_id[:12].upper()},
        "genres": [],
        "label": label,
        "popularity": 40,
    }


def added_at(index: int) -> str:
    """Saved items come newest first; item ``index`` was saved ``index`` hours before the epoch."""
    return (_EPOCH - timedelta(hours=index)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _random_release_date(rng: random.Random) -> str:
    year = rng.randint(1960, 2026)
    kind = rng.random()
    if kind < 0.02:
        return "0000"  # Spotify's placeholder for an unknown date
    if kind < 0.15:
        return str(year)
    if kind < 0.25:
        return f"{year}-{rng.randint(1, 12):02d}"
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def random_album(rng: random.Random, serial: int) -> dict:
    """One album of a plausible mix: mostly LPs, some singles/EPs/compilations, odd dates and art."""
    roll = rng.random()
    if roll < 0.70:
        album_type, total = "album", rng.randint(6, 22)
    elif roll < 0.82:
        album_type, total = "single", rng.randint(1, 3)
    elif roll < 0.90:
        album_type, total = "single", rng.randint(4, 6)  # an EP: Spotify files EPs as singles
    elif roll < 0.96:
        album_type, total = "compilation", rng.randint(10, 40)
    else:
        album_type, total = "album", 5  # a short LP: kept out by the 6-track rule
    n_artists = 2 if rng.random() < 0.1 else 1
    artists = [(spotify_id(rng), f"Artist {serial}-{k}") for k in range(n_artists)]
    return album_object(
        spotify_id(rng), f"Album {serial}", artists,
        album_type=album_type, total_tracks=total,
        release_date=_random_release_date(rng), with_images=rng.random() > 0.05,
    )


def generate_saved_items(n_tracks: int, n_albums: int, seed: int) -> tuple[list[dict], list[dict]]:
    """``(saved_tracks, saved_albums)`` items with ``added_at``, deterministic for a seed.

    Saved tracks cluster on albums (a few to a whole album each), as real libraries do; about a third of
    the saved albums are also albums some saved tracks come from.
    """
    rng = random.Random(seed)
    serial = 0
    track_albums: list[dict] = []
    tracks: list[dict] = []
    while len(tracks) < n_tracks:
        serial += 1
        album = random_album(rng, serial)
        track_albums.append(album)
        count = min(album["total_tracks"], rng.randint(1, 12), n_tracks - len(tracks))
        for number in rng.sample(range(1, album["total_tracks"] + 1), count):
            tracks.append(track_object(spotify_id(rng), f"Song {len(tracks)}", album, track_number=number))
    rng.shuffle(tracks)
    saved_tracks = [{"added_at": added_at(i), "track": t} for i, t in enumerate(tracks)]

    albums: list[dict] = []
    reuse = rng.sample(track_albums, min(len(track_albums), n_albums // 3))
    albums.extend(reuse)
    while len(albums) < n_albums:
        serial += 1
        albums.append(random_album(rng, serial))
    saved_albums = [{"added_at": added_at(i), "album": full_album_object(a)} for i, a in enumerate(albums)]
    return saved_tracks, saved_albums
