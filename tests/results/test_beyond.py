"""vgslib/results/beyond.py: which runs belong to which setting, and the tables each experiment reads."""

import numpy as np
import pandas as pd
import pytest

from vgslib import experiments


def test_the_balance_dose_response_reads_each_language_s_own_share():
    """EN trials get better with the share of English, FR trials with the share of French (1 - it): both
    slopes come out positive, and the answer says so."""
    from scipy.special import expit

    from vgslib.report.beyond import Beyond
    from vgslib.results import beyond

    family, rng = experiments.FAMILY["balance"], np.random.default_rng(0)
    members, trials = [], []
    for i, setting in enumerate(s for s in family.settings for _ in range(3)):
        run = f"run{i}"
        members.append({"run": run, "family": "balance", "setting": setting.label, "value": setting.value,
                        "baseline": setting.baseline, "train_langs": "en+fr"})  # fmt: skip
        for lang, share in (("en", setting.value), ("fr", 1 - setting.value)):
            correct = rng.random(300) < expit(-1 + 2.5 * share)
            trials.append(pd.DataFrame({"run": run, "test": "nf", "lang": lang, "train_langs": "en+fr",
                                        "correct": correct}))  # fmt: skip
    members, trials = pd.DataFrame(members), pd.concat(trials, ignore_index=True)
    slopes = beyond.exposure_slopes(members, trials, family).set_index("lang")
    assert list(slopes.index) == ["en", "fr"] and (slopes.settings == 5).all() and (slopes.runs == 15).all()
    assert (slopes.low > 0).all() and (slopes.low < 0.25).all() and (slopes.high > 0.25).all()  # 2.5 per unit share
    text = Beyond.exposure_answer(slopes.reset_index())
    assert "over all 5 splits" in text and "the more a model trains in EN, the stronger its ME in EN" in text
    assert "the more a model trains in FR, the stronger its ME in FR" in text


def test_a_family_with_a_scope_scores_every_setting_on_the_same_trials():
    from vgslib.results import beyond

    family = experiments.FAMILY["injected"]
    injected, kept = experiments.INJECTED[0], experiments.NEVER_INJECTED[0]
    trials = pd.DataFrame(
        {
            "test": ["nf", "nf", "ff", "nn", "nn"],
            "concept": [injected, kept, "bear", kept, kept],
            "distractor_concept": ["cat", "cat", "dog", injected, experiments.NEVER_INJECTED[1]],
        }
    )
    assert list(beyond.in_scope(trials, family).index) == [1, 2, 4]
    vocabulary = experiments.FAMILY["vocabulary"]
    assert experiments.CORE == ("bear", "boat", "cat", "cow", "elephant", "scissors", "umbrella")
    assert list(beyond.in_scope(trials, vocabulary).index) == [0, 1, 3, 4]  # "ff" bear vs dog: dog is not core
    assert beyond.in_scope(trials, experiments.FAMILY["negatives"]) is trials


def test_the_injected_check_splits_the_injectable_words_by_whether_a_setting_trained_them():
    from vgslib.report.beyond import Beyond
    from vgslib.results import beyond

    family = experiments.FAMILY["injected"]
    rows, trials = [], []
    for setting in family.settings:
        for seed in (0, 1):
            run = f"{setting.value}-{seed}"
            rows.append({"run": run, "family": family.name, "setting": setting.label, "baseline": setting.baseline})
            for word in experiments.INJECTED:
                trained = word in setting.changes.get("train.familiar", ())
                correct = [True] * 9 + [False] if trained else [True, False] * 5  # 90 % trained, 50 % held out
                trials += [{"run": run, "test": "nf", "lang": "en", "concept": word, "correct": c} for c in correct]
    members, trials = pd.DataFrame(rows), pd.DataFrame(trials)
    table = beyond.injected_words(members, trials).set_index(["setting", "words"])
    assert table.loc[("none injected (Table 1)", "held out (novel)"), "mean"] == 0.5
    assert table.loc[("4 injected", "trained in this setting"), "mean"] == pytest.approx(0.9)
    assert table.loc[("4 injected", "held out (novel)"), "mean"] == 0.5
    assert ("8 injected", "held out (novel)") not in table.index and (table.runs == 2).all()
    page = Beyond(members, trials, "laptop")
    assert len(page.injected_display(beyond.injected_words(members, trials)).data) == 4
    table1 = members[members.baseline]  # the Table 1 runs alone: no injection to check
    assert Beyond(table1, trials, "laptop").injected_display(beyond.injected_words(table1, trials)) is None


