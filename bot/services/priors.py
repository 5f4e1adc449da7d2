"""What imports suggest about how much a person likes an album, as one score per album.

Each signal is turned into a percentile within the person's own collection (an AOTY score, a Last.fm
playcount, Spotify saves) and the available ones are averaged. The ranker only uses the order of these
scores, with a wide variance, so a wrong prior costs a few duels, not a wrong ranking.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PriorSignals:
    album_id: int
    aoty_score: float | None = None
    lastfm_playcount: int | None = None
    spotify_saved_album: bool = False
    spotify_saved_tracks: int = 0


def _percentiles(values: dict[int, float]) -> dict[int, float]:
    if not values:
        return {}
    if len(values) == 1:
        return {k: 0.5 for k in values}
    ordered = sorted(values.items(), key=lambda kv: kv[1])
    result: dict[int, float] = {}
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1][1] == ordered[i][1]:
            j += 1
        rank = (i + j) / 2 / (len(ordered) - 1)  # ties share their mean rank
        for k in range(i, j + 1):
            result[ordered[k][0]] = rank
        i = j + 1
    return result


def prior_scores(entries: Iterable[PriorSignals]) -> dict[int, float]:
    entries = list(entries)
    aoty = _percentiles({e.album_id: e.aoty_score for e in entries if e.aoty_score is not None})
    plays = _percentiles({e.album_id: float(e.lastfm_playcount) for e in entries if e.lastfm_playcount})
    any_spotify = [e for e in entries if e.spotify_saved_album or e.spotify_saved_tracks]
    # A saved album says more than a handful of saved tracks from it.
    spotify = _percentiles({e.album_id: (2.0 if e.spotify_saved_album else 0.0) + min(e.spotify_saved_tracks, 20) / 10
                            for e in any_spotify})
    scores: dict[int, float] = {}
    for entry in entries:
        signals = [source[entry.album_id] for source in (aoty, plays, spotify) if entry.album_id in source]
        if signals:
            scores[entry.album_id] = sum(signals) / len(signals)
    return scores
