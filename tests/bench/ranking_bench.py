"""Ranking-engine benchmark: duels to a trustworthy ranking, against the original app, and speed at scale.

    python -m tests.bench.ranking_bench            # full run (~10 minutes on 2 cores); rewrites the
                                                   # "Ranking engine" section of docs/performance.md
    python -m tests.bench.ranking_bench --quick    # a few seconds; prints only
    python -m tests.bench.ranking_bench --cell 100,4 --seeds 40 --first-seed 0   # one cell; prints only
    python -m tests.bench.ranking_bench --diagnose 100,4 --seeds 8   # how informative the engine's
                                                   # pairs were, against the Fisher floor; prints only

The protocol is RANKING.md's: hidden scores, a Bradley-Terry user of slope k, optional draws and 5%
lapses; the original app's random pairs + Elo run on the same users in the same process.
"""

from __future__ import annotations

import argparse
import math
import re
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.ranking import Outcome, Ranker

from .ranking_sim import NOISELESS, SimulatedUser, budget_point, diagnose, fisher_floor, run_method

DOC = Path(__file__).resolve().parents[2] / "docs" / "performance.md"
BEGIN, END = "<!-- ranking:begin -->", "<!-- ranking:end -->"
ENGINE_CAP, BASELINE_CAP = 40, 150  # duels per album before a run counts as "not reached"


@dataclass(frozen=True)
class Cell:
    n: int
    k: float
    noisy: bool  # draws and 5% lapses


@dataclass(frozen=True)
class CellResult:
    cell: Cell
    engine_duels: list[int | None]
    baseline_duels: list[int | None]
    engine_tau: float
    engine_top10: float
    baseline_tau: float
    baseline_top10: float
    calibration: list[tuple[float, float]]  # (true tau, settled) along the engine runs


def _median_duels(values: list[int | None], cap: int) -> tuple[float, bool]:
    """Median with unreached runs counted at the cap; the flag says the median itself hit the cap."""
    filled = [v if v is not None else cap + 1 for v in values]
    med = statistics.median(filled)
    return med, med > cap


def run_cell(args: tuple[Cell, int] | tuple[Cell, int, int]) -> CellResult:
    """One cell over ``seeds`` seeds (from ``first_seed``, the optional third item)."""
    cell, seeds, first_seed = (*args, 0)[:3]
    eng, base, calibration = [], [], []
    e_tau, e_top, b_tau, b_top = [], [], [], []
    budget = budget_point(cell.n)
    for seed in range(first_seed, first_seed + seeds):
        user = lambda: SimulatedUser(cell.n, cell.k, seed, draws=cell.noisy, lapses=cell.noisy)  # noqa: E731
        e = run_method("engine", user(), max_duels=ENGINE_CAP * cell.n, with_settled=True)
        b = run_method("baseline", user(), max_duels=BASELINE_CAP * cell.n)
        eng.append(e.duels_to_target)
        base.append(b.duels_to_target)
        e_tau.append(e.at(budget).tau)
        e_top.append(e.at(budget).top10)
        b_tau.append(b.at(budget).tau)
        b_top.append(b.at(budget).top10)
        calibration += [(c.tau, c.settled) for c in e.checkpoints if c.settled is not None]
    med = statistics.median
    return CellResult(cell, eng, base, med(e_tau), med(e_top), med(b_tau), med(b_top), calibration)


def run_priors(n: int, k: float, seeds: int) -> dict[str, float]:
    """Median duels to tau 0.9 with no priors, priors correlated 0.5 with the truth, and random priors."""
    out = {}
    for label, corr in (("none", None), ("correlated 0.5", 0.5), ("random", 0.0)):
        duels = []
        for seed in range(seeds):
            user = SimulatedUser(n, k, seed)
            priors = None if corr is None else user.priors(corr, seed)
            duels.append(run_method("engine", user, max_duels=ENGINE_CAP * n, priors=priors).duels_to_target)
        out[label] = _median_duels(duels, ENGINE_CAP * n)[0]
    return out