def test_translation_similarity_is_largest_for_a_language_with_itself(study):
    from vgslib.results import beyond

    _, data = study
    same, other = beyond.translation_similarity(data, "en", "en"), beyond.translation_similarity(data, "en", "nl")
    assert np.isfinite(other) and same > 0 and same >= other


def test_each_multilingual_model_is_set_against_the_monolingual_model_of_each_tested_language():
    from vgslib.results import beyond

    rng = np.random.default_rng(0)
    accuracy = {("EN", "en"): 0.7, ("NL", "nl"): 0.7, ("EN+NL", "en"): 0.6, ("EN+NL", "nl"): 0.5}
    runs, trials = [], []
    for label in ("EN", "NL", "EN+NL"):
        for seed in range(3):
            run = f"{label}-{seed}"
            runs.append({"run": run, "label": label})
            for lang in label.lower().split("+"):
                correct = rng.random(400) < accuracy[label, lang]
                trials += [{"run": run, "test": "nf", "lang": lang, "correct": c} for c in correct]
    effects = beyond.bilingual_effects(pd.DataFrame(runs), pd.DataFrame(trials)).set_index("tested on")
    assert list(effects.model) == ["EN+NL", "EN+NL"] and (effects.runs == 6).all()
    assert effects.loc["NL", "NF monolingual"] == pytest.approx(0.7, abs=0.04)
    assert effects.loc["NL", "log_odds_ratio"] < effects.loc["EN", "log_odds_ratio"] < 0
    assert effects.loc["NL", "p_holm"] < 0.05
    pairs = beyond.pair_table(effects.reset_index(), {"EN+NL": 0.2})
    assert list(pairs.pair) == ["EN+NL"] and pairs["NF difference"].iloc[0] == pytest.approx(-0.15, abs=0.04)


def test_no_language_runs_make_no_pairs():
    from vgslib.results import beyond

    assert beyond.pair_table(pd.DataFrame(), {}).empty


def test_learned_me_pairs_each_run_of_a_setting_with_its_own_untrained_start():
    """The ingredient families' outcome: per setting, trained NF against the same runs untrained. Planted: the
    longest schedule learns ME (0.5 -> 0.7), the shortest does not (0.5 -> 0.5)."""
    from vgslib.results import beyond

    family, rng = experiments.FAMILY["length"], np.random.default_rng(4)
    members, trained, untrained = [], [], []
    gain = {"7 epochs": 0.5, "21 epochs (Table 1)": 0.6, "63 epochs": 0.7}
    for setting in family.settings:
        for seed in range(4):
            run = f"{setting.value}-{seed}"
            members.append({"run": run, "family": family.name, "setting": setting.label,
                            "baseline": setting.baseline})  # fmt: skip
            for table, p in ((trained, gain[setting.label]), (untrained, 0.5)):
                table.append(pd.DataFrame({"run": run, "test": "nf", "lang": "nl", "concept": np.tile(["a", "b", "c",
                                           "d"], 100), "correct": rng.random(400) < p}))  # fmt: skip
    members = pd.DataFrame(members)
    trained, untrained = pd.concat(trained, ignore_index=True), pd.concat(untrained, ignore_index=True)
    table = beyond.learned_me(members, trained, untrained, family, estimator="laplace").set_index("setting")
    assert list(table.index) == ["7 epochs", "21 epochs (Table 1)", "63 epochs"] and (table.runs == 4).all()
    assert table.loc["63 epochs", "low"] > 0 and table.loc["63 epochs", "p_holm"] < 0.05
    assert abs(table.loc["7 epochs", "log_odds_ratio"]) < 0.25  # no gain planted (its interval may miss 0: 1 in 20)
    assert table.log_odds_ratio.is_monotonic_increasing  # the planted gains 0, +0.4, +0.85 in log odds
    assert table.loc["63 epochs", "untrained_accuracy"] == pytest.approx(
        untrained[untrained.run.str.startswith("63-")].correct.mean()
    )
    assert beyond.learned_me(members[members.baseline], trained, untrained, family).empty  # Table 1 runs alone
