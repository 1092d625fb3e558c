"""The ingredients chapter's words: the decision under the pre-declared rule, the verdict over the families and
the learned-ME table, from fabricated tables."""

import pandas as pd

from vgslib import experiments
from vgslib.report.ingredients import Ingredients, verdict


def _members(candidate_loss: float, seeds=range(5)) -> pd.DataFrame:
    rows = []
    for lang in ("en", "nl"):
        for seed in seeds:
            rows += [{"run": f"{lang}-d{seed}", "family": "voices", "setting": "64 voices (Table 1)", "baseline": True,
                      "train_langs": lang, "seed": seed, "best_val_loss": 1.0},
                     {"run": f"{lang}-c{seed}", "family": "voices", "setting": "256 voices", "baseline": False,
                      "train_langs": lang, "seed": seed, "best_val_loss": candidate_loss}]  # fmt: skip
    return pd.DataFrame(rows)


def _page(members: pd.DataFrame) -> Ingredients:
    return Ingredients(members, pd.DataFrame(), "laptop", families=experiments.INGREDIENTS)


def test_the_decision_follows_the_rule_on_validation_loss():
    assert "**adopts** it" in _page(_members(0.9)).decision()
    kept = _page(_members(1.1)).decision()
    assert "keeps the default world" in kept and "EN: 0 of 5 seeds" in kept
    assert "no decision is taken" in _page(_members(0.9, seeds=range(3))).decision()


def test_the_verdict_names_reliable_changes_and_flat_families():
    moved = pd.DataFrame({"setting": ["256 voices"], "lang": ["nl"], "difference": [4.0], "low": [1.0],
                          "high": [7.0], "p": [0.001], "p_holm": [0.004]})  # fmt: skip
    flat = moved.assign(setting="63 epochs", difference=1.0, low=-2.0, high=4.0, p=0.4, p_holm=0.8)
    text = verdict({"voices": moved, "length": flat, "tokens": pd.DataFrame()})
    assert "256 voices in NL +4.0 points [+1.0, +7.0]" in text
    assert "No reliable change with how long a training (largest change 1.0 points)" in text
    assert "Not trained in this build: how many tokens per word" in text
    assert "reach ±3.0 points (median half-width; up to ±3.0)" in text
    assert "none of these ingredients explains" not in text  # one family moved it
    profile = pd.DataFrame({"lang": ["en", "fr", "nl"], "learned": [7.6, 4.2, 1.0],
                            "novel similarity": [0.868, 0.824, 0.857], "familiar_between": [0.393, 0.426, 0.531],
                            "token_to_own": [0.904, 0.955, 0.951], "nearest_centroid": [0.78, 0.97, 0.94],
                            "accents": [7, 3, 1]})  # fmt: skip
    flat_only = verdict({"length": flat}, profile)
    assert "Within the ranges tried, none of these ingredients explains" in flat_only
    assert "in: how crowded its familiar words are (highest); its number of accents (lowest) —" in flat_only


def test_the_learned_table_joins_the_three_views_per_setting_and_language():
    summary = pd.DataFrame({"setting": ["64 voices (Table 1)", "256 voices"], "lang": ["nl", "nl"],
                            "mean": [0.5, 4.5], "low": [-1.0, 2.0], "high": [2.0, 7.0], "runs": [5, 5],
                            "trained": [55.0, 59.0], "untrained": [54.5, 54.5]})  # fmt: skip
    difference = pd.DataFrame({"setting": ["256 voices"], "lang": ["nl"], "difference": [4.0], "low": [1.0],
                               "high": [7.0], "p_holm": [0.004]})  # fmt: skip
    glmm = pd.DataFrame({"setting": ["256 voices"], "lang": ["nl"], "log_odds_ratio": [0.2], "low": [0.1],
                         "high": [0.3], "p_holm": [0.01], "diagnostics_ok": [True]})  # fmt: skip
    table = Ingredients.learned_display(summary, glmm).set_index("setting")
    assert table.loc["256 voices", "learned ME [95 %]"] == "+4.5 [+2.0, +7.0]"
    assert table.loc["256 voices", "GLMM log odds ratio [95 %]"] == "+0.20 [+0.10, +0.30]"
    assert table.loc["256 voices", "p (Holm)"] == "0.01"
    assert table.loc["64 voices (Table 1)", "GLMM log odds ratio [95 %]"] == "not fitted"
    against = Ingredients.difference_display(difference.assign(seeds=5)).set_index("setting")
    assert against.loc["256 voices", "learned ME − default's, points"] == "+4.0"
    assert against.loc["256 voices", "95 % interval"] == "[+1.0, +7.0]" and against.loc["256 voices", "seeds"] == 5


