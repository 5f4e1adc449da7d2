"""The labelled identity pairs (``identity_pairs.csv``) and their scoring, shared by tests and the bench.

Each row is two descriptions of albums as a source gives them: Spotify credits are a list (written with
" | " between names in the file), Last.fm and AOTY credits are one string.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from bot.catalog.identity import AlbumRef, same_album

PAIRS_FILE = Path(__file__).with_name("identity_pairs.csv")


@dataclass(frozen=True)
class LabelledPair:
    category: str
    same: bool
    a: AlbumRef
    b: AlbumRef
    line: int


@dataclass
class Score:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    true_negative: int = 0
    wrong: list[LabelledPair] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        real = self.true_positive + self.false_negative
        return self.true_positive / real if real else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def total(self) -> int:
        return self.true_positive + self.false_positive + self.false_negative + self.true_negative


def _ref(source: str, title: str, artists: str, year: str) -> AlbumRef:
    credit: list[str] | str = [n.strip() for n in artists.split(" | ")] if source == "spotify" else artists
    return AlbumRef(title=title, artists=credit, year=int(year) if year else None)


def load_pairs(path: Path = PAIRS_FILE) -> list[LabelledPair]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        LabelledPair(
            category=row["category"],
            same=row["same"] == "1",
            a=_ref(row["source_a"], row["title_a"], row["artists_a"], row["year_a"]),
            b=_ref(row["source_b"], row["title_b"], row["artists_b"], row["year_b"]),
            line=number,
        )
        for number, row in enumerate(rows, start=2)
    ]


def score(pairs: list[LabelledPair]) -> tuple[Score, dict[str, Score]]:
    """The overall score and one per category."""
    overall, by_category = Score(), {}
    for pair in pairs:
        predicted = same_album(pair.a, pair.b)
        for tally in (overall, by_category.setdefault(pair.category, Score())):
            if predicted and pair.same:
                tally.true_positive += 1
            elif predicted:
                tally.false_positive += 1
            elif pair.same:
                tally.false_negative += 1
            else:
                tally.true_negative += 1
            if predicted != pair.same:
                tally.wrong.append(pair)
    return overall, by_category
