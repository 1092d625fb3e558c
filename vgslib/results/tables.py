"""Tidy summaries of run results for the book: accuracies per condition, per word, and learning curves."""

from __future__ import annotations

import pandas as pd
from scipy import stats

from vgslib.runs import read_metrics

FF_BAR = 0.90  # familiar-familiar accuracy a model must reach before its ME test means anything
TEST_NAMES = {"ff": "familiar–familiar", "nf": "novel–familiar (ME)", "nn": "novel–novel", "fn": "familiar–novel",
              "hub": "hub control (familiar word: novel vs other familiar picture)"}  # fmt: skip


def accuracy_by_condition(trials: pd.DataFrame) -> pd.DataFrame:
    """Accuracy per (training languages, test language, test), pooled over the runs (seeds) present,
    with the number of trials and a two-sided exact binomial test against 50 %."""
    rows = []
    for (train_langs, lang, test), part in trials.groupby(["train_langs", "lang", "test"]):
        k, n = int(part.correct.sum()), len(part)
        rows.append(
            {
                "train_langs": train_langs,
                "lang": lang,
                "test": test,
                "accuracy": k / n,
                "n_trials": n,
                "seeds": part.seed.nunique(),
                "p_vs_chance": stats.binomtest(k, n, 0.5).pvalue,
            }
        )
    return pd.DataFrame(rows)


def per_word(trials: pd.DataFrame, test: str = "nf") -> pd.DataFrame:
    """Accuracy per spoken word (concept) for one test, per condition and test language."""
    part = trials[trials.test == test]
    return part.groupby(["train_langs", "lang", "concept"]).correct.mean().rename("accuracy").reset_index()


def curves(metrics: pd.DataFrame) -> pd.DataFrame:
    """Long format of the per-epoch metrics: (run, train_langs, epoch, metric, lang, value)."""
    value_cols = [c for c in metrics.columns if c[:3] in ("ff_", "nf_", "nn_", "fn_")]
    long = metrics.melt(
        id_vars=["run", "train_langs", "seed", "epoch"],
        value_vars=value_cols,
        var_name="metric_lang",
        value_name="value",
    ).dropna(subset=["value"])
    long[["test", "lang"]] = long.metric_lang.str.split("_", n=1, expand=True)
    long["test name"] = long.test.map(TEST_NAMES)
    return long.drop(columns="metric_lang")


def first_results(summary: pd.DataFrame) -> pd.DataFrame:
    """The first-results runs: seed 0 of each Table 1 condition (no links, 1x, the preset's size) of the
    preset the page reports (`choose_preset`)."""
    if summary.empty:
        return summary
    keep = summary[(summary.seed == 0) & summary.table1.astype(bool)]
    if keep.empty:
        return keep
    return keep[keep.preset == choose_preset(keep.preset)].reset_index(drop=True)


def choose_preset(presets: pd.Series) -> str:
    """The preset a page reports: the one with the most runs (ties: the first by name). It depends on the runs
    folder only, never on the machine that renders the book."""
    counts = presets.value_counts()
    return sorted(counts[counts == counts.max()].index)[0]


def preset_check(summary: pd.DataFrame) -> pd.DataFrame:
    """Seed 0 of the English Table 1 run of every preset present: did it learn the familiar words? The gate is
    FF on validation trials (NaN for runs made before it was recorded); FF on the test split beside it."""
    en = summary[(summary.train_langs == "en") & (summary.seed == 0) & summary.table1.astype(bool)]
    return pd.DataFrame(
        {
            "preset": en.preset,
            "run": en.run,
            "validation FF (en)": en.val_ff_en if "val_ff_en" in en else float("nan"),
            "FF (en)": en.ff_en,
            "NF (en)": en.nf_en,
            "best epoch": en.best_epoch,
            "validation loss": en.best_val_loss,
            "training steps": en.steps,
        }
    ).reset_index(drop=True)


SCHEDULE_RULE = (
    "Among the candidate schedules, the shortest one (a) whose best epoch is not its last in most of the runs "
    "(more epochs no longer lower the validation loss), (b) whose best validation loss is within 10 % of the "
    "lowest any candidate reaches, run by run, and (c) whose validation FF is at least 90 % in every language."
)


def schedule_choice(curves: pd.DataFrame, within: float = 0.1) -> pd.DataFrame:
    """One row per candidate schedule (epochs, lr) of a sweep's validation curves (`analysis/laptop_preset.py`)
    with the checks of `SCHEDULE_RULE` and whether it is chosen; `curves` holds validation numbers only."""
    best = curves.loc[curves.groupby(["condition", "epochs", "lr"]).val_loss.idxmin()]
    best = best.assign(last=best.epoch == best.epochs)
    best = best.assign(close=best.val_loss <= (1 + within) * best.groupby("condition").val_loss.transform("min"))
    best = best.join(curves.filter(like="val_ff_").min(axis=1).rename("min_val_ff"))
    table = best.groupby(["epochs", "lr"]).agg(
        runs=("condition", "size"),
        best_is_last=("last", "sum"),
        close_to_lowest=("close", "sum"),
        min_val_ff=("min_val_ff", "min"),
        mean_best_val_loss=("val_loss", "mean"),
    )
    table = table.reset_index().sort_values(["epochs", "lr"], ascending=[True, False], ignore_index=True)
    ok = (table.best_is_last * 2 < table.runs) & (table.close_to_lowest == table.runs) & (table.min_val_ff >= FF_BAR)
    return table.assign(passes=ok, chosen=ok & (ok.cumsum() == 1))


def training_seconds(run_dir: str) -> float:
    """The sum of a run's epochs' training times (`metrics.jsonl`)."""
    return sum(m.get("train_seconds", 0) for m in read_metrics(run_dir))
