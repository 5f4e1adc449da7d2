"""An emulated albumoftheyear.org for tests and local try-outs."""

from bot.sandbox.aoty.data import RATINGS_PER_PAGE, AotyRatingSpec, generate_ratings
from bot.sandbox.aoty.server import AotyEmulator

__all__ = ["AotyEmulator", "AotyRatingSpec", "RATINGS_PER_PAGE", "generate_ratings"]
