"""Normal-distribution helpers: the CDF, and the truncated-Gaussian moments behind a probit vote.

numpy has no ``erf`` and we do not depend on scipy, so the CDF uses the Numerical Recipes ``erfc``
rational form (relative error below 1.2e-7). It is written as a *scaled* ``erfcx(z) = exp(z^2) erfc(z)``
so the ratios ``pdf / cdf`` stay finite for very surprising votes (a noiseless user, an upset far out
in the tails), where ``cdf`` itself underflows.

Each function has a scalar twin built on ``math``: ``record`` runs once per click and numpy's
per-call overhead on scalars would cost more than the arithmetic.

For an observed outcome the *v* and *w* functions give the first and second derivatives of
``-log P(outcome)`` in the standardised margin ``t`` (TrueSkill's notation): the online update moves the
mean by ``sigma^2 / c * v`` and multiplies the variance by ``1 - sigma^2 / c^2 * w``; the refit uses
the same ``v`` and ``w`` as the gradient and Hessian of the probit likelihood.
"""

from __future__ import annotations

import math

import numpy as np

SQRT2 = math.sqrt(2.0)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_COEFFS = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
           0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277)


def _erfcx_nonneg(z):
    """exp(z^2) * erfc(z) for z >= 0 (array)."""
    tt = 1.0 / (1.0 + 0.5 * z)
    poly = _COEFFS[-1]
    for c in reversed(_COEFFS[:-1]):
        poly = poly * tt + c
    return tt * np.exp(poly)


def _erfcx_nonneg_scalar(z: float) -> float:
    tt = 1.0 / (1.0 + 0.5 * z)
    poly = _COEFFS[-1]
    for c in reversed(_COEFFS[:-1]):
        poly = poly * tt + c
    return tt * math.exp(poly)


def _lower_tail(x):
    """Phi(x) for x <= 0 (array)."""
    return 0.5 * _erfcx_nonneg(-x / SQRT2) * np.exp(-0.5 * x * x)


def norm_cdf(x) -> np.ndarray:
    """Standard normal CDF, elementwise."""
    x = np.asarray(x, dtype=float)
    low = _lower_tail(-np.abs(x))
    return np.where(x < 0, low, 1.0 - low)


def norm_cdf_fast(x) -> np.ndarray:
    """Standard normal CDF to within 2e-4 (tanh form): for display numbers over millions of pairs."""
    x = np.asarray(x, dtype=float)
    return 0.5 + 0.5 * np.tanh(0.7978845608 * (x + 0.044715 * x * x * x))


def norm_cdf_scalar(x: float) -> float:
    low = 0.5 * _erfcx_nonneg_scalar(abs(x) / SQRT2) * math.exp(-0.5 * x * x)
    return low if x < 0 else 1.0 - low


def win_terms(t):
    """v, w and log P for 'the first album won' at standardised margin t (arrays).

    One scaled-erfc evaluation serves both tails: the refit calls this on every vote of the log
    several times per Newton step, so it dominates a rebuild's cost.
    """
    neg = t < 0
    e = _erfcx_nonneg(np.abs(t) / SQRT2)
    half_t2 = 0.5 * t * t
    low = 0.5 * e * np.exp(-half_t2)  # Phi(-|t|)
    pdf = INV_SQRT_2PI * np.exp(-half_t2)
    v = np.where(neg, math.sqrt(2.0 / math.pi) / e, pdf / (1.0 - low))
    logp = np.where(neg, math.log(0.5) + np.log(e) - half_t2, np.log1p(-np.where(neg, 0.0, low)))
    return v, v * (v + t), logp


def win_vw_scalar(t: float) -> tuple[float, float]:
    if t < 0:
        v = math.sqrt(2.0 / math.pi) / _erfcx_nonneg_scalar(-t / SQRT2)
    else:
        v = INV_SQRT_2PI * math.exp(-0.5 * t * t) / norm_cdf_scalar(t)
    return v, v * (v + t)


def draw_terms(t, eps):
    """v, w and log P for a draw: the performance margin fell within +-eps (arrays)."""
    t = np.asarray(t, dtype=float)
    sign = np.where(t < 0, -1.0, 1.0)
    u = np.abs(t)  # symmetric: solve for u >= 0, flip v's sign back
    a, b = eps - u, -eps - u  # a > b; the draw has probability Phi(a) - Phi(b)
    # Every term is scaled by exp(a^2/2) so far-out draws (u >> eps) do not underflow to 0/0.
    ratio = np.exp(-2.0 * eps * u)  # exp(-(b^2 - a^2) / 2)
    a_pos = np.maximum(a, 0.0)
    cdf_a = np.where(a < 0, 0.5 * _erfcx_nonneg(np.maximum(-a, 0.0) / SQRT2),
                     (1.0 - _lower_tail(-a_pos)) * np.exp(0.5 * a_pos * a_pos))
    cdf_b = 0.5 * _erfcx_nonneg(-b / SQRT2) * ratio
    denom = cdf_a - cdf_b
    pdf_b = INV_SQRT_2PI * ratio
    v = (pdf_b - INV_SQRT_2PI) / denom
    w = v * v + (a * INV_SQRT_2PI - b * pdf_b) / denom
    return sign * v, w, np.log(denom) - 0.5 * a * a


def draw_vw_scalar(t: float, eps: float) -> tuple[float, float]:
    sign = -1.0 if t < 0 else 1.0
    u = abs(t)
    a, b = eps - u, -eps - u
    ratio = math.exp(-2.0 * eps * u)
    if a < 0:
        cdf_a = 0.5 * _erfcx_nonneg_scalar(-a / SQRT2)
    else:
        cdf_a = (1.0 - 0.5 * _erfcx_nonneg_scalar(a / SQRT2) * math.exp(-0.5 * a * a)) * math.exp(0.5 * a * a)
    cdf_b = 0.5 * _erfcx_nonneg_scalar(-b / SQRT2) * ratio
    denom = cdf_a - cdf_b
    pdf_b = INV_SQRT_2PI * ratio
    v = (pdf_b - INV_SQRT_2PI) / denom
    w = v * v + (a * INV_SQRT_2PI - b * pdf_b) / denom
    return sign * v, w
