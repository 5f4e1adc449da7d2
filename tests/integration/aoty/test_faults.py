"""What a person hears when AOTY misbehaves: Cloudflare, 5xx, 429, hangs, markup changes."""

from __future__ import annotations

import pytest

from bot.errors import MalformedResponse, RateLimited, SourceBlocked, SourceUnavailable
from bot.sandbox.aoty import AotyEmulator
from bot.sources.aoty import BLOCKED_MESSAGE, AotyClient, PageProgress


@pytest.mark.parametrize("status", [403, 503])
async def test_cloudflare_challenge_is_named_and_not_hammered(
    emulator: AotyEmulator, client: AotyClient, status: int
) -> None:
    emulator.add_generated_user("alice", 10, seed=1)
    emulator.cloudflare = status

    with pytest.raises(SourceBlocked) as caught:
        await client.fetch_ratings("alice")

    assert str(caught.value) == BLOCKED_MESSAGE == "AOTY is blocking automated access right now; try again later."
    assert sum(emulator.hits.values()) == 1  # a challenge does not go away by asking again at once


async def test_a_burst_of_5xx_is_retried_through(emulator: AotyEmulator, client: AotyClient) -> None:
    specs = emulator.add_generated_user("alice", 100, seed=2)
    emulator.fail_next(2, status=503)

    ratings = await client.fetch_ratings("alice")

    assert len(ratings) == len(specs)
    assert emulator.hits["/user/alice/ratings/1/"] == 3
    assert emulator.hits["/user/alice/ratings/2/"] == 1


async def test_persistent_5xx_is_reported_after_bounded_tries(emulator: AotyEmulator, client: AotyClient) -> None:
    emulator.add_generated_user("alice", 10, seed=1)
    emulator.fail_next(50, status=502)

    with pytest.raises(SourceUnavailable) as caught:
        await client.fetch_ratings("alice")

    assert "HTTP 502" in str(caught.value) and "try again later" in str(caught.value)
    assert sum(emulator.hits.values()) == 3


async def test_failure_on_a_later_page_fails_the_whole_fetch(emulator: AotyEmulator, client: AotyClient) -> None:
    emulator.add_generated_user("alice", 290, seed=4)  # five pages
    seen: list[int] = []

    async def outage_after_page_two(step: PageProgress) -> None:
        seen.append(step.page)
        if step.page == 2:
            emulator.fail_next(50, status=500)

    with pytest.raises(SourceUnavailable):
        await client.fetch_ratings("alice", on_page=outage_after_page_two)

    assert seen == [1, 2]
    assert emulator.hits["/user/alice/ratings/3/"] == 3
    assert "/user/alice/ratings/4/" not in emulator.hits


async def test_hanging_site_times_out_and_is_reported(emulator: AotyEmulator) -> None:
    emulator.add_generated_user("alice", 10, seed=1)
    impatient = AotyClient(emulator.base_url, min_interval=0, timeout=0.2, retry_delays=(0, 0))
    emulator.hold()
    try:
        with pytest.raises(SourceUnavailable) as caught:
            await impatient.fetch_ratings("alice")
    finally:
        emulator.release()

    assert "no answer within 0.2 s" in str(caught.value)
    await emulator.wait_for_requests(3)
    assert emulator.hits["/user/alice/ratings/1/"] == 3


async def test_slow_site_still_answers(emulator: AotyEmulator, client: AotyClient) -> None:
    specs = emulator.add_generated_user("alice", 70, seed=5)
    emulator.latency = 0.05

    assert len(await client.fetch_ratings("alice")) == len(specs)


async def test_rate_limit_burst_is_waited_out_by_the_library(emulator: AotyEmulator, client: AotyClient) -> None:
    emulator.add_generated_user("alice", 10, seed=1)
    emulator.fail_next(2, status=429)  # each with Retry-After: 0

    assert len(await client.fetch_ratings("alice")) == 10
    assert emulator.hits["/user/alice/ratings/1/"] == 3


async def test_endless_rate_limit_is_reported(emulator: AotyEmulator, client: AotyClient) -> None:
    emulator.add_generated_user("alice", 10, seed=1)
    emulator.fail_next(50, status=429)

    with pytest.raises(RateLimited) as caught:
        await client.fetch_ratings("alice")
    assert "try again in a few minutes" in str(caught.value)


@pytest.mark.parametrize("kind", ["layout", "blocks"])
async def test_changed_markup_is_reported(emulator: AotyEmulator, client: AotyClient, kind: str) -> None:
    emulator.add_generated_user("alice", 10, seed=1)
    emulator.malformed = kind

    with pytest.raises(MalformedResponse) as caught:
        await client.fetch_ratings("alice")
    assert "could not read" in str(caught.value)
    assert sum(emulator.hits.values()) == 1


async def test_site_down_is_unavailable_not_blocked() -> None:
    emulator = AotyEmulator()
    await emulator.start()
    base_url = emulator.base_url
    await emulator.stop()
    client = AotyClient(base_url, min_interval=0, timeout=5, retry_delays=(0, 0))

    with pytest.raises(SourceUnavailable) as caught:
        await client.fetch_ratings("alice")
    assert "connection failed" in str(caught.value)
