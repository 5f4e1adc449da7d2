"""Retrying one Spotify HTTP call: 429 with ``Retry-After``, quota exhaustion, 5xx and timeouts.

spotipy sleeps in its own thread for whatever ``Retry-After`` says (hours, sometimes); here the wait is
an ``await`` with a cap, and reported so the person sees why the import paused.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from bot.errors import QuotaExceeded, RateLimited, SourceUnavailable
from bot.sources.spotify.models import SERVICE

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})

Sleep = Callable[[float], Awaitable[None]]
WaitCallback = Callable[[float], Awaitable[None] | None]


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. ``sleep`` is injectable so tests run without waiting."""

    max_attempts: int = 4  # for 5xx and timeouts, counting the first try
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    max_retry_after: float = 60.0  # a longer Retry-After is not waited out: RateLimited instead
    max_rate_limited: int = 6  # consecutive 429s before giving up
    sleep: Sleep = field(default=asyncio.sleep)

    def backoff(self, failures: int) -> float:
        return min(self.backoff_cap, self.backoff_base * 2 ** (failures - 1))


class RateLimitGate:
    """Shared by the requests of one client: while one of them waits out a ``Retry-After``, the others
    hold back instead of each running into its own 429 (Spotify counts in a rolling window)."""

    def __init__(self) -> None:
        self._open = asyncio.Event()
        self._open.set()

    @property
    def is_open(self) -> bool:
        return self._open.is_set()

    async def wait_open(self) -> None:
        await self._open.wait()

    async def pause(self, seconds: float, sleep: Sleep) -> None:
        self._open.clear()
        try:
            await sleep(seconds)
        finally:
            self._open.set()


def spotify_error(response: httpx.Response) -> tuple[str | None, str | None]:
    """``(message, reason)`` from a Web API error body, tolerating bodies that are not JSON."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None, None
    if not isinstance(body, dict):
        return None, None
    error = body.get("error")
    if isinstance(error, dict):
        return error.get("message"), error.get("reason") or body.get("reason")
    # The accounts service uses the OAuth shape: {"error": "...", "error_description": "..."}
    return body.get("error_description") or (error if isinstance(error, str) else None), body.get("reason")


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None


async def _notify(callback: WaitCallback | None, seconds: float) -> None:
    if callback is None:
        return
    result = callback(seconds)
    if inspect.isawaitable(result):
        await result


async def send_with_retry(
    send: Callable[[], Awaitable[httpx.Response]],
    policy: RetryPolicy,
    *,
    on_wait: WaitCallback | None = None,
    gate: RateLimitGate | None = None,
) -> httpx.Response:
    """Run ``send`` until it gives a response that is neither 429 nor a retryable 5xx.

    Raises ``QuotaExceeded`` at once on a ``QUOTA_EXCEEDED`` 429, ``RateLimited`` when Spotify asks for
    a wait longer than the cap or keeps refusing, ``SourceUnavailable`` when 5xx/timeouts persist.
    """
    failures = 0
    rate_limited = 0
    while True:
        if gate is not None:
            await gate.wait_open()
        try:
            response = await send()
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            failures += 1
            if failures >= policy.max_attempts:
                raise SourceUnavailable(
                    "Spotify is not answering right now. Please try again in a few minutes.", service=SERVICE,
                ) from exc
            await policy.sleep(policy.backoff(failures))
            continue
        if response.status_code == 429:
            _, reason = spotify_error(response)
            if reason == "QUOTA_EXCEEDED":
                raise QuotaExceeded(
                    "This bot has used up its Spotify quota for now; imports will work again once it resets.",
                    service=SERVICE,
                )
            wait = _retry_after(response)
            rate_limited += 1
            if wait is None:
                wait = policy.backoff(rate_limited)
            if wait > policy.max_retry_after or rate_limited > policy.max_rate_limited:
                raise RateLimited(
                    "Spotify is limiting how fast we may ask. Please try again later.",
                    service=SERVICE, retry_after=wait,
                )
            if gate is None:
                await _notify(on_wait, wait)
                await policy.sleep(wait)
            elif gate.is_open:
                await _notify(on_wait, wait)
                await gate.pause(wait, policy.sleep)
            # else: another request is already waiting this out; the loop waits for the gate
            continue
        if response.status_code in RETRYABLE_STATUSES:
            failures += 1
            if failures >= policy.max_attempts:
                raise SourceUnavailable(
                    f"Spotify is having trouble (HTTP {response.status_code}). Please try again in a few minutes.",
                    service=SERVICE,
                )
            await policy.sleep(policy.backoff(failures))
            continue
        return response
