"""What the AOTY emulator knows: users and the albums they rated, plus a deterministic generator."""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

CDN = "https://cdn2.albumoftheyear.org"
# AOTY lists a user's ratings 60 to a page, the same grid size as its other album pages.
RATINGS_PER_PAGE = 60


@dataclass(frozen=True)
class AotyRatingSpec:
    """One album a user rated, as the emulator renders it.

    ``score`` None renders "NR" (no rating shown); ``year`` None renders an empty type line;
    ``cover_url`` None renders AOTY's "no cover" tile; ``lazy_cover`` puts the URL in ``data-src``
    behind a transparent placeholder, as the site does below the fold; ``album_id`` None lets the
    emulator number the album.
    """

    title: str
    artist: str
    year: int | None = None
    cover_url: str | None = None
    score: int | None = None
    lazy_cover: bool = True
    album_id: int | None = None


@dataclass
class EmulatedUser:
    name: str
    ratings: list[AotyRatingSpec]


def slugify(text: str) -> str:
    """AOTY's URL slugs: ASCII, lowercase, words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "untitled"


def album_path(album_id: int, spec: AotyRatingSpec) -> str:
    return f"/album/{album_id}-{slugify(spec.artist)}-{slugify(spec.title)}.php"


def cover_for(album_id: int, title: str) -> str:
    return f"{CDN}/200x/album/{album_id}-{slugify(title)}.jpg"


_WORDS = (
    "Midnight", "Glass", "River", "Static", "Velvet", "Echo", "Paper", "Neon", "Hollow", "Golden",
    "Winter", "Signal", "Orchard", "Machine", "Silver", "Quiet", "Electric", "Desert", "Satellite",
    "Honey", "Ghost", "Ocean", "Fever", "Lantern", "Cathedral", "Sugar", "Thunder", "Mirror",
)
# Names with the characters that break naive scrapers: accents, CJK, ampersands, quotes, apostrophes.
_ODD_NAMES = (
    "Sigur Rós", "Björk", "Beyoncé", "坂本龍一", "Mötley Crüe", "Simon & Garfunkel",
    "Guns N' Roses", 'The "Band"', "Motörhead", "Ásgeir", "Café Tacvba", "Die Ärzte",
)
_COMMON_SCORES = (100, 95, 90, 88, 85, 80, 78, 75, 70, 65, 60, 50, 40, 30, 20, 10, 0)


def generate_ratings(n_albums: int, seed: int) -> list[AotyRatingSpec]:
    """``n_albums`` distinct rated albums, the same for the same seed.

    About one in ten albums has no cover, one in twenty no year, one in thirty "NR" for a score, and
    one in eight an artist name with accents, CJK or punctuation.
    """
    rng = random.Random(seed)
    specs: list[AotyRatingSpec] = []
    for index in range(n_albums):
        album_id = 10_000 + seed % 1000 * 100_000 + index
        words = rng.sample(_WORDS, rng.randint(1, 3))
        title = " ".join(words) + ("" if rng.random() < 0.7 else f" {index}")
        if rng.random() < 0.125:
            artist = rng.choice(_ODD_NAMES)
        else:
            artist = f"The {rng.choice(_WORDS)} {rng.choice(_WORDS)}s"
        year = None if rng.random() < 0.05 else rng.randint(1960, 2026)
        cover = None if rng.random() < 0.1 else cover_for(album_id, title)
        score = None if rng.random() < 1 / 30 else rng.choice(_COMMON_SCORES + (rng.randint(0, 100),))
        specs.append(
            AotyRatingSpec(
                title=title,
                artist=artist,
                year=year,
                cover_url=cover,
                score=score,
                lazy_cover=rng.random() < 0.8,
                album_id=album_id,
            )
        )
    return specs
