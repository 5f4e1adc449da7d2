"""CoverFetcher against a real local HTTP server: bytes or None, never an exception; each URL costs
at most one request while it is cached (or remembered as dead); concurrent asks share one request."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.images import CoverFetcher, is_decodable_cover
from tests.unit.images.samples import BLUE, close, decode, dominant


class FakeClock:
    """Monotonic time the test moves by hand, so negative-cache expiry needs no waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def fetcher(http, clock):
    return CoverFetcher(http, timeout=0.5, clock=clock)


async def test_fetches_an_image(fetcher, cover_server):
    data = await fetcher.fetch(cover_server.url("/covers/red.png"))
    assert data == cover_server.bodies["/covers/red.png"][0]
    assert is_decodable_cover(data)


async def test_image_served_as_octet_stream_is_accepted_on_content(fetcher, cover_server):
    data = await fetcher.fetch(cover_server.url("/covers/octet.jpg"))
    assert data is not None and close(dominant(decode(data), (10, 10, 50, 50)), BLUE)


async def test_second_fetch_is_served_from_the_cache(fetcher, cover_server):
    url = cover_server.url("/covers/red.png")
    first = await fetcher.fetch(url)
    second = await fetcher.fetch(url)
    assert first == second is not None
    assert cover_server.hits["/covers/red.png"] == 1
    assert fetcher.stats().hits == 1 and fetcher.stats().downloads == 1


async def test_concurrent_fetches_of_one_url_make_one_request(fetcher, cover_server):
    url = cover_server.url("/gated/blue.jpg")
    tasks = [asyncio.create_task(fetcher.fetch(url)) for _ in range(10)]
    await cover_server.gated_arrived.wait()  # the first request is at the server and held there
    cover_server.gate.set()
    results = await asyncio.gather(*tasks)
    assert all(r == cover_server.bodies["/covers/blue.jpg"][0] for r in results)
    assert cover_server.hits["/gated/blue.jpg"] == 1


async def test_fetch_many_keeps_order_and_mixes_hits_and_misses(fetcher, cover_server):
    urls = [cover_server.url("/covers/red.png"), None, cover_server.url("/covers/nope.png"),
            cover_server.url("/covers/blue.jpg")]
    results = await fetcher.fetch_many(urls)
    assert results[0] == cover_server.bodies["/covers/red.png"][0]
    assert results[1] is None and results[2] is None
    assert results[3] == cover_server.bodies["/covers/blue.jpg"][0]


async def test_a_404_is_none_and_remembered(fetcher, cover_server):
    url = cover_server.url("/covers/missing.png")
    assert await fetcher.fetch(url) is None
    assert await fetcher.fetch(url) is None
    assert cover_server.hits["/covers/missing.png"] == 1
    assert fetcher.stats().negative_hits == 1


async def test_a_remembered_failure_is_retried_after_the_ttl(http, cover_server, clock):
    fetcher = CoverFetcher(http, timeout=0.5, negative_ttl=600, clock=clock)
    url = cover_server.url("/covers/late.png")
    assert await fetcher.fetch(url) is None
    clock.now += 599
    assert await fetcher.fetch(url) is None
    assert cover_server.hits["/covers/late.png"] == 1
    # The artwork appears on the CDN; once the TTL is over it is fetched and then cached.
    cover_server.bodies["/covers/late.png"] = cover_server.bodies["/covers/red.png"]
    clock.now += 2
    assert await fetcher.fetch(url) == cover_server.bodies["/covers/red.png"][0]
    assert await fetcher.fetch(url) is not None
    assert cover_server.hits["/covers/late.png"] == 2


async def test_a_server_error_is_none(fetcher, cover_server):
    assert await fetcher.fetch(cover_server.url("/error")) is None


async def test_a_slow_server_times_out_to_none_and_is_not_waited_for_twice(http, cover_server):
    fetcher = CoverFetcher(http, timeout=0.2)
    url = cover_server.url("/slow")
    assert await fetcher.fetch(url) is None
    assert await fetcher.fetch(url) is None  # answered from the negative cache, no second wait
    assert cover_server.hits["/slow"] == 1
    assert fetcher.stats().failures == 1


async def test_a_body_over_the_declared_size_cap_is_refused(http, cover_server):
    fetcher = CoverFetcher(http, timeout=2.0, max_bytes=10_000)
    assert len(cover_server.bodies["/covers/photo.jpg"][0]) > 10_000
    assert await fetcher.fetch(cover_server.url("/big-declared")) is None
    # The same image under a roomier cap is fine: the cap, not the content, refused it.
    roomy = CoverFetcher(http, timeout=2.0)
    assert await roomy.fetch(cover_server.url("/big-declared")) is not None


