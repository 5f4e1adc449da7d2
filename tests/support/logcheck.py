"""Fail a test on any ERROR logged by discord.py or the bot: an exception inside a callback is
otherwise swallowed and the test passes for the wrong reason."""

from __future__ import annotations

import logging
from collections.abc import Callable

WATCHED = ("discord", "bot", "cogs", "albumduel")


class ErrorLogGuard(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] in WATCHED:
            self.records.append(record)

    def take(self, predicate: Callable[[logging.LogRecord], bool]) -> list[logging.LogRecord]:
        """Claim the expected errors (a test that provokes one), so they do not fail the test."""
        taken = [r for r in self.records if predicate(r)]
        self.records = [r for r in self.records if not predicate(r)]
        return taken

    def describe(self) -> str:
        return "\n".join(f"{r.name}: {r.getMessage()}" + (f"\n{logging.Formatter().formatException(r.exc_info)}"
                                                         if r.exc_info else "") for r in self.records)
