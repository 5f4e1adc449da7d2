from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.sandbox.lastfm import LastfmEmulator
from bot.sources.lastfm import LastfmClient, RetryPolicy


class RecordingSleep:
    """Stands in for asyncio.sleep in the client's backoff: records the pauses, yields once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
async def emu() -> AsyncIterator[LastfmEmulator]:
    async with LastfmEmulator() as emulator:
        yield emulator


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
async def browser() -> AsyncIterator[httpx.AsyncClient]:
    """A person's browser: follows redirects, from the Last.fm consent page to our callback."""
    async with httpx.AsyncClient(follow_redirects=True) as client:
        yield client


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def retry() -> RetryPolicy:
    return RetryPolicy(attempts=4, base_delay=1.0, max_delay=30.0, rate_limit_delay=10.0)


@pytest.fixture
def client(emu: LastfmEmulator, http: httpx.AsyncClient, sleep: RecordingSleep, retry: RetryPolicy) -> LastfmClient:
    return LastfmClient(http, emu.api_url, emu.api_key, emu.api_secret, retry=retry, sleep=sleep)
