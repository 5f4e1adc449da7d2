"""AotyClient against the AOTY emulator: real albumoftheyearapi, real HTTP, every page read once."""

from __future__ import annotations

import pytest

from bot.errors import NothingToImport, UnknownAccount
from bot.sandbox.aoty import AotyEmulator, AotyRatingSpec
from bot.sources.aoty import AotyClient, AotyRating, PageProgress


def expected(emulator: AotyEmulator, username: str, specs: list[AotyRatingSpec]) -> list[AotyRating]:
    return [
        AotyRating(
            title=spec.title,
            artist=spec.artist,
            year=spec.year,
            cover_url=spec.cover_url,
            score=None if spec.score is None else float(spec.score),
            aoty_url=emulator.album_url(username, index),
        )
        for index, spec in enumerate(specs)
    ]


async def test_every_page_is_read_once_with_every_field(emulator: AotyEmulator, client: AotyClient) -> None:
    specs = emulator.add_generated_user("alice", 150, seed=7)
    progress: list[PageProgress] = []

    async def on_page(step: PageProgress) -> None:
        progress.append(step)

    ratings = await client.fetch_ratings("alice", on_page=on_page)

    assert ratings == expected(emulator, "alice", specs)
    assert progress == [PageProgress(1, 3, 60), PageProgress(2, 3, 120), PageProgress(3, 3, 150)]
    assert dict(emulator.hits) == {f"/user/alice/ratings/{page}/": 1 for page in (1, 2, 3)}
    # The generator's odd data made it through: missing covers, missing years and "NR" scores.
    assert any(r.cover_url is None for r in ratings)
    assert any(r.year is None for r in ratings)
    assert any(r.score is None for r in ratings)


async def test_one_page_user_has_no_page_selector(emulator: AotyEmulator, client: AotyClient) -> None:
    specs = emulator.add_generated_user("bob", 60, seed=3)
    progress: list[PageProgress] = []

    async def on_page(step: PageProgress) -> None:
        progress.append(step)

    assert await client.fetch_ratings("bob", on_page=on_page) == expected(emulator, "bob", specs)
    assert progress == [PageProgress(1, 1, 60)]
    assert sum(emulator.hits.values()) == 1


async def test_unicode_and_html_entities_come_back_as_written(emulator: AotyEmulator, client: AotyClient) -> None:
    specs = [
        AotyRatingSpec("Ágætis byrjun", "Sigur Rós", 1999, "https://cdn2.albumoftheyear.org/200x/album/1.jpg", 95),
        AotyRatingSpec('Rock & Roll <Live> "1969"', "Guns N' Roses", 1969, None, 70),
        AotyRatingSpec("音楽図鑑", "坂本龍一", 1984, None, 88),
        AotyRatingSpec("Ænima 🌊", "Tool &amp; Friends", 1996, None, 90),
    ]
    emulator.add_user("kana", specs)

    ratings = await client.fetch_ratings("kana")

    assert [(r.title, r.artist) for r in ratings] == [(s.title, s.artist) for s in specs]


async def test_missing_covers_years_and_odd_scores(emulator: AotyEmulator, client: AotyClient) -> None:
    emulator.add_user("odd", [
        AotyRatingSpec("Lazy", "A", 2001, "https://cdn2.albumoftheyear.org/200x/album/2.jpg", 85, lazy_cover=True),
        AotyRatingSpec("Eager", "B", 2002, "https://cdn2.albumoftheyear.org/200x/album/3.jpg", 0, lazy_cover=False),
        AotyRatingSpec("Scheme-less", "C", None, "//cdn2.albumoftheyear.org/200x/album/4.jpg", 100),
        AotyRatingSpec("No cover", "D", None, None, None),
    ])

    ratings = await client.fetch_ratings("odd")

    assert [(r.cover_url, r.year, r.score) for r in ratings] == [
        ("https://cdn2.albumoftheyear.org/200x/album/2.jpg", 2001, 85.0),
        ("https://cdn2.albumoftheyear.org/200x/album/3.jpg", 2002, 0.0),
        ("https://cdn2.albumoftheyear.org/200x/album/4.jpg", None, 100.0),
        (None, None, None),
    ]


async def test_unknown_user(emulator: AotyEmulator, client: AotyClient) -> None:
    with pytest.raises(UnknownAccount) as caught:
        await client.fetch_ratings("ghost")
    assert str(caught.value) == "No Album of the Year user named ghost."
    assert dict(emulator.hits) == {"/user/ghost/ratings/1/": 1}


async def test_blank_name_is_refused_without_a_request(emulator: AotyEmulator, client: AotyClient) -> None:
    with pytest.raises(UnknownAccount):
        await client.fetch_ratings("   ")
    assert not emulator.hits


@pytest.mark.parametrize("written", ["@alice", " Alice ", "https://www.albumoftheyear.org/user/alice/ratings/"])
async def test_names_as_people_paste_them(emulator: AotyEmulator, client: AotyClient, written: str) -> None:
    emulator.add_generated_user("alice", 5, seed=1)
    assert len(await client.fetch_ratings(written)) == 5


async def test_profile_without_ratings(emulator: AotyEmulator, client: AotyClient) -> None:
    emulator.add_user("newbie", [])
    with pytest.raises(NothingToImport) as caught:
        await client.fetch_ratings("newbie")
    assert str(caught.value) == "The Album of the Year user newbie has no public ratings to import."


async def test_ratings_added_during_the_walk_are_not_doubled_or_lost(
    emulator: AotyEmulator, client: AotyClient
) -> None:
    specs = emulator.add_generated_user("busy", 120, seed=11)
    progress: list[PageProgress] = []

    async def rate_something_new(step: PageProgress) -> None:
        progress.append(step)
        if step.page == 1:
            # Most recent first: the new rating pushes every album one place down.
            emulator.add_user("busy", [AotyRatingSpec("Brand New", "Someone", 2026, None, 77), *specs])

    before = expected(emulator, "busy", specs)

    ratings = await client.fetch_ratings("busy", on_page=rate_something_new)

    assert ratings == before  # the album pushed onto the new page 3 was followed there, none doubled
    assert [p.total_pages for p in progress] == [2, 3, 3]
