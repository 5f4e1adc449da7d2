"""An AOTY emulator per test and a client pointed at it, with the library's own spacing switched off."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.sandbox.aoty import AotyEmulator
from bot.sources.aoty import AotyClient


@pytest.fixture(autouse=True)
def _library_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    # albumoftheyearapi reads these on every request; 0.75 s spacing would make the suite crawl.
    monkeypatch.setenv("AOTY_MIN_REQUEST_INTERVAL", "0")
    monkeypatch.delenv("AOTY_MAX_RETRIES", raising=False)
    monkeypatch.delenv("AOTY_COOKIES", raising=False)


@pytest.fixture
async def emulator() -> AsyncIterator[AotyEmulator]:
    async with AotyEmulator() as running:
        yield running


@pytest.fixture
def client(emulator: AotyEmulator) -> AotyClient:
    return AotyClient(emulator.base_url, min_interval=0, timeout=10, retry_delays=(0, 0))
