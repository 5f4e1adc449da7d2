"""Choosing the next duel: the pair whose answer is expected to fix the most of the shown order.

For a candidate pair we look ahead at both answers: each moves the two albums' beliefs (the same
closed-form update ``record`` applies), which changes how sure we are of every pair they belong to.
The pair's value is the expected gain in certainty, sum over the other albums l of
``|2 P(x > l) - 1|`` for both albums x of the pair, averaged over the two answers by their predicted
probability (the expected reduction in misordered pairs: exactly what the Kendall tau of the shown
order counts). This favours the dense middle of a collection, where most misordered pairs live, over
polishing pairs whose order is already clear, and it still bisects new albums into place first (an
unknown album is unsure against everyone).

Candidates are near neighbours in the current order (far-apart pairs teach almost nothing), and the
certainty sums run over a window of places around each album, where nearly all of the change
happens. Large collections first narrow the candidate albums to those with the most doubt about their
place among their neighbours, so a pick stays around a millisecond at 5,000 albums.
"""

from __future__ import annotations

import numpy as np

from .gaussian import norm_cdf_fast, win_terms
from .model import (CANDIDATE_BUDGET, CANDIDATE_MIN, CERTAINTY_WINDOW, MOST_UNCERTAIN, NEIGHBOURS, NOISE,
                    SCAN_ALL_UP_TO)


def _after_win(mu_w, s2_w, mu_l, s2_l):
    """Beliefs after the first album beats the second: the update ``Ranker.record`` applies."""
    c2 = NOISE * NOISE + s2_w + s2_l
    c = np.sqrt(c2)
    v, w, _ = win_terms((mu_w - mu_l) / c)
    return (mu_w + s2_w / c * v, s2_w * np.maximum(1.0 - s2_w / c2 * w, 1e-6),
            mu_l - s2_l / c * v, s2_l * np.maximum(1.0 - s2_l / c2 * w, 1e-6))


def _certainty(mu, s2, other_mu, other_s2):
    """|2 P(x > y) - 1| elementwise: 0 for a coin flip, 1 for a sure order (``norm_cdf_fast``'s
    tanh form folded in: this is the hot loop of a pick)."""
    # In place, two temporaries instead of nine: half the time on the window arrays, and the same
    # operations in the same order as 0.798 * x * (1 + 0.0447 * x * x), so the same bits.
    x = np.subtract(mu, other_mu)
    s = np.add(s2, other_s2)
    if x.shape != s.shape:  # one side was broadcast wider than the other
        shape = np.broadcast_shapes(x.shape, s.shape)
        x, s = np.broadcast_to(x, shape).copy(), np.broadcast_to(s, shape).copy()
    np.abs(x, out=x)
    np.sqrt(s, out=s)
    np.divide(x, s, out=x)
    np.multiply(x, 0.044715, out=s)
    s *= x
    s += 1.0
    x *= 0.7978845608
    x *= s
    return np.tanh(x, out=x)


