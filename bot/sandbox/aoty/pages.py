"""The HTML the AOTY emulator serves, shaped like albumoftheyear.org's own pages.

Only the structure scrapers rely on is reproduced faithfully: the user header with its stat links,
``div.albumBlock`` cards (``.image`` with a lazy ``img[data-src]``, ``.artistTitle`` and
``.albumTitle`` inside links, ``.type`` with the year, ``.rating``), and the ``pageSelectRow`` of
``pageSelectSmall`` page links. Text is escaped the way PHP's ``htmlspecialchars`` does it.
"""

from __future__ import annotations

from bot.sandbox.aoty.data import AotyRatingSpec, EmulatedUser, album_path, slugify

_TRANSPARENT = "https://cdn.albumoftheyear.org/images/clear.gif"


def esc(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace('"', "&quot;").replace("'", "&#039;")
    )


def _document(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{esc(title)} - Album of The Year</title>\n"
        "<link rel=\"stylesheet\" href=\"/css/style.css\">\n</head>\n"
        "<body>\n<div id=\"header\"><a href=\"/\" class=\"logo\">Album of the Year</a>"
        "<a href=\"/releases/\">New Releases</a><a href=\"/ratings/6-highest-rated/2026/1\">Best Albums</a></div>\n"
        f"<div class=\"wideLeft\">\n{body}\n</div>\n"
        "<div class=\"footer\">&copy; 2026 Album of the Year</div>\n</body>\n</html>\n"
    )


def _user_header(user: EmulatedUser) -> str:
    name = esc(user.name)
    stats = (
        ("ratings", len(user.ratings)), ("reviews", 0), ("lists", 0), ("followers", 3),
    )
    links = "".join(
        f"<a href=\"/user/{name}/{kind}/\"><div class=\"profileStatContainer\">"
        f"<div class=\"profileStat\">{count:,}</div><div class=\"profileStatLabel\">{kind.title()}</div>"
        "</div></a>"
        for kind, count in stats
    )
    return (
        f"<div class=\"profileHeadLine\"><h1>{name}</h1></div>\n"
        f"<div class=\"profileStats\">{links}</div>"
    )


def _cover(spec: AotyRatingSpec, href: str) -> str:
    alt = esc(f"{spec.artist} - {spec.title}")
    if spec.cover_url is None:
        inner = "<div class=\"noCover\"></div>"
    elif spec.lazy_cover:
        inner = (
            f"<img class=\"lazyload\" src=\"{_TRANSPARENT}\" data-src=\"{esc(spec.cover_url)}\" "
            f"alt=\"{alt}\">"
        )
    else:
        inner = f"<img src=\"{esc(spec.cover_url)}\" alt=\"{alt}\">"
    return f"<div class=\"image\"><a href=\"{href}\">{inner}</a></div>"


def album_block(album_id: int, spec: AotyRatingSpec) -> str:
    href = album_path(album_id, spec)
    score = "NR" if spec.score is None else str(spec.score)
    if spec.score is None:
        colour = "gray"
    else:
        colour = "green" if spec.score >= 70 else "yellow" if spec.score >= 50 else "red"
    year = "" if spec.year is None else str(spec.year)
    return (
        "<div class=\"albumBlock\" data-type=\"lp\">"
        f"{_cover(spec, href)}"
        f"<a href=\"/artist/{album_id % 90_000 + 100}-{slugify(spec.artist)}/\">"
        f"<div class=\"artistTitle\">{esc(spec.artist)}</div></a>"
        f"<a href=\"{href}\"><div class=\"albumTitle\">{esc(spec.title)}</div></a>"
        f"<div class=\"type\">{year}</div>"
        "<div class=\"ratingRowContainer\"><div class=\"ratingRow\"><div class=\"ratingBlock\">"
        f"<div class=\"rating\">{score}</div>"
        f"<div class=\"ratingBar {colour}\"><div class=\"{colour}\" style=\"width:{spec.score or 0}%;\"></div></div>"
        "</div></div></div>"
        "</div>"
    )