def run_scale(n: int = 5000, votes: int = 20_000, log_votes: int = 50_000) -> dict[str, float]:
    """Per-operation times at n albums after ``votes`` engine-chosen duels (k = 4)."""
    user = SimulatedUser(n, 4.0, 0)
    ranker = Ranker(range(n), seed=0)
    log = []
    record_times, refit_times = [], []
    for _ in range(votes):
        a, b = ranker.next_pair()
        outcome = user.answer(a, b)
        refits = (ranker.votes_recorded + 1) % ranker.refit_every == 0
        t = time.perf_counter()
        ranker.record(a, b, outcome)
        (refit_times if refits else record_times).append(time.perf_counter() - t)
        log.append((a, b, outcome))
    pick_times = []
    for _ in range(300):
        t = time.perf_counter()
        a, b = ranker.next_pair()
        pick_times.append(time.perf_counter() - t)
        ranker.record(a, b, user.answer(a, b))
        log.append((a, b, user.answer(a, b)))
    t = time.perf_counter()
    ranking = ranker.ranking()
    ranking_time = time.perf_counter() - t
    t = time.perf_counter()
    ranker.settled()
    settled_time = time.perf_counter() - t
    # Extend the log to 50,000 with near-neighbour votes (what an engine-chosen log looks like).
    rng = np.random.default_rng(1)
    order = [e.album_id for e in ranking]
    while len(log) < log_votes:
        p = int(rng.integers(0, n - 1))
        q = min(n - 1, p + int(rng.integers(1, 9)))
        log.append((order[p], order[q], user.answer(order[p], order[q])))
    t = time.perf_counter()
    Ranker.from_votes(range(n), log)
    from_votes_time = time.perf_counter() - t
    return {
        "next_pair_ms": 1e3 * statistics.median(pick_times),
        "record_us": 1e6 * statistics.median(record_times),
        "record_amortised_us": 1e6 * (sum(record_times) + sum(refit_times)) / votes,
        "refit_ms": 1e3 * statistics.median(refit_times),
        "from_votes_s": from_votes_time,
        "ranking_ms": 1e3 * ranking_time,
        "settled_ms": 1e3 * settled_time,
    }


def _k_label(k: float) -> str:
    return "noiseless" if k >= NOISELESS else f"{k:g}"


def _fmt_duels(values: list[int | None], cap: int) -> str:
    med, capped = _median_duels(values, cap)
    return f">{cap}" if capped else f"{med:.0f}"


