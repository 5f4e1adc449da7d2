"""Retrying Last.fm calls that may succeed a moment later: 5xx, timeouts, codes 8/11/16 and 29."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.errors import RateLimited, SourceError

log = logging.getLogger(__name__)
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


class RetryableFailure(Exception):
    """Raised inside an attempt: try again after a pause, or raise ``error`` when out of attempts."""

    def __init__(self, error: SourceError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` counts the first try. Pauses double from ``base_delay`` up to ``max_delay``; a rate
    limit waits at least ``rate_limit_delay`` (Last.fm sends no Retry-After, and its limit is averaged
    over minutes, so hammering again right away only prolongs it)."""

    attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0
    rate_limit_delay: float = 10.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts counts the first try and must be at least 1")

    def delay(self, attempt: int, error: SourceError) -> float:
        pause = min(self.max_delay, self.base_delay * 2 ** attempt)
        if isinstance(error, RateLimited):
            pause = max(pause, error.retry_after or self.rate_limit_delay)
            return min(pause, max(self.max_delay, self.rate_limit_delay))
        # Jitter spreads out many imports that failed together.
        return pause * (0.5 + random.random() / 2)


async def with_retries(attempt: Callable[[], Awaitable[T]], policy: RetryPolicy, sleep: Sleep,
                       what: str) -> T:
    for number in range(policy.attempts):
        try:
            return await attempt()
        except RetryableFailure as failure:
            if number == policy.attempts - 1:
                raise failure.error from None
            pause = policy.delay(number, failure.error)
            log.info("Last.fm %s failed (%s); retry %d/%d in %.1fs", what,
                     type(failure.error).__name__, number + 1, policy.attempts - 1, pause)
            await sleep(pause)
    raise AssertionError("unreachable: RetryPolicy guarantees at least one attempt")


def default_sleep(seconds: float) -> Awaitable[None]:
    return asyncio.sleep(seconds)
