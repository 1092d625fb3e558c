"""The sampled GLMM on simulated studies whose truth is known (small designs, so the suite stays fast)."""

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from vgslib.results import glmm
from vgslib.results.calibration import Design, simulate

DESIGN = Design(seeds=3, words=10, per_word=30)  # one size for every test: the model is compiled once per size


def test_vs_chance_recovers_a_known_bias_with_good_diagnostics():
    trials = simulate(DESIGN, intercept=1.0, effect=0.0, rng=np.random.default_rng(0))
    out = glmm.vs_chance(trials[trials.condition_label == "reference"])
    assert out["low"] < expit(1.0) < out["high"] and out["low"] > 0.5
    assert out["diagnostics_ok"] and out["rhat"] <= glmm.RHAT_MAX and out["ess_bulk"] >= glmm.ESS_MIN
    assert out["estimator"] == glmm.ESTIMATOR and not out["ceiling"]


def test_contrast_recovers_a_known_effect_and_is_reproducible():
    trials = simulate(DESIGN, intercept=0.3, effect=-1.2, rng=np.random.default_rng(1))
    first = glmm.contrast(trials, "condition", "reference")
    assert first["low"] < -1.2 < first["high"] and first["high"] < 0 and first["diagnostics_ok"]
    assert glmm.contrast(trials, "condition", "reference") == first  # seeded: same data, same numbers


def test_a_condition_at_the_ceiling_has_no_effect_size():
    trials = pd.DataFrame(
        {
            "condition_label": ["a"] * 40 + ["b"] * 40,
            "run_id": ["a0", "a1"] * 20 + ["b0", "b1"] * 20,
            "concept": ["w0", "w1", "w2", "w3"] * 20,
            "correct": [True] * 40 + [True, False] * 20,
        }
    )
    out = glmm.contrast(trials, "b", "a")
    assert out["ceiling"] and np.isnan(out["log_odds_ratio"]) and np.isnan(out["p_approx"])


@pytest.mark.parametrize("estimator", ["glmm"])
def test_small_calibration_words_that_respond_differently(estimator):
    """No true effect, but words respond differently to the condition: a model without by-word slopes calls
    such a contrast significant far more often than 5 % (see benchmarks/bench_calibration.py). Here: 12
    studies, at most 3 false positives (P <= 0.02 at a true rate of 5 %; a rate of 40 % passes with P 0.07)."""
    from vgslib.results import calibration

    design = Design(seeds=DESIGN.seeds, words=DESIGN.words, per_word=DESIGN.per_word, word_slope_sd=0.8)
    result = calibration.run(design, "null, heterogeneous words", 0.0, estimator, studies=12, seed=7)
    assert result["false_positives"] <= 3, result
    assert result["coverage"] >= 9 / 12, result


def test_the_convergence_rule_counts_divergences_and_tail_ess():
    ok = {"rhat": 1.005, "ess_bulk": 900.0, "ess_tail": 800.0, "divergences": 2, "transitions": 4000}
    assert glmm.passes(**ok)  # two isolated divergences in 4,000 transitions
    assert not glmm.passes(**{**ok, "divergences": 88})  # nl-on-NL's chance fit passed with 88 before
    assert not glmm.passes(**{**ok, "ess_tail": 150.0})
    assert not glmm.passes(**{**ok, "rhat": 1.03})


def test_a_fit_that_keeps_diverging_is_refit_with_smaller_steps_and_then_tests_nothing(monkeypatch):
    """A sampler that always diverges: three attempts with rising target acceptance, then the row keeps its
    estimate and diagnostics but has no p (so Holm and every count of reliable results leave it out)."""
    import arviz as az
    import nutpie

    asked = []

    def diverging(model, chains, tune, draws, seed, progress_bar, cores, target_accept):
        asked.append((draws, target_accept))
        rng = np.random.default_rng(len(asked))
        post = {n: rng.normal(0.8, 0.1, (chains, draws)) for n in ("b0", "b1", "sd_word", "sd_unit", "sd_cell",
                                                                     "sd_slope")}  # fmt: skip
        diverged = np.zeros((chains, draws), dtype=bool)
        diverged[0, : draws // 100] = True  # 1 % of one chain's transitions, 0.25 % of all
        return az.from_dict(posterior=post, sample_stats={"diverging": diverged})

    class Model:
        def with_data(self, **data):
            return self

    monkeypatch.setattr(glmm, "_compiled", lambda *args: Model())
    monkeypatch.setattr(nutpie, "sample", diverging)
    trials = simulate(Design(seeds=2, words=4, per_word=10), 0.5, 0.5, np.random.default_rng(0))
    out = glmm.contrast(trials, "condition", "reference")
    assert [t for _, t in asked] == [0.9, 0.95, 0.99] and [d for d, _ in asked] == [1000, 2000, 4000]
    assert not out["diagnostics_ok"] and out["divergences"] == 40 and out["target_accept"] == 0.99
    assert out["log_odds_ratio"] == pytest.approx(0.8, abs=0.05) and np.isnan(out["p_approx"])


def test_the_paired_model_recovers_a_training_effect_when_the_untrained_spread_is_wider():
    """The same 5 runs trained and untrained, words that differ: untrained (run, word) log odds spread 1.2
    around 0.2, trained 0.3 around 0.8 (the laptop runs' shape). The paired model finds the gain of +0.6,
    passes the convergence rule, and tells the two spreads apart (its untrained spread the wider)."""
    rng = np.random.default_rng(3)
    words, slopes = rng.normal(0, 0.5, 12), rng.normal(0, 0.3, 12)  # words differ, and in how they respond
    rows = []
    for run in range(5):
        for word in range(12):
            for state, mean, spread in (("trained", 0.8, 0.3), ("untrained", 0.2, 1.2)):
                p = expit(mean + words[word] + (slopes[word] if state == "trained" else 0) + spread * rng.normal())
                rows += [{"condition_label": state, "run_id": f"r{run}", "concept": f"w{word}", "correct": c}
                         for c in rng.random(50) < p]  # fmt: skip
    trials = pd.DataFrame(rows)
    out = glmm.paired_contrast(trials, "trained", "untrained")
    assert out["low"] < 0.6 < out["high"] and out["low"] > 0 and out["diagnostics_ok"]
    table = glmm.counts(trials, "run_id")
    x = np.where(table.condition_label == "trained", 0.5, -0.5)
    fit = glmm.sample("paired", table, "run_id", x=x)
    untrained, trained = np.median(fit["sd_cell"].reshape(-1, 2), axis=0)  # index 0: x < 0, 1: x > 0
    assert untrained > 2 * trained and 0.7 < untrained < 1.8
