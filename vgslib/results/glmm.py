"""The study's primary estimator: a Bayesian binomial GLMM sampled with NUTS (PyMC model, nutpie sampler).

The data are aggregated binomial counts, k correct of n trials per (run, novel word): the trials of one word in
one run share its recordings, pictures and training, so (run, word) is the smallest unit the design treats as
exchangeable. The random-effects structures follow the design (Barr et al. 2013):

- **against chance** (one condition, one test language): `logit p = b0 + u[seed] + v[word] + z[seed, word]`;
  `b0` is the log odds of a correct choice for a typical seed and word (0 = chance);
- **contrast** (two conditions, one test language): `logit p = b0 + b1 x + u[run] + v[word] + c[word] x +
  z[run, word]`, x = ±1/2 for condition / reference, runs nested in conditions; `b1` is the log odds ratio
  and `c` lets words respond differently to the condition (the by-word slope);
- **paired** (the same runs trained and untrained, one test language; `paired_contrast`): the contrast's
  model with the run effect `u[run]` shared by a run's two states (the pairing) and the (run, word) spread
  `z` given its own standard deviation per state. An untrained model's choices for a word swing with its
  random start far more than a trained model's do (on the laptop runs the per-(run, word) NF accuracies of the
  untrained models spread about four times as widely), and one common spread made a posterior the sampler
  could not explore: on the 30 Table 1 runs 6 of 21 fits failed the convergence rule at every attempt (4 of the
  6 bilingual NF cells), against 3 of 21 (1 of 6) with a spread per state, in two thirds of the time
  (benchmarks/README.md, 2026-12-06).

Priors (weakly informative, on the logit scale): b0 ~ Normal(0, 1.5) (a typical accuracy between 5 % and 95 % a
priori), b1 ~ Normal(0, 1) (odds ratios within 1/7 to 7), every standard deviation ~ HalfNormal(1); random effects
are non-centred but the word intercepts of the chance and contrast models (`_compiled` says why). In the paired
model the word intercepts are non-centred too: centred, its divergent transitions sat where the words' spread
shrinks to ~0 (a funnel), and the English and Dutch NF cells of Table 1 failed the convergence rule at every
attempt; non-centred, both pass at the first (benchmarks/README.md, 2026-12-07). Four chains of `TUNE` + `DRAWS`,
seeded; a fit is accepted (`passes`) when every reported parameter has R-hat <= 1.01, bulk and tail ESS >= 400 and
at most 1 in 1,000 transitions diverged (a few isolated divergences leave the posterior intact; a funnel shows as
many more); otherwise it is sampled again with a higher target acceptance (smaller steps, the cure for divergences)
and 2x, then 4x the draws. A fit that still fails is reported with its diagnostics and **tested nothing**: its p is
missing, so Holm's correction and every count of reliable results leave it out (`diagnostics_ok` says so). The
posterior median and the 95 % equal-tailed interval are reported; `p_approx` = 2 x the smaller posterior tail
probability of the effect beyond 0 (the Bayesian analogue of a two-sided p-value, which Holm's correction takes).
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd
from scipy.special import expit

CHAINS, TUNE, DRAWS = 4, 1000, 1000
ATTEMPTS = ((DRAWS, 0.9), (2 * DRAWS, 0.95), (4 * DRAWS, 0.99))  # (draws, target acceptance) tried in turn
RHAT_MAX, ESS_MIN = 1.01, 400
DIVERGENT_SHARE = 0.001  # at most this share of the post-warm-up transitions may diverge
PRIOR_SD = {"b0": 1.5, "b1": 1.0, "sd": 1.0}
ESTIMATOR = "GLMM (Bayes, NUTS)"
CEILING = 0.99  # a condition at or above this raw accuracy has no meaningful effect size


def counts(trials: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Binomial counts k of n per (`unit`, word), with `condition_label` kept when present."""
    keys = [unit, "concept"] + (["condition_label"] if "condition_label" in trials else [])
    return trials.groupby(keys, sort=True).correct.agg(k="sum", n="size").reset_index()


def _indices(values: pd.Series) -> np.ndarray:
    return pd.factorize(values, sort=True)[0].astype(np.int64)


