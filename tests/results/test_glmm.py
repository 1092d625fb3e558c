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
