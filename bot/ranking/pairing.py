"""Choosing the next duel: the pair whose answer teaches the most.

The focal album is one of the most uncertain (new albums therefore get bisected into place first);
its partner is the neighbour, within a few places in the current order, with the highest expected
information gain. Far-apart pairs are never worth asking: the answer is almost certain.
"""

from __future__ import annotations

import math

import numpy as np

from .gaussian import norm_cdf
from .model import FOCALS, NEIGHBOURS, NOISE

_BALD_C2 = math.pi * math.log(2.0) / 2.0  # probit-entropy approximation constant (Houlsby et al. 2011)


def _binary_entropy_bits(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1.0 - 1e-12)
    return -(p * np.log2(p) + (1.0 - p) * np.log2(1.0 - p))


def information_gain(mu_a, s2_a, mu_b, s2_b) -> np.ndarray:
    """Expected bits learned about the two skills from one answer (BALD for a probit outcome)."""
    m = (mu_a - mu_b) / NOISE
    s2 = (s2_a + s2_b) / (NOISE * NOISE)
    predictive = _binary_entropy_bits(norm_cdf(m / np.sqrt(1.0 + s2)))
    expected_noise = math.sqrt(_BALD_C2) / np.sqrt(s2 + _BALD_C2) * np.exp(-m * m / (2.0 * (s2 + _BALD_C2)))
    return predictive - expected_noise


def choose_pair(
    mu: np.ndarray,
    sigma2: np.ndarray,
    available: np.ndarray,
    blocked: set[tuple[int, int]],
    jitter: np.ndarray,
    focus_top: int | None = None,
) -> tuple[int, int] | None:
    """Indices (focal, partner) of the most informative allowed pair, or None if every nearby pair
    is blocked. ``available`` holds album indices; ``jitter`` (one value per available album, in
    [0, 1)) breaks ties so equal beliefs do not always resolve the same way."""
    # The jitter is far below any real difference in means: it only orders exact ties.
    order = available[np.argsort(-(mu[available] + 1e-12 * jitter), kind="stable")]  # best first
    position = np.empty(mu.size, dtype=np.int64)
    position[order] = np.arange(order.size)
    candidates = order
    if focus_top is not None and focus_top < order.size:
        # Albums that could plausibly belong in the top k: within one sigma of its boundary.
        boundary = mu[order[focus_top - 1]]
        plausible = mu[order] + 1.0 * np.sqrt(sigma2[order]) >= boundary
        plausible[:focus_top] = True
        candidates = order[plausible]
        if candidates.size >= 2:  # partners come from the same plausible set
            order = candidates
            position[order] = np.arange(order.size)
    uncertainty = -sigma2[candidates] * (1.0 + 1e-9 * jitter[position[candidates]])
    if candidates.size > 4 * FOCALS + 8 and not blocked:
        # Only the few most uncertain can be focal: partition instead of sorting everything.
        top = np.argpartition(uncertainty, FOCALS)[:FOCALS]
        focals = candidates[top[np.argsort(uncertainty[top], kind="stable")]]
    else:
        focals = candidates[np.argsort(uncertainty, kind="stable")]
    best: tuple[float, int, int] | None = None
    for rank, focal in enumerate(focals):
        if rank >= FOCALS and best is not None:
            break
        p = position[focal]
        lo, hi = max(0, p - NEIGHBOURS), min(order.size, p + NEIGHBOURS + 1)
        partners = np.array([q for q in order[lo:hi]
                             if q != focal and (min(focal, q), max(focal, q)) not in blocked], dtype=np.int64)
        if partners.size == 0:
            continue
        gain = information_gain(mu[focal], sigma2[focal], mu[partners], sigma2[partners])
        k = int(np.argmax(gain))
        if best is None or gain[k] > best[0]:
            best = (float(gain[k]), int(focal), int(partners[k]))
    return None if best is None else (best[1], best[2])
