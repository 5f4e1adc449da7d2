"""Reading an AOTY user ratings page that albumoftheyearapi has already fetched and parsed.

The library returns artist, title and score strings per ``div.albumBlock``; the same parsed page
holds what it drops: the cover (``.image img``, lazy-loaded covers keep the real URL in
``data-src``), the year (``.type``), the album link, and the ``pageSelectSmall`` page links.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from bot.sources.aoty.models import AotyRating

_YEAR = re.compile(r"\b(\d{4})\b")
# Lazy-loaded images carry a transparent GIF or a data: URI in ``src`` until scrolled into view.
_PLACEHOLDER = re.compile(r"^data:|clear\.gif|blank\.(gif|png)|/default\.(jpg|png)", re.I)


def is_user_ratings_page(soup: BeautifulSoup, username: str) -> bool:
    """Every user page has the profile header linking to the user's ratings; a redesign would not."""
    pattern = re.compile(rf"^/user/{re.escape(username)}/ratings/?$", re.I)
    return soup.find("a", href=pattern) is not None


def total_pages(soup: BeautifulSoup) -> int:
    """The highest page number in the page selector; a single page has no selector at all."""
    numbers = [
        int(text) for tag in soup.find_all(class_="pageSelectSmall")
        if (text := tag.get_text(strip=True).replace(",", "")).isdigit()
    ]
    return max(numbers, default=1)


def parse_score(text: str) -> float | None:
    try:
        score = float(text.strip())
    except ValueError:
        return None  # "NR" and anything else that is not a number
    return score if 0 <= score <= 100 else None


def _year(block: Tag) -> int | None:
    tag = block.find(class_="type")
    match = _YEAR.search(tag.get_text(" ", strip=True)) if tag else None
    if match is None:
        return None
    year = int(match.group(1))
    return year if 1900 <= year <= 2100 else None


def _absolute(url: str, base_url: str) -> str:
    if url.startswith("//"):
        return "https:" + url
    return urljoin(base_url + "/", url)


def _cover(block: Tag, base_url: str) -> str | None:
    image = block.find("img")  # the cover is the card's only image
    if image is None:
        return None
    for attribute in ("data-src", "src"):
        url = (image.get(attribute) or "").strip()
        if url and not _PLACEHOLDER.search(url):
            return _absolute(url, base_url)
    return None


def _album_url(block: Tag, base_url: str) -> str | None:
    title = block.find(class_="albumTitle")
    link = title.find_parent("a", href=True) if title else None
    link = link or block.find("a", href=re.compile(r"/album/"))
    return _absolute(link["href"], base_url) if link else None


def ratings_from_page(
    soup: BeautifulSoup, library_rows: list[dict[str, str]], base_url: str
) -> list[AotyRating]:
    """Join the library's rows with the details it drops, block by block (both walk the same blocks).

    A block with an empty title or artist is left out: it cannot be matched to an album.
    """
    blocks = soup.find_all(class_="albumBlock")
    if len(blocks) != len(library_rows):
        raise ValueError(f"{len(library_rows)} library rows for {len(blocks)} album blocks")
    ratings = []
    for block, row in zip(blocks, library_rows):
        title, artist = row["album"].strip(), row["artist"].strip()
        if not title or not artist:
            continue
        ratings.append(AotyRating(
            title=title,
            artist=artist,
            year=_year(block),
            cover_url=_cover(block, base_url),
            score=parse_score(row["rating"]),
            aoty_url=_album_url(block, base_url),
        ))
    return ratings
