"""The prior scale ``tau`` (how far apart this user's albums are) from its exact posterior, by Gibbs sampling.

Why sampling: every cheap estimate of the scale we tried (EM on the Laplace posterior, held-out slopes,
cross-validation, see docs/ranking.md) was biased on actively chosen duels, compressing the scale towards
~4 whatever the user's consistency. Exact Bayes does not care how the pairs were chosen (the likelihood
principle), so the posterior of tau is not biased that way.

The sampler is Albert & Chib's data augmentation for the engine's probit likelihood:

- a latent performance difference per vote, y ~ N(s_first - s_second, NOISE^2) truncated to (0, inf) for
  a win and to (-DRAW_MARGIN, DRAW_MARGIN) for a draw (exactly the likelihood ``refit`` maximises);
- tau given y with the skills integrated out: y ~ N(tau B w, NOISE^2 I + c tau^2 B B^T) (B the
  vote-by-album incidence, prior mean w tau and variance c tau^2 per album), whose determinant and
  inverse are diagonal for every tau in the eigenbasis of the vote graph's Laplacian L (one ``eigh``
  per call), evaluated on a grid of log tau;
- the skills given y and tau: Gaussian with precision L / NOISE^2 + prior precision, an exact draw in
  the same basis (when only some albums have import priors their prior variances differ: then a
  Cholesky factor per sweep, and tau given the skills, "centred", on the grid instead);
- tau given the *standardised* skills u = s / tau with y integrated out ("non-centred", collapsed: the
  probit likelihood of the votes at margins tau (u_first - u_second)), by slice sampling.

The two tau steps interweave (Yu & Meng 2011): each conditions on something the other integrates out.
A centred sampler alone (tau given skills and latents) had an effective sample size of tau of ~1% of
the sweeps; this one 5-10% at 7 votes per album, still ~1% at 2 (where the posterior is nearly the
prior, hence ``MCMC_FROM_VOTES_PER_ALBUM``). The estimate is Rao-Blackwellised: the mean over sweeps of
E[log tau | latents] on the grid.

Every random stream is seeded by a fixed seed and the sweep number, so the result depends only on the
log (``from_votes`` equals a replay) and logs that share most votes get nearby estimates. The dense algebra limits it to ``MCMC_UP_TO`` albums; larger collections keep the
held-out-slope estimate in refit.py.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import numpy as np

from .gaussian import _erfcx_nonneg, draw_terms, norm_cdf
from .model import DRAW_MARGIN, NOISE, PRIOR_WEIGHT, TAU_MAX, TAU_MIN

MCMC_UP_TO = 600
"""Above this many albums the dense eigendecomposition costs more than a refit may."""

MCMC_FROM_VOTES_PER_ALBUM = 3
"""Below this many votes per album the posterior of tau is nearly the prior and the chain mixes
slowly; the held-out-slope estimate (refit.py) is used there."""

SAMPLE_EVERY_REFITS = 4
"""The chain runs on the log cut down to a multiple of this many refit intervals (every 20 votes at
100 albums), so three refits in four reuse the previous estimate (cached, or recomputed identically
by ``from_votes``: still a function of the log alone)."""

BURN_IN, KEEP = 50, 200
LOG_TAU_CENTRE, LOG_TAU_SD = float(np.log(4.0)), 1.0
"""Weak log-normal prior on tau (truncated to [TAU_MIN, TAU_MAX]): +-2 sd covers 0.5..30."""

_SEED = 7_310_115
_GRID = np.linspace(np.log(TAU_MIN), np.log(TAU_MAX), 241)
_SLICE_WIDTH = 0.3

# Acklam's rational approximation of the inverse normal CDF (relative error 1.15e-9).
_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
      -3.066479806614716e+01, 2.506628277459239e+00)
_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
      -1.328068155288572e+01)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549671035643200e+00,
      4.374664141464968e+00, 2.938163982698783e+00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00)
_P_LOW = 0.02425


def norm_ppf(p) -> np.ndarray:
    """Inverse standard normal CDF for p in (0, 1), elementwise; accurate in the lower tail."""
    p = np.asarray(p, dtype=float)
    out = np.empty_like(p)
    low, high = p < _P_LOW, p > 1.0 - _P_LOW
    mid = ~(low | high)
    q = p[mid] - 0.5
    r = q * q
    num = ((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]
    den = ((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0
    out[mid] = q * num / den
    for mask, sign, tail in ((low, 1.0, p), (high, -1.0, 1.0 - p)):
        if mask.any():
            q = np.sqrt(-2.0 * np.log(np.maximum(tail[mask], 1e-300)))
            num = ((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]
            den = (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0
            out[mask] = sign * num / den
    return out


def sample_latent(d: np.ndarray, draw: np.ndarray, u: np.ndarray) -> np.ndarray:
    """y ~ N(d, NOISE^2) truncated to (0, inf) (a win) or (-DRAW_MARGIN, DRAW_MARGIN) (a draw), by
    inverting the upper-tail CDF with uniforms ``u`` (stable however surprising the vote)."""
    y = np.empty_like(d)
    win = ~draw
    a = -d[win] / NOISE                          # standardised lower bound
    x = -norm_ppf(np.maximum(u[win] * norm_cdf(-a), 1e-300))
    y[win] = d[win] + NOISE * np.maximum(x, a)
    if draw.any():
        dd = d[draw]
        flip = dd > 0
        c = np.where(flip, -dd, dd)              # mean <= 0: the interval lies on its upper side
        lo, hi = (-DRAW_MARGIN - c) / NOISE, (DRAW_MARGIN - c) / NOISE
        p_lo, p_hi = norm_cdf(-lo), norm_cdf(-hi)  # upper tails, p_lo > p_hi
        x = np.clip(-norm_ppf(np.maximum(p_hi + u[draw] * (p_lo - p_hi), 1e-300)), lo, hi)
        yy = c + NOISE * x
        y[draw] = np.where(flip, -yy, yy)
    return y


def log_likelihood(margin: np.ndarray, draw: np.ndarray) -> float:
    """log P(votes) at the given skill differences (first minus second), the refit's likelihood."""
    t = margin / NOISE
    neg = t < 0
    e = _erfcx_nonneg(np.abs(t) * (1.0 / np.sqrt(2.0)))
    half_t2 = 0.5 * t * t
    logp = np.where(neg, np.log(0.5 * e) - half_t2, np.log1p(-0.5 * e * np.exp(-half_t2)))
    if draw.any():
        logp[draw] = draw_terms(t[draw], DRAW_MARGIN / NOISE)[2]
    return float(logp.sum())