def render(results: list[CellResult], priors: tuple[int, dict[str, float]] | None, scale: dict[str, float] | None,
           seeds: int, elapsed: float) -> str:
    lines = [
        f"Simulated users (RANKING.md protocol), median over {seeds} seeds. *Duels* = duels until Kendall tau "
        ">= 0.9 (checked every n/10 duels); *tau / top-10 @ n log2 n* = after n log2 n duels; *ratio* = "
        "baseline duels / engine duels. Baseline = the original app: random pairs + Elo (K 40/20/10). "
        f"Runs stop at {ENGINE_CAP}n (engine) or {BASELINE_CAP}n (baseline) duels: \">cap\" means not reached.",
        "",
        "| n | k | draws + lapses | engine duels | baseline duels | ratio | engine tau / top-10 @ n log2 n "
        "| baseline tau / top-10 @ n log2 n |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        n = r.cell.n
        e_med, e_cap = _median_duels(r.engine_duels, ENGINE_CAP * n)
        b_med, b_cap = _median_duels(r.baseline_duels, BASELINE_CAP * n)
        ratio = f"{'>=' if b_cap else ''}{b_med / e_med:.1f}x" if not e_cap else "n/a"
        lines.append(
            f"| {n} | {_k_label(r.cell.k)} | {'yes' if r.cell.noisy else 'no'} "
            f"| {_fmt_duels(r.engine_duels, ENGINE_CAP * n)} | {_fmt_duels(r.baseline_duels, BASELINE_CAP * n)} "
            f"| {ratio} | {r.engine_tau:.3f} / {r.engine_top10:.2f} | {r.baseline_tau:.3f} / {r.baseline_top10:.2f} |")
    lines += ["", "**Calibration** of `settled()` against the true tau at every checkpoint "
              "(settled - true; negative = under-claims, the safe direction):", "",
              "| n | k | draws + lapses | mean | median | 5th pct | 95th pct | share over-claiming by > 0.03 |",
              "|---|---|---|---|---|---|---|---|"]
    for r in results:
        d = np.array([s - t for t, s in r.calibration if t > 0.5])  # once a ranking is taking shape
        if d.size:
            lines.append(f"| {r.cell.n} | {_k_label(r.cell.k)} | {'yes' if r.cell.noisy else 'no'} | {d.mean():+.3f} "
                         f"| {np.median(d):+.3f} | {np.percentile(d, 5):+.3f} | {np.percentile(d, 95):+.3f} "
                         f"| {np.mean(d > 0.03):.0%} |")
    if priors:
        lines += ["", f"**Priors** (n = {priors[0]}, k = 4, no draws): median duels to tau >= 0.9 — "
                  + ", ".join(f"{label}: {value:.0f}" for label, value in priors[1].items()) + "."]
    if scale:
        lines += ["", "**Speed at n = 5,000** after 20,000 engine-chosen duels (median per call): "
                  f"`next_pair` {scale['next_pair_ms']:.2f} ms, `record` {scale['record_us']:.0f} us "
                  f"({scale['record_amortised_us']:.0f} us amortised with refits), refit {scale['refit_ms']:.0f} ms, "
                  f"`from_votes` of 50,000 votes {scale['from_votes_s']:.2f} s, `ranking()` "
                  f"{scale['ranking_ms']:.0f} ms, `settled()` {scale['settled_ms']:.0f} ms."]
    lines += ["", f"Run: `python -m tests.bench.ranking_bench` ({elapsed / 60:.1f} min on this machine; "
              "`--quick`: n = 50 only, under a minute, prints only). Timings are wall-clock and depend on machine load."]
    return "\n".join(lines)


def write_section(body: str) -> None:
    """Rewrite only the ranking section of docs/performance.md; other sections belong to others."""
    block = f"{BEGIN}\n{body}\n{END}"
    text = DOC.read_text() if DOC.exists() else "# Performance\n"
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + f"\n\n## Ranking engine\n\n{block}\n"
    DOC.write_text(text)


def run_diagnosis(args: tuple[Cell, int]) -> tuple[int | None, float, float, float]:
    """Duels to tau 0.9 for one seed and where they went (see ``diagnose``)."""
    cell, seed = args
    found = diagnose(SimulatedUser(cell.n, cell.k, seed), ENGINE_CAP * cell.n)
    return found.duels_to_target, found.efficiency_early, found.efficiency_late, found.repeat_share


def render_diagnosis(cell: Cell, rows: list[tuple[int | None, float, float, float]]) -> str:
    med = statistics.median
    duels, _ = _median_duels([r[0] for r in rows], ENGINE_CAP * cell.n)
    floor = fisher_floor(cell.n, cell.k)
    return (f"n = {cell.n}, k = {_k_label(cell.k)}, {len(rows)} seeds: median {duels:,.0f} duels to tau 0.9; "
            f"Fisher floor {floor:,.0f} (engine / floor {duels / floor:.2f}x). Information per duel "
            f"(4 p (1 - p) of the true win probability; 1 = a coin flip): first 3n duels {med(r[1] for r in rows):.2f}, "
            f"after {med(r[2] for r in rows):.2f}; repeated pairs {med(r[3] for r in rows):.0%}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small n, few seeds, print only")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cell", action="append", default=[], metavar="N,K[,noisy]",
                        help="run only this cell (repeatable; K 'inf' = noiseless, noisy = draws + lapses); "
                             "prints the table and each seed's duels, no scale or priors runs")
    parser.add_argument("--first-seed", type=int, default=0,
                        help="seeds first-seed .. first-seed + seeds - 1 (to compare a change on the same seeds; "
                             "a 20-duel move of a 40-seed median at n = 100 is noise)")
    parser.add_argument("--diagnose", action="append", default=[], metavar="N,K",
                        help="how informative the engine's pairs were (true win probabilities) and the "
                             "Fisher floor for that cell (tests/bench/ranking_sim.py); prints only")
    args = parser.parse_args()
    start = time.perf_counter()
    seeds = args.seeds or (3 if args.quick else 5)
    if args.diagnose:
        for spec in args.diagnose:
            n, k = spec.split(",")[:2]
            cell = Cell(int(n), NOISELESS if k in ("inf", "noiseless") else float(k), False)
            with ProcessPoolExecutor(max_workers=args.workers) as pool:
                rows = list(pool.map(run_diagnosis, [(cell, s) for s in range(args.first_seed, args.first_seed + seeds)]))
            print(render_diagnosis(cell, rows), flush=True)
        return
    if args.cell:
        cells = []
        for spec in args.cell:
            parts = spec.split(",")
            k = NOISELESS if parts[1] in ("inf", "noiseless") else float(parts[1])
            cells.append(Cell(int(parts[0]), k, len(parts) > 2 and parts[2] in ("1", "yes", "noisy")))
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            results = list(pool.map(run_cell, [(c, seeds, args.first_seed) for c in cells]))
        print(render(results, None, None, seeds, time.perf_counter() - start))
        for r in results:
            print(f"{r.cell}: engine duels per seed {r.engine_duels}")
        return
    if args.quick:
        cells = [Cell(50, 4.0, False), Cell(50, 4.0, True)]
    else:
        cells = [Cell(n, k, noisy) for n in (50, 100, 500) for k in (2.0, 4.0, 10.0, NOISELESS)
                 for noisy in (False, True)]
    # Biggest first so the two workers finish together.
    work = sorted(((c, seeds) for c in cells), key=lambda a: -a[0].n / a[0].k ** 0.25)
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        scale_job = None if args.quick else pool.submit(run_scale)
        priors_n = 50 if args.quick else 100
        priors_job = pool.submit(run_priors, priors_n, 4.0, seeds)
        done = {r.cell: r for r in pool.map(run_cell, work)}
        priors = (priors_n, priors_job.result())
        scale = scale_job.result() if scale_job else None
    results = [done[c] for c in cells]
    body = render(results, priors, scale, seeds, time.perf_counter() - start)
    print(body)
    if not args.quick:
        write_section(body)
        print(f"\nwrote {DOC}")


if __name__ == "__main__":
    main()
