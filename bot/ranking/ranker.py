"""The ranking engine: beliefs about a person's albums, updated one duel at a time.

State is one Gaussian belief per album (mean, variance), the vote log, and a stack that makes undo
exact. ``record`` applies the closed-form probit update (O(1)); every ``refit_every`` votes the whole
log is refitted (see refit.py), which is a pure function of the log, so ``from_votes`` can skip all
refits but the last and still equal a replay.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from statistics import NormalDist
from typing import Iterable, Mapping

import numpy as np

from .display import expected_percentiles, settledness
from .errors import AlbumNotRanked, NoVoteToUndo, TooFewAlbumsToDuel
from .gaussian import draw_vw_scalar, win_vw_scalar
from .model import (DRAW_MARGIN, NOISE, PROVISIONAL_BELOW, SKIP_COOLDOWN_VOTES, SKIP_MEMORY, TAU_MAX,
                    TAU_MIN, TAU_START)
from .outcome import Outcome
from .pairing import choose_pair
from .refit import VoteArrays, prior_moments, refit


@dataclass(frozen=True, slots=True)
class RankedAlbum:
    album_id: int
    mu: float
    sigma: float
    rating: float        # expected percentile among the available albums, 0-100
    comparisons: int
    provisional: bool    # too few comparisons to trust its place


@dataclass(frozen=True, slots=True)
class Belief:
    """What the database stores per album: the posterior mean, variance and comparison count."""

    mu: float
    sigma2: float
    comparisons: int


@dataclass(frozen=True, slots=True)
class _UndoRecord:
    first: int
    second: int
    before: tuple[float, float, float, float]          # mu and sigma2 of both, before the vote
    refit_snapshot: tuple[np.ndarray, np.ndarray, float] | None  # whole state, if the vote refitted


def normalised_priors(values: Mapping[int, float]) -> dict[int, float]:
    """Any-scale scores -> standard normal scores by rank (ties share their mean rank)."""
    if len(values) < 2:
        return {album_id: 0.0 for album_id in values}
    ids = list(values)
    raw = np.array([float(values[i]) for i in ids])
    order = np.argsort(raw, kind="stable")
    ranks = np.empty(raw.size)
    ranks[order] = np.arange(raw.size, dtype=float)
    for value in np.unique(raw):  # average the ranks of tied scores
        tied = raw == value
        ranks[tied] = ranks[tied].mean()
    normal = NormalDist()
    return {i: normal.inv_cdf((r + 0.5) / raw.size) for i, r in zip(ids, ranks)}


def _vote_parts(vote) -> tuple[int, int, Outcome]:
    if isinstance(vote, tuple | list):
        a, b, outcome = vote
    else:
        a, b, outcome = vote.album_a, vote.album_b, vote.outcome
    return int(a), int(b), Outcome.parse(outcome)


class Ranker:
    """Beliefs about one person's albums. Deterministic given the seed and the history."""

    def __init__(self, album_ids: Iterable[int], seed: int = 0, priors: Mapping[int, float] | None = None) -> None:
        self.seed = int(seed)
        self._ids: list[int] = []
        self._index: dict[int, int] = {}
        self._mu = np.zeros(0)
        self._sigma2 = np.zeros(0)
        self._comparisons = np.zeros(0, dtype=np.int64)
        self._excluded = np.zeros(0, dtype=bool)
        self._prior_z = np.zeros(0)
        self._has_prior = np.zeros(0, dtype=bool)
        self._tau = TAU_START
        self._votes: list[tuple[int, int, Outcome]] = []  # album indices, as voted
        # The log as arrays for refits: (the list they came from, first, second, draw); entries below
        # _vote_cache_valid still match the list (undo lowers it).
        self._vote_cache: tuple[list, np.ndarray, np.ndarray, np.ndarray] | None = None
        self._vote_cache_valid = 0
        self._history: list[_UndoRecord] = []
        self._skips: deque[tuple[int, int, int]] = deque(maxlen=SKIP_MEMORY)  # (i, j, votes then)
        self.add_albums(album_ids, priors)

    # --- building --------------------------------------------------------------------------------

    @classmethod
    def from_votes(cls, album_ids: Iterable[int], votes: Iterable, priors: Mapping[int, float] | None = None,
                   seed: int = 0) -> "Ranker":
        """Rebuild from a vote log; equal to replaying ``record`` on a fresh ranker.

        Votes are (album_a, album_b, outcome) tuples or objects with ``album_a``, ``album_b`` and
        ``outcome``; outcomes may be ``Outcome`` or "A"/"B"/"DRAW". Votes naming an album outside
        ``album_ids`` are ignored (the album was deleted or merged away).
        """
        ranker = cls(album_ids, seed=seed, priors=priors)
        index = ranker._index
        ranker._load_log([(index[a], index[b], o) for a, b, o in map(_vote_parts, votes)
                          if a in index and b in index and a != b])
        return ranker

    @classmethod
    def from_beliefs(cls, beliefs: Mapping[int, Belief | tuple[float, float, int]], *, seed: int = 0,
                     votes: Iterable = (), priors: Mapping[int, float] | None = None,
                     excluded: Iterable[int] = ()) -> "Ranker":
        """Load stored beliefs without replaying; ``votes`` (the log) keeps refits and undo working."""
        ranker = cls(beliefs, seed=seed, priors=priors)
        for album_id, belief in beliefs.items():
            mu, sigma2, comparisons = belief if isinstance(belief, tuple) else (belief.mu, belief.sigma2,
                                                                               belief.comparisons)
            i = ranker._index[album_id]
            ranker._mu[i], ranker._sigma2[i], ranker._comparisons[i] = mu, sigma2, comparisons
        index = ranker._index
        ranker._votes = [(index[a], index[b], o) for a, b, o in map(_vote_parts, votes)
                         if a in index and b in index and a != b]
        if ranker._mu.size:  # the prior scale a refit would have learned from these beliefs
            ranker._tau = float(np.clip(np.sqrt(np.mean(ranker._mu ** 2 + ranker._sigma2)), TAU_MIN, TAU_MAX))
        for album_id in excluded:
            ranker.exclude(album_id)
        return ranker

    def beliefs(self) -> dict[int, Belief]:
        return {album_id: Belief(float(self._mu[i]), float(self._sigma2[i]), int(self._comparisons[i]))
                for i, album_id in enumerate(self._ids)}

    def add_albums(self, album_ids: Iterable[int], priors: Mapping[int, float] | None = None) -> None:
        """Add albums (already-known ids are left alone). Priors are normalised by rank within ``priors``."""
        new = [int(a) for a in dict.fromkeys(album_ids) if int(a) not in self._index]
        z = normalised_priors(priors or {})
        prior_z = np.array([z.get(a, 0.0) for a in new])
        has_prior = np.array([a in z for a in new], dtype=bool)
        mean, var = prior_moments(prior_z, has_prior, self._tau)
        for album_id in new:
            self._index[album_id] = len(self._ids)
            self._ids.append(album_id)
        self._mu = np.concatenate([self._mu, mean])
        self._sigma2 = np.concatenate([self._sigma2, var])
        self._comparisons = np.concatenate([self._comparisons, np.zeros(len(new), dtype=np.int64)])
        self._excluded = np.concatenate([self._excluded, np.zeros(len(new), dtype=bool)])
        self._prior_z = np.concatenate([self._prior_z, prior_z])
        self._has_prior = np.concatenate([self._has_prior, has_prior])

    def exclude(self, album_id: int) -> None:
        """Stop offering and listing the album; its belief and votes are kept for ``restore``."""
        self._excluded[self._idx(album_id)] = True

    def restore(self, album_id: int) -> None:
        self._excluded[self._idx(album_id)] = False

    # --- duels -----------------------------------------------------------------------------------

    @property
    def votes_recorded(self) -> int:
        return len(self._votes)

    @property
    def refit_every(self) -> int:
        return max(5, len(self._ids) // 20)

    def next_pair(self, focus_top: int | None = None) -> tuple[int, int]:
        """Two distinct available albums whose duel is the most informative now.

        ``focus_top=k`` spends duels only on albums that may belong in the top k.
        Raises ``TooFewAlbumsToDuel`` when fewer than two albums are available.
        """
        available = np.flatnonzero(~self._excluded)
        if available.size < 2:
            raise TooFewAlbumsToDuel(int(available.size))
        rng = np.random.default_rng([self.seed, len(self._votes)])
        jitter = rng.random(available.size)
        recent = {(i, j) for i, j, at in self._skips if len(self._votes) - at < SKIP_COOLDOWN_VOTES}
        pair = choose_pair(self._mu, self._sigma2, available, recent, jitter, focus_top)
        if pair is None:  # every nearby pair was just skipped: offer the one skipped longest ago
            i, j, _ = next(s for s in self._skips if not (self._excluded[s[0]] or self._excluded[s[1]]))
            pair = (i, j)
        first, second = pair if rng.random() < 0.5 else (pair[1], pair[0])
        return self._ids[first], self._ids[second]

    def record(self, album_a: int, album_b: int, outcome: Outcome | str) -> None:
        """Record a duel's answer: ``Outcome.A`` means ``album_a`` won."""
        first, second = self._idx(album_a), self._idx(album_b)
        if first == second:
            raise ValueError("an album cannot duel itself")
        self._record_index(first, second, Outcome.parse(outcome))

    def skip(self, album_a: int, album_b: int) -> None:
        """No information: beliefs stay as they are, and the pair is not offered again soon."""
        i, j = sorted((self._idx(album_a), self._idx(album_b)))
        self._skips.append((i, j, len(self._votes)))

    def undo(self) -> None:
        """Take back the last vote; the state equals never having recorded it."""
        if not self._votes:
            raise NoVoteToUndo()
        if not self._history:  # loaded without a history: replay the log minus its last vote
            self._load_log(self._votes[:-1])
            return
        step = self._history.pop()
        self._votes.pop()
        self._vote_cache_valid = min(self._vote_cache_valid, len(self._votes))
        if step.refit_snapshot is not None:
            self._mu, self._sigma2, self._tau = step.refit_snapshot
        i, j = step.first, step.second
        self._mu[i], self._sigma2[i], self._mu[j], self._sigma2[j] = step.before
        self._comparisons[i] -= 1
        self._comparisons[j] -= 1

    # --- reading ---------------------------------------------------------------------------------

    def ranking(self) -> list[RankedAlbum]:
        """Available albums, best first by the conservative key mu - 2 sigma."""
        available = np.flatnonzero(~self._excluded)
        mu, sigma2 = self._mu[available], self._sigma2[available]
        sigma = np.sqrt(sigma2)
        ratings = expected_percentiles(mu, sigma2)
        ids = np.array([self._ids[i] for i in available], dtype=np.int64)
        order = np.lexsort((ids, -(mu - 2.0 * sigma)))
        comparisons = self._comparisons[available]
        return [RankedAlbum(int(ids[k]), float(mu[k]), float(sigma[k]), float(ratings[k]), int(comparisons[k]),
                            bool(comparisons[k] < PROVISIONAL_BELOW)) for k in order]

    def settled(self) -> float:
        """0..1: the posterior-expected Kendall tau of the shown order (``ranking()``) against the truth."""
        available = np.flatnonzero(~self._excluded)
        mu, sigma2 = self._mu[available], self._sigma2[available]
        return settledness(mu, sigma2, mu - 2.0 * np.sqrt(sigma2))

    # --- internals -------------------------------------------------------------------------------

    def _idx(self, album_id: int) -> int:
        try:
            return self._index[int(album_id)]
        except KeyError:
            raise AlbumNotRanked(int(album_id)) from None

    def _load_log(self, log: list[tuple[int, int, Outcome]]) -> None:
        """Reset every belief to its prior and replay ``log`` (album indices) as ``record`` would."""
        self._tau = TAU_START
        self._mu, self._sigma2 = prior_moments(self._prior_z, self._has_prior, TAU_START)
        self._comparisons = np.zeros(len(self._ids), dtype=np.int64)
        self._history = []
        # Refits reset the state to a function of the log, so jump straight to the last refit, then
        # replay the rest (keeping those votes undoable). A log ending on a refit is one refit, not two;
        # undoing its last vote then replays the log (one more refit).
        every = self.refit_every
        bulk = (len(log) // every) * every
        self._votes = list(log[:bulk])
        if bulk:
            ends = [v[0] for v in self._votes] + [v[1] for v in self._votes]
            self._comparisons = np.bincount(ends, minlength=len(self._ids)).astype(np.int64)
            self._refit()
        for first, second, outcome in log[bulk:]:
            self._record_index(first, second, outcome)

    def _record_index(self, first: int, second: int, outcome: Outcome) -> None:
        if outcome is Outcome.B:
            winner, loser = second, first
        else:
            winner, loser = first, second
        mu_w, s2_w = float(self._mu[winner]), float(self._sigma2[winner])
        mu_l, s2_l = float(self._mu[loser]), float(self._sigma2[loser])
        c2 = NOISE * NOISE + s2_w + s2_l
        c = math.sqrt(c2)
        t = (mu_w - mu_l) / c
        v, w = draw_vw_scalar(t, DRAW_MARGIN / c) if outcome is Outcome.DRAW else win_vw_scalar(t)
        self._mu[winner] = mu_w + s2_w / c * v
        self._mu[loser] = mu_l - s2_l / c * v
        # Clamp: the factor is in (0, 1] in exact arithmetic; keep rounding from making it <= 0.
        self._sigma2[winner] = s2_w * max(1.0 - s2_w / c2 * w, 1e-6)
        self._sigma2[loser] = s2_l * max(1.0 - s2_l / c2 * w, 1e-6)
        self._comparisons[winner] += 1
        self._comparisons[loser] += 1
        self._votes.append((first, second, outcome))
        snapshot = None
        if len(self._votes) % self.refit_every == 0:
            snapshot = (self._mu.copy(), self._sigma2.copy(), self._tau)
            snapshot[0][winner], snapshot[1][winner] = mu_w, s2_w
            snapshot[0][loser], snapshot[1][loser] = mu_l, s2_l
            self._refit()
        self._history.append(_UndoRecord(winner, loser, (mu_w, s2_w, mu_l, s2_l), snapshot))

    def _refit(self) -> None:
        fit = refit(self._vote_arrays(), self._prior_z, self._has_prior, TAU_START)
        self._mu, self._sigma2, self._tau = fit.mu, fit.sigma2, fit.tau

    def _vote_arrays(self) -> VoteArrays:
        """The log as arrays (winner first), converting only the votes added since the last refit:
        at 50,000 votes the full conversion costs as much as a Newton step."""
        votes = self._votes
        cached = self._vote_cache
        if cached is None or cached[0] is not votes:
            cached = (votes, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool))
        _, first, second, draw = cached
        done = min(first.size, self._vote_cache_valid)
        new = votes[done:]
        first = np.concatenate([first[:done], np.fromiter(
            (v[0] if v[2] is not Outcome.B else v[1] for v in new), np.int64, len(new))])
        second = np.concatenate([second[:done], np.fromiter(
            (v[1] if v[2] is not Outcome.B else v[0] for v in new), np.int64, len(new))])
        draw = np.concatenate([draw[:done], np.fromiter((v[2] is Outcome.DRAW for v in new), bool, len(new))])
        self._vote_cache = (votes, first, second, draw)
        self._vote_cache_valid = len(votes)
        return VoteArrays(first, second, draw)
