import numpy as np
import pandas as pd
import pytest

from vgslib.report import lab


def _trials(rates: dict, n: int = 200) -> pd.DataFrame:
    """n trials per (test, lang) with exactly round(rate * n) correct; concepts cycle over four words."""
    rows = []
    for (test, lang), rate in rates.items():
        k = round(rate * n)
        rows += [{"test": test, "lang": lang, "concept": f"w{i % 4}", "correct": i < k} for i in range(n)]
    return pd.DataFrame(rows)


def test_the_accuracy_table_reports_each_test_with_its_interval_and_the_untrained_model():
    trials = _trials({("ff", "en"): 0.95, ("nf", "en"): 0.5, ("nn", "en"): 0.6, ("fn", "en"): 0.9})
    metrics = pd.DataFrame([{"epoch": 0, "ff_en": 0.45, "nf_en": 0.52}, {"epoch": 1, "ff_en": 0.9, "nf_en": 0.6}])
    table = lab.accuracy_table(trials, metrics).set_index("test")
    assert list(table.index) == ["familiar–familiar", "novel–familiar (ME)", "novel–novel", "familiar–novel"]
    ff, nf = table.loc["familiar–familiar"], table.loc["novel–familiar (ME)"]
    assert ff.accuracy == pytest.approx(0.95) and ff.low < 0.95 < ff.high and ff["p vs 50 %"] < 1e-4
    assert ff.words == 4 and ff.trials == 200
    assert nf["p vs 50 %"] == pytest.approx(1.0) and nf.low < 0.5 < nf.high
    assert ff.untrained == pytest.approx(0.45) and np.isnan(table.loc["novel–novel"].untrained)


def test_the_prediction_is_judged_against_the_interval():
    table = lab.accuracy_table(_trials({("nf", "en"): 0.7}), pd.DataFrame())
    assert "lies inside" in lab.prediction_verdict(70, table)
    assert "lies outside" in lab.prediction_verdict(50, table)
    assert lab.prediction_verdict(-1, table).startswith("No prediction")


def test_the_interval_counts_words_not_trials():
    """Four words at 30, 50, 70 and 90 %, 200 trials each: pooled over 800 trials a Wilson interval is about
    +-3.4 points; over the four words it is about +-41 (t with 3 degrees of freedom), and no longer excludes 50 %."""
    from statsmodels.stats.proportion import proportion_confint

    rows = [{"test": "nf", "lang": "en", "concept": f"w{w}", "correct": i < 200 * rate}
            for w, rate in enumerate((0.3, 0.5, 0.7, 0.9)) for i in range(200)]  # fmt: skip
    nf = lab.accuracy_table(pd.DataFrame(rows), pd.DataFrame()).iloc[0]
    wilson = proportion_confint(480, 800, method="wilson")
    assert nf.accuracy == pytest.approx(0.6) and wilson[0] > 0.55  # trials as units: "reliably above chance"
    assert nf.low == pytest.approx(0.6 - 3.182 * 0.1291, abs=1e-3) and nf.high == 1.0  # clipped to 100 %
    assert nf["p vs 50 %"] > 0.05


def test_nf_per_word_lists_the_hardest_words_first_in_the_tested_language():
    trials = pd.DataFrame({"test": "nf", "lang": "fr", "concept": ["ball", "ball", "cup", "cup", "w2", "w2"],
                           "correct": [True, True, False, False, True, False]})  # fmt: skip
    words = lab.nf_per_word(trials)
    assert list(words.concept) == ["cup", "w2", "ball"] and list(words.accuracy) == [0.0, 0.5, 1.0]
    assert list(words.word) == ["tasse", "w2", "ballon"]  # French words; a concept the inventory lacks: its name


def test_slug_makes_a_file_name_or_refuses():
    assert lab.slug("Ada Lovelace!") == "ada-lovelace"
    with pytest.raises(ValueError, match="student must name you"):
        lab.slug("?!")