def test_the_languages_answer_names_the_language_that_learns_least_and_ranks_it():
    profile = pd.DataFrame({"lang": ["en", "fr", "nl"], "learned": [7.6, 4.2, 1.0],
                            "novel similarity": [0.868, 0.824, 0.857], "familiar_between": [0.393, 0.426, 0.531],
                            "token_to_own": [0.904, 0.955, 0.951], "accents": [7, 3, 1]})  # fmt: skip
    text = Ingredients.languages_answer(profile, pd.DataFrame(), pd.DataFrame())
    assert text.startswith("NL learns least: +1.0 points of learned ME (the others EN +7.6, FR +4.2)")
    assert "each other (how crowded they are) 0.531 (EN 0.393, FR 0.426; the highest)" in text
    assert "in 1 accent (EN 7, FR 3)" in text
    assert "holds no Table 1 monolingual run" in Ingredients.languages_answer(pd.DataFrame(), pd.DataFrame(), None)


def test_the_renditions_the_prose_reads_are_measured_on_the_worlds_of_the_runs(tiny_world, monkeypatch):
    from vgslib.results import ingredients

    losses = {"16 held-out": 0.0181, "trained": 0.0174}
    rows = [{"run": f"en-{v}", "family": "test-voices", "value": v, "train_langs": "en", "seed": 0,
             "best_val_loss": loss, "dir": "x"} for v, loss in losses.items()]  # fmt: skip
    page = _page(pd.DataFrame(rows))
    monkeypatch.setattr(ingredients, "setting_world", lambda m, family, value: tiny_world.root)
    said = page.renditions()  # the same world on both sides: nothing rendered anew
    assert said == (
        "Measured in this build: with the training voices as test speakers, **0 %** of the English training "
        "recordings differ from the default world's (English seed 0's best validation loss **0.0174** there against "
        "**0.0181** in the default world); in the new-drawings world, which leaves French out and changes nothing "
        "else of the speech, **0 %** of the Dutch training recordings do."
    )
    monkeypatch.setattr(
        ingredients, "setting_world", lambda m, family, value: None if family == "drawings" else tiny_world.root
    )
    said = page.renditions()
    assert said.startswith("Measured in this build: with the training voices as test speakers, **0 %** of the English")
    assert said.endswith("This build lacks the drawings family's (new drawings) world, on which the share of training "
                         "recordings rendered anew is measured (`make book EXPERIMENTS=1` makes it).")  # fmt: skip
    monkeypatch.setattr(
        ingredients, "setting_world", lambda m, family, value: None if value == "trained" else tiny_world.root
    )
    assert page.renditions().startswith(
        "Measured in this build: in the new-drawings world, which leaves French out and changes nothing else of the "
        "speech, **0 %** of the Dutch training recordings differ from the default world's. This build lacks the "
        "test-voices family's (the training voices as test speakers) world"
    )
    monkeypatch.setattr(ingredients, "setting_world", lambda m, family, value: None)  # a default build
    said = page.renditions()
    assert said.startswith("This build lacks the test-voices family's (the training voices as test speakers) and the ")
    assert "Measured" not in said and said.endswith("(`make book EXPERIMENTS=1` makes them).")
