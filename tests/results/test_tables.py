import numpy as np
import pandas as pd

from vgslib.condition import Condition
from vgslib.results import tables
from vgslib.testing import fake_trials


def test_accuracy_by_condition_pools_seeds_and_tests_chance():
    rng = np.random.default_rng(0)
    trials = fake_trials(rng, [("a", "en", 0, 0.9), ("b", "en", 1, 0.9), ("c", "en+fr", 0, 0.5)])
    acc = tables.accuracy_by_condition(trials)
    en = acc[(acc.train_langs == "en") & (acc.test == "nf")].iloc[0]
    assert en.seeds == 2 and en.n_trials == 160 and en.p_vs_chance < 1e-6
    assert set(acc[acc.train_langs == "en+fr"].lang) == {"en", "fr"}
    words = tables.per_word(trials)
    assert set(words.concept) == {"dog", "ball"} and words.accuracy.between(0, 1).all()


def test_first_results_picks_one_preset_and_seed_zero():
    laptop = {"preset": "laptop", "preset_size": "sm"}
    conditions = [
        Condition(("en",), **laptop),
        Condition(("en",), seed=1, **laptop),
        Condition(("en", "fr"), links=True, **laptop),
        Condition(("en",), anchor_repeats=2, **laptop),
        Condition(("en",), size="3d", **laptop),
        Condition(("en",), size="lg", **laptop),
        Condition(("en",), size="xsm", preset="smoke", preset_size="xsm"),
    ]
    summary = pd.DataFrame([{"run": run, **c.columns()} for run, c in zip("abcdefg", conditions)])
    assert list(tables.first_results(summary).run) == ["a"]  # laptop: the preset with the most runs


def test_the_reported_preset_depends_on_the_runs_only():
    assert tables.choose_preset(pd.Series(["smoke", "laptop", "laptop"])) == "laptop"
    assert tables.choose_preset(pd.Series(["smoke", "paper"])) == "paper"  # a tie: the first by name


def test_the_schedule_rule_picks_the_shortest_converged_schedule():
    """Validation curves where 7 epochs is still falling at its end, 14 has converged but is far above the
    lowest loss, and 21 and 28 have converged close to it: the rule picks 21, never a longer one."""

    rows = []
    for epochs, floor in ((7, 0.5), (14, 0.3), (21, 0.1), (28, 0.095)):
        for condition in ("en", "fr"):
            for epoch in range(epochs + 1):
                loss = (
                    floor + 2 * np.exp(-epoch / 2)
                    if epochs == 7
                    else floor + 2 * np.exp(-epoch) + 0.01 * (epoch == epochs)
                )
                rows.append({"condition": condition, "epochs": epochs, "lr": 1e-3, "epoch": epoch, "val_loss": loss,
                             "val_ff_en": 0.95})  # fmt: skip
    choice = tables.schedule_choice(pd.DataFrame(rows)).set_index("epochs")
    assert choice.loc[7, "best_is_last"] == 2 and not choice.loc[7, "passes"]
    assert choice.loc[14, "best_is_last"] == 0 and choice.loc[14, "close_to_lowest"] == 0
    assert choice.loc[21, "passes"] and choice.loc[28, "passes"]
    assert choice.chosen.sum() == 1 and choice.loc[21, "chosen"]
    low_ff = tables.schedule_choice(pd.DataFrame(rows).assign(val_ff_en=0.5))
    assert not low_ff.passes.any() and not low_ff.chosen.any()
