"""What the classroom lab notebook (`notebooks/lab.py`) computes from one run: its accuracies with intervals
beside the untrained model's, the ME accuracy per novel word, and the student's prediction against the result."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from vgslib.results.tables import TEST_NAMES

TESTS = ("ff", "nf", "nn", "fn", "hub")


def slug(text: str) -> str:
    """A name fit for a file name: letters, digits and dashes."""
    out = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    if not out:
        raise ValueError(f"student must name you (letters or digits), got {text!r}")
    return out


def accuracy_table(trials: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """Per test and test language: trials, accuracy with a 95 % Wilson interval, an exact binomial p-value
    against 50 % (trials pooled: optimistic, since one word's trials are not independent) and the untrained
    model's accuracy on the same trials (epoch 0 of `metrics`)."""
    rows = []
    untrained = metrics[metrics.epoch == 0].iloc[0] if len(metrics) else pd.Series(dtype=float)
    for (test, lang), part in trials.groupby(["test", "lang"], sort=False):
        n, k = len(part), int(part.correct.sum())
        low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
        rows.append({
            "test": TEST_NAMES.get(test, test), "tested on": lang, "trials": n, "accuracy": k / n,
            "low": low, "high": high, "p vs 50 %": stats.binomtest(k, n, 0.5).pvalue,
            "untrained": float(untrained.get(f"{test}_{lang}", np.nan)), "order": TESTS.index(test),
        })  # fmt: skip
    return pd.DataFrame(rows).sort_values(["tested on", "order"]).drop(columns="order").reset_index(drop=True)


def styled(table: pd.DataFrame):
    """The accuracy table as the notebook shows it: accuracies in %, p-values in two digits."""
    percent = {c: "{:.1%}" for c in ("accuracy", "low", "high", "untrained")}
    return table.style.hide(axis="index").format({**percent, "p vs 50 %": "{:.2g}"})


def nf_per_word(trials: pd.DataFrame) -> pd.DataFrame:
    """ME (novel–familiar) accuracy per novel word and test language, lowest first."""
    nf = trials[trials.test == "nf"]
    out = nf.groupby(["lang", "concept"]).correct.agg(["mean", "size"]).reset_index()
    return out.rename(columns={"mean": "accuracy", "size": "trials"}).sort_values("accuracy")


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
