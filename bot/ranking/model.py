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

PRIOR_WEIGHT = 0.5
"""How much of the skill spread an import prior is trusted to explain (its assumed correlation)."""

NEIGHBOURS = 8
"""Partners considered for the focal album: this many places either side in the current order."""

FOCALS = 3
"""How many of the most uncertain albums compete to be the next focal album."""

PROVISIONAL_BELOW = 3
"""Albums with fewer comparisons than this are flagged provisional."""

SKIP_MEMORY = 16
"""A skipped pair stays out of the draw until this many later skips push it out."""

SKIP_COOLDOWN_VOTES = 20
"""...or until this many votes have been recorded since it was skipped, whichever comes first."""
