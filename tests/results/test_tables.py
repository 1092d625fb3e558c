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
