"""The duel-loop benchmark at a small size, so it cannot rot: behaviour (no vote lost or doubled)."""

import pytest

from .duel_loop_bench import render, run_loop, run_reads

pytestmark = pytest.mark.bench


async def test_concurrent_clickers_lose_and_double_no_vote():
    result = await run_loop("sqlite", users=4, clicks=4, albums=20, think=0)
    assert result.votes_stored == result.votes_expected == 16
    assert "| sqlite | tiles ready | 4 | 4 | 0 s |" in render([result], [], "quick")


async def test_reads_of_a_large_collection_run():
    result = await run_reads("sqlite", n_albums=300, n_votes=1500)
    assert result.rankings_ms > 0 and result.stats_ms > 0
