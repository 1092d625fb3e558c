"""The first results chapter (`book/first-results.md`): seed 0 of every Table 1 condition, its accuracies against
the paper's, and the verdict in words.

Functions take the tidy tables of `runs.load_runs()`; they fit no model (the analysis notebook does)."""

from __future__ import annotations

import pandas as pd

from vgslib.report.pages import LANGS
from vgslib.results import study, tables
from vgslib.results.tables import FF_BAR


def first_results(tidy: dict) -> dict:
    """Seed 0 of each Table 1 condition: trials, metrics, pooled accuracies and the chapter's numbers."""
    first = tables.first_results(tidy["runs"])
    trials = tidy["trials"][tidy["trials"].run.isin(first.run)]
    metrics = tidy["metrics"][tidy["metrics"].run.isin(first.run)]
    acc = tables.accuracy_by_condition(trials)

    def cell(train, lang, test):
        row = acc[(acc.train_langs == train) & (acc.lang == lang) & (acc.test == test)]
        return float(row.accuracy.iloc[0]) if len(row) else float("nan")

    ff_all, fn_all, nf_all = (acc[acc.test == t].accuracy for t in ("ff", "fn", "nf"))
    nf = acc[acc.test == "nf"]
    mono_nf = nf[nf.train_langs == nf.lang].set_index("lang").accuracy
    bi_nf = nf[nf.train_langs != nf.lang].groupby("lang").accuracy.mean()
    numbers = {"n_runs": len(first), "presets": ", ".join(sorted(first.preset.unique()))}
    for lang in LANGS:
        numbers |= {f"{t}_{lang}_mono": 100 * cell(lang, lang, t) for t in ("ff", "nf", "fn")}
    numbers |= {
        "ff_min": 100 * float(ff_all.min()),
        "ff_max": 100 * float(ff_all.max()),
        "ff_verdict": f"every model learned the familiar words (all at or above {100 * FF_BAR:.0f} %)"
        if ff_all.min() >= FF_BAR
        else f"not every model reached the {100 * FF_BAR:.0f} % bar, so their ME results mean little",
        "fn_verdict": "a familiar word is reliably matched to its own picture even against a novel one"
        if len(fn_all) and fn_all.min() >= FF_BAR
        else "familiar words are not reliably matched to their own picture against a novel one",
        "nf_min": 100 * float(nf_all.min()),
        "nf_max": 100 * float(nf_all.max()),
        "nf_n_cells": len(nf),
        "nf_n_above": int(((nf.accuracy > 0.5) & (nf.p_vs_chance < 0.05)).sum()),
        "nf_n_below": int(((nf.accuracy < 0.5) & (nf.p_vs_chance < 0.05)).sum()),
        "n_weaker": int(sum(bi_nf[lang] < mono_nf[lang] for lang in mono_nf.index if lang in bi_nf.index)),
        "n_langs": int(sum(lang in bi_nf.index for lang in mono_nf.index)),
    }
    words = tables.per_word(trials, "nf")
    numbers["word_spread"] = 100 * float(
        words.groupby(["train_langs", "lang"]).accuracy.agg(lambda a: a.max() - a.min()).mean()
    )
    numbers["cond_spread"] = 100 * float(nf.accuracy.max() - nf.accuracy.min())
    return {"trials": trials, "metrics": metrics, "acc": acc, "words": words, "numbers": numbers,
            "mono_nf": mono_nf}  # fmt: skip


def first_results_table(acc: pd.DataFrame, metrics: pd.DataFrame | None = None) -> pd.DataFrame:
    """Accuracy (%) per (tested on, trained on) and test; with `metrics`, the untrained model's (epoch 0)
    accuracy beside each trained one."""
    table = acc.assign(test=acc.test.map(tables.TEST_NAMES), accuracy=(100 * acc.accuracy).round(1))
    wide = table.pivot_table(index=["lang", "train_langs"], columns="test", values="accuracy")
    wide.index.names = ["tested on", "trained on"]
    wide = wide[[tables.TEST_NAMES[t] for t in ("ff", "nf", "nn", "fn") if tables.TEST_NAMES[t] in wide]]  # a corpus
    # may hold fewer tests (the reference's episodes: FF and NF only)
    if metrics is None:
        return wide
    untrained = study.table1_at_epoch(metrics, 0, tests=("ff", "nf", "nn", "fn"))
    untrained = untrained.assign(test=untrained.test.map(tables.TEST_NAMES), mean=(100 * untrained["mean"]).round(1))
    epoch0 = untrained.pivot_table(index=["lang", "train_langs"], columns="test", values="mean")
    epoch0.index.names = wide.index.names
    both = pd.concat({"trained": wide, "epoch 0": epoch0.reindex(wide.index)[wide.columns]}, axis=1).swaplevel(axis=1)
    return both[[(name, kind) for name in wide.columns for kind in ("trained", "epoch 0")]]


def first_results_verdict(first: dict) -> str:
    n, mono_nf, acc = first["numbers"], first["mono_nf"], first["acc"]
    mono = " / ".join(f"{lang.upper()} {100 * mono_nf[lang]:.1f} %" for lang in mono_nf.index)
    if n["nf_n_below"] + n["nf_n_above"] == 0 or acc[acc.test == "nf"].accuracy.max() < 0.6:
        return (
            f"**With one seed, these miniature models show no clear ME bias** (monolingual NF accuracy: {mono}), "
            "whereas the paper reports about 66 % for English. This book does not tune the world or the recipe "
            "towards the paper's number; the next chapters measure whether this holds across seeds, and the "
            "geometry chapter asks why."
        )
    verdict = (
        f"Monolingual NF accuracy: {mono}; the paper reports about 66 % for English. One seed is not "
        "enough to compare bilinguals with monolinguals: see the next two chapters."
    )
    if n["n_langs"] and n["n_weaker"] == 0:
        verdict += (
            " **Unlike the paper, in these runs the bilingual models' ME accuracy is not lower than the "
            "monolingual model's in any test language.**"
        )
    elif n["n_langs"] and n["n_weaker"] == n["n_langs"]:
        verdict += " As in the paper, the bilingual models' ME accuracy is lower in every test language."
    return verdict
