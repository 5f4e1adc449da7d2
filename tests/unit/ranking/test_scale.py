"""The Gibbs sampler for the prior scale (bot/ranking/scale.py)."""

import math

import numpy as np
import pytest

from bot.ranking.gaussian import norm_cdf
from bot.ranking.model import DRAW_MARGIN, NOISE
from bot.ranking.refit import _vote_terms
from bot.ranking.scale import log_likelihood, norm_ppf, posterior_log_scale, sample_latent


def _simulated_log(tau: float, n: int = 40, votes: int = 600, seed: int = 0, draws: bool = False):
    """Probit votes (the model's own likelihood) between random pairs, winner first. (Pairs must not be
    chosen by the hidden skills: picking true neighbours makes every duel look like a coin flip, and
    the votes alone would then say the user is noisy. The engine chooses from past votes, which exact
    Bayes may ignore.)"""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(n)
    skills = tau * z / np.sqrt(np.mean(z * z))  # a sample whose spread is exactly tau
    a = rng.integers(0, n, votes)
    b = (a + rng.integers(1, n, votes)) % n
    y = skills[a] - skills[b] + NOISE * rng.standard_normal(votes)
    draw = (np.abs(y) < DRAW_MARGIN) if draws else np.zeros(votes, bool)
    first, second = np.where(y > 0, a, b), np.where(y > 0, b, a)
    return first, second, draw, n


def test_inverse_cdf_inverts_the_cdf_into_the_far_tails():
    x = np.concatenate([np.linspace(-30, -5, 26), np.linspace(-5, 2, 71)])
    assert np.allclose(norm_ppf(norm_cdf(x)), x, rtol=1e-5, atol=1e-6)
    x = np.linspace(2, 5, 31)  # near 1 the CDF itself has only absolute precision
    assert np.allclose(norm_ppf(norm_cdf(x)), x, atol=1e-4)


def test_latent_differences_respect_the_vote_and_have_the_truncated_normal_mean():
    rng = np.random.default_rng(0)
    d = np.zeros(200_000)
    y = sample_latent(d, np.zeros(d.size, bool), rng.random(d.size))
    assert y.min() >= 0.0
    assert y.mean() == pytest.approx(NOISE * math.sqrt(2 / math.pi), rel=0.01)
    # far-out surprises (a noiseless user's upset) stay finite and inside the region
    d = np.array([-60.0, -10.0, 10.0, 60.0, -60.0, 60.0])
    draw = np.array([False, False, False, False, True, True])
    y = sample_latent(d, draw, rng.random(d.size))
    assert np.all(np.isfinite(y))
    assert np.all(y[~draw] >= 0.0) and np.all(np.abs(y[draw]) <= DRAW_MARGIN)


def test_log_likelihood_is_the_refits_likelihood():
    rng = np.random.default_rng(1)
    margin = 8.0 * rng.standard_normal(500)
    draw = rng.random(500) < 0.2
    assert log_likelihood(margin, draw) == pytest.approx(float(_vote_terms(margin, draw)[2].sum()), rel=1e-9)


def test_the_posterior_scale_follows_the_users_consistency():
    estimates = {}
    for tau in (2.0, 8.0):
        first, second, draw, n = _simulated_log(tau, votes=2000)
        estimates[tau] = math.exp(posterior_log_scale(first, second, draw, np.zeros(n), np.zeros(n, bool)))
    assert 2.0 / 1.25 < estimates[2.0] < 2.0 * 1.25
    assert 8.0 / 1.25 < estimates[8.0] < 8.0 * 1.25


def test_the_estimate_depends_only_on_the_log():
    first, second, draw, n = _simulated_log(4.0, votes=300, draws=True)
    args = (first, second, draw, np.zeros(n), np.zeros(n, bool))
    assert posterior_log_scale(*args) == posterior_log_scale(*(a.copy() for a in args))


def test_albums_with_and_without_import_priors_use_the_general_sampler():
    first, second, draw, n = _simulated_log(4.0, votes=400)
    rng = np.random.default_rng(2)
    has_prior = rng.random(n) < 0.5
    prior_z = np.where(has_prior, rng.standard_normal(n), 0.0)
    mixed = math.exp(posterior_log_scale(first, second, draw, prior_z, has_prior))
    everyone = math.exp(posterior_log_scale(first, second, draw, rng.standard_normal(n), np.ones(n, bool)))
    assert 4.0 / 1.6 < mixed < 4.0 * 1.6
    assert 4.0 / 1.6 < everyone < 4.0 * 1.6


def test_a_ranker_rebuilt_from_its_log_equals_the_replay_without_the_cache():
    from bot.ranking import Outcome, Ranker
    from bot.ranking import scale

    rng = np.random.default_rng(3)
    skills = 3.0 * rng.standard_normal(20)
    live = Ranker(range(20), seed=1)
    log = []
    for _ in range(90):  # the sampler takes over from 3 votes per album (60 here), every 20 votes
        a, b = live.next_pair()
        p = 1.0 / (1.0 + math.exp(-(skills[a] - skills[b])))
        outcome = Outcome.A if rng.random() < p else Outcome.B
        live.record(a, b, outcome)
        log.append((a, b, outcome))
    votes = live._vote_arrays()
    sampled = scale.scale_for_log(votes.first, votes.second, votes.draw, live._prior_z, live._has_prior)
    assert sampled is not None and live._tau == pytest.approx(sampled)  # the last refit used the sampler
    scale._CACHE.clear()
    rebuilt = Ranker.from_votes(range(20), log, seed=1)
    assert rebuilt._tau == live._tau
    assert all(np.array_equal(x, y) for x, y in ((live._mu, rebuilt._mu), (live._sigma2, rebuilt._sigma2)))
    assert live.next_pair() == rebuilt.next_pair()