@functools.cache
def _compiled(kind: str, num_units: int, num_words: int, num_obs: int, replicated: bool):
    """The nutpie-compiled model of `kind` for data of these sizes (compiled once per size, then re-used).
    Without `replicated` (one run per condition) the model has no run and no run x word effects: they cannot
    be told apart from the intercept, the condition or the word effects."""
    import nutpie
    import pymc as pm

    zeros = np.zeros(num_obs, dtype=np.int64)
    with pm.Model() as model:
        k, n = pm.Data("k", zeros), pm.Data("n", zeros + 1)
        unit, word = pm.Data("unit", zeros), pm.Data("word", zeros)
        b0 = pm.Normal("b0", 0, PRIOR_SD["b0"])
        sd_word = pm.HalfNormal("sd_word", PRIOR_SD["sd"])
        x = pm.Data("x", np.zeros(num_obs)) if kind in ("contrast", "paired") else None
        if replicated:
            cells = 2 if kind == "paired" else 1  # paired: one (run, word) spread per state (x < 0, x > 0)
            sd_unit = pm.HalfNormal("sd_unit", PRIOR_SD["sd"])
            sd_cell = pm.HalfNormal("sd_cell", PRIOR_SD["sd"], shape=cells)
            sd_cell = sd_cell[pm.math.switch(x > 0, 1, 0)] if kind == "paired" else sd_cell[0]
        # Word intercepts centred where a word's data pin it down (hundreds of trials, words differing a lot);
        # non-centred in the paired model, whose (run, word) spread per state leaves the words' own spread near 0
        # (the divergent transitions of its NF fits sat at sd_word ~0.01, against a median of 0.19: a funnel).
        # Run, cell and slope effects non-centred (few runs, 50 trials a cell, slopes often near 0).
        if kind == "paired":
            word_logit = b0 + sd_word * pm.Normal("w", 0, 1, shape=num_words)
        else:
            word_logit = pm.Normal("word_logit", b0, sd_word, shape=num_words)
        eta = word_logit[word]
        if replicated:
            eta = eta + sd_unit * pm.Normal("u", 0, 1, shape=num_units)[unit]
            eta = eta + sd_cell * pm.Normal("z", 0, 1, shape=num_obs)
        if x is not None:
            b1 = pm.Normal("b1", 0, PRIOR_SD["b1"])
            sd_slope = pm.HalfNormal("sd_slope", PRIOR_SD["sd"])
            eta = eta + (b1 + sd_slope * pm.Normal("c", 0, 1, shape=num_words)[word]) * x
        pm.Binomial("correct", n=n, logit_p=eta, observed=k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nutpie.compile_pymc_model(model)


def sample(
    kind: str, table: pd.DataFrame, unit: str, x: np.ndarray | None = None, seed: int = 0, replicated: bool = True
) -> dict:
    """Posterior draws of the scalar parameters (chains x draws) and their diagnostics."""
    import arviz as az
    import nutpie

    data = {
        "k": table.k.to_numpy(np.int64),
        "n": table.n.to_numpy(np.int64),
        "unit": _indices(table[unit]),
        "word": _indices(table.concept),
    }
    if kind in ("contrast", "paired"):
        data["x"] = np.asarray(x, dtype=float)
    if not replicated:
        del data["unit"]
    sizes = (int(table[unit].nunique()), int(data["word"].max()) + 1, len(table), replicated)
    model = _compiled(kind, *sizes).with_data(**data)
    names = ["b0", "sd_word"] + (["sd_unit", "sd_cell"] if replicated else [])
    names += ["b1", "sd_slope"] if kind in ("contrast", "paired") else []
    for draws, target_accept in ATTEMPTS:  # smaller steps and longer runs when the diagnostics fail
        trace = nutpie.sample(
            model, chains=CHAINS, tune=TUNE, draws=draws, seed=seed, progress_bar=False, cores=2,
            target_accept=target_accept,
        )  # fmt: skip
        post = trace.posterior[names]
        checks = {
            "rhat": float(az.rhat(post).to_array().max()),
            "ess_bulk": float(az.ess(post, method="bulk").to_array().min()),
            "ess_tail": float(az.ess(post, method="tail").to_array().min()),
            "divergences": int(trace.sample_stats.diverging.sum()),
            "transitions": CHAINS * draws,
        }
        if passes(**checks):
            break
    return {
        **{name: post[name].to_numpy() for name in names},
        **checks,
        "target_accept": target_accept,
        "diagnostics_ok": passes(**checks),
    }


def passes(rhat: float, ess_bulk: float, ess_tail: float, divergences: int, transitions: int) -> bool:
    """The convergence rule a fit must meet before its effect counts (module docstring)."""
    few = divergences <= DIVERGENT_SHARE * transitions
    return rhat <= RHAT_MAX and ess_bulk >= ESS_MIN and ess_tail >= ESS_MIN and few


def _summary(draws: np.ndarray) -> tuple[float, float, float, float]:
    """Median, 95 % equal-tailed interval and the two-sided tail probability beyond 0."""
    flat = draws.reshape(-1)
    low, median, high = np.quantile(flat, [0.025, 0.5, 0.975])
    tail = 2 * min((flat > 0).mean(), (flat < 0).mean())
    return float(median), float(low), float(high), float(max(tail, 1 / len(flat)))


def _diagnostics(fit: dict) -> dict:
    return {k: fit[k] for k in ("rhat", "ess_bulk", "ess_tail", "divergences", "target_accept", "diagnostics_ok")}


def _tested(median: float, low: float, high: float, tail: float, fit: dict) -> tuple[float, float, float, float]:
    """The summary of a fit that passed the convergence rule; a failed one keeps its estimate but tests nothing."""
    return (median, low, high, tail) if fit["diagnostics_ok"] else (median, low, high, float("nan"))


def vs_chance(trials: pd.DataFrame, seed: int = 0) -> dict:
    """Accuracy of a typical seed and word against 50 %, with a 95 % interval (one condition and language)."""
    raw = float(trials.correct.mean())
    base = {
        "raw_accuracy": raw,
        "n_trials": len(trials),
        "seeds": int(trials.seed.nunique()),
        "words": int(trials.concept.nunique()),
        "estimator": ESTIMATOR,
        "ceiling": raw >= CEILING,
    }
    fit = sample("chance", counts(trials, "seed"), "seed", seed=seed, replicated=base["seeds"] > 1)
    median, low, high, tail = _tested(*_summary(fit["b0"]), fit)
    return {
        **base,
        "accuracy": float(expit(median)),
        "low": float(expit(low)),
        "high": float(expit(high)),
        "logit": median,
        "p_approx": tail,
        **_diagnostics(fit),
    }


def contrast(trials: pd.DataFrame, condition: str, reference: str, seed: int = 0, kind: str = "contrast") -> dict:
    """The log odds ratio of `condition` against `reference` (values of `condition_label`) with a 95 %
    interval; no effect size where either condition is at the ceiling. `kind="paired"` when the two are the
    same runs in two states (`paired_contrast`)."""
    part = trials[trials.condition_label.isin([condition, reference])]
    raw = part.groupby("condition_label").correct.mean()
    row = {"condition": condition, "reference": reference, "estimator": ESTIMATOR}
    if raw.max() >= CEILING:
        nan = float("nan")
        return {**row, "ceiling": True, "log_odds_ratio": nan, "low": nan, "high": nan, "p_approx": nan}
    table = counts(part, "run_id")
    x = np.where(table.condition_label == condition, 0.5, -0.5)
    runs = part.groupby("condition_label").run_id.nunique()
    fit = sample(kind, table, "run_id", x=x, seed=seed, replicated=bool(runs.min() > 1))
    median, low, high, tail = _tested(*_summary(fit["b1"]), fit)
    return {**row, "ceiling": False, "log_odds_ratio": median, "low": low, "high": high, "p_approx": tail,
            **_diagnostics(fit)}  # fmt: skip


def paired_contrast(trials: pd.DataFrame, condition: str, reference: str, seed: int = 0) -> dict:
    """`contrast` for the same runs in two states (e.g. trained against untrained: `study.training_effect`): a
    run's two states share its run effect, and each state has its own (run, word) spread (module docstring)."""
    return contrast(trials, condition, reference, seed=seed, kind="paired")
