"""The simulation protocol of RANKING.md: hidden scores, a simulated user, the original app's method as
the baseline, and the metrics. Shared by the full benchmark and its quick variant in the test suite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from bot.ranking import Outcome, Ranker

NOISELESS = 1000.0
DRAW_BAND = 0.62
LAPSE = 0.05


@dataclass
class SimulatedUser:
    """Bradley-Terry with slope k over hidden scores s ~ N(0, 1); optional draws and lapses."""

    n: int
    k: float
    seed: int
    draws: bool = False
    lapses: bool = False
    scores: np.ndarray = field(init=False)
    rng: np.random.Generator = field(init=False)

    def __post_init__(self) -> None:
        truth_rng = np.random.default_rng([self.seed, self.n, 1])
        self.scores = truth_rng.standard_normal(self.n)
        self.rng = np.random.default_rng([self.seed, self.n, int(self.k), self.draws, self.lapses, 2])

    def answer(self, i: int, j: int) -> Outcome:
        if self.lapses and self.rng.random() < LAPSE:
            return Outcome.A if self.rng.random() < 0.5 else Outcome.B
        margin = self.k * (self.scores[i] - self.scores[j])
        u = self.rng.random()
        noise = math.log(u / (1.0 - u))  # logistic: P(margin + noise > 0) = sigmoid(k * diff)
        if self.draws and abs(margin + noise) < DRAW_BAND:
            return Outcome.DRAW
        return Outcome.A if margin + noise > 0 else Outcome.B

    def priors(self, correlation: float, seed: int) -> dict[int, float]:
        """Import-like scores with the given correlation to the truth (0 = random)."""
        rng = np.random.default_rng([seed, self.n, 3])
        noisy = correlation * self.scores + math.sqrt(1 - correlation ** 2) * rng.standard_normal(self.n)
        return {i: float(x) for i, x in enumerate(noisy)}


class EloBaseline:
    """The original web app: uniformly random pairs, Elo from 1500, K = 40 / 20 / 10 by experience."""

    def __init__(self, n: int, seed: int) -> None:
        self.rating = np.full(n, 1500.0)
        self.count = np.zeros(n, dtype=np.int64)
        self.rng = np.random.default_rng([seed, n, 4])
        self.n = n

    def next_pair(self) -> tuple[int, int]:
        i, j = self.rng.choice(self.n, 2, replace=False)
        return int(i), int(j)

    def _k(self, i: int) -> float:
        return 40.0 if self.count[i] < 20 else 20.0 if self.count[i] < 50 else 10.0

    def record(self, i: int, j: int, outcome: Outcome) -> None:
        score = {Outcome.A: 1.0, Outcome.B: 0.0, Outcome.DRAW: 0.5}[outcome]
        expected = 1.0 / (1.0 + 10 ** ((self.rating[j] - self.rating[i]) / 400.0))
        ki, kj = self._k(i), self._k(j)
        self.rating[i] += ki * (score - expected)
        self.rating[j] -= kj * (score - expected)
        self.count[i] += 1
        self.count[j] += 1

    def order(self) -> np.ndarray:
        """Best first; equal ratings in a fixed random order, as a list would show them."""
        return np.lexsort((self.rng.random(self.n), -self.rating))


def kendall_tau(order: np.ndarray, scores: np.ndarray) -> float:
    """Kendall tau of a best-first order (no ties) against hidden scores (no ties)."""
    shown = scores[order]
    i, j = np.triu_indices(shown.size, 1)
    return float(np.mean(np.sign(shown[i] - shown[j])))


def top10_precision(order: np.ndarray, scores: np.ndarray) -> float:
    k = min(10, scores.size)
    return len(set(order[:k].tolist()) & set(np.argsort(-scores)[:k].tolist())) / k


def engine_order(ranker: Ranker) -> np.ndarray:
    return np.array([entry.album_id for entry in ranker.ranking()], dtype=np.int64)


@dataclass
class Checkpoint:
    duels: int
    tau: float
    top10: float
    settled: float | None = None


@dataclass
class Run:
    checkpoints: list[Checkpoint]
    duels_to_target: int | None  # first checkpoint at tau >= target; None if never within the budget

    def at(self, duels: int) -> Checkpoint:
        """The last checkpoint at or before ``duels``."""
        return [c for c in self.checkpoints if c.duels <= duels][-1]


def budget_point(n: int) -> int:
    return int(round(n * math.log2(n)))


def run_method(method: str, user: SimulatedUser, *, max_duels: int, target: float = 0.9,
               priors: dict[int, float] | None = None, focus_top: int | None = None,
               with_settled: bool = False, step: int | None = None,
               on_duel: Callable[[int, int], None] | None = None) -> Run:
    """Duel until ``target`` tau and the n log2 n budget point are both passed (or ``max_duels``).
    ``on_duel(a, b)`` sees every pair duelled."""
    n = user.n
    step = step or max(1, n // 10)
    keep_until = budget_point(n)
    ranker = Ranker(range(n), seed=user.seed, priors=priors) if method == "engine" else None
    elo = EloBaseline(n, user.seed) if method == "baseline" else None
    checkpoints: list[Checkpoint] = []
    reached: int | None = None
    for duel in range(1, max_duels + 1):
        if ranker is not None:
            a, b = ranker.next_pair(focus_top=focus_top)
            ranker.record(a, b, user.answer(a, b))
        else:
            a, b = elo.next_pair()
            elo.record(a, b, user.answer(a, b))
        if on_duel is not None:
            on_duel(a, b)
        if duel % step and duel != keep_until:
            continue
        order = engine_order(ranker) if ranker is not None else elo.order()
        tau = kendall_tau(order, user.scores)
        settled = ranker.settled() if (ranker is not None and with_settled) else None
        checkpoints.append(Checkpoint(duel, tau, top10_precision(order, user.scores), settled))
        if reached is None and tau >= target:
            reached = duel
        if reached is not None and duel >= keep_until:
            break
    return Run(checkpoints, reached)


def fisher_floor(n: int, k: float, target: float = 0.9) -> float:
    """An approximate floor on the expected duels to Kendall tau ``target`` for a Bradley-Terry user of
    slope k and n albums (first-order in the score errors; a single run's first crossing of a noisy tau,
    at small n especially, can land at or below it).

    Relaxed to the best case no engine reaches: every duel is a coin flip (p = 1/2, the most Fisher
    information a vote carries: k^2 / 4 about the score difference) against a partner whose score is
    already known, and album i's duels are spent where they buy the most order (m_i proportional to
    phi(s_i)^(2/3)). Album i's score error is then at best sd sigma_i = 1 / sqrt(m_i k^2 / 4)
    (Cramer-Rao), and the expected number of misordered pairs is about 0.564 (n - 1) sum phi(s_i)
    sigma_i (each album is misplaced against the albums within its error, of density (n - 1) phi).
    Solving for the duels that bring that down to (1 - target) / 2 of all pairs gives
    D = (1/2) (1.128 (n - 1) / (k T))^2 (sum phi^(2/3))^3 with T the allowed misordered pairs and the sum
    taken in expectation over s ~ N(0, 1) (E phi^(2/3) = (2 pi)^(-1/3) / sqrt(5/3)). For k = 4: ~470
    duels at n = 100, ~2,350 at n = 500. It ignores what a noiseless user is limited by (bits: ~233
    at n = 100), so it only means something for noisy users.
    """
    allowed = (1.0 - target) / 2.0 * n * (n - 1) / 2.0
    phi_sum = n * (2.0 * math.pi) ** (-1.0 / 3.0) / math.sqrt(5.0 / 3.0)
    return 0.5 * (1.128 * (n - 1) / (k * allowed)) ** 2 * phi_sum ** 3


@dataclass
class Diagnosis:
    """Where one engine run's duels went (until tau 0.9), judged with the hidden truth."""

    duels_to_target: int | None
    efficiency_early: float   # mean 4 p (1 - p) of the first 3n duels' true win probabilities (1 = coin flips)
    efficiency_late: float    # the same for the rest
    repeat_share: float       # duels on a pair already duelled


def diagnose(user: SimulatedUser, max_duels: int) -> Diagnosis:
    """Run the engine to tau 0.9 and measure how informative its pairs really were."""
    info: list[float] = []
    repeated: list[bool] = []
    seen: set[tuple[int, int]] = set()

    def judge(a: int, b: int) -> None:
        margin = min(50.0, max(-50.0, user.k * (user.scores[a] - user.scores[b])))
        p = 1.0 / (1.0 + math.exp(-margin))
        info.append(4.0 * p * (1.0 - p))
        key = (min(a, b), max(a, b))
        repeated.append(key in seen)
        seen.add(key)

    run = run_method("engine", user, max_duels=max_duels, on_duel=judge)
    used = run.duels_to_target or max_duels  # run_method carries on to the n log2 n point
    early = 3 * user.n
    return Diagnosis(run.duels_to_target, float(np.mean(info[:min(early, used)])),
                     float(np.mean(info[early:used])) if used > early else float("nan"),
                     float(np.mean(repeated[:used])))
