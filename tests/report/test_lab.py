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
    assert ff.accuracy == pytest.approx(0.95) and ff.low < 0.95 < ff.high and ff["p vs 50 %"] < 1e-20
    assert nf["p vs 50 %"] == pytest.approx(1.0) and nf.low < 0.5 < nf.high
    assert ff.untrained == pytest.approx(0.45) and np.isnan(table.loc["novel–novel"].untrained)


def test_the_prediction_is_judged_against_the_interval():
    table = lab.accuracy_table(_trials({("nf", "en"): 0.7}), pd.DataFrame())
    assert "lies inside" in lab.prediction_verdict(70, table)
    assert "lies outside" in lab.prediction_verdict(50, table)
    assert lab.prediction_verdict(-1, table).startswith("No prediction")


def test_nf_per_word_lists_the_hardest_words_first():
    trials = pd.DataFrame({"test": "nf", "lang": "nl", "concept": ["w0", "w0", "w1", "w1", "w2", "w2"],
                           "correct": [True, True, False, False, True, False]})  # fmt: skip
    words = lab.nf_per_word(trials)
    assert list(words.concept) == ["w1", "w2", "w0"] and list(words.accuracy) == [0.0, 0.5, 1.0]


def test_slug_makes_a_file_name_or_refuses():
    assert lab.slug("Ada Lovelace!") == "ada-lovelace"
    with pytest.raises(ValueError, match="student must name you"):
        lab.slug("?!")