def _candidate_starts(mu_o: np.ndarray, s2_o: np.ndarray) -> np.ndarray:
    """Positions whose pairs are worth scoring: all of them in a small collection; otherwise the
    albums with the most doubt about their place among their neighbours, plus the most uncertain."""
    m = mu_o.size
    if m <= SCAN_ALL_UP_TO:
        return np.arange(m)
    doubt = np.zeros(m)
    for gap in range(1, NEIGHBOURS + 1):
        p = 1.0 - _certainty(mu_o[:-gap], s2_o[:-gap], mu_o[gap:], s2_o[gap:])
        doubt[:-gap] += p
        doubt[gap:] += p
    count = max(CANDIDATE_MIN, min(SCAN_ALL_UP_TO, CANDIDATE_BUDGET // m))
    doubtful = np.argpartition(-doubt, count)[:count]
    uncertain = np.argpartition(-s2_o, MOST_UNCERTAIN)[:MOST_UNCERTAIN]
    return np.union1d(doubtful, uncertain)


# A candidate's partner must sit inside its window, where _window_certainty leaves it out.
assert NEIGHBOURS <= CERTAINTY_WINDOW


def _windows(pos, mu_o, s2_o):
    """The albums within ``CERTAINTY_WINDOW`` places of each position in ``pos``, as (means, variances)
    rows; places off either end, and the album itself, get an infinitely vague "album" that adds no
    certainty."""
    m = mu_o.size
    offsets = np.arange(-CERTAINTY_WINDOW, CERTAINTY_WINDOW + 1)
    idx = pos[:, None] + offsets[None, :]
    valid = (idx >= 0) & (idx < m) & (offsets[None, :] != 0)
    idx = np.clip(idx, 0, m - 1)
    return mu_o[idx], np.where(valid, s2_o[idx], np.inf)


def _window_certainty(rows, partner_column, states, win_mu, win_s2):
    """For each candidate album (its window is row ``rows`` of ``win_mu``/``win_s2``) and each
    hypothetical (mean, variance) in ``states``: its summed certainty against its window, leaving out
    its partner (at ``partner_column``)."""
    mus = win_mu[rows]
    s2s = win_s2[rows]
    s2s[np.arange(rows.size), partner_column] = np.inf
    return [_certainty(mu[:, None], s2[:, None], mus, s2s).sum(axis=1) for mu, s2 in states]


def choose_pair(
    mu: np.ndarray,
    sigma2: np.ndarray,
    available: np.ndarray,
    blocked: set[tuple[int, int]],
    jitter: np.ndarray,
    focus_top: int | None = None,
) -> tuple[int, int] | None:
    """Indices (i, j) of the allowed pair with the largest expected gain in certainty of the order,
    or None if every nearby pair is blocked. ``available`` holds album indices; ``jitter`` (one
    value per available album, in [0, 1)) breaks exact ties so equal beliefs do not always resolve
    the same way. ``focus_top=k`` keeps both albums among those that may belong in the top k."""
    # The jitter is far below any real difference in means: it only orders exact ties.
    order = available[np.argsort(-(mu[available] + 1e-12 * jitter), kind="stable")]  # best first
    tie = jitter
    if focus_top is not None and focus_top < order.size:
        # Albums that could plausibly belong in the top k: within one sigma of its boundary.
        boundary = mu[order[focus_top - 1]]
        plausible = mu[order] + np.sqrt(sigma2[order]) >= boundary
        plausible[:focus_top] = True
        if plausible.sum() >= 2:
            order, tie = order[plausible], jitter[plausible]
    mu_o, s2_o = mu[order], sigma2[order]
    m = order.size
    starts = _candidate_starts(mu_o, s2_o)
    # Pairs (p, p + gap) for gap 1..NEIGHBOURS in both directions from each start, each pair once.
    gaps = np.concatenate([np.arange(1, NEIGHBOURS + 1), -np.arange(1, NEIGHBOURS + 1)])
    first = np.repeat(starts, gaps.size)
    second = first + np.tile(gaps, starts.size)
    keep = (second >= 0) & (second < m)
    first, second = first[keep], second[keep]
    first, second = np.minimum(first, second), np.maximum(first, second)
    codes = np.unique(first * m + second)
    first, second = codes // m, codes % m
    if blocked:
        allowed = np.array([(min(order[a], order[b]), max(order[a], order[b])) not in blocked
                            for a, b in zip(first, second)], dtype=bool)
        first, second = first[allowed], second[allowed]
    if first.size == 0:
        return None
    mi, si, mj, sj = mu_o[first], s2_o[first], mu_o[second], s2_o[second]
    p_first = norm_cdf_fast((mi - mj) / np.sqrt(NOISE * NOISE + si + sj))
    ai, asi, aj, asj = _after_win(mi, si, mj, sj)      # the first album wins
    bj, bsj, bi, bsi = _after_win(mj, sj, mi, si)      # the second album wins
    # Each album's window is gathered once, however many pairs it is in.
    used = np.union1d(first, second)
    win_mu, win_s2 = _windows(used, mu_o, s2_o)
    row_i, row_j = np.searchsorted(used, first), np.searchsorted(used, second)
    gap = second - first  # 1..NEIGHBOURS: the partner's place in the other's window
    win_i, lose_i = _window_certainty(row_i, CERTAINTY_WINDOW + gap, [(ai, asi), (bi, bsi)], win_mu, win_s2)
    lose_j, win_j = _window_certainty(row_j, CERTAINTY_WINDOW - gap, [(aj, asj), (bj, bsj)], win_mu, win_s2)
    # Certainty as things stand, once per album (not per pair): its window sum includes the partner,
    # so the pair's own term comes off once for each album and goes back on once.
    now = np.zeros(m)
    now[used] = _certainty(mu_o[used][:, None], s2_o[used][:, None], win_mu, win_s2).sum(axis=1)
    pair_now = _certainty(mi, si, mj, sj)
    gain = (p_first * (win_i + lose_j + _certainty(ai, asi, aj, asj))
            + (1.0 - p_first) * (lose_i + win_j + _certainty(bi, bsi, bj, bsj))
            - (now[first] + now[second] - pair_now))
    gain = gain + 1e-12 * (tie[first] + tie[second])  # orders exact ties only
    k = int(np.argmax(gain))
    return int(order[first[k]]), int(order[second[k]])
