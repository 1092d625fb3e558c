import numpy as np
import pandas as pd
import pytest

from vgslib.results import study
from vgslib.testing import study_trials


def test_table1_is_the_mean_and_se_of_per_run_accuracies():
    trials = study_trials({("en", False, 1, "sm"): 0.8, ("en+fr", False, 1, "sm"): 0.2})
    table = study.table1(trials)
    runs = trials[(trials.train_langs == "en") & (trials.test == "nf")].groupby("seed").correct.mean()
    row = table[(table.train_langs == "en") & (table.lang == "en") & (table.test == "nf")].iloc[0]
    assert row["mean"] == pytest.approx(runs.mean())
    assert row["se"] == pytest.approx(runs.std(ddof=1) / np.sqrt(3))
    assert row["seeds"] == 3
    wide = study.table1_display(table)
    assert list(wide.index) == ["EN", "EN+FR"] and "EN NF" in wide.columns
    assert wide.loc["EN+FR", "FR NF"].count("±") == 1 and wide.loc["EN", "FR NF"] == ""


def test_contrast_pairs_follow_the_protocols_questions():
    conditions = {
        ("en", False, 1, "sm"): 0.5,
        ("fr", False, 1, "sm"): 0.5,
        ("en+fr", False, 1, "sm"): 0.0,
        ("en+fr", True, 1, "sm"): 0.0,
        ("en", False, 2, "sm"): 0.5,
        ("en", False, 1, "lg"): 0.5,
    }
    trials = study_trials(conditions, seeds=1, words=1, per_word=1)
    pairs = {(p["family"], p["lang"], p["condition"], p["reference"]) for p in study.contrast_pairs(trials)}
    assert pairs == {
        ("bilingual", "en", "en+fr", "en"),
        ("bilingual", "fr", "en+fr", "fr"),
        ("links", "en", "en+fr links", "en+fr"),
        ("links", "fr", "en+fr links", "en+fr"),
        ("resample", "en", "en 2x", "en"),
        ("resample", "en", "en+fr", "en 2x"),
        ("size", "en", "en lg", "en"),
    }


def test_contrasts_recover_a_known_bilingual_effect_with_both_estimators():
    trials = study_trials(
        {("en", False, 1, "sm"): 0.8, ("fr", False, 1, "sm"): 0.8, ("en+fr", False, 1, "sm"): 0.0}, seeds=4
    )
    table = study.contrasts(trials, "nf", estimators=("laplace", "gee"))  # the sampled GLMM: test_glmm.py
    assert set(table.estimator) == {"GLMM (Laplace approximation)", "GEE (runs, bias-reduced, t)"}
    assert len(table) == 4  # two test languages x two estimators
    for _, row in table.iterrows():
        # the truth within three standard errors, and the interval excludes no effect
        assert abs(row.log_odds_ratio + 0.8) < 1.5 * (row.high - row.low) / 2 and row.high < 0, row.to_dict()
        assert row.p_holm >= row.p_approx
    chance = study.versus_chance(trials, "nf", estimator="laplace").set_index(["condition_label", "lang"])
    assert (chance.p_holm >= chance.p_approx).all()
    assert chance.loc[("en", "en"), "low"] > 0.5 and chance.loc[("en+fr", "fr"), "low"] < 0.5
    assert chance.loc[("en", "en"), "seeds_above_chance"] >= 3


def test_single_seed_contrasts_have_no_gee():
    trials = study_trials({("en", False, 1, "sm"): 0.8, ("en+fr", False, 1, "sm"): 0.0}, seeds=1)
    table = study.contrasts(trials, "nf", estimators=("laplace", "gee"))
    assert list(table.estimator) == ["GLMM (Laplace approximation)"] and table.log_odds_ratio.iloc[0] < 0


def test_study_charts_compile_with_vega_lite():
    import vl_convert

    from vgslib.report import charts

    trials = study_trials(
        {("en", False, 1, "sm"): 0.8, ("fr", False, 1, "sm"): 0.8, ("en+fr", False, 1, "sm"): 0.0}, seeds=2
    )
    seeds = charts.seeds_chart(study.per_run(trials), "nf", "NF")
    forest = charts.forest_chart(study.contrasts(trials, "nf", estimators=("laplace", "gee")), "contrasts")
    for chart in (seeds, forest):
        svg = vl_convert.vegalite_to_svg(chart.to_dict())
        assert svg.startswith("<svg") and "en+fr" in svg


def test_table1_at_epoch_0_reads_the_untrained_models_metrics():
    from vgslib.condition import Condition

    rows = []
    for seed, (ff, nf) in enumerate([(0.50, 0.54), (0.48, 0.56)]):
        c = Condition(("en",), seed=seed)
        rows += [{**c.columns(), "epoch": 0, "ff_en": ff, "nf_en": nf}, {**c.columns(), "epoch": 1, "ff_en": 0.9}]
    table = study.table1_at_epoch(pd.DataFrame(rows))
    nf = table[table.test == "nf"].iloc[0]
    assert nf["mean"] == pytest.approx(0.55) and nf["seeds"] == 2 and set(table.test) == {"ff", "nf"}


def test_training_effect_pairs_each_run_with_its_own_untrained_start():
    # Trained: EN NF at log odds 1.2 (a real gain over an untrained 0.3), FR NF at 0.3 (no gain).
    trained = study_trials({("en", False, 1, "sm"): 1.2, ("fr", False, 1, "sm"): 0.3}, seeds=4, rng_seed=1)
    before = study_trials({("en", False, 1, "sm"): 0.3, ("fr", False, 1, "sm"): 0.3}, seeds=4, rng_seed=2)
    before = before[before.seed < 3]  # a run without its untrained trials takes no part
    effect = study.training_effect(trained, before, tests=("nf",), estimator="laplace").set_index("lang")
    assert set(effect.runs) == {3}
    assert effect.loc["en", "low"] > 0 and effect.loc["en", "p_holm"] < 0.05
    assert effect.loc["fr", "low"] < 0 < effect.loc["fr", "high"]
    assert effect.loc["en", "untrained_accuracy"] == pytest.approx(
        before[(before.lang == "en") & (before.test == "nf")].correct.mean()
    )
