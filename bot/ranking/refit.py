"""The periodic whole-log refit: a regularised MAP fit of the probit comparison model.

Between refits each vote is absorbed by a closed-form update that only sees two albums; errors from
early, poorly-placed votes linger. The refit solves the full problem again from the prior: Newton's
method on the negative log posterior, each step solved by preconditioned conjugate gradients on the
sparse Hessian (a weighted graph Laplacian plus the prior's diagonal), so the cost is linear in the
number of votes per iteration. Variances come from the Laplace approximation (inverse of the Hessian's
diagonal).

The result depends only on its inputs (it always starts from the prior, never from the previous
state), which is what lets ``Ranker.from_votes`` skip every refit but the last and still equal a
replay of ``record``.

The prior scale ``tau`` is learned inside the refit by a few EM rounds. It matters because the model's
noise is fixed at one logistic unit: a consistent user spreads albums far apart, a noisy one close.
No plain L2 "pseudo-comparison" regulariser here: on actively chosen, neighbour-only data it biases the
fit (see RANKING.md); a Gaussian prior on each album is the honest version.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .gaussian import draw_terms, win_terms
from .model import DRAW_MARGIN, NOISE, PRIOR_WEIGHT, TAU_MAX, TAU_MIN, TAU_START

_ROUNDS = 3
_SLOPE_STEPS = 30
_SLOPE_CAP = 1.5
_LOG_TAU_SD = 0.7
_NEWTON_MAX = 50
_ROUND_STEPS = 2
_NEWTON_TOL = 1e-7
_CG_MAX = 200
_CG_RTOL = 1e-8


@dataclass(frozen=True)
class VoteArrays:
    """A vote log as parallel arrays: ``first`` beat ``second`` unless ``draw`` is set."""

    first: np.ndarray   # int indices
    second: np.ndarray  # int indices
    draw: np.ndarray    # bool


@dataclass(frozen=True)
class Fit:
    mu: np.ndarray
    sigma2: np.ndarray
    tau: float


def prior_moments(prior_z: np.ndarray, has_prior: np.ndarray, tau: float) -> tuple[np.ndarray, np.ndarray]:
    """Starting mean and variance per album: an import prior explains part of the spread, not all."""
    mean = np.where(has_prior, PRIOR_WEIGHT * tau * prior_z, 0.0)
    var = np.where(has_prior, (1.0 - PRIOR_WEIGHT ** 2) * tau * tau, tau * tau)
    return mean, var


def _vote_terms(margin: np.ndarray, draw: np.ndarray):
    """Per-vote gradient (wrt the margin), curvature and log-likelihood."""
    t = margin / NOISE
    v, w, logp = win_terms(t)
    if draw.any():
        dv, dw, dlogp = draw_terms(t[draw], DRAW_MARGIN / NOISE)
        v, w, logp = v.copy(), w.copy(), logp.copy()
        v[draw], w[draw], logp[draw] = dv, dw, dlogp
    return -v / NOISE, w / (NOISE * NOISE), logp


def _objective(mu, votes: VoteArrays, mean, var) -> float:
    _, _, logp = _vote_terms(mu[votes.first] - mu[votes.second], votes.draw)
    return float(-logp.sum() + 0.5 * np.sum((mu - mean) ** 2 / var))


def _solve_newton_step(grad, h_edge, prior_prec, votes: VoteArrays, n: int) -> np.ndarray:
    """Solve H x = -grad by Jacobi-preconditioned conjugate gradients; H is never formed."""
    f, s = votes.first, votes.second
    diag = prior_prec + np.bincount(f, h_edge, n) + np.bincount(s, h_edge, n)

    def hess_times(x):
        flow = h_edge * (x[f] - x[s])
        return prior_prec * x + np.bincount(f, flow, n) - np.bincount(s, flow, n)

    b = -grad
    x = np.zeros(n)
    if not b.any():
        return x
    r = b.copy()
    z = r / diag
    p = z.copy()
    rz = r @ z
    stop = _CG_RTOL * np.sqrt(b @ b)
    for _ in range(_CG_MAX):
        hp = hess_times(p)
        alpha = rz / (p @ hp)
        x += alpha * p
        r -= alpha * hp
        if np.sqrt(r @ r) <= stop:
            break
        z = r / diag
        rz_next = r @ z
        p = z + (rz_next / rz) * p
        rz = rz_next
    return x


def _map_fit(votes: VoteArrays, mean, var, start, max_steps: int = _NEWTON_MAX) -> tuple[np.ndarray, np.ndarray]:
    n = mean.size
    prior_prec = 1.0 / var
    mu = start.copy()
    value = _objective(mu, votes, mean, var)
    h_edge = np.zeros(votes.first.size)
    for _ in range(max_steps):
        g_edge, h_edge, _ = _vote_terms(mu[votes.first] - mu[votes.second], votes.draw)
        grad = prior_prec * (mu - mean) + np.bincount(votes.first, g_edge, n) - np.bincount(votes.second, g_edge, n)
        step = _solve_newton_step(grad, h_edge, prior_prec, votes, n)
        # Backtracking keeps Newton safe far from the optimum (near-separable, noiseless data).
        scale = 1.0
        while True:
            trial = mu + scale * step
            trial_value = _objective(trial, votes, mean, var)
            if trial_value <= value + 1e-12 * abs(value) or scale < 1e-4:
                break
            scale *= 0.5
        mu, value = trial, trial_value
        if np.max(np.abs(scale * step)) < _NEWTON_TOL:
            break
    _, h_edge, _ = _vote_terms(mu[votes.first] - mu[votes.second], votes.draw)
    precision = prior_prec + np.bincount(votes.first, h_edge, n) + np.bincount(votes.second, h_edge, n)
    return mu, 1.0 / precision


def _best_slope(votes: VoteArrays, margin: np.ndarray, offset: float) -> float:
    """The factor c that maximises the likelihood of the votes at margins c x ``margin``, under a weak
    log-normal prior pulling ``offset + log c`` (the log scale relative to ``TAU_START``) to zero.

    The prior matters only while the votes are few: their held-out predictions are then poor, and the
    bare likelihood would read that as a very noisy user. Votes that never contradict their margins
    (a consistent user) push c to its cap.
    """
    c = 1.0
    for _ in range(_SLOPE_STEPS):
        g, h, _ = _vote_terms(c * margin, votes.draw)
        log_scale = offset + np.log(c)
        grad = float(g @ margin) + log_scale / (_LOG_TAU_SD ** 2 * c)
        curv = float(h @ (margin * margin)) + max(1.0 - log_scale, 0.1) / (_LOG_TAU_SD ** 2 * c * c)
        nxt = float(np.clip(c - grad / max(curv, 1e-12), 1.0 / _SLOPE_CAP, _SLOPE_CAP))
        if abs(nxt - c) < 1e-3 * c:
            return nxt
        c = nxt
    return c


def _held_out_margins(votes: VoteArrays, mu: np.ndarray, sigma2: np.ndarray) -> np.ndarray:
    """Each vote's predicted margin from all the *other* votes (approximate leave-one-out).

    Take the two albums' Laplace beliefs and remove the vote's own curvature from the precision of
    their difference (the cavity, as in expectation propagation): the margin moves back by the vote's
    own pull times the cavity variance, and the prediction includes that variance, in the noise-1
    units ``_vote_terms`` expects. The two-album cavity overstates the variance when an album has few
    votes (its Laplace variance ignores what its other votes share) and collapses the scale early;
    removing the curvature from each album separately understates it and over-claims for noisy users.
    The geometric mean of the two was the calibrated one in the benchmark (see docs/ranking.md).
    """
    f, s = votes.first, votes.second
    margin = mu[f] - mu[s]
    g, h, _ = _vote_terms(margin, votes.draw)
    var = sigma2[f] + sigma2[s]
    joint = var / np.maximum(1.0 - h * var, 1e-3)
    separate = 1.0 / (1.0 / sigma2[f] - h) + 1.0 / (1.0 / sigma2[s] - h)
    var_out = np.sqrt(joint * separate)
    return (margin + var_out * g) / np.sqrt(1.0 + var_out / (NOISE * NOISE))


def refit(votes: VoteArrays, prior_z: np.ndarray, has_prior: np.ndarray, tau_start: float) -> Fit:
    """MAP means, Laplace variances and the learned prior scale for the whole vote log."""
    tau = tau_start
    mean, var = prior_moments(prior_z, has_prior, tau)
    mu = mean.copy()
    sigma2 = var.copy()
    if votes.first.size == 0:
        return Fit(mu, sigma2, tau)
    for round_ in range(_ROUNDS):
        # Later rounds start from the previous fit on the new scale, a few Newton steps from its
        # optimum; the scale estimate does not need them all (the final fit converges fully).
        mu, sigma2 = _map_fit(votes, mean, var, mu, _NEWTON_MAX if round_ == 0 else _ROUND_STEPS)
        # Empirical Bayes by prediction: if the votes are predicted better from each other with
        # bolder (or timider) margins, the albums are further apart (closer) than tau says.
        # EM on the Laplace posterior instead shrinks tau to ~60% of the truth.
        slope = _best_slope(votes, _held_out_margins(votes, mu, sigma2), float(np.log(tau / TAU_START)))
        nxt = float(np.clip(tau * slope, TAU_MIN, TAU_MAX))
        mu = mu * (nxt / tau)  # warm start: the same order on the new scale
        tau = nxt
        mean, var = prior_moments(prior_z, has_prior, tau)
    mu, sigma2 = _map_fit(votes, mean, var, mu)
    return Fit(mu, sigma2, tau)