async def test_a_streamed_body_is_cut_off_at_the_cap(http, cover_server):
    fetcher = CoverFetcher(http, timeout=2.0, max_bytes=200_000)
    assert await fetcher.fetch(cover_server.url("/big-streamed")) is None
    # The client hung up: the server never got to send the ~16 MB it had lined up.
    assert cover_server.stream_bytes_sent < 8_000_000


@pytest.mark.parametrize("path", ["/covers/page.html", "/covers/truncated.jpg"])
async def test_content_that_is_not_a_usable_image_is_none_and_remembered(fetcher, cover_server, path):
    assert await fetcher.fetch(cover_server.url(path)) is None
    assert await fetcher.fetch(cover_server.url(path)) is None
    assert cover_server.hits[path] == 1


async def test_redirects_are_followed(fetcher, cover_server):
    assert await fetcher.fetch(cover_server.url("/redirect")) == cover_server.bodies["/covers/green.png"][0]


@pytest.mark.parametrize("url", [None, "", "not a url", "ftp://example.invalid/cover.jpg", "http://"])
async def test_missing_or_malformed_urls_are_none(fetcher, url):
    assert await fetcher.fetch(url) is None


async def test_a_refused_connection_is_none(http, fetcher, cover_server):
    closed = cover_server.base
    await cover_server.stop()
    assert await fetcher.fetch(closed + "/covers/red.png") is None


async def test_network_failures_are_logged_quietly(fetcher, cover_server, caplog):
    with caplog.at_level(logging.DEBUG, logger="bot.images.covers"):
        await fetcher.fetch(cover_server.url("/covers/missing.png"))
        await fetcher.fetch(cover_server.url("/covers/page.html"))
        await fetcher.fetch(cover_server.url("/error"))
    assert caplog.records and all(r.levelno <= logging.INFO for r in caplog.records)


async def test_least_recently_used_cover_is_evicted(http, cover_server):
    fetcher = CoverFetcher(http, cache_size=2)
    red, blue, green = (cover_server.url(f"/covers/{n}") for n in ("red.png", "blue.jpg", "green.png"))
    await fetcher.fetch(red)
    await fetcher.fetch(blue)
    await fetcher.fetch(red)  # red is now the most recently used
    await fetcher.fetch(green)  # evicts blue
    await fetcher.fetch(red)
    await fetcher.fetch(blue)
    assert cover_server.hits["/covers/red.png"] == 1
    assert cover_server.hits["/covers/blue.jpg"] == 2
    assert fetcher.stats().entries == 2


async def test_cache_is_bounded_by_bytes_too(http, cover_server):
    red = cover_server.bodies["/covers/red.png"][0]
    fetcher = CoverFetcher(http, cache_max_bytes=len(red) + 10)
    await fetcher.fetch(cover_server.url("/covers/red.png"))
    await fetcher.fetch(cover_server.url("/covers/green.png"))
    assert fetcher.stats().entries == 1 and fetcher.stats().cached_bytes <= len(red) + 10


async def test_prefetch_warms_the_cache_for_the_next_duel(fetcher, cover_server):
    urls = [cover_server.url("/covers/red.png"), cover_server.url("/covers/blue.jpg")]
    task = fetcher.prefetch(urls)
    await task
    assert await fetcher.fetch_many(urls) == [fetcher.cached(u) for u in urls]
    assert cover_server.hits["/covers/red.png"] == 1 and cover_server.hits["/covers/blue.jpg"] == 1


async def test_a_caller_giving_up_does_not_cancel_the_shared_download(fetcher, cover_server):
    url = cover_server.url("/gated/red.png")
    impatient = asyncio.create_task(fetcher.fetch(url))
    await cover_server.gated_arrived.wait()
    patient = asyncio.create_task(fetcher.fetch(url))
    await asyncio.sleep(0)
    impatient.cancel()
    cover_server.gate.set()
    assert await patient == cover_server.bodies["/covers/red.png"][0]
    assert cover_server.hits["/gated/red.png"] == 1


async def test_aclose_cancels_background_work(fetcher, cover_server):
    task = fetcher.prefetch([cover_server.url("/slow")])
    await cover_server.slow_arrived.wait()
    await fetcher.aclose()
    assert task.done()


def test_jpegs_are_judged_whole_cut_short_or_padded():
    from tests.unit.images.samples import photo_like

    whole = photo_like(11)
    assert is_decodable_cover(whole)
    assert is_decodable_cover(whole + b"\0" * 64)   # zero padding after the end marker is harmless
    assert not is_decodable_cover(whole[:-2])         # the end marker lost: decoded in full, and refused
    assert not is_decodable_cover(whole[: len(whole) * 2 // 3])
    assert not is_decodable_cover(b"<html>" + whole[6:])  # not a JPEG at all, whatever its ending
