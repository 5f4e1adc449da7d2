"""Album of the Year: a user's ratings, scraped from albumoftheyear.org."""

from bot.sources.aoty.client import BLOCKED_MESSAGE, DEFAULT_BASE_URL, AotyClient, normalise_username
from bot.sources.aoty.models import AotyRating, PageProgress

__all__ = ["AotyClient", "AotyRating", "PageProgress", "BLOCKED_MESSAGE", "DEFAULT_BASE_URL", "normalise_username"]
