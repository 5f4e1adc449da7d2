"""The emulated CDN's photo covers: real-sized JPEGs whose bytes differ per path, fetched over HTTP by
the bot's own cover fetcher, so the duel loop benchmark pays what real covers cost."""

from __future__ import annotations

import io

import httpx
import numpy as np
from PIL import Image

from bot.images import CoverFetcher
from bot.images.decode import load_cover
from bot.sandbox.cdn import PHOTO_SIDE, CoverCdn


async def test_photo_covers_are_full_size_jpegs_with_bytes_of_their_own():
    async with CoverCdn(style="photo") as cdn, httpx.AsyncClient() as http:
        fetcher = CoverFetcher(http)
        covers = await fetcher.fetch_many([cdn.url(f"/u1/{i}.jpg") for i in range(60)])
    assert all(cover is not None for cover in covers)
    assert len(set(covers)) == 60  # no two paths share bytes, so no cache keyed by bytes shares work
    first = Image.open(io.BytesIO(covers[0]))
    assert first.format == "JPEG" and first.size == (PHOTO_SIDE, PHOTO_SIDE)
    # A photo, not a flat colour: its pixels vary widely.
    assert np.asarray(load_cover(covers[0], 64), dtype=float).std() > 20
