import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from vgslib.results import stats


def _simulate(intercept, effect=0.0, seeds=5, words=19, per_word=50, word_sd=0.6, seed_sd=0.2, rng_seed=0):
    rng = np.random.default_rng(rng_seed)
    word_shift = rng.normal(0, word_sd, words)
    rows = []
    for condition, shift in (("ref", 0.0), ("cond", effect)):
        for s in range(seeds):
            seed_shift = rng.normal(0, seed_sd)
            for w in range(words):
                p = expit(intercept + shift + word_shift[w] + seed_shift)
                for correct in rng.random(per_word) < p:
                    rows.append(
                        {
                            "seed": s,
                            "run_id": f"{condition}-{s}",
                            "concept": f"w{w}",
                            "correct": bool(correct),
                            "condition_label": condition,
                        }
                    )
    return pd.DataFrame(rows)


def test_vs_chance_recovers_a_known_bias():
    trials = _simulate(0.6)
    part = trials[trials.condition_label == "ref"]
    out = stats.vs_chance(part)
    assert out["low"] < expit(0.6) < out["high"] and out["low"] > 0.5
    null = stats.vs_chance(_simulate(0.0, rng_seed=1).query("condition_label == 'ref'"))
    assert null["low"] < 0.5 < null["high"]


def test_contrast_recovers_a_known_effect_and_gee_agrees():
    trials = _simulate(0.3, effect=-0.5)
    glmm = stats.contrast(trials, "cond", "ref")
    gee = stats.gee_contrast(trials, "cond", "ref")
    assert glmm["low"] < -0.5 < glmm["high"] and glmm["high"] < 0
    assert gee["low"] < -0.5 < gee["high"]
    assert abs(glmm["log_odds_ratio"] - gee["log_odds_ratio"]) < 0.2


def test_per_seed_binomial_and_holm():
    trials = _simulate(0.6, seeds=2)
    table = stats.per_seed_binomial(trials[trials.condition_label == "ref"])
    assert len(table) == 2 and (table.p < 0.05).all()
    adjusted = stats.holm([0.01, 0.04, 0.03])
    assert np.allclose(adjusted, [0.03, 0.06, 0.06])
    with_ceiling = stats.holm([0.01, float("nan"), 0.04])  # a ceiling cell has no test and does not count
    assert np.isnan(with_ceiling[1]) and np.allclose(with_ceiling[[0, 2]], [0.02, 0.04])


def test_the_laplace_fit_is_seeded():
    trials = _simulate(0.3, effect=-0.2, seeds=3, words=8, per_word=20)
    assert stats.contrast(trials, "cond", "ref") == stats.contrast(trials, "cond", "ref")


def test_gee_uses_a_t_reference_with_few_runs():
    trials = _simulate(0.3, effect=-0.5, seeds=3)
    gee = stats.gee_contrast(trials, "cond", "ref")
    half_width = (gee["high"] - gee["low"]) / 2
    se = half_width / stats.stats.t.ppf(0.975, 6 - 2)  # 6 runs, 2 parameters
    assert gee["estimator"] == "GEE (runs, bias-reduced, t)" and half_width > stats.Z95 * se
    assert pytest.approx(stats.Z95, abs=1e-3) == 1.96


def test_gee_slope_recovers_a_planted_dose_response_and_finds_none_where_none_is():
    rng = np.random.default_rng(3)
    rows = []
    for run in range(15):
        share = 1 + run % 5 * 2  # 1, 3, 5, 7, 9 (tens of percent), three runs each
        run_effect = rng.normal(0, 0.1)
        for _ in range(400):
            rows.append({"run_id": run, "share": share, "flat": 0.0, "u": rng.random(), "b": run_effect})
    t = pd.DataFrame(rows)
    planted = t.assign(correct=t.u < expit(-0.5 + 0.15 * t.share + t.b))
    fit = stats.gee_slope(planted, "share")
    assert fit["low"] < 0.15 < fit["high"] and fit["p_approx"] < 0.001
    null = stats.gee_slope(t.assign(correct=t.u < expit(0.3 + t.b)), "share")
    assert null["low"] < 0 < null["high"] and null["p_approx"] > 0.05


def test_every_estimator_leaves_a_ceiling_contrast_untested():
    """FF at 100 % against 99.97 %: a huge log odds ratio that says nothing. GEE and Laplace refuse it as the GLMM
    does, and the chapter's FF claim counts only the contrasts that were tested."""
    from vgslib.report.bilingual import _ff_claim

    trials = _simulate(6.0, effect=4.0)  # both conditions above 99 %
    assert trials.groupby("condition_label").correct.mean().min() >= 0.99
    for fit in (stats.gee_contrast(trials, "cond", "ref"), stats.contrast(trials, "cond", "ref")):
        assert fit["ceiling"] and np.isnan(fit["log_odds_ratio"]) and np.isnan(fit["p_approx"])
    below = stats.gee_contrast(_simulate(0.3, effect=-0.5), "cond", "ref")
    assert not below["ceiling"] and np.isfinite(below["p_approx"])
    ff = pd.DataFrame({"low": [np.nan, -0.4, -0.9, -0.5], "high": [np.nan, 0.3, -0.1, 0.2],
                       "p_holm": [np.nan, 0.6, 0.01, np.nan], "ceiling": [True, False, False, False]})  # fmt: skip
    claim = ("1 of 2 tested FF contrasts without a reliable drop; 1 of 4 at the ceiling (a model ≥ 99 %: no effect "
             "size); 1 whose fit did not converge (not tested)")  # fmt: skip
    assert _ff_claim(ff) == claim
    all_ceiling = ff.iloc[:1]  # nothing tested: no "0 of 0"
    assert _ff_claim(all_ceiling).startswith("yes: no FF contrast left to test; 1 of 1 at the ceiling")


def test_one_rule_decides_reliable():
    """Reliable = the interval wholly on one side of the null and, where the table is Holm-corrected, p_holm below
    0.05; an untested row (NaN p_holm) never is."""
    table = pd.DataFrame({"low": [0.1, 0.1, -0.5, -0.5, 0.2], "high": [0.9, 0.9, -0.1, 0.4, 0.8],
                          "p_holm": [0.01, 0.2, 0.03, 0.01, np.nan]})  # fmt: skip
    assert stats.reliable(table, +1).tolist() == [True, False, False, False, False]
    assert stats.reliable(table, -1).tolist() == [False, False, True, False, False]
    assert stats.reliable(table).tolist() == [True, False, True, False, False]
    no_test = table.drop(columns="p_holm")  # an interval only (e.g. across seeds): the interval decides
    assert stats.reliable(no_test, +1, null=0.15).tolist() == [False, False, False, False, True]
