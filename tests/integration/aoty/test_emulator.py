"""The emulator behaves like the site for the library's own methods and for plain HTTP clients."""

from __future__ import annotations

import asyncio

import httpx
from albumoftheyearapi.user import UserMethods

from bot.sandbox.aoty import AotyEmulator, generate_ratings


def library(emulator: AotyEmulator) -> UserMethods:
    methods = UserMethods()
    methods.user_url = f"{emulator.base_url}/user/"
    return methods


async def test_library_walks_all_pages_and_stops_at_the_redirect(emulator: AotyEmulator) -> None:
    specs = emulator.add_generated_user("alice", 130, seed=9)

    rows = await asyncio.to_thread(library(emulator).user_ratings_all, "alice")

    assert [(row["album"], row["artist"]) for row in rows] == [(s.title, s.artist) for s in specs]
    # Page 4 does not exist: the site sends it back to page 1, which the library recognises.
    assert emulator.hits["/user/alice/ratings/4/"] == 1
    assert ("/user/alice/ratings/4/", 302) in emulator.log


async def test_library_reads_the_profile_counts(emulator: AotyEmulator) -> None:
    emulator.add_generated_user("alice", 1234, seed=2)

    assert await asyncio.to_thread(library(emulator).user_rating_count, "alice") == 1234


async def test_challenge_page_carries_cloudflare_markers(emulator: AotyEmulator) -> None:
    emulator.add_generated_user("alice", 3, seed=1)
    emulator.cloudflare = 403
    async with httpx.AsyncClient(base_url=emulator.base_url) as http:
        response = await http.get("/user/alice/ratings/1/")

    assert response.status_code == 403
    assert response.headers["cf-mitigated"] == "challenge"
    assert "<title>Just a moment...</title>" in response.text
    assert "_cf_chl_opt" in response.text


async def test_first_page_has_two_urls_and_unknown_paths_404(emulator: AotyEmulator) -> None:
    emulator.add_generated_user("alice", 3, seed=1)
    async with httpx.AsyncClient(base_url=emulator.base_url) as http:
        bare = await http.get("/user/alice/ratings/")
        numbered = await http.get("/user/alice/ratings/1/")
        missing = await http.get("/album/1-nothing.php")

    assert bare.text == numbered.text
    assert missing.status_code == 404


def test_generator_is_deterministic() -> None:
    assert generate_ratings(50, seed=3) == generate_ratings(50, seed=3)
    assert generate_ratings(50, seed=3) != generate_ratings(50, seed=4)
