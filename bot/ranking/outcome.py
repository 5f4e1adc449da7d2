"""The three answers to a duel, and the forms they arrive in from storage."""

from __future__ import annotations

import enum


class Outcome(enum.Enum):
    A = "A"        # the first album of the pair won
    B = "B"        # the second album won
    DRAW = "DRAW"  # the person could not tell them apart

    @classmethod
    def parse(cls, value: "Outcome | str") -> "Outcome":
        """Accept an ``Outcome`` or its stored string ("A", "B", "DRAW", any case)."""
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            try:
                return cls(value.strip().upper())
            except ValueError:
                pass
        raise ValueError(f"not a duel outcome: {value!r}")
