"""The constants that define the comparison model, in one place so the update, the refit and the
display numbers agree.

Skills live on a logistic scale: two albums one unit apart are chosen 73% / 27%. The probit model
approximates that with a performance-noise standard deviation of 1.702 (the classic logistic-probit
matching constant). The user's consistency is absorbed by the learned prior scale ``tau``: a
consistent user's albums end up many units apart, a noisy user's close together.
"""

from __future__ import annotations

NOISE = 1.702
"""Standard deviation of the difference of two performances (probit ~ unit-slope logistic)."""

DRAW_MARGIN = 0.65
"""A draw means the performance difference fell within +-DRAW_MARGIN: about 30% of coin-flip pairs."""

TAU_START = 3.0
"""Prior standard deviation of skills before any refit has learned it (a moderately consistent user)."""

TAU_MIN, TAU_MAX = 1.0, 30.0

PRIOR_WEIGHT = 0.3
"""How much of the skill spread an import prior is trusted to explain (its assumed correlation).
Set with the benchmark (n = 100, k = 4, 20 seeds): 0.3 gains ~5% on priors correlated 0.5 with the
truth and costs ~4% on random ones; 0.5 gained nothing and cost ~14% with the look-ahead pair choice."""

NEIGHBOURS = 6
"""Candidate pairs are at most this many places apart in the current order."""

CERTAINTY_WINDOW = 12
"""A duel's value is counted against the albums within this many places of each of the two."""

SCAN_ALL_UP_TO = 128
"""Up to this many albums every nearby pair is scored; above it only pairs of candidate albums."""

CANDIDATE_BUDGET, CANDIDATE_MIN = 64_000, 32
"""In a larger collection, the albums most in doubt among their neighbours start the candidate pairs
(plus the ``MOST_UNCERTAIN``): SCAN_ALL_UP_TO of them at 500 albums, falling to CANDIDATE_MIN from
2,000 albums (CANDIDATE_BUDGET / albums), so a pick stays around a millisecond or two at 5,000."""

MOST_UNCERTAIN = 8
"""The albums with the widest beliefs are always candidates (new albums get placed first)."""

PROVISIONAL_BELOW = 3
"""Albums with fewer comparisons than this are flagged provisional."""

SKIP_MEMORY = 16
"""A skipped pair stays out of the draw until this many later skips push it out."""

SKIP_COOLDOWN_VOTES = 20
"""...or until this many votes have been recorded since it was skipped, whichever comes first."""
