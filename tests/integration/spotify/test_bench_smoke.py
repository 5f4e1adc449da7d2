"""Keeps the import benchmark runnable: a small library through the same code path, no timing asserted."""

import asyncio

import pytest

from tests.bench.spotify_import_bench import run


@pytest.mark.bench
async def test_import_bench_runs_with_bounded_calls():
    result = await asyncio.to_thread(run, 600, 2.0, 4, 60)
    assert result.tracks_calls == 12  # 600 / 50: one request per page
    assert result.saved_albums_calls == 2
