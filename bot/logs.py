"""Logging set-up for the process: one format, quiet third-party chatter."""

from __future__ import annotations

import logging


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    # httpx logs every request URL at INFO; some carry codes or tokens in the query string.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("discord.http").setLevel(max(logging.INFO, logging.getLevelName(level)))