def page_select(username: str, page: int, total_pages: int) -> str:
    """First, last and the pages around the current one, as the site shows them; nothing for one page."""
    if total_pages <= 1:
        return ""
    shown = sorted({1, total_pages, *range(max(1, page - 2), min(total_pages, page + 2) + 1)})
    parts = []
    for number in shown:
        if number == page:
            parts.append(f"<div class=\"pageSelectSmall current\">{number}</div>")
        else:
            parts.append(
                f"<a href=\"/user/{esc(username)}/ratings/{number}/\">"
                f"<div class=\"pageSelectSmall\">{number}</div></a>"
            )
    return f"<div class=\"pageSelectRow\">{''.join(parts)}</div>"


def ratings_page(user: EmulatedUser, page: int, per_page: int, album_ids: list[int]) -> str:
    total_pages = max(1, -(-len(user.ratings) // per_page))
    start = (page - 1) * per_page
    blocks = "\n".join(
        album_block(album_ids[i], user.ratings[i])
        for i in range(start, min(start + per_page, len(user.ratings)))
    )
    if not blocks:
        blocks = "<div class=\"noResults\">No ratings yet.</div>"
    body = (
        f"{_user_header(user)}\n<div class=\"sectionHeading\"><h2>Ratings</h2>"
        "<div class=\"sortSelect\"><a href=\"?sort=rating\">Highest</a><a href=\"?sort=date\">Recent</a></div></div>\n"
        f"<div id=\"centerContent\"><div class=\"albumBlockContainer\">\n{blocks}\n</div></div>\n"
        f"{page_select(user.name, page, total_pages)}"
    )
    return _document(f"{user.name}'s Album Ratings", body)


def profile_page(user: EmulatedUser) -> str:
    return _document(f"{user.name}'s Profile", f"{_user_header(user)}\n<div class=\"aboutUser\"></div>")


def not_found_page() -> str:
    return _document("Page Not Found", "<div class=\"headline\"><h1>404 - Page Not Found</h1></div>")


def cloudflare_challenge_page(ray_id: str) -> str:
    """The interstitial Cloudflare serves when its bot management challenges a client."""
    return (
        "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title>"
        "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">"
        "<meta name=\"robots\" content=\"noindex,nofollow\"></head><body>"
        "<div class=\"main-wrapper\" role=\"main\"><div class=\"main-content\">"
        "<h1 class=\"zone-name-title h1\">www.albumoftheyear.org</h1>"
        "<h2 class=\"h2\">Performing security verification</h2>"
        "<noscript>Enable JavaScript and cookies to continue</noscript></div></div>"
        f"<script>(function(){{window._cf_chl_opt={{cvId: '3',cZone: 'www.albumoftheyear.org',"
        f"cType: 'managed',cRay: '{ray_id}'}};var a=document.createElement('script');"
        "a.src='/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray="
        f"{ray_id}';document.getElementsByTagName('head')[0].appendChild(a);}}());</script>"
        "</body></html>"
    )


def redesigned_page(user: EmulatedUser) -> str:
    """A ratings page after a site redesign: the data is there, none of the markup scrapers expect."""
    cards = "".join(
        f"<li class=\"rating-card\"><span class=\"t\">{esc(s.title)}</span>"
        f"<span class=\"a\">{esc(s.artist)}</span></li>"
        for s in user.ratings[:5]
    )
    return _document("Ratings", f"<main class=\"app-root\"><ul class=\"grid\">{cards}</ul></main>")


def broken_blocks_page(user: EmulatedUser) -> str:
    """Album cards that lost their title and score elements (a half-finished template change)."""
    cards = "".join(
        f"<div class=\"albumBlock\"><div class=\"artistTitle\">{esc(s.artist)}</div></div>"
        for s in user.ratings[:5]
    )
    return _document("Ratings", f"{_user_header(user)}<div class=\"albumBlockContainer\">{cards}</div>")
