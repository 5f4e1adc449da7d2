"""What the Last.fm emulator knows: API applications, users, their charts, tokens and sessions."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from urllib.parse import quote_plus

IMAGE_SIZES = ("small", "medium", "large", "extralarge")
_IMAGE_PIXELS = {"small": "34s", "medium": "64s", "large": "174s", "extralarge": "300x300"}
_CDN = "https://lastfm.freetls.fastly.net/i/u"
# Last.fm serves this grey star instead of a missing cover; clients should treat it as "no image".
PLACEHOLDER_IMAGE_HASH = "2a96cbd8b46e442fc41c2b86b821562f"
PERIODS = ("overall", "7day", "1month", "3month", "6month", "12month")


def image_set(image_hash: str | None) -> tuple[str, ...]:
    """The four sizes Last.fm lists for one picture; ``None`` gives the empty strings it sends when none."""
    if image_hash is None:
        return ("",) * len(IMAGE_SIZES)
    return tuple(f"{_CDN}/{_IMAGE_PIXELS[size]}/{image_hash}.png" for size in IMAGE_SIZES)


@dataclass
class EmulatedAlbum:
    """One row of a user's album chart. ``images`` holds a URL (or "") per size in ``IMAGE_SIZES``."""

    name: str
    artist: str
    playcount: int
    mbid: str = ""
    artist_mbid: str = ""
    images: tuple[str, ...] = ("",) * len(IMAGE_SIZES)

    @property
    def url(self) -> str:
        return f"https://www.last.fm/music/{quote_plus(self.artist)}/{quote_plus(self.name)}"

    @property
    def artist_url(self) -> str:
        return f"https://www.last.fm/music/{quote_plus(self.artist)}"


@dataclass
class EmulatedUser:
    name: str
    top_albums: list[EmulatedAlbum] = field(default_factory=list)
    # Charts for the shorter periods; a period not listed here has no plays.
    period_albums: dict[str, list[EmulatedAlbum]] = field(default_factory=dict)
    # "Hide recent listening information": anonymous reads of the charts answer error 17.
    private: bool = False
    realname: str = ""
    country: str = "None"
    registered: int = 1_200_000_000

    def chart(self, period: str) -> list[EmulatedAlbum]:
        albums = self.top_albums if period == "overall" else self.period_albums.get(period, [])
        # Charts are ordered by playcount, ties in insertion order, like the real listing.
        return sorted(albums, key=lambda album: -album.playcount)

    @property
    def playcount(self) -> int:
        return sum(album.playcount for album in self.top_albums)


@dataclass
class ApiApplication:
    api_key: str
    secret: str
    callback_url: str | None = None
    suspended: bool = False


@dataclass
class IssuedToken:
    """A web-auth token. ``user`` is set once someone approved it; ``used`` after auth.getSession."""

    token: str
    api_key: str
    issued_at: float
    user: str | None = None
    used: bool = False


@dataclass
class IssuedSession:
    key: str
    api_key: str
    user: str
    revoked: bool = False


_WORDS = (
    "Blue", "Midnight", "Glass", "Northern", "Silver", "Echo", "Paper", "Golden", "Quiet", "Electric",
    "Summer", "Ghost", "Velvet", "Broken", "Crystal", "Wild", "Hollow", "Neon", "Burning", "Distant",
)
_NOUNS = (
    "Lines", "Hearts", "Rivers", "Machines", "Gardens", "Nights", "Waves", "Cities", "Dreams", "Songs",
    "Lights", "Rooms", "Skies", "Roads", "Fires", "Stones", "Birds", "Mirrors", "Tides", "Years",
)
# Real charts are full of non-ASCII names; a client must carry them through untouched.
_ODD_ALBUMS = (
    ("Ágætis byrjun", "Sigur Rós"), ("Homogenic", "Björk"), ("音楽図鑑", "坂本龍一"),
    ("Ace of Spades", "Motörhead"), ("Дети декабря", "Кино"), ("¿Dónde están?", "Los Ñandúes"),
    ("Sin título ☆", "Ünïcødé & Friends"),
)


def _fake_mbid(rng: random.Random) -> str:
    hex_digits = "".join(rng.choice("0123456789abcdef") for _ in range(32))
    return f"{hex_digits[:8]}-{hex_digits[8:12]}-{hex_digits[12:16]}-{hex_digits[16:20]}-{hex_digits[20:]}"


def generate_albums(n: int, seed: int, *, top_playcount: int = 800) -> list[EmulatedAlbum]:
    """A plausible chart of ``n`` albums: long-tailed playcounts reaching 0, and the odd data of real charts.

    About 40% of albums have no MBID, 10% no images (empty strings), 5% the placeholder star, and a few
    carry non-ASCII names. The same seed always gives the same chart.
    """
    rng = random.Random(seed)
    artists = [f"{rng.choice(_WORDS)} {rng.choice(_NOUNS)}" for _ in range(max(1, n // 6))]
    artist_mbids = {artist: (_fake_mbid(rng) if rng.random() < 0.7 else "") for artist in artists}
    albums: list[EmulatedAlbum] = []
    seen: set[tuple[str, str]] = set()
    for rank in range(1, n + 1):
        # Zipf-like decay so that a 3-play cutoff falls somewhere inside a long chart.
        playcount = int(top_playcount / rank ** 0.9) if rank < n else 0
        if rank <= len(_ODD_ALBUMS) and rank % 2 == 0:
            name, artist = _ODD_ALBUMS[rank - 1]
        else:
            artist = rng.choice(artists)
            name = f"{rng.choice(_WORDS)} {rng.choice(_NOUNS)}"
        if (name, artist) in seen:
            name = f"{name} ({rank})"
        seen.add((name, artist))
        roll = rng.random()
        if roll < 0.10:
            images = image_set(None)
        elif roll < 0.15:
            images = image_set(PLACEHOLDER_IMAGE_HASH)
        else:
            images = image_set(f"{rng.getrandbits(128):032x}")
        albums.append(EmulatedAlbum(
            name=name, artist=artist, playcount=playcount,
            mbid=_fake_mbid(rng) if rng.random() < 0.6 else "",
            artist_mbid=artist_mbids.get(artist, ""), images=images,
        ))
    return albums
