"""The secondary estimators of ME on per-trial outcomes (statsmodels / scipy); the primary one, a sampled
Bayesian GLMM, is `vgslib.results.glmm`.

- `vs_chance` (the fast approximation): a mixed-effects logistic regression `correct ~ 1` with random
  intercepts for seed and for the spoken (novel) word: statsmodels' `BinomialBayesMixedGLM`, fitted at its
  posterior mode with a Laplace approximation (`fit_map`); the intercept's mode and sd give the accuracy on
  the probability scale with a 95 % interval. (Its variational fit, `fit_vb`, understates the fixed
  effects' sd several-fold on simulated data, so it is not used for intervals.) Per-seed exact binomial
  tests sit beside it.
- `contrast` (the fast approximation): the same model family with a condition effect (`correct ~ condition`,
  random intercepts for run and word): the log odds ratio with a 95 % interval;
- `gee_contrast`, the cross-check: a GEE whose clusters are the runs (a condition is a property of a run, so
  runs are its units), exchangeable correlation within a run, the bias-reduced (Mancl-DeRouen) sandwich
  errors, and t intervals and p-values with (runs - 2) degrees of freedom, since there are few runs.
- `holm`: Holm's correction over a family of tests.
statsmodels has no frequentist GLMM; the Laplace intervals are approximate posterior intervals at the mode
(seeded start, so the same data always give the same numbers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

Z95 = stats.norm.ppf(0.975)
GEE = "GEE (runs, bias-reduced, t)"
LAPLACE = "GLMM (Laplace approximation)"
ALPHA = 0.05


def reliable(table: pd.DataFrame, sign: int = 0, null: float = 0.0) -> pd.Series:
    """The study's one rule for "reliably above / below" (a row mask): the row's 95 % interval (`low`, `high`)
    lies wholly above (`sign` +1) or below (-1) `null`, or either (0), and, where the table carries
    Holm-corrected p-values (`p_holm`), that p is below 0.05. A row without a test (NaN `p_holm`: a ceiling, a
    fit that failed its checks) is never reliable."""
    above, below = table.low > null, table.high < null
    side = above if sign > 0 else below if sign < 0 else above | below
    if "p_holm" in table:
        side = side & (table.p_holm < ALPHA)
    return side.fillna(False).astype(bool)


def _vc(table: pd.DataFrame, seed_col: str) -> dict:
    vc = {"word": "0 + C(concept)"}
    if table[seed_col].nunique() > 1:
        vc[seed_col] = f"0 + C({seed_col})"
    return vc


def vs_chance(trials: pd.DataFrame) -> dict:
    """Accuracy against 50 % with random intercepts for seed and word (posterior mode, Laplace)."""
    from statsmodels.genmod.bayes_mixed_glm import BinomialBayesMixedGLM

    table = trials[["correct", "seed", "concept"]].assign(correct=lambda t: t.correct.astype(int))
    model = BinomialBayesMixedGLM.from_formula("correct ~ 1", _vc(table, "seed"), table)
    fit = model.fit_map(rng=0)
    mean, sd = float(fit.fe_mean[0]), float(fit.fe_sd[0])
    return {
        "accuracy": float(expit(mean)),
        "low": float(expit(mean - Z95 * sd)),
        "high": float(expit(mean + Z95 * sd)),
        "logit": mean,
        "logit_sd": sd,
        "p_approx": float(2 * stats.norm.sf(abs(mean / sd))),
        "raw_accuracy": float(table.correct.mean()),
        "n_trials": len(table),
        "seeds": int(table.seed.nunique()),
        "words": int(table.concept.nunique()),
        "estimator": LAPLACE,
    }


def per_seed_binomial(trials: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for seed, part in trials.groupby("seed"):
        k, n = int(part.correct.sum()), len(part)
        rows.append({"seed": seed, "accuracy": k / n, "n": n, "p": stats.binomtest(k, n, 0.5).pvalue})
    return pd.DataFrame(rows)


def contrast(trials: pd.DataFrame, condition: str, reference: str) -> dict:
    """Log odds ratio of `condition` against `reference` (values of the column `condition_label`), with random
    intercepts for run (`run_id`) and word."""
    from statsmodels.genmod.bayes_mixed_glm import BinomialBayesMixedGLM

    table = _pair(trials, condition, reference)
    if at_ceiling(table):
        nan = float("nan")
        return {**_contrast_row(condition, reference, nan, nan, nan, LAPLACE), "ceiling": True}
    model = BinomialBayesMixedGLM.from_formula("correct ~ effect", _vc(table, "run_id"), table)
    fit = model.fit_map(rng=0)
    mean, sd = float(fit.fe_mean[1]), float(fit.fe_sd[1])
    p = float(2 * stats.norm.sf(abs(mean / sd)))
    return {**_contrast_row(condition, reference, mean, sd, p, LAPLACE), "ceiling": False}


def gee_contrast(trials: pd.DataFrame, condition: str, reference: str) -> dict:
    """The same contrast by GEE: binomial, runs as clusters, exchangeable correlation, bias-reduced errors. As for
    every estimator, no effect size where either condition is at the ceiling (`glmm.CEILING`): a log odds ratio
    between 100 % and 99.97 % says nothing but is huge."""
    table = _pair(trials, condition, reference)
    if at_ceiling(table):
        nan = float("nan")
        return {**_contrast_row(condition, reference, nan, nan, nan, GEE), "ceiling": True}
    mean, se, p, z = _gee_slope(table.correct.to_numpy(), table.effect.astype(float).to_numpy(), table.run_id)
    return {**_contrast_row(condition, reference, mean, se, p, GEE, z), "ceiling": False}


def gee_slope(trials: pd.DataFrame, covariate: str) -> dict:
    """The log odds of a correct trial per unit of a run-level `covariate` (a column of `trials`), by the same
    GEE as `gee_contrast` (runs as clusters): slope, 95 % interval and p."""
    x = trials[covariate].astype(float).to_numpy()
    slope, se, p, z = _gee_slope(trials.correct.astype(int).to_numpy(), x, trials.run_id)
    return {"slope": slope, "low": slope - z * se, "high": slope + z * se, "p_approx": p}


def _gee_slope(y: np.ndarray, x: np.ndarray, runs: pd.Series) -> tuple[float, float, float, float]:
    """Binomial GEE of y on [1, x], runs as clusters, exchangeable correlation, bias-reduced errors, with a t
    reference on clusters minus parameters: (slope, its standard error, p, the t quantile of a 95 % interval)."""
    import statsmodels.api as sm

    fit = sm.GEE(
        y, sm.add_constant(x), groups=runs.to_numpy(), family=sm.families.Binomial(),
        cov_struct=sm.cov_struct.Exchangeable(),
    ).fit(cov_type="bias_reduced")  # fmt: skip
    mean, se = float(fit.params[1]), float(fit.bse[1])
    df = max(1, runs.nunique() - 2)  # clusters minus parameters: the small-sample reference
    return mean, se, float(2 * stats.t.sf(abs(mean / se), df)), float(stats.t.ppf(0.975, df))


def at_ceiling(pair: pd.DataFrame) -> bool:
    """Whether either condition of a `_pair` table reaches the ceiling accuracy (the GLMM's rule, `glmm.CEILING`)."""
    from vgslib.results.glmm import CEILING

    return bool(pair.groupby("condition_label").correct.mean().max() >= CEILING)


def _pair(trials: pd.DataFrame, condition: str, reference: str) -> pd.DataFrame:
    """The trials of two conditions, with `correct` as 0/1 and `effect` = 1 for `condition`."""
    table = trials[trials.condition_label.isin([condition, reference])]
    return table.assign(correct=table.correct.astype(int), effect=(table.condition_label == condition).astype(int))


def _contrast_row(
    condition: str, reference: str, mean: float, se: float, p: float, estimator: str, z: float = Z95
) -> dict:
    return {
        "condition": condition,
        "reference": reference,
        "log_odds_ratio": mean,
        "low": mean - z * se,
        "high": mean + z * se,
        "p_approx": p,
        "estimator": estimator,
        "interval_z": float(z),  # the quantile the 95 % interval spans either side: its standard error is half / z
    }


def holm(p_values) -> np.ndarray:
    """Holm-adjusted p-values; missing ones (a ceiling cell has no test) stay missing and do not count."""
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="holm")[1]
    return out