def _log_prior(log_tau):
    return -0.5 * ((log_tau - LOG_TAU_CENTRE) / LOG_TAU_SD) ** 2


def _slice(target, x0: float, rng: np.random.Generator, lo: float, hi: float) -> float:
    """One slice-sampling update (Neal 2003: stepping out, then shrinking) of a 1-d log density."""
    level = target(x0) - rng.exponential()
    left = x0 - _SLICE_WIDTH * rng.random()
    right = left + _SLICE_WIDTH
    for _ in range(10):
        if left <= lo or target(left) <= level:
            break
        left -= _SLICE_WIDTH
    for _ in range(10):
        if right >= hi or target(right) <= level:
            break
        right += _SLICE_WIDTH
    left, right = max(left, lo), min(right, hi)
    for _ in range(40):
        x = left + (right - left) * rng.random()
        if target(x) > level:
            return x
        if x < x0:
            left = x
        else:
            right = x
    return x0


def posterior_log_scale(first: np.ndarray, second: np.ndarray, draw: np.ndarray, prior_z: np.ndarray,
                        has_prior: np.ndarray, burn_in: int = BURN_IN, keep: int = KEEP,
                        trace: list | None = None) -> float:
    """Posterior mean of log tau given the votes (winner first). Deterministic given the inputs."""
    n = prior_z.size
    m = first.size
    c = np.where(has_prior, 1.0 - PRIOR_WEIGHT ** 2, 1.0)   # prior var = c tau^2
    w = np.where(has_prior, PRIOR_WEIGHT * prior_z, 0.0)     # prior mean = w tau
    lap = np.zeros(n * n)
    np.add.at(lap, first * (n + 1), 1.0)
    np.add.at(lap, second * (n + 1), 1.0)
    np.add.at(lap, first * n + second, -1.0)
    np.add.at(lap, second * n + first, -1.0)
    lap = lap.reshape(n, n) / (NOISE * NOISE)
    uniform = bool(np.all(c == c[0]))
    if uniform:
        lam, vec = np.linalg.eigh(lap)
        lam = np.maximum(lam, 0.0)
    grid, grid_tau = _GRID, np.exp(_GRID)
    grid_prior = _log_prior(grid)
    lo, hi = float(grid[0]), float(grid[-1])
    inv_c = 1.0 / c
    if uniform:
        # tau | y with the skills integrated out: y ~ N(tau B w, NOISE^2 I + c tau^2 B B^T) (B the
        # vote-by-album incidence), whose determinant and inverse are diagonal in L's eigenbasis.
        shrink = 1.0 / (lam[None, :] + 1.0 / (c[0] * grid_tau[:, None] ** 2))   # grid x albums
        grid_base = grid_prior - 0.5 * np.log1p(c[0] * grid_tau[:, None] ** 2 * lam[None, :]).sum(axis=1)
        bw = w[first] - w[second]
        q = NOISE ** 2 * lam * (vec.T @ w)
        qq = shrink @ (q * q)
    tau = float(np.exp(LOG_TAU_CENTRE))
    s = np.zeros(n)
    total, kept = 0.0, 0
    for sweep in range(burn_in + keep):
        # Common random numbers: sweep t of every refit uses the same streams (vote v always gets the
        # v-th uniform of its sweep), so a longer log gives a nearby estimate, not a fresh Monte
        # Carlo error; the result still depends only on the log.
        y = sample_latent(s[first] - s[second], draw, np.random.default_rng([_SEED, sweep]).random(m))
        rng = np.random.default_rng([_SEED, sweep, 1])
        r = np.bincount(first, y, n) - np.bincount(second, y, n)          # B^T y
        if uniform:
            r0 = vec.T @ r
            quad = ((y @ y - 2.0 * grid_tau * (y @ bw) + grid_tau ** 2 * (bw @ bw)) / NOISE ** 2
                    - (shrink @ (r0 * r0) - 2.0 * grid_tau * (shrink @ (r0 * q)) + grid_tau ** 2 * qq) / NOISE ** 4)
            logp = grid_base - 0.5 * quad
            p = np.exp(logp - logp.max())
            p /= p.sum()
            if sweep >= burn_in:
                total += float(p @ grid)
                kept += 1
            k = min(int(np.searchsorted(np.cumsum(p), rng.random())), grid.size - 1)
            tau = float(np.exp(np.clip(grid[k] + (rng.random() - 0.5) * (grid[1] - grid[0]), lo, hi)))
            prec = inv_c / (tau * tau)
            d = lam + prec[0]
            s = vec @ ((r0 / NOISE ** 2 + vec.T @ (w * tau * prec)) / d + rng.standard_normal(n) / np.sqrt(d))
        else:
            prec = inv_c / (tau * tau)
            b = r / (NOISE * NOISE) + w * tau * prec
            chol = np.linalg.cholesky(lap + np.diag(prec))
            s = np.linalg.solve(chol.T, np.linalg.solve(chol, b) + rng.standard_normal(n))
            # Centred step: tau | skills on the grid (prior N(w tau, c tau^2) per album).
            a2, b1 = float(np.sum(s * s * inv_c)), float(np.sum(w * s * inv_c))
            logp = grid_prior - n * grid - a2 / (2.0 * grid_tau * grid_tau) + b1 / grid_tau
            p = np.exp(logp - logp.max())
            p /= p.sum()
            if sweep >= burn_in:
                total += float(p @ grid)
                kept += 1
            k = min(int(np.searchsorted(np.cumsum(p), rng.random())), grid.size - 1)
            tau = float(np.exp(np.clip(grid[k] + (rng.random() - 0.5) * (grid[1] - grid[0]), lo, hi)))
        log_tau = float(np.log(tau))
        # Non-centred, collapsed step: tau | s / tau with the latent y integrated out.
        gap = (s[first] - s[second]) / tau
        log_tau_new = _slice(lambda x: _log_prior(x) + log_likelihood(np.exp(x) * gap, draw), log_tau, rng, lo, hi)
        s *= np.exp(log_tau_new - log_tau)
        tau = float(np.exp(log_tau_new))
        if trace is not None:
            trace.append(tau)
    return total / kept


_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 32


def scale_for_log(first: np.ndarray, second: np.ndarray, draw: np.ndarray, prior_z: np.ndarray,
                  has_prior: np.ndarray) -> float | None:
    """The sampled scale for this log, or None where the refit should keep its own estimate (too many
    albums for the dense sampler, or too few votes per album for the posterior to say much)."""
    n = prior_z.size
    stride = SAMPLE_EVERY_REFITS * max(5, n // 20)
    m = (first.size // stride) * stride
    if n > MCMC_UP_TO or n < 2 or m < MCMC_FROM_VOTES_PER_ALBUM * n:
        return None
    parts = (first[:m], second[:m], draw[:m], prior_z, has_prior)
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(np.ascontiguousarray(part).tobytes())
    key = (n, m, digest.digest())
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    tau = float(np.exp(posterior_log_scale(*parts)))
    _CACHE[key] = tau
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return tau
