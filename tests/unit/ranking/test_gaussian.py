"""The normal CDF and the probit-vote derivatives the updates and refits rest on."""

import math

import numpy as np
import pytest

from bot.ranking.gaussian import (draw_terms, draw_vw_scalar, norm_cdf, norm_cdf_fast, norm_cdf_scalar,
                                  win_terms, win_vw_scalar)


def test_cdf_matches_math_erf_everywhere():
    xs = np.linspace(-12, 12, 961)
    exact = np.array([0.5 * math.erfc(-x / math.sqrt(2)) for x in xs])
    assert np.max(np.abs(norm_cdf(xs) - exact)) < 1e-7
    assert max(abs(norm_cdf_scalar(x) - e) for x, e in zip(xs, exact)) < 1e-7
    assert np.max(np.abs(norm_cdf_fast(xs) - exact)) < 3e-4


@pytest.mark.parametrize("t", [-40.0, -8.0, -1.0, 0.0, 0.7, 3.0, 40.0])
def test_win_terms_are_the_derivatives_of_the_log_likelihood(t):
    h = 1e-4
    logp = lambda x: float(win_terms(np.array([x]))[2][0])
    v, w, _ = (float(a[0]) for a in win_terms(np.array([t])))
    assert math.isfinite(v) and math.isfinite(w)
    if abs(t) < 20:  # beyond, the finite difference itself loses precision
        assert v == pytest.approx((logp(t + h) - logp(t - h)) / (2 * h), rel=1e-3, abs=1e-6)
    assert (v, w) == pytest.approx(win_vw_scalar(t), rel=1e-9, abs=1e-12)
    assert 0.0 <= w <= 1.0


@pytest.mark.parametrize("t", [-30.0, -2.0, -0.1, 0.0, 0.5, 4.0, 30.0])
def test_draw_terms_are_the_derivatives_of_the_log_likelihood(t):
    eps, h = 0.4, 1e-4
    logp = lambda x: float(draw_terms(np.array([x]), eps)[2][0])
    v, w, lp = (float(a[0]) for a in draw_terms(np.array([t]), eps))
    assert math.isfinite(v) and math.isfinite(w) and math.isfinite(lp)
    if abs(t) < 20:
        assert v == pytest.approx((logp(t + h) - logp(t - h)) / (2 * h), rel=1e-3, abs=1e-6)
    assert (v, w) == pytest.approx(draw_vw_scalar(t, eps), rel=1e-9, abs=1e-12)
    # A draw pulls the leader back: v has the opposite sign of the margin.
    assert v * t <= 0
    assert 0.0 < w <= 1.0


def test_large_collection_ratings_match_the_exact_expected_percentile():
    import bot.ranking.display as display

    rng = np.random.default_rng(5)
    n = 1500
    for scale, low, high in ((4.0, 0.05, 16.0), (1.0, 1e-3, 1.0), (30.0, 0.01, 900.0)):
        mu = scale * rng.standard_normal(n)
        sigma2 = np.exp(rng.uniform(np.log(low), np.log(high), n))
        p = display.norm_cdf((mu[:, None] - mu[None, :]) / np.sqrt(sigma2[:, None] + sigma2[None, :]))
        exact = 100.0 * (p.sum(axis=1) - 0.5) / (n - 1)
        assert np.max(np.abs(display.expected_percentiles(mu, sigma2) - exact)) < 0.5
