"""Calibration of the contrast estimators on simulated studies shaped like this one, with a known truth.

A simulated contrast has two conditions of `seeds` runs each; each run answers `per_word` trials of each of
`words` novel words. On the logit scale a trial's chance of a correct choice is

    intercept + x (effect + slope[word]) + run[run] + word[word] + cell[run, word],   x = +-1/2,

so `word_slope_sd` > 0 makes words respond differently to the condition (the case the by-word slope of the
GLMM is for). A `paired` design is the training effect's: the same runs in both states (one run effect each),
the (run, word) spread `reference_cell_sd` in the reference state (untrained) and `cell_sd` in the other.
`run` returns how often 95 % intervals cover the true effect, how often p < 0.05 (the false positive rate when
the effect is 0, the power otherwise), and how the reported uncertainty compares with the real spread of the
estimates. `benchmarks/bench_calibration.py` runs it at the study's size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit


@dataclass(frozen=True)
class Design:
    seeds: int = 5  # runs per condition
    words: int = 19  # novel words
    per_word: int = 50  # trials per word and run
    run_sd: float = 0.2  # run (seed) effects, logit scale
    word_sd: float = 0.6  # word intercepts
    word_slope_sd: float = 0.0  # how differently words respond to the condition
    cell_sd: float = 0.2  # run x word effects
    paired: bool = False  # the same runs in both conditions (trained vs untrained), sharing their run effect
    reference_cell_sd: float | None = None  # run x word effects in the reference state (None: `cell_sd`)


def simulate(design: Design, intercept: float, effect: float, rng: np.random.Generator) -> pd.DataFrame:
    """Per-trial outcomes of one simulated contrast (`condition` vs `reference`)."""
    d = design
    word, slope = rng.normal(0, d.word_sd, d.words), rng.normal(0, d.word_slope_sd, d.words)
    shared = rng.normal(0, d.run_sd, d.seeds) if d.paired else None  # a run's effect in both its states
    rows = []
    for label, x in (("reference", -0.5), ("condition", 0.5)):
        cell_sd = d.reference_cell_sd if label == "reference" and d.reference_cell_sd is not None else d.cell_sd
        for s in range(d.seeds):
            run = shared[s] if d.paired else rng.normal(0, d.run_sd)
            logit = intercept + x * (effect + slope) + run + word + rng.normal(0, cell_sd, d.words)  # (words,)
            correct = rng.random((d.words, d.per_word)) < expit(logit)[:, None]
            rows.append(
                pd.DataFrame(
                    {
                        "condition_label": label,
                        "run_id": f"run-{s}" if d.paired else f"{label}-{s}",
                        "seed": s,
                        "concept": np.repeat([f"w{w:02d}" for w in range(d.words)], d.per_word),
                        "correct": correct.reshape(-1),
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def _fitter(estimator: str):
    from vgslib.results import glmm, stats

    return {"glmm": glmm.contrast, "glmm-paired": glmm.paired_contrast, "laplace": stats.contrast,
            "gee": stats.gee_contrast}[estimator]  # fmt: skip


def run(
    design: Design, scenario: str, effect: float, estimator: str, studies: int, seed: int = 0, intercept: float = 0.3
) -> dict:
    """Simulate `studies` contrasts and fit each with `estimator`: coverage, rate of p < 0.05, bias, and the
    ratio of the mean reported standard error to the spread of the estimates."""
    fit = _fitter(estimator)
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(studies):
        out = fit(simulate(design, intercept, effect, rng), "condition", "reference")
        # The interval's own quantile (GEE: t on clusters minus parameters; a posterior: ~normal, 1.96).
        rows.append({**{k: out[k] for k in ("log_odds_ratio", "low", "high", "p_approx")},
                     "interval_z": out.get("interval_z", 1.96)})  # fmt: skip
    fits = pd.DataFrame(rows)
    se = (fits.high - fits.low) / (2 * fits.interval_z)
    positives = int((fits.p_approx < 0.05).sum())
    return {
        "scenario": scenario,
        "estimator": estimator,
        "effect": effect,
        "studies": studies,
        "coverage": float(((fits.low <= effect) & (effect <= fits.high)).mean()),
        "false_positives" if effect == 0 else "true_positives": positives,
        "rate_p_below_0.05": positives / studies,
        "bias": float(fits.log_odds_ratio.mean() - effect),
        "se_ratio": float(se.mean() / fits.log_odds_ratio.std(ddof=1)),
    }
