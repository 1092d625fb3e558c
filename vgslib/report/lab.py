"""What the classroom lab notebook (`notebooks/lab.py`) computes from one run: its accuracies with intervals over
words beside the untrained model's, the ME accuracy per novel word, and the student's prediction against the result."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from vgslib.results.tables import TEST_NAMES
from vgslib.sources import concepts

TESTS = ("ff", "nf", "nn", "fn", "hub")


def slug(text: str) -> str:
    """A name fit for a file name: letters, digits and dashes."""
    out = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    if not out:
        raise ValueError(f"student must name you (letters or digits), got {text!r}")
    return out


def word_interval(part: pd.DataFrame) -> tuple[float, float, float]:
    """The 95 % interval and the p-value against 50 % of one test's accuracy, with each spoken word (`concept`)
    as the unit: a t interval and a one-sample t-test over the words' accuracies, as the chapters count runs
    rather than trials. The trials of one word share that word's peculiarities, so treating them as independent
    (a Wilson interval over all trials) would overstate the evidence. Where every word scores the same (no spread
    to estimate; e.g. all at 100 %), the Wilson interval and exact binomial test over the trials stand in."""
    per_word = part.groupby("concept").correct.mean()
    if len(per_word) < 2 or per_word.std() == 0:
        n, k = len(part), int(part.correct.sum())
        low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
        return float(low), float(high), float(stats.binomtest(k, n, 0.5).pvalue)
    low, high = stats.t.interval(0.95, len(per_word) - 1, loc=per_word.mean(), scale=stats.sem(per_word))
    return float(max(low, 0.0)), float(min(high, 1.0)), float(stats.ttest_1samp(per_word, 0.5).pvalue)


def accuracy_table(trials: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """Per test and test language: trials, words, accuracy with its 95 % interval and p-value against 50 % over
    words (`word_interval`), and the untrained model's accuracy on the same trials (epoch 0 of `metrics`)."""
    rows = []
    untrained = metrics[metrics.epoch == 0].iloc[0] if len(metrics) else pd.Series(dtype=float)
    for (test, lang), part in trials.groupby(["test", "lang"], sort=False):
        low, high, p = word_interval(part)
        rows.append({
            "test": TEST_NAMES.get(test, test), "tested on": lang, "trials": len(part),
            "words": part.concept.nunique(), "accuracy": part.correct.mean(), "low": low, "high": high,
            "p vs 50 %": p, "untrained": float(untrained.get(f"{test}_{lang}", np.nan)), "order": TESTS.index(test),
        })  # fmt: skip
    return pd.DataFrame(rows).sort_values(["tested on", "order"]).drop(columns="order").reset_index(drop=True)


def styled(table: pd.DataFrame):
    """The accuracy table as the notebook shows it: accuracies in %, p-values in two digits."""
    percent = {c: "{:.1%}" for c in ("accuracy", "low", "high", "untrained")}
    return table.style.hide(axis="index").format({**percent, "p vs 50 %": "{:.2g}"})


def nf_per_word(trials: pd.DataFrame) -> pd.DataFrame:
    """ME (novel–familiar) accuracy per novel word and test language, lowest first: the word as the test
    language says it, and the concept it names."""
    nf = trials[trials.test == "nf"]
    out = nf.groupby(["lang", "concept"]).correct.agg(["mean", "size"]).reset_index()
    out.insert(1, "word", [_spoken(c, lang) for c, lang in zip(out.concept, out.lang)])
    return out.rename(columns={"mean": "accuracy", "size": "trials"}).sort_values("accuracy", kind="stable")


def _spoken(concept: str, lang: str) -> str:
    known = concepts.KNOWN.get(concept)
    return known.words.get(lang, concept) if known else concept


def prediction_verdict(predicted: float, table: pd.DataFrame) -> str:
    """The student's NF prediction (in %; negative = none made) against the measured NF accuracy."""
    nf = table[table.test == TEST_NAMES["nf"]]
    measured = ", ".join(f"{100 * r.accuracy:.1f} % [{100 * r.low:.1f}, {100 * r.high:.1f}] in {r['tested on']}"
                         for _, r in nf.iterrows())  # fmt: skip
    if predicted < 0:
        return f"No prediction was recorded. Measured NF accuracy: {measured}."
    inside = [r.low <= predicted / 100 <= r.high for _, r in nf.iterrows()]
    where = "inside" if all(inside) else ("outside" if not any(inside) else "inside for some test languages, outside")
    return f"You predicted {predicted:.0f} %; the model reached {measured}: your prediction lies {where} the interval."
